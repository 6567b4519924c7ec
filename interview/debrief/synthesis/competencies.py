"""One competency's figures from the submitted ratings. Pure. R(c), n(c), w(c): the package docstring's notation.

Per competency (exact fractions; nothing is rounded in the numbers)
    count   = n(c); a competency with n(c) = 1 is ``single``: one interviewer's view,
              printed "1 rating" wherever its count is.
    plain_mean = sum(R(c)) / n(c)                    (None when n(c) = 0)
    median  = the middle of sorted R(c)              (even n: mean of the middle two)
    minimum = min(R(c)), maximum = max(R(c))
    clinical / technical: the same count and mean over the ratings given by
    interviewers of that discipline only (C(c) and T(c) below, n_C and n_T).

The balance rule: the competency's mean, the one that counts
    The rubric says who assesses a competency (``assessed_by``: clinical, technical
    or both; FORMAT.md). For a competency assessed by both, with ratings from both:
        mean(c) = (mean(C(c)) + mean(T(c))) / 2                     (``balanced``)
    so that the larger side of the panel cannot outvote the other: three clinicians
    at 4 and one engineer at 2 give 3, not 3.5. Both side means and their counts
    stay in the result and on the page. Rated by one side only, mean(c) is that
    side's mean. ``basis`` says which rule applied, in words: "the clinical and
    technical means averaged", or "technical ratings only: no clinical interviewer
    rated it". A competency for one discipline has mean(c) = plain_mean(c),
    whoever rated it. The rubric's ``lead_discipline`` (whose judgement counts
    most) does not change the arithmetic. mean(c) is the mean that the overall
    score, the must-meet test and the tables use.
"""

from collections.abc import Sequence
from fractions import Fraction

from ..numbers import exact
from .model import (
    DISCIPLINES,
    CompetencyInfo,
    CompetencyResult,
    DisciplineStat,
    RatingOut,
    ScorecardIn,
)


def _mean(values: Sequence[int]) -> Fraction | None:
    return Fraction(sum(values), len(values)) if values else None


def _median(values: Sequence[int]) -> Fraction | None:
    if not values:
        return None
    ordered = sorted(values)
    half = len(ordered) // 2
    if len(ordered) % 2:
        return Fraction(ordered[half])
    return Fraction(ordered[half - 1] + ordered[half], 2)


def _squares(values: Sequence[int]) -> Fraction:
    """The sum of squared deviations from the values' own mean (0 for none)."""
    if not values:
        return Fraction(0)
    centre = Fraction(sum(values), len(values))
    return sum(((v - centre) ** 2 for v in values), Fraction(0))


def competency_result(
    info: CompetencyInfo, cards: Sequence[ScorecardIn]
) -> CompetencyResult:
    ratings = tuple(
        RatingOut(card.interviewer, card.discipline, r.level, card.session)
        for card in cards
        for r in card.ratings
        if r.competency == info.key and r.level is not None
    )
    levels = [r.level for r in ratings]
    by_side = {
        side: [r.level for r in ratings if r.discipline == side] for side in DISCIPLINES
    }
    stats = {side: DisciplineStat(len(v), _mean(v)) for side, v in by_side.items()}
    balanced = info.assessed_by == "both" and all(by_side.values())
    if balanced:
        mean = (stats["clinical"].mean + stats["technical"].mean) / 2
        factor = (
            Fraction(1, len(by_side["clinical"]))
            + Fraction(1, len(by_side["technical"]))
        ) / 4
    else:
        mean = _mean(levels)
        factor = Fraction(1, len(levels)) if levels else None
    return CompetencyResult(
        key=info.key,
        name=info.name,
        weight=exact(info.weight),
        count=len(levels),
        mean=mean,
        median=_median(levels),
        minimum=min(levels) if levels else None,
        maximum=max(levels) if levels else None,
        clinical=stats["clinical"],
        technical=stats["technical"],
        min_level=info.min_level,
        ratings=ratings,
        assessed_by=info.assessed_by,
        plain_mean=_mean(levels),
        balanced=balanced,
        basis=_basis(info, stats, balanced),
        squares=_squares(levels),
        spread_df=max(0, len(levels) - 1),
        factor=factor,
    )


def _basis(info: CompetencyInfo, stats: dict, balanced: bool) -> str | None:
    """How the competency's mean was formed, when it is not simply every rating's."""
    if balanced:
        return "the clinical and technical means averaged"
    rated = [side for side in DISCIPLINES if stats[side].count]
    if info.assessed_by == "both" and len(rated) == 1:
        other = "technical" if rated[0] == "clinical" else "clinical"
        return f"{rated[0]} ratings only: no {other} interviewer rated it"
    return None
