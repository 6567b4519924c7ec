"""Score synthesis for a debrief: the panel's submitted scorecards brought together.
Pure: frozen dataclasses in, frozen dataclasses out; no database, no web, no I/O.

Which scorecards count
    Only submitted scorecards (``submitted_at`` set) count. A draft is ignored entirely:
    its ratings, its recommendation and its timing. A rating of ``None`` ("not
    assessed") counts nowhere: not in counts, means, medians, coverage or must-meet.
    A submitted scorecard whose seat was later given to someone else (``replaced_at``
    set) still counts everywhere; it is only left out of the missing count.

Exact arithmetic
    Every number is a ``fractions.Fraction``: levels are integers, weights are read
    exactly as written (a float by its shortest repr, so 1.1 is 11/10, not
    1.100000000000000088...; a Decimal or int as it is). Means, medians, the overall
    score, shares, gaps and every threshold test are exact: clinical 2, 3, 3 (8/3)
    against technical 1, 2, 2 (5/3) is a gap of exactly 1 and is flagged.

Notation
    For a competency c, R(c) is the list of its ratings (levels) across submitted
    scorecards, in scorecard order; n(c) = len(R(c)); w(c) is its weight (> 0).
    The scale runs from L = lowest level value to H = highest, in steps of one (a
    scale with a gap, such as 1, 2, 4, 8, is refused: see the rubric FORMAT.md).

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

Overall
    A = the competencies with n(c) >= 1 ("assessed").
    score = sum(w(c) * mean(c) for c in A) / sum(w(c) for c in A)   (None when A empty)
    formula, in words with the numbers, means to 2 decimals, the ratings behind each
    term in brackets (both sides' counts for a balanced mean) and weights as given:
        "(3.50 [4 ratings] × 1 + 2.75 [2 clinical + 1 technical] × 1.5) / (1 + 1.5)
         = 3.05"
    its result is ``fmt(score)``, to 2 decimals so the arithmetic can be checked;
    ``rule`` is BALANCE_RULE when a competency in A is assessed by both.
    headline: the score to one decimal with its band, "3.0 (2.6 to 3.4)" ("3.0"
        alone when there is no band); the score is not known to two decimals.
    assessed_weight_share = sum(w(c) for c in A) / sum(w(c) for all c)   (0 if none)
    left_out: "2 of 6 competencies, 30% of the weight, not assessed", the percentage
        being (1 - assessed_weight_share) * 100 rounded half up to a whole number
        ("under 1%" / "over 99%" when that rounding would hide a non-zero share or
        claim all of it); "Nothing was assessed: none of the 6 competencies has a
        rating" when A is empty; None when nothing is left out.

Uncertainty: the standard error and the 95% band of the score
    What is estimated: the score a much larger panel of interviewers like these
    (same disciplines, same rubric) would give the candidate. Each competency's
    mean is treated as a mean of independent ratings with a common variance
    sigma²(c) within the competency:
        Var(mean(c)) = k(c) * sigma²(c),  k(c) = 1 / n(c)                  (plain)
                                          k(c) = (1/n_C + 1/n_T) / 4     (balanced)
    sigma²(c) is estimated by the sample variance of all of c's ratings,
    s²(c) = SS(c) / df(c), SS(c) being the sum of squared deviations from
    plain_mean(c) and df(c) = n(c) - 1, for a balanced mean too. There this errs
    on the wide side: a difference between the sides counts as spread (the gap
    flag reports it), so the band widens when the sides disagree; and it leaves the
    usual panel of one clinician and one engineer per competency a spread to
    measure, where the variance within each side would have no degrees of freedom.
    When df(c) = 0 (one rating) the competency has no spread of its own: it takes
    the pooled within-competency variance
        s²_pool = sum(SS(c)) / sum(df(c))     over the competencies with df(c) >= 1
    and is marked (``Band.borrowed``, ``borrowed_text``). When no competency has
    df(c) >= 1 there is no band (``band`` None; ``band_text`` says why), and none
    either when every s² is 0 (the ratings agree exactly: no spread to go on).
        SE² = sum(w(c)² * k(c) * s²(c) for c in A) / (sum(w(c) for c in A))²
    exact (``Band.variance``); SE is its square root to 40 significant digits.
    The quantile is Student's t at 0.975 (not the normal 1.96: panels are small),
    on the Welch-Satterthwaite degrees of freedom of the terms v(c) = w(c)² k(c)
    s²(c), the borrowed ones summed into one term with the pooled df (they share
    one estimate):
        df = (sum v)² / sum(v² / df_v)
    band = [max(L, score - t * SE), min(H, score + t * SE)]: a mean cannot leave the
    scale, so clipping keeps the band's coverage. Printed to one decimal with the
    score ("3.0 (2.6 to 3.4)") and one line, ``band_text``, saying how to read it
    with the SE to 2 decimals.
    What it leaves out: the competencies are treated as independent although the
    same interviewers rate them all (a halo makes the true SE larger), and the
    within-competency spread mixes real disagreement with rater leniency.

Must meet (listed first, in a field of its own)
    A competency with a ``min_level`` m is listed when n(c) >= 1 and
    mean(c) < m or any single rating r < m (a mean below m implies a rating below
    m on a plain mean; a balanced mean below m too, since some side mean is).
    A competency with a minimum that nobody rated is listed too, once at least one
    scorecard is in, since the panel "cannot confirm the minimum" (``mean`` None,
    ``unconfirmed``); it shows in ``left_out`` and coverage as well.
    Every level is printed with its label, as in the flags' sentences.
        "Regulatory and privacy judgement: mean 2.50 is below the minimum 3
         (Proficient); Wei Zhang rated 2 (Developing)"     (the mean is below)
        "Clinical safety reasoning: Wei Zhang rated 2 (Developing), below the minimum
         3 (Proficient); mean 3.33"                        (only single ratings are)
        "Leadership: nobody rated it, so the panel cannot confirm the minimum 3
         (Proficient)"                                     (nobody rated it)

Flags (ordered by competency, in the given order, then by kind in the order below;
scorecard flags come after all competency flags, by kind, then scorecard order)
    split_panel           max(R(c)) - min(R(c)) >= 2.
    cross_functional_gap  both disciplines rated c and
                          |clinical mean - technical mean| >= 1 (exactly); the
                          sentence says how many stand on each side (counted by
                          scorecard: a person on two sessions counts twice), the
                          gap (a whole number plainly, else to 2 decimals) and each
                          side's single rating with its label or its mean:
                          "One clinical and one technical interviewer differed by
                          2 levels on X: clinical 2 (Developing), technical 4
                          (Exemplary)"; "2 clinical and 3 technical interviewers
                          differed by 1.33 levels on X: clinical mean 2.67,
                          technical mean 1.33".
    coverage_gap          at least one scorecard was submitted, and a discipline that
                          should assess c (both for "both", else the named one) gave
                          it no rating.
    contradiction         with the interviewer's own mean m_i over their assessed
                          ratings: |recommendation - m_i| >= D, D being
                          ``contradiction_distance`` (exact; default 1.5 levels, the
                          DEBRIEF_CONTRADICTION_DISTANCE setting). No recommendation
                          or no ratings never contradict. A distance, not a side of
                          the middle: a 3 from someone whose ratings average 2.4 is
                          no contradiction, a 4 from someone at 2.5 is: "Ana Ruiz
                          recommended 4 (Exemplary), 1.50 levels above the average
                          of their own ratings (2.50); the flag is raised at 1.5
                          levels".
    written_after_reading submitted_at > others_visible_from (both set): the author
                          could already read someone else's submitted scorecard when
                          they submitted this one (typically a second seat on the
                          loop, added after their first was in).
    amended_after_visible amended_at > others_visible_from (both set).
    stale                 submitted_at - interview_ended_at > 48 hours (exactly 48
                          hours is not stale). Durations read as days, hours and
                          minutes, seconds dropped ("3 days 4 hours").
    Scorecard flags name the interviewer and, when given, the interview (session):
    one person may hold seats on several sessions of a loop.
    ``others_visible_from`` is the first moment the scorecard's author could read a
    submitted scorecard by someone else on the loop (the caller works it out under
    the independence rule); never the author's own submission.

Recommendations
    tally: one entry per scale level, lowest value first, zeros included, counting
    the submitted scorecards that recommend that level; no_recommendation counts
    submitted scorecards without one.
    expected = the active seats with an interviewer (given by the caller);
    missing = max(0, expected - submitted scorecards not from a replaced seat).

Rounding in text (the numbers in the dataclasses are never rounded)
    One rule, ``fmt``: half up (away from zero) on the exact value, so 2.675 reads
    "2.68" (the binary float would print "2.67") and 2.125 reads "2.13"; the page and
    the packet print through the same function (the ``number`` template filter).
    The headline score and its band print to 1 decimal; every other fractional
    number to 2: means (in sentences, tables and chart labels alike), medians, the
    formula, the standard error, gaps and distances. Weights, levels, whole gaps
    and the flag's distance D read as plain numbers ("1.5", "3"); percentages as
    whole numbers.

Bad input (unknown competency or level, duplicate keys or levels, a scale whose
values are not consecutive, a scorecard rating one competency twice, a weight that
is not a positive finite number, naive datetimes, negative expected_scorecards, a
contradiction distance that is not a positive number) raises ValueError.
"""

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, localcontext
from enum import StrEnum
from fractions import Fraction
from typing import Literal

