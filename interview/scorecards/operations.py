"""Drafts, submission and amendment of scorecards; every change is checked against the
version the interviewer started from, so a second tab never overwrites the first."""

from ..auditing import record
from ..extensions import db
from ..models import PanelSeat, Rating, Scorecard, ScorecardStatus, User
from ..timeutil import utcnow
from .rules import Answer, length_problems, submission_problems


class ScorecardProblems(ValueError):
    """The scorecard cannot be saved as asked; ``problems`` names each field."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(problems.values()))
        self.problems = problems


class StaleScorecard(Exception):
    """The scorecard changed in another window since this form was loaded."""

    def __init__(self, card: Scorecard):
        super().__init__("changed in another window")
        self.card = card


def scorecard_for(seat: PanelSeat) -> Scorecard:
    """The seat's scorecard, made (unsaved) with a rating per session competency."""
    if seat.scorecard is not None:
        return seat.scorecard
    loop = seat.session.loop
    return Scorecard(
        seat=seat,
        interviewer_id=seat.interviewer_id,
        rubric_version_id=loop.rubric_version_id,
        version=0,
        ratings=[Rating(competency_id=c.id) for c in seat.session.competencies],
    )


def _keys(card: Scorecard) -> dict[int, str]:
    """Competency key by id, from the session (new ratings cannot load their own)."""
    return {c.id: c.key for c in card.seat.session.competencies} | {
        r.competency_id: r.competency.key for r in card.ratings if r.id is not None
    }


def answers_of(card: Scorecard) -> dict[str, Answer]:
    keys = _keys(card)
    return {
        keys[r.competency_id]: Answer(r.level, r.is_not_assessed, r.evidence, r.notes)
        for r in card.ratings
    }


def _check_version(card: Scorecard, expected: int | None) -> None:
    if expected is not None and expected != card.version:
        raise StaleScorecard(card)


def _apply(
    card: Scorecard, answers: dict[str, Answer], recommendation, summary
) -> None:
    keys = _keys(card)
    for rating in card.ratings:
        answer = answers.get(keys[rating.competency_id])
        if answer is None:
            continue
        rating.level = None if answer.not_assessed else answer.level
        rating.is_not_assessed = answer.not_assessed
        rating.evidence = answer.evidence
        rating.notes = answer.notes
    card.overall_recommendation = recommendation
    card.summary = summary


def save_draft(
    actor: User, card: Scorecard, answers, recommendation, summary, expected: int | None
) -> Scorecard:
    """Keep what is typed so far; a submitted scorecard changes only by amendment."""
    if card.is_submitted:
        raise ScorecardProblems(
            {"status": "This scorecard is submitted; amend it instead."}
        )
    _check_version(card, expected)
    if problems := length_problems(answers, summary):
        raise ScorecardProblems(problems)
    _apply(card, answers, recommendation, summary)
    if card.id is None:
        db.session.add(card)
    db.session.flush()
    return card


def submit(
    actor: User, card: Scorecard, answers, recommendation, summary, expected: int | None
) -> Scorecard:
    """Lock the scorecard against edits; from now on others' scorecards are visible."""
    _check_version(card, expected)
    if problems := submission_problems(answers, recommendation, summary):
        raise ScorecardProblems(problems)
    _apply(card, answers, recommendation, summary)
    card.status = ScorecardStatus.SUBMITTED
    card.submitted_at = utcnow()
    if card.id is None:
        db.session.add(card)
    db.session.flush()
    record(actor, "scorecard.submit", card, after=_snapshot(card))
    return card


def amend(
    actor: User,
    card: Scorecard,
    answers,
    recommendation,
    summary,
    reason: str,
    expected: int | None,
) -> Scorecard:
    """Change a submitted scorecard with a reason; the old text stays in the audit log."""
    if not card.is_submitted:
        raise ScorecardProblems({"status": "Only a submitted scorecard is amended."})
    if len(reason.strip()) < 10:
        raise ScorecardProblems(
            {"reason": "Say why you amend it (at least 10 characters)."}
        )
    _check_version(card, expected)
    if problems := submission_problems(answers, recommendation, summary):
        raise ScorecardProblems(problems)
    before = _snapshot(card)
    _apply(card, answers, recommendation, summary)
    card.amended_at = utcnow()
    card.amendment_count += 1
    db.session.flush()
    record(
        actor, "scorecard.amend", card, before, _snapshot(card), reason=reason.strip()
    )
    return card


def _snapshot(card: Scorecard) -> dict:
    keys = _keys(card)
    return {
        "recommendation": card.overall_recommendation,
        "summary": card.summary,
        "ratings": {
            keys[r.competency_id]: {
                "level": r.level,
                "not_assessed": r.is_not_assessed,
                "evidence": r.evidence,
            }
            for r in card.ratings
        },
    }
