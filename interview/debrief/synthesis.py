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
    scale with a gap, such as 1, 2, 4, 8, is refused: see the rubric FORMAT.md); the
    middle is M = (L + H) / 2.

Per competency (exact fractions; nothing is rounded in the numbers)
    count   = n(c)
    mean    = sum(R(c)) / n(c)                       (None when n(c) = 0)
    median  = the middle of sorted R(c)              (even n: mean of the middle two)
    minimum = min(R(c)), maximum = max(R(c))
    clinical / technical: the same count and mean over the ratings given by
    interviewers of that discipline only.

Overall
    A = the competencies with n(c) >= 1 ("assessed").
    score = sum(w(c) * mean(c) for c in A) / sum(w(c) for c in A)   (None when A empty)
    formula, in words with the numbers, means to 2 decimals and weights as given:
        "(3.50 × 1 + 2.00 × 1.5) / (1 + 1.5) = 2.60"
    its result is ``fmt(score)``, the very text the headline prints.
    assessed_weight_share = sum(w(c) for c in A) / sum(w(c) for all c)   (0 if none)
    left_out: "2 of 6 competencies, 30% of the weight, not assessed", the percentage
        being (1 - assessed_weight_share) * 100 rounded half up to a whole number
        ("under 1%" / "over 99%" when that rounding would hide a non-zero share or
        claim all of it); "Nothing was assessed: none of the 6 competencies has a
        rating" when A is empty; None when nothing is left out.

Must meet (listed first, in a field of its own)
    A competency with a ``min_level`` m is listed when n(c) >= 1 and
    mean(c) < m or any single rating r < m (a mean below m implies such a rating).
    An unassessed competency is never listed: it shows in ``left_out`` and coverage.
    Every level is printed with its label, as in the flags' sentences.
        "Regulatory and privacy judgement: mean 2.50 is below the minimum 3
         (Proficient); Wei Zhang rated 2 (Developing)"     (the mean is below)
        "Clinical safety reasoning: Wei Zhang rated 2 (Developing), below the minimum
         3 (Proficient); mean 3.33"                        (only single ratings are)

Flags (ordered by competency, in the given order, then by kind in the order below;
scorecard flags come after all competency flags, by kind, then scorecard order)
    split_panel           max(R(c)) - min(R(c)) >= 2.
    cross_functional_gap  both disciplines rated c and
                          |clinical mean - technical mean| >= 1 (exactly); the
                          sentence says which side rated higher, prints both means
                          and the gap, the gap being the exact difference of the
                          exact means, rounded once.
    coverage_gap          at least one scorecard was submitted, and a discipline that
                          should assess c (both for "both", else the named one) gave
                          it no rating.
    contradiction         with the interviewer's own mean m_i over their assessed
                          ratings: (recommendation > M and m_i < M) or
                          (recommendation < M and m_i > M). A recommendation of
                          exactly M, no recommendation or no ratings never contradict.
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
    "2.68" (the binary float would print "2.67") and 2.125 reads "2.13"; the page and the packet print through the same
    function (the ``number`` template filter). Every fractional number is printed
    to 2 decimals: means (in sentences, tables and chart labels alike), medians, the
    overall score and its formula, and gaps. Weights, levels and the middle of the
    scale read as plain numbers ("1.5", "3"); percentages as whole numbers.

Bad input (unknown competency or level, duplicate keys or levels, a scale whose
values are not consecutive, a scorecard rating one competency twice, a weight that
is not a positive finite number, naive datetimes, negative expected_scorecards)
raises ValueError.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from typing import Literal