from .numbers import (  # noqa: F401  (re-exported: the synthesis's own words)
    PLACES,
    Number,
    count_text,
    duration_text,
    exact,
    fmt,
    join_names,
    percent_text,
    plain,
)

Discipline = Literal["clinical", "technical"]
DISCIPLINES: tuple[Discipline, ...] = ("clinical", "technical")
STALE_AFTER = timedelta(hours=48)
SPLIT_SPREAD = 2
GAP_THRESHOLD = Fraction(1)
# The contradiction flag's default distance, in levels (DEBRIEF_CONTRADICTION_DISTANCE).
CONTRADICTION_DISTANCE = Fraction(3, 2)
CONFIDENCE = Fraction(95, 100)  # the overall score's band
SCORE_PLACES = 1  # the headline score and its band
SQRT_DIGITS = 40  # significant digits of the standard error kept under the band
BALANCE_RULE = (
    "A competency the rubric asks both disciplines to assess counts as the mean of "
    "the clinical mean and the technical mean (its term shows both counts), so the "
    "larger side of the panel cannot outvote the other; rated by one side only, it "
    "counts that side's mean."
)


# --- inputs -------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    value: int
    label: str


@dataclass(frozen=True)
class CompetencyInfo:
    key: str
    name: str
    weight: Number
    assessed_by: Literal["clinical", "technical", "both"]
    min_level: int | None = None


