"""Refuse input the synthesis cannot combine (the package docstring, "Bad input")."""

from collections.abc import Sequence

from ..numbers import exact
from .model import DISCIPLINES, CompetencyInfo, Level, ScorecardIn


class ScaleError(ValueError):
    """A scale the synthesis cannot average: its values are not consecutive."""


def check_scale(values: Sequence[int]) -> None:
    """Refuse a scale whose values are not consecutive: means would not count levels."""
    ordered = sorted(values)
    if ordered != list(range(ordered[0], ordered[0] + len(ordered))):
        raise ScaleError(
            f"the scale's values must be consecutive whole numbers, not {ordered}"
        )


def check_inputs(
    levels: Sequence[Level],
    competencies: Sequence[CompetencyInfo],
    scorecards: Sequence[ScorecardIn],
    expected_scorecards: int,
) -> None:
    if not levels:
        raise ValueError("the scale has no levels")
    values = {lv.value for lv in levels}
    if len(values) != len(levels):
        raise ValueError("the scale repeats a level value")
    check_scale(list(values))
    keys = {c.key for c in competencies}
    if len(keys) != len(competencies):
        raise ValueError("a competency key is repeated")
    for c in competencies:
        if not exact(c.weight) > 0:
            raise ValueError(f"{c.key}: weight must be a positive number")
        if c.assessed_by not in ("clinical", "technical", "both"):
            raise ValueError(f"{c.key}: unknown assessed_by {c.assessed_by!r}")
        if c.min_level is not None and c.min_level not in values:
            raise ValueError(f"{c.key}: min_level {c.min_level} is not on the scale")
    if expected_scorecards < 0:
        raise ValueError("expected_scorecards cannot be negative")
    for card in scorecards:
        _check_card(card, keys, values)


def _check_card(card: ScorecardIn, keys: set[str], values: set[int]) -> None:
    if card.discipline not in DISCIPLINES:
        raise ValueError(f"scorecard {card.id}: unknown discipline")
    if card.recommendation is not None and card.recommendation not in values:
        raise ValueError(f"scorecard {card.id}: recommendation is not on the scale")
    for moment in (
        card.submitted_at,
        card.interview_ended_at,
        card.amended_at,
        card.others_visible_from,
        card.replaced_at,
    ):
        if moment is not None and moment.utcoffset() is None:
            raise ValueError(f"scorecard {card.id}: datetimes must be aware")
    seen = set()
    for rating in card.ratings:
        if rating.competency not in keys:
            raise ValueError(f"scorecard {card.id}: unknown {rating.competency!r}")
        if rating.competency in seen:
            raise ValueError(f"scorecard {card.id}: {rating.competency} twice")
        seen.add(rating.competency)
        if rating.level is not None and rating.level not in values:
            raise ValueError(f"scorecard {card.id}: level {rating.level} off scale")