from .numbers import (  # noqa: F401  (re-exported: the synthesis's own words)
    PLACES,
    Number,
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


@dataclass(frozen=True)
class Overall:
    score: Fraction | None
    formula: str | None
    assessed_weight_share: Fraction
    left_out: str | None


@dataclass(frozen=True)
class MustMeet:
    key: str
    name: str
    min_level: int
    mean: Fraction
    below: tuple[RatingOut, ...]  # the single ratings under the minimum
    sentence: str


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
    return CompetencyResult(
        key=info.key,
        name=info.name,
        weight=exact(info.weight),
        count=len(levels),
        mean=_mean(levels),
        median=_median(levels),
        minimum=min(levels) if levels else None,
        maximum=max(levels) if levels else None,
        clinical=DisciplineStat(len(by_side["clinical"]), _mean(by_side["clinical"])),
        technical=DisciplineStat(
            len(by_side["technical"]), _mean(by_side["technical"])
        ),
        min_level=info.min_level,
        ratings=ratings,
    )


def _overall(results: Sequence[CompetencyResult]) -> Overall:
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
    terms = " + ".join(f"{fmt(r.mean)} × {plain(r.weight)}" for r in assessed)
    weights = " + ".join(plain(r.weight) for r in assessed)
    formula = f"({terms}) / ({weights}) = {fmt(score)}"
    missing = len(results) - len(assessed)
    left_out = None
    if missing:
        left_out = (
            f"{missing} of {len(results)} competencies, "
            f"{percent_text(1 - share)} of the weight, not assessed"
        )
    return Overall(score, formula, share, left_out)


def _must_meet(result: CompetencyResult, labels: dict[int, str]) -> MustMeet | None:
    m = result.min_level
    if m is None or result.mean is None:
        return None
    below = tuple(r for r in result.ratings if r.level < m)
    if not below:
        return None
    who = ", ".join(
        f"{_rater(r, result)} rated {r.level} ({labels[r.level]})" for r in below
    )
    minimum = f"the minimum {m} ({labels[m]})"
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


def _gap_flag(result: CompetencyResult) -> Flag | None:
    clinical, technical = result.clinical.mean, result.technical.mean
    if clinical is None or technical is None:
        return None
    gap = clinical - technical
    if abs(gap) < GAP_THRESHOLD:
        return None
    direction = "higher" if gap > 0 else "lower"
    return Flag(
        FlagKind.CROSS_FUNCTIONAL_GAP,
        f"Clinical interviewers rated {result.name} {fmt(abs(gap))} "
        f"levels {direction} than technical interviewers "
        f"({fmt(clinical)} vs {fmt(technical)})",
        competency=result.key,
    )


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
    found = [_split_flag(result, labels), _gap_flag(result)]
    if any_submitted:
        found.append(_coverage_flag(info, result))
    return [flag for flag in found if flag is not None]


def _contradiction_flag(
    card: ScorecardIn, labels: dict[int, str], middle: Fraction
) -> Flag | None:
    own = [r.level for r in card.ratings if r.level is not None]
    rec = card.recommendation
    if not own or rec is None:
        return None
    mean = Fraction(sum(own), len(own))
    if rec > middle and mean < middle:
        half, side = "top", "below"
    elif rec < middle and mean > middle:
        half, side = "bottom", "above"
    else:
        return None
    return Flag(
        FlagKind.CONTRADICTION,
        f"{_who(card)} recommended {rec} ({labels[rec]}), in the "
        f"{half} half of the scale, but their ratings average "
        f"{fmt(mean)}, {side} the middle of the scale ({plain(middle)})",
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
    card: ScorecardIn, labels: dict[int, str], middle: Fraction
) -> list[Flag]:
    found = [
        _contradiction_flag(card, labels, middle),
        *_independence_flags(card),
        _stale_flag(card),
    ]
    return [flag for flag in found if flag is not None]


def synthesize(
    levels: Sequence[Level],
    competencies: Sequence[CompetencyInfo],
    scorecards: Sequence[ScorecardIn],
    expected_scorecards: int,
) -> Synthesis:
    """The debrief picture of one loop; see the module docstring for every formula."""
    _check(levels, competencies, scorecards, expected_scorecards)
    labels = {lv.value: lv.label for lv in levels}
    middle = Fraction(min(labels) + max(labels), 2)
    cards = [card for card in scorecards if card.submitted_at is not None]

    results = tuple(_competency_result(info, cards) for info in competencies)
    must_meet = tuple(
        m for m in (_must_meet(r, labels) for r in results) if m is not None
    )

    flags = []
    for info, result in zip(competencies, results, strict=True):
        flags.extend(_competency_flags(info, result, labels, bool(cards)))
    card_flags = [f for card in cards for f in _scorecard_flags(card, labels, middle)]
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
        overall=_overall(results),
        must_meet=must_meet,
        flags=tuple(flags),
        tally=tally,
        no_recommendation=sum(1 for c in cards if c.recommendation is None),
        submitted=len(cards),
        replaced=replaced,
        expected=expected_scorecards,
        missing=max(0, expected_scorecards - (len(cards) - replaced)),
    )