@dataclass(frozen=True)
class RatingIn:
    competency: str  # the competency's key
    level: int | None  # None: not assessed


@dataclass(frozen=True)
class ScorecardIn:
    id: int
    interviewer: str
    discipline: Discipline
    recommendation: int | None
    ratings: tuple[RatingIn, ...]
    submitted_at: datetime | None  # aware; None: still a draft, ignored
    interview_ended_at: datetime | None
    amended_at: datetime | None = None
    # When the author could first read someone else's submitted scorecard; None: never.
    others_visible_from: datetime | None = None
    # When the scorecard's seat was given to someone else; None: the seat is active.
    replaced_at: datetime | None = None
    session: str = ""  # the interview's title, for sentences that name it


# --- outputs ------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingOut:
    interviewer: str
    discipline: Discipline
    level: int
    session: str = ""  # the interview it was given in


@dataclass(frozen=True)
class DisciplineStat:
    count: int
    mean: Fraction | None


@dataclass(frozen=True)
class CompetencyResult:
    key: str
    name: str
    weight: Fraction
    count: int
    mean: Fraction | None
    median: Fraction | None
    minimum: int | None
    maximum: int | None
    clinical: DisciplineStat
    technical: DisciplineStat
    min_level: int | None
    ratings: tuple[RatingOut, ...]
    assessed_by: str = "both"
    # The mean of every rating; ``mean`` is the competency's mean under the balance
    # rule (the two side means averaged where ``balanced``), the one that counts.
    plain_mean: Fraction | None = None
    balanced: bool = False
    basis: str | None = None  # how ``mean`` was formed, in words, when not plainly
    # The spread behind the band: the sum of squares within (sides, when balanced),
    # its degrees of freedom, and Var(mean) = factor × sigma² (None: not assessed).
    squares: Fraction = Fraction(0)
    spread_df: int = 0
    factor: Fraction | None = None

    @property
    def single(self) -> bool:
        """Rated once: one interviewer's view, with no spread of its own."""
        return self.count == 1


