"""Demo scorecards for the loop in debrief: evidence as interviewers really write it.

Levels differ between the clinical and technical side on purpose (translating
technical ideas), so the debrief has a cross-functional disagreement to show. Every
scorecard is submitted, one of them two days late, so the stale flag shows too.
"""

from datetime import timedelta

from .extensions import db
from .models import Loop
from .scorecards.operations import Edit, scorecard_for, submit
from .scorecards.rules import Answer
from .timeutil import utcnow

# (competency key, discipline) -> (level, evidence)
EVIDENCE = {
    ("ehr_build_configuration", "clinical"): (
        3,
        "Described rebuilding the sepsis order set after nurses reported duplicate lactate orders. She shadowed two night shifts before changing anything and tested the new panel with the charge nurses in the training environment.",
    ),
    ("ehr_build_configuration", "technical"): (
        3,
        "Walked me through her change-control steps: build in POC, unit test, integrated test with pharmacy, sign-off, move to production in the maintenance window. Could not say how she would roll back a rule that fires too often.",
    ),
    ("clinical_workflow_understanding", "clinical"): (
        4,
        "Asked unprompted who enters the order, who verifies it and who gives the first dose, and pointed out that the pharmacist verification step is where the delay really happens on our wards.",
    ),
    ("clinical_workflow_understanding", "technical"): (
        3,
        "Mapped the medication administration steps on the whiteboard correctly, including barcode scanning, but treated the downtime procedure as an afterthought until I asked.",
    ),
    ("clinical_data_quality", "clinical"): (
        3,
        "When the sepsis dashboard disagreed with chart review, she pulled ten charts herself and found the time-zero definition differed between ED and inpatient documentation.",
    ),
    ("clinical_data_quality", "technical"): (
        2,
        "Talked about 'cleaning the data' but could not explain how she would detect duplicate encounters from the ADT merge, or how missing vitals would bias the measure.",
    ),
    ("translating_technical_ideas", "clinical"): (
        2,
        "Her explanation of why the alert fires late was full of build terms (rule base, criteria records, lookback). I had to ask three times what it means for my patients before I understood it.",
    ),
    ("translating_technical_ideas", "technical"): (
        4,
        "Explained the alert timing constraint to me as she would to a surgeon: the labs arrive in batches every 30 minutes, so the alert can never be faster than that. Clear and accurate.",
    ),
    ("adaptability_learning_agility", "clinical"): (
        3,
        "When the state changed its reporting rules mid-project she re-planned with the quality team within a week and told us what would slip, rather than quietly missing the deadline.",
    ),
    ("adaptability_learning_agility", "technical"): (
        3,
        "Described a failed interface test she owned and the checklist she added afterwards; she still uses it. Less convincing on handling ambiguity with no clear owner.",
    ),
    ("regulatory_privacy_judgement", "clinical"): (
        3,
        "Asked what she would do with a spreadsheet of patient names a manager emailed her: she would not open it on her phone, would tell the privacy office, and explained minimum necessary in her own words.",
    ),
    ("regulatory_privacy_judgement", "technical"): (
        3,
        "For test data she proposed masked extracts and a data use agreement; unsure whether audit logs of PHI access must be kept, but said she would ask the security officer rather than guess.",
    ),
}
SUMMARY = {
    "clinical": "Knows how care actually happens on the wards and checks her work with the people who use it. Needs to explain build decisions in plain words.",
    "technical": "Sound build discipline and a clear explainer to engineers; data quality reasoning is the weaker area and worth probing in the debrief.",
}


def seed_scorecards(loop: Loop) -> int:
    """Submitted scorecards for the demo loop in debrief, made together with it."""
    made = 0
    for index, session in enumerate(loop.sessions):
        for seat in session.seats:
            if seat.interviewer is None or seat.scorecard is not None:
                continue
            card = scorecard_for(seat)
            side = seat.discipline.value
            answers = {}
            for competency in session.competencies:
                level, text = EVIDENCE.get((competency.key, side), (None, ""))
                if level is None:
                    level, text = (
                        3,
                        f"Covered {competency.name.lower()} with a concrete example from her last EHR upgrade and what she would change next time.",
                    )
                answers[competency.key] = Answer(level, False, text)
            late = index == len(loop.sessions) - 1 and side == "clinical"
            recommendation = 3  # both sides lean yes; the debrief shows why
            submit(
                seat.interviewer,
                card,
                answers,
                recommendation,
                SUMMARY[side],
                Edit(card.version),
            )
            if session.ends_at:  # written up the same afternoon, but for one
                delay = timedelta(hours=52 if late else 2)
                moment = min(session.ends_at + delay, utcnow())
                card.submitted_at = card.updated_at = card.created_at = moment
            made += 1
    db.session.flush()
    return made
