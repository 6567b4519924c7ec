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

The balance rule (competencies.py has it with every per-competency formula)
    A competency the rubric asks both disciplines to assess, rated by both, counts
    the mean of the clinical mean and the technical mean, so that the larger side of
    the panel cannot outvote the other; both side means and their counts stay in the
    result. Rated by one side only, it counts that side's mean.

Recommendations
    tally: one entry per scale level, lowest value first, zeros included, counting
    the submitted scorecards that recommend that level; no_recommendation counts
    submitted scorecards without one.
    expected = the seats the debrief waits a scorecard from (given by the caller,
    counted by ``count_expected``: held seats whose interview happened or is
    due, or whose scorecard is submitted; expected.py has the rule, so a session a
    decision cancelled is not "missing");
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

Where each part is (each module's docstring has its formulas)
    model.py         the inputs and outputs (frozen dataclasses) and the flags' names
    checks.py        bad input refused, ``ScaleError`` for a scale with gaps
    expected.py      which seats the debrief waits a scorecard from (expected)
    competencies.py  per competency: counts, means, medians, the balance rule
    overall.py       the overall score, its formula in words, its 95% band
    flags.py         must-meet misses and the flags (gaps, contradictions, lateness)
    ../numbers.py    printing: ``fmt`` (half up), plain numbers, durations
"""

from collections.abc import Sequence

from ..numbers import (
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
from .checks import ScaleError, check_inputs, check_scale
from .competencies import competency_result
from .expected import SeatIn, count_expected, is_expected
from .flags import (
    CONTRADICTION_DISTANCE,
    GAP_THRESHOLD,
    SPLIT_SPREAD,
    STALE_AFTER,
    competency_flags,
    must_meet_entry,
    scorecard_flags,
)
from .model import (
    DISCIPLINES,
    FLAG_LABELS,
    KIND_ORDER,
    Band,
    CompetencyInfo,
    CompetencyResult,
    Discipline,
    DisciplineStat,
    Flag,
    FlagKind,
    Level,
    MustMeet,
    Overall,
    RatingIn,
    RatingOut,
    ScorecardIn,
    Synthesis,
    TallyEntry,
)
from .overall import BALANCE_RULE, CONFIDENCE, SCORE_PLACES, SQRT_DIGITS, overall

__all__ = [
    "BALANCE_RULE",
    "CONFIDENCE",
    "CONTRADICTION_DISTANCE",
    "DISCIPLINES",
    "FLAG_LABELS",
    "GAP_THRESHOLD",
    "KIND_ORDER",
    "PLACES",
    "SCORE_PLACES",
    "SPLIT_SPREAD",
    "SQRT_DIGITS",
    "STALE_AFTER",
    "Band",
    "CompetencyInfo",
    "CompetencyResult",
    "Discipline",
    "DisciplineStat",
    "Flag",
    "FlagKind",
    "Level",
    "MustMeet",
    "Number",
    "Overall",
    "RatingIn",
    "RatingOut",
    "ScaleError",
    "ScorecardIn",
    "SeatIn",
    "Synthesis",
    "TallyEntry",
    "check_scale",
    "count_expected",
    "count_text",
    "duration_text",
    "exact",
    "fmt",
    "is_expected",
    "join_names",
    "percent_text",
    "plain",
    "synthesize",
]


def synthesize(
    levels: Sequence[Level],
    competencies: Sequence[CompetencyInfo],
    scorecards: Sequence[ScorecardIn],
    expected_scorecards: int,
    *,
    contradiction_distance: Number = CONTRADICTION_DISTANCE,
) -> Synthesis:
    """The debrief picture of one loop; the package's docstrings hold every formula."""
    check_inputs(levels, competencies, scorecards, expected_scorecards)
    distance = exact(contradiction_distance)
    if not distance > 0:
        raise ValueError("contradiction_distance must be a positive number")
    labels = {lv.value: lv.label for lv in levels}
    cards = [card for card in scorecards if card.submitted_at is not None]

    results = tuple(competency_result(info, cards) for info in competencies)
    must_meet = tuple(
        m
        for m in (must_meet_entry(r, labels, bool(cards)) for r in results)
        if m is not None
    )

    flags = []
    for info, result in zip(competencies, results, strict=True):
        flags.extend(competency_flags(info, result, labels, bool(cards)))
    card_flags = [f for card in cards for f in scorecard_flags(card, labels, distance)]
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
        overall=overall(results, (min(labels), max(labels))),
        must_meet=must_meet,
        flags=tuple(flags),
        tally=tally,
        no_recommendation=sum(1 for c in cards if c.recommendation is None),
        submitted=len(cards),
        replaced=replaced,
        expected=expected_scorecards,
        missing=max(0, expected_scorecards - (len(cards) - replaced)),
    )