@dataclass(frozen=True)
class Band:
    """The overall score's 95% band (module docstring, "Uncertainty")."""

    variance: Fraction  # SE², exact
    se: Fraction  # its square root, to SQRT_DIGITS significant digits
    df: Fraction  # Welch-Satterthwaite degrees of freedom, exact
    quantile: Fraction  # Student's t at 0.975 on df, as the float computed
    low: Fraction  # score - quantile × se, never below the scale's lowest level
    high: Fraction  # score + quantile × se, never above the highest
    borrowed: tuple[str, ...] = ()  # keys whose spread is the pooled one


@dataclass(frozen=True)
class Overall:
    score: Fraction | None
    formula: str | None
    assessed_weight_share: Fraction
    left_out: str | None
    band: Band | None = None
    headline: str | None = None  # "3.0 (2.6 to 3.4)", or "3.0" without a band
    band_text: str | None = None  # how to read the band, or why there is none
    borrowed_text: str | None = None  # which competencies borrow the pooled spread
    rule: str | None = None  # BALANCE_RULE, when a competency is for both sides


@dataclass(frozen=True)
class MustMeet:
    key: str
    name: str
    min_level: int
    mean: Fraction | None  # None: nobody assessed it
    below: tuple[RatingOut, ...]  # the single ratings under the minimum
    sentence: str

    @property
    def unconfirmed(self) -> bool:
        """Nobody rated it: the panel cannot confirm the minimum."""
        return self.mean is None


class FlagKind(StrEnum):
    SPLIT_PANEL = "split_panel"
    CROSS_FUNCTIONAL_GAP = "cross_functional_gap"
    COVERAGE_GAP = "coverage_gap"
    CONTRADICTION = "contradiction"
    WRITTEN_AFTER_READING = "written_after_reading"
    AMENDED_AFTER_VISIBLE = "amended_after_visible"
    STALE = "stale"

    @property
    def label(self) -> str:
        """The flag's name as a reader sees it."""
        return FLAG_LABELS[self]


FLAG_LABELS = {
    FlagKind.SPLIT_PANEL: "Split panel",
    FlagKind.CROSS_FUNCTIONAL_GAP: "Cross-functional gap",
    FlagKind.COVERAGE_GAP: "Coverage gap",
    FlagKind.CONTRADICTION: "Contradiction",
    FlagKind.WRITTEN_AFTER_READING: "Written after reading the panel",
    FlagKind.AMENDED_AFTER_VISIBLE: "Amended after others were visible",
    FlagKind.STALE: "Late scorecard",
}
KIND_ORDER = {kind: i for i, kind in enumerate(FlagKind)}


@dataclass(frozen=True)
class Flag:
    kind: FlagKind
    sentence: str
    competency: str | None = None  # key, for competency flags
    scorecard_id: int | None = None  # for scorecard flags


