"""What a scorecard needs before it can be submitted. Pure: plain values in, messages out.

A rating without evidence is worthless in a debrief, so every competency of the session
needs either a level with at least ``MIN_EVIDENCE`` characters of evidence, or an
explicit "not assessed". Evidence is kept exactly as typed, up to ``MAX_TEXT``
characters per field; longer text is refused (never cut) so nothing is silently lost.
"""

from dataclasses import dataclass

MIN_EVIDENCE = 20
MIN_SUMMARY = 20
MAX_TEXT = 20_000
NOT_ASSESSED = "na"


@dataclass(frozen=True)
class Answer:
    """What the interviewer gave for one competency."""

    level: int | None  # None: not chosen yet
    not_assessed: bool
    evidence: str
    notes: str = ""


def length_problems(answers: dict[str, Answer], summary: str) -> dict[str, str]:
    """Limits that apply to drafts as well: nothing over ``MAX_TEXT`` is stored."""
    problems = {}
    for key, answer in answers.items():
        for field in ("evidence", "notes"):
            text = getattr(answer, field)
            if len(text) > MAX_TEXT:
                problems[f"{key}.{field}"] = (
                    f"{len(text):,} characters; the limit is {MAX_TEXT:,}. "
                    "Shorten it: your text is still here."
                )
    if len(summary) > MAX_TEXT:
        problems["summary"] = f"{len(summary):,} characters; the limit is {MAX_TEXT:,}."
    return problems


def submission_problems(
    answers: dict[str, Answer], recommendation: int | None, summary: str
) -> dict[str, str]:
    """Every reason the scorecard cannot be submitted yet, by field."""
    problems = length_problems(answers, summary)
    for key, answer in answers.items():
        if answer.not_assessed:
            continue
        if answer.level is None:
            problems.setdefault(f"{key}.level", "Choose a rating, or “not assessed”.")
        elif len(answer.evidence.strip()) < MIN_EVIDENCE:
            problems.setdefault(
                f"{key}.evidence",
                f"Write at least {MIN_EVIDENCE} characters of evidence: what the "
                "candidate said or did that earns this rating.",
            )
    if all(a.not_assessed for a in answers.values()) and answers:
        problems["ratings"] = "Rate at least one competency before submitting."
    if recommendation is None:
        problems["recommendation"] = "Choose your overall recommendation."
    if len(summary.strip()) < MIN_SUMMARY:
        problems.setdefault(
            "summary", f"Write a summary of at least {MIN_SUMMARY} characters."
        )
    return problems
