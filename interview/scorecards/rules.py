"""What a scorecard needs before it can be submitted. Pure: plain values in, messages out.

A rating without evidence is worthless in a debrief, so every competency of the session
needs either a level with at least ``MIN_EVIDENCE`` characters of evidence, or an
explicit "not assessed". Evidence is kept exactly as typed, up to ``MAX_TEXT``
characters per field; longer text, or text holding a control character (text.py), is
refused (never cut or cleaned) so nothing is silently changed or lost.
"""

from dataclasses import dataclass

from ..text import control_character_problem

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


def _text_problem(text: str) -> str | None:
    if len(text) > MAX_TEXT:
        return (
            f"{len(text):,} characters; the limit is {MAX_TEXT:,}. "
            "Shorten it: your text is still here."
        )
    return control_character_problem(text)


def length_problems(answers: dict[str, Answer], summary: str) -> dict[str, str]:
    """What drafts cannot hold either: text over ``MAX_TEXT``, control characters."""
    problems = {}
    for key, answer in answers.items():
        for field in ("evidence", "notes"):
            if problem := _text_problem(getattr(answer, field)):
                problems[f"{key}.{field}"] = problem
    if problem := _text_problem(summary):
        problems["summary"] = problem
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