@dataclass(frozen=True)
class TallyEntry:
    value: int
    label: str
    count: int


@dataclass(frozen=True)
class Synthesis:
    competencies: tuple[CompetencyResult, ...]
    overall: Overall
    must_meet: tuple[MustMeet, ...]
    flags: tuple[Flag, ...]
    tally: tuple[TallyEntry, ...]
    no_recommendation: int
    submitted: int  # every submitted scorecard that counts
    replaced: int  # of which written on a seat since given to someone else
    expected: int  # active seats with an interviewer
    missing: int  # of those, the ones without a submitted scorecard

    @property
    def submitted_active(self) -> int:
        """Submitted scorecards of the active seats (out of ``expected``)."""
        return self.submitted - self.replaced


class ScaleError(ValueError):
    """A scale the synthesis cannot average: its values are not consecutive."""


# --- validation ---------------------------------------------------------------------


def check_scale(values: Sequence[int]) -> None:
    """Refuse a scale whose values are not consecutive: means would not count levels."""
    ordered = sorted(values)
    if ordered != list(range(ordered[0], ordered[0] + len(ordered))):
        raise ScaleError(
            f"the scale's values must be consecutive whole numbers, not {ordered}"
        )


def _check(
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


# --- the synthesis ------------------------------------------------------------------


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


def _competency_result(
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


def _term(result: CompetencyResult) -> str:
    """One term of the formula: the mean, the ratings behind it, the weight."""
    if result.balanced:
        behind = (
            f"{result.clinical.count} clinical + {result.technical.count} technical"
        )
    else:
        behind = count_text(result.count, "rating")
    return f"{fmt(result.mean)} [{behind}] × {plain(result.weight)}"


def _overall(results: Sequence[CompetencyResult], scale: tuple[int, int]) -> Overall:
    total = sum((r.weight for r in results), Fraction(0))
    assessed = [r for r in results if r.count]
    weight = sum((r.weight for r in assessed), Fraction(0))
    share = weight / total if total else Fraction(0)
    if not results:
        return Overall(None, None, Fraction(0), None)
    if not assessed:
        n = len(results)
        noun = "competency" if n == 1 else "competencies"
        left = f"Nothing was assessed: none of the {n} {noun} has a rating"
        return Overall(None, None, Fraction(0), left)
    score = sum(r.weight * r.mean for r in assessed) / weight
    terms = " + ".join(_term(r) for r in assessed)
    weights = " + ".join(plain(r.weight) for r in assessed)
    formula = f"({terms}) / ({weights}) = {fmt(score)}"
    missing = len(results) - len(assessed)
    left_out = None
    if missing:
        left_out = (
            f"{missing} of {len(results)} competencies, "
            f"{percent_text(1 - share)} of the weight, not assessed"
        )
    band, band_text = _band(assessed, score, scale)
    headline = fmt(score, SCORE_PLACES)
    if band is not None:
        low, high = fmt(band.low, SCORE_PLACES), fmt(band.high, SCORE_PLACES)
        headline = f"{headline} ({low} to {high})"
    rule = BALANCE_RULE if any(r.assessed_by == "both" for r in assessed) else None
    return Overall(
        score,
        formula,
        share,
        left_out,
        band=band,
        headline=headline,
        band_text=band_text,
        borrowed_text=_borrowed_text(assessed, band),
        rule=rule,
    )


# --- uncertainty --------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _t_quantile(df: float, probability: float) -> Fraction:
    """Student's t quantile; SciPy is loaded on first use, not with the page."""
    from scipy.special import stdtrit

    return Fraction(float(stdtrit(df, probability)))


def _sqrt(x: Fraction) -> Fraction:
    """The square root of ``x`` to SQRT_DIGITS significant digits."""
    with localcontext() as context:
        context.prec = SQRT_DIGITS
        root = (Decimal(x.numerator) / Decimal(x.denominator)).sqrt()
    return Fraction(root)


def _band(
    assessed: Sequence[CompetencyResult], score: Fraction, scale: tuple[int, int]
) -> tuple[Band | None, str]:
    own = [r for r in assessed if r.spread_df >= 1]
    borrowed = [r for r in assessed if r.spread_df < 1]
    pooled_df = sum(r.spread_df for r in own)
    if not pooled_df:
        return None, (
            "No band: every competency rests on a single rating, so the panel's "
            "spread cannot be estimated; a second rater on any competency would "
            "give one."
        )
    pooled = sum((r.squares for r in own), Fraction(0)) / pooled_df
    # (v, df) per term: each own spread, and the borrowed ones as one term, since
    # they share the one pooled estimate.
    terms = [
        (r.weight**2 * r.factor * r.squares / r.spread_df, r.spread_df) for r in own
    ]
    if borrowed:
        shared = sum((r.weight**2 * r.factor for r in borrowed), Fraction(0))
        terms.append((shared * pooled, pooled_df))
    weight = sum((r.weight for r in assessed), Fraction(0))
    total = sum((v for v, _ in terms), Fraction(0))
    if not total:
        return None, (
            "No band: within every competency the ratings agree exactly, so they "
            "show no spread to estimate one from (agreement among these "
            "interviewers, not certainty)."
        )
    variance = total / weight**2
    df = total**2 / sum((v**2 / d for v, d in terms), Fraction(0))
    quantile = _t_quantile(float(df), float((1 + CONFIDENCE) / 2))
    se = _sqrt(variance)
    low, high = scale
    band = Band(
        variance=variance,
        se=se,
        df=df,
        quantile=quantile,
        low=max(Fraction(low), score - quantile * se),
        high=min(Fraction(high), score + quantile * se),
        borrowed=tuple(r.key for r in borrowed),
    )
    return band, (
        "95% band, from how far the panel's ratings spread within each competency "
        f"and how many ratings each mean rests on (standard error {fmt(se)}): a much "
        "larger panel of interviewers like these would score the candidate within "
        "it, with 95% confidence."
    )


def _borrowed_text(
    assessed: Sequence[CompetencyResult], band: Band | None
) -> str | None:
    if band is None or not band.borrowed:
        return None
    names = [r.name for r in assessed if r.key in band.borrowed]
    verb, own = ("rests", "its") if len(names) == 1 else ("rest", "their")
    return (
        f"{join_names(names)} {verb} on one rating, with no spread of {own} own: "
        "the band uses the spread pooled over the other competencies there."
    )


def _must_meet(
    result: CompetencyResult, labels: dict[int, str], any_submitted: bool
) -> MustMeet | None:
    m = result.min_level
    if m is None:
        return None
    minimum = f"the minimum {m} ({labels[m]})"
    if result.mean is None:
        if not any_submitted:
            return None
        sentence = (
            f"{result.name}: nobody rated it, so the panel cannot confirm {minimum}"
        )
        return MustMeet(result.key, result.name, m, None, (), sentence)
    below = tuple(r for r in result.ratings if r.level < m)
    if not below:
        return None
    who = ", ".join(
        f"{_rater(r, result)} rated {r.level} ({labels[r.level]})" for r in below
    )
    if result.mean < m:
        sentence = f"{result.name}: mean {fmt(result.mean)} is below {minimum}; {who}"
    else:
        sentence = f"{result.name}: {who}, below {minimum}; mean {fmt(result.mean)}"
    return MustMeet(result.key, result.name, m, result.mean, below, sentence)


def _rater(rating: RatingOut, result: CompetencyResult) -> str:
    """Who gave a rating; with the interview when they rated this competency twice."""
    twice = sum(r.interviewer == rating.interviewer for r in result.ratings) > 1
    if twice and rating.session:
        return f"{rating.interviewer} ({rating.session})"
    return rating.interviewer


def _split_flag(result: CompetencyResult, labels: dict[int, str]) -> Flag | None:
    if not result.count or result.maximum - result.minimum < SPLIT_SPREAD:
        return None
    low = [_rater(r, result) for r in result.ratings if r.level == result.minimum]
    high = [_rater(r, result) for r in result.ratings if r.level == result.maximum]
    return Flag(
        FlagKind.SPLIT_PANEL,
        f"Ratings for {result.name} span "
        f"{result.maximum - result.minimum} levels, from "
        f"{result.minimum} ({labels[result.minimum]}) by {join_names(low)} "
        f"to {result.maximum} ({labels[result.maximum]}) by "
        f"{join_names(high)}",
        competency=result.key,
    )


def _side_text(
    side: Discipline, stat: DisciplineStat, result: CompetencyResult, labels
) -> str:
    """One side of a gap: its single rating with its label, or its mean."""
    if stat.count == 1:
        [level] = [r.level for r in result.ratings if r.discipline == side]
        return f"{side} {level} ({labels[level]})"
    return f"{side} mean {fmt(stat.mean)}"


def _gap_flag(result: CompetencyResult, labels: dict[int, str]) -> Flag | None:
    clinical, technical = result.clinical.mean, result.technical.mean
    if clinical is None or technical is None:
        return None
    gap = abs(clinical - technical)
    if gap < GAP_THRESHOLD:
        return None
    n_clinical, n_technical = result.clinical.count, result.technical.count
    who = (
        f"{_count_word(n_clinical)} clinical and {_count_word(n_technical)} "
        f"technical interviewer{'' if n_technical == 1 else 's'}"
    )
    size = plain(gap) if gap.denominator == 1 else fmt(gap)
    return Flag(
        FlagKind.CROSS_FUNCTIONAL_GAP,
        f"{who[0].upper()}{who[1:]} differed by {size} "
        f"level{'' if gap == 1 else 's'} on {result.name}: "
        f"{_side_text('clinical', result.clinical, result, labels)}, "
        f"{_side_text('technical', result.technical, result, labels)}",
        competency=result.key,
    )


def _count_word(n: int) -> str:
    return "one" if n == 1 else str(n)


def _coverage_flag(info: CompetencyInfo, result: CompetencyResult) -> Flag | None:
    needed = DISCIPLINES if info.assessed_by == "both" else (info.assessed_by,)
    counts = {"clinical": result.clinical.count, "technical": result.technical.count}
    absent = [side for side in needed if not counts[side]]
    if not absent:
        return None
    should = (
        "both clinical and technical interviewers"
        if info.assessed_by == "both"
        else f"{info.assessed_by} interviewers"
    )
    if not result.count:
        lead = f"Nobody rated {result.name}"
    elif len(absent) == 1 and info.assessed_by == "both":
        present = "technical" if absent[0] == "clinical" else "clinical"
        lead = f"Only {present} interviewers rated {result.name}"
    else:
        lead = f"No {absent[0]} interviewer rated {result.name}"
    return Flag(
        FlagKind.COVERAGE_GAP,
        f"{lead}; it should be assessed by {should}",
        competency=result.key,
    )


def _competency_flags(
    info: CompetencyInfo,
    result: CompetencyResult,
    labels: dict[int, str],
    any_submitted: bool,
) -> list[Flag]:
    found = [_split_flag(result, labels), _gap_flag(result, labels)]
    if any_submitted:
        found.append(_coverage_flag(info, result))
    return [flag for flag in found if flag is not None]


def _contradiction_flag(
    card: ScorecardIn, labels: dict[int, str], distance: Fraction
) -> Flag | None:
    own = [r.level for r in card.ratings if r.level is not None]
    rec = card.recommendation
    if not own or rec is None:
        return None
    mean = Fraction(sum(own), len(own))
    apart = abs(rec - mean)
    if apart < distance:
        return None
    side = "above" if rec > mean else "below"
    return Flag(
        FlagKind.CONTRADICTION,
        f"{_who(card)} recommended {rec} ({labels[rec]}), {fmt(apart)} levels "
        f"{side} the average of their own ratings ({fmt(mean)}); the flag is "
        f"raised at {plain(distance)} level{'' if distance == 1 else 's'}",
        scorecard_id=card.id,
    )


def _their_scorecard(card: ScorecardIn) -> str:
    return f"their scorecard for {card.session}" if card.session else "their scorecard"


def _who(card: ScorecardIn) -> str:
    """The author, and which interview when known: a person may hold several seats."""
    return f"{card.interviewer} ({card.session})" if card.session else card.interviewer


def _independence_flags(card: ScorecardIn) -> list[Flag]:
    seen = card.others_visible_from
    if seen is None:
        return []
    flags = []
    if card.submitted_at > seen:
        flags.append(
            Flag(
                FlagKind.WRITTEN_AFTER_READING,
                f"{card.interviewer} submitted {_their_scorecard(card)} "
                f"{duration_text(card.submitted_at - seen)} after they could read "
                "the other scorecards",
                scorecard_id=card.id,
            )
        )
    if card.amended_at is not None and card.amended_at > seen:
        flags.append(
            Flag(
                FlagKind.AMENDED_AFTER_VISIBLE,
                f"{card.interviewer} amended {_their_scorecard(card)} "
                f"{duration_text(card.amended_at - seen)} after they could see the "
                "other scorecards",
                scorecard_id=card.id,
            )
        )
    return flags


def _stale_flag(card: ScorecardIn) -> Flag | None:
    if card.interview_ended_at is None:
        return None
    late = card.submitted_at - card.interview_ended_at
    if late <= STALE_AFTER:
        return None
    return Flag(
        FlagKind.STALE,
        f"{_who(card)} submitted {duration_text(late)} after the "
        "interview (the limit is 48 hours)",
        scorecard_id=card.id,
    )


def _scorecard_flags(
    card: ScorecardIn, labels: dict[int, str], distance: Fraction
) -> list[Flag]:
    found = [
        _contradiction_flag(card, labels, distance),
        *_independence_flags(card),
        _stale_flag(card),
    ]
    return [flag for flag in found if flag is not None]


def synthesize(
    levels: Sequence[Level],
    competencies: Sequence[CompetencyInfo],
    scorecards: Sequence[ScorecardIn],
    expected_scorecards: int,
    *,
    contradiction_distance: Number = CONTRADICTION_DISTANCE,
) -> Synthesis:
    """The debrief picture of one loop; see the module docstring for every formula."""
    _check(levels, competencies, scorecards, expected_scorecards)
    distance = exact(contradiction_distance)
    if not distance > 0:
        raise ValueError("contradiction_distance must be a positive number")
    labels = {lv.value: lv.label for lv in levels}
    cards = [card for card in scorecards if card.submitted_at is not None]

    results = tuple(_competency_result(info, cards) for info in competencies)
    must_meet = tuple(
        m
        for m in (_must_meet(r, labels, bool(cards)) for r in results)
        if m is not None
    )

    flags = []
    for info, result in zip(competencies, results, strict=True):
        flags.extend(_competency_flags(info, result, labels, bool(cards)))
    card_flags = [f for card in cards for f in _scorecard_flags(card, labels, distance)]
    # Stable sort: scorecard flags keep scorecard order within their kind.
    card_flags.sort(key=lambda f: KIND_ORDER[f.kind])
    flags.extend(card_flags)

    tally = tuple(
        TallyEntry(
            value, labels[value], sum(1 for c in cards if c.recommendation == value)
        )
        for value in sorted(labels)
    )
    replaced = sum(1 for c in cards if c.replaced_at is not None)
    return Synthesis(
        competencies=results,
        overall=_overall(results, (min(labels), max(labels))),
        must_meet=must_meet,
        flags=tuple(flags),
        tally=tally,
        no_recommendation=sum(1 for c in cards if c.recommendation is None),
        submitted=len(cards),
        replaced=replaced,
        expected=expected_scorecards,
        missing=max(0, expected_scorecards - (len(cards) - replaced)),
    )
