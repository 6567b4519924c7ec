"""Score synthesis for the debrief: hand-computed numbers and the edge cases. Pure: no
app, no database."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interview.debrief.synthesis import (
    BALANCE_RULE,
    CONTRADICTION_DISTANCE,
    CompetencyInfo,
    DisciplineStat,
    FlagKind,
    Level,
    RatingIn,
    RatingOut,
    ScorecardIn,
    TallyEntry,
    duration_text,
    exact,
    fmt,
    synthesize,
)

LEVELS = (
    Level(1, "Not yet"),
    Level(2, "Developing"),
    Level(3, "Proficient"),
    Level(4, "Exemplary"),
)
ENDED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

SAFETY = CompetencyInfo("safety", "Clinical safety reasoning", 2, "clinical", 3)
WORKFLOW = CompetencyInfo("workflow", "Clinical workflow insight", 1, "both")
SYSTEMS = CompetencyInfo("systems", "Systems design", 2, "technical")
PRIVACY = CompetencyInfo(
    "privacy", "Regulatory and privacy judgement", 1.5, "both", min_level=3
)
TRANSLATE = CompetencyInfo("translate", "Translating technical ideas", 1.5, "both")
LEADERSHIP = CompetencyInfo("leadership", "Leadership", 2, "both")
LOOP = (SAFETY, WORKFLOW, SYSTEMS, PRIVACY, TRANSLATE, LEADERSHIP)  # weights sum to 10


def card(
    id,
    interviewer,
    discipline,
    recommendation,
    ratings,
    *,
    after=timedelta(hours=1),
    **kwargs,
):
    """A submitted scorecard, ``after`` the interview ended; ratings as a dict."""
    return ScorecardIn(
        id=id,
        interviewer=interviewer,
        discipline=discipline,
        recommendation=recommendation,
        ratings=tuple(RatingIn(k, v) for k, v in ratings.items()),
        submitted_at=ENDED + after,
        interview_ended_at=ENDED,
        **kwargs,
    )


def loop_cards():
    """Four submitted scorecards and a draft; workflow and leadership never rated."""
    return (
        card(
            1,
            "Ana Ruiz",
            "clinical",
            3,
            {"safety": 4, "workflow": None, "privacy": 3, "translate": 2},
            after=timedelta(hours=2),
            # amended exactly when the others became visible: not after, no flag
            amended_at=ENDED + timedelta(hours=3),
            others_visible_from=ENDED + timedelta(hours=3),
        ),
        card(
            2,
            "Wei Zhang",
            "technical",
            2,
            {"safety": None, "systems": 3, "privacy": 2, "translate": 3},
            after=timedelta(days=3, hours=4),
        ),
        card(
            3,
            "Priya Nair",
            "clinical",
            4,
            {"safety": 3, "privacy": 3, "translate": 2},
            after=timedelta(hours=1),
            amended_at=ENDED + timedelta(hours=6, minutes=30),
            others_visible_from=ENDED + timedelta(hours=1),
        ),
        card(
            4,
            "Tom Berg",
            "technical",
            3,
            {"systems": 4, "privacy": 2, "translate": 4, "leadership": None},
            after=timedelta(hours=3),
            # sharing is off: amending is never "after seeing the others"
            amended_at=ENDED + timedelta(hours=5),
        ),
        # A draft counts nowhere; counted, it would fail safety's minimum.
        replace(
            card(5, "Lee Park", "technical", 1, {"safety": 1, "systems": 1}),
            submitted_at=None,
        ),
    )


@pytest.fixture(scope="module")
def loop():
    return synthesize(LEVELS, LOOP, loop_cards(), expected_scorecards=5)


def by_key(result, key):
    return next(c for c in result.competencies if c.key == key)


# --- a realistic loop, computed by hand ---------------------------------------------


def test_loop_competency_numbers(loop):
    assert [c.key for c in loop.competencies] == [c.key for c in LOOP]

    safety = by_key(loop, "safety")  # Ana 4, Priya 3; Wei "not assessed"
    assert (safety.count, safety.mean, safety.median) == (2, 3.5, 3.5)  # 7/2
    assert (safety.minimum, safety.maximum, safety.min_level) == (3, 4, 3)
    assert safety.clinical == DisciplineStat(2, 3.5)
    assert safety.technical == DisciplineStat(0, None)
    assert safety.ratings == (
        RatingOut("Ana Ruiz", "clinical", 4),
        RatingOut("Priya Nair", "clinical", 3),
    )

    systems = by_key(loop, "systems")  # Wei 3, Tom 4 -> 7/2
    assert (systems.count, systems.mean, systems.median) == (2, 3.5, 3.5)

    privacy = by_key(loop, "privacy")  # Ana 3, Wei 2, Priya 3, Tom 2
    assert privacy.count == 4
    assert privacy.mean == 2.5  # 10 / 4
    assert privacy.median == 2.5  # sorted 2 2 3 3: (2 + 3) / 2
    assert privacy.clinical == DisciplineStat(2, 3.0)  # (3 + 3) / 2
    assert privacy.technical == DisciplineStat(2, 2.0)  # (2 + 2) / 2

    translate = by_key(loop, "translate")  # Ana 2, Wei 3, Priya 2, Tom 4
    assert translate.mean == 2.75  # 11 / 4
    assert translate.median == 2.5  # sorted 2 2 3 4: (2 + 3) / 2
    assert (translate.minimum, translate.maximum) == (2, 4)
    assert translate.clinical == DisciplineStat(2, 2.0)
    assert translate.technical == DisciplineStat(2, 3.5)

    for key in ("workflow", "leadership"):  # only "not assessed" or nothing
        empty = by_key(loop, key)
        assert (empty.count, empty.mean, empty.median) == (0, None, None)
        assert (empty.minimum, empty.maximum, empty.ratings) == (None, None, ())


def test_loop_overall(loop):
    # Assessed: safety 3.5 × 2, systems 3.5 × 2, privacy 2.5 × 1.5, translate 2.75 × 1.5
    # (7 + 7 + 3.75 + 4.125) / (2 + 2 + 1.5 + 1.5) = 21.875 / 7 = 3.125
    # privacy and translate are for both sides, 2 + 2 each: their balanced means
    # (3 + 2) / 2 and (2 + 3.5) / 2 equal the plain ones here.
    assert loop.overall.score == Fraction(25, 8)
    assert loop.overall.formula == (
        "(3.50 [2 ratings] × 2 + 3.50 [2 ratings] × 2 + 2.50 [2 clinical + 2 "
        "technical] × 1.5 + 2.75 [2 clinical + 2 technical] × 1.5) / "
        "(2 + 2 + 1.5 + 1.5) = 3.13"
    )
    assert loop.overall.rule == BALANCE_RULE
    # 7 of 10 weight assessed; workflow (1) and leadership (2) left out: 3 / 10
    assert loop.overall.assessed_weight_share == Fraction(7, 10)
    assert (
        loop.overall.left_out == "2 of 6 competencies, 30% of the weight, not assessed"
    )


def test_loop_must_meet_via_mean(loop):
    # privacy: mean 2.5 < 3; safety: 3 and 4, none below 3
    [item] = loop.must_meet
    assert (item.key, item.min_level, item.mean) == ("privacy", 3, 2.5)
    assert [r.interviewer for r in item.below] == ["Wei Zhang", "Tom Berg"]
    assert item.sentence == (
        "Regulatory and privacy judgement: mean 2.50 is below the minimum "
        "3 (Proficient); Wei Zhang rated 2 (Developing), Tom Berg rated 2 (Developing)"
    )


def test_loop_flags_in_order_with_sentences(loop):
    assert [(f.kind, f.competency, f.scorecard_id) for f in loop.flags] == [
        (FlagKind.COVERAGE_GAP, "workflow", None),
        (FlagKind.CROSS_FUNCTIONAL_GAP, "privacy", None),
        (FlagKind.SPLIT_PANEL, "translate", None),
        (FlagKind.CROSS_FUNCTIONAL_GAP, "translate", None),
        (FlagKind.COVERAGE_GAP, "leadership", None),
        # Wei recommends 2 with ratings averaging (3 + 2 + 3) / 3 = 2.67: the other
        # side of the middle (2.5), which the old rule flagged, but only 0.67 levels
        # away, under the 1.5 the flag now needs.
        (FlagKind.AMENDED_AFTER_VISIBLE, None, 3),
        (FlagKind.STALE, None, 2),
    ]
    assert [f.sentence for f in loop.flags] == [
        (
            "Nobody rated Clinical workflow insight; it should be assessed by both "
            "clinical and technical interviewers"
        ),
        # clinical 3 - technical 2 = +1, two raters a side
        (
            "2 clinical and 2 technical interviewers differed by 1 level on "
            "Regulatory and privacy judgement: clinical mean 3.00, technical mean 2.00"
        ),
        # 4 - 2 = 2 levels
        (
            "Ratings for Translating technical ideas span 2 levels, from 2 (Developing) "
            "by Ana Ruiz and Priya Nair to 4 (Exemplary) by Tom Berg"
        ),
        # clinical 2 - technical 7/2 = -3/2
        (
            "2 clinical and 2 technical interviewers differed by 1.50 levels on "
            "Translating technical ideas: clinical mean 2.00, technical mean 3.50"
        ),
        (
            "Nobody rated Leadership; it should be assessed by both clinical and "
            "technical interviewers"
        ),
        # Priya: 6:30 amendment - 1:00 first sight = 5 h 30 min
        (
            "Priya Nair amended their scorecard 5 hours 30 minutes after they could see "
            "the other scorecards"
        ),
        # Wei: 3 days 4 hours = 76 h > 48 h
        "Wei Zhang submitted 3 days 4 hours after the interview (the limit is 48 hours)",
    ]


def test_loop_tally_and_missing(loop):
    # Ana 3, Wei 2, Priya 4, Tom 3; Lee's draft (1) does not count
    assert loop.tally == (
        TallyEntry(1, "Not yet", 0),
        TallyEntry(2, "Developing", 1),
        TallyEntry(3, "Proficient", 2),
        TallyEntry(4, "Exemplary", 1),
    )
    assert loop.no_recommendation == 0
    assert (loop.submitted, loop.expected, loop.missing) == (4, 5, 1)


# --- edge cases ---------------------------------------------------------------------


def test_one_interviewer():
    cards = [card(1, "Ana Ruiz", "clinical", 3, {"safety": 3})]
    result = synthesize(LEVELS, [SAFETY], cards, expected_scorecards=1)
    [safety] = result.competencies
    assert (safety.count, safety.mean, safety.median) == (1, 3.0, 3.0)
    assert (safety.minimum, safety.maximum) == (3, 3)
    assert result.overall.score == 3.0
    assert result.overall.formula == "(3.00 [1 rating] × 2) / (2) = 3.00"
    assert safety.single
    # One rating has no spread: no band, and the page says why.
    assert result.overall.band is None
    assert result.overall.headline == "3.0"
    assert result.overall.band_text.startswith(
        "No band: every competency rests on a single rating"
    )
    assert result.overall.assessed_weight_share == 1.0
    assert result.overall.left_out is None
    assert result.must_meet == () and result.flags == ()
    assert result.missing == 0


def test_all_not_assessed():
    cards = [
        card(1, "Ana Ruiz", "clinical", 3, {"safety": None, "privacy": None}),
        card(2, "Wei Zhang", "technical", 4, {"privacy": None}),
    ]
    result = synthesize(LEVELS, [SAFETY, PRIVACY], cards, expected_scorecards=2)
    assert all(c.count == 0 and c.mean is None for c in result.competencies)
    assert result.overall.score is None
    assert result.overall.formula is None
    assert result.overall.assessed_weight_share == 0.0
    assert result.overall.left_out == (
        "Nothing was assessed: none of the 2 competencies has a rating"
    )
    # Both have a minimum (3) and nobody rated them: called out, not left out.
    assert [(m.key, m.mean, m.below, m.unconfirmed) for m in result.must_meet] == [
        ("safety", None, (), True),
        ("privacy", None, (), True),
    ]
    assert result.must_meet[0].sentence == (
        "Clinical safety reasoning: nobody rated it, so the panel cannot confirm "
        "the minimum 3 (Proficient)"
    )
    # Not assessed is not a gap in ratings' favour: coverage still shows it.
    assert [f.kind for f in result.flags] == [FlagKind.COVERAGE_GAP] * 2
    assert [e.count for e in result.tally] == [0, 0, 1, 1]
    assert result.submitted == 2


def test_one_discipline_coverage():
    tech_only = [
        card(1, "Wei Zhang", "technical", 3, {"systems": 3}),
        card(2, "Tom Berg", "technical", 3, {"systems": 4}),
    ]
    # assessed_by technical, rated by technical interviewers only: no gap
    alone = synthesize(LEVELS, [SYSTEMS], tech_only, expected_scorecards=2)
    assert alone.flags == ()
    assert alone.competencies[0].clinical == DisciplineStat(0, None)
    assert alone.competencies[0].technical == DisciplineStat(2, 3.5)

    # the same ratings for a competency both disciplines should assess: a gap
    both = replace(SYSTEMS, assessed_by="both")
    result = synthesize(LEVELS, [both], tech_only, expected_scorecards=2)
    [flag] = result.flags
    assert flag.kind == FlagKind.COVERAGE_GAP
    assert flag.sentence == (
        "Only technical interviewers rated Systems design; it should be assessed "
        "by both clinical and technical interviewers"
    )

    # a clinical competency that only technical interviewers rated
    clinical = replace(SYSTEMS, assessed_by="clinical")
    [flag] = synthesize(LEVELS, [clinical], tech_only, expected_scorecards=2).flags
    assert flag.sentence == (
        "No clinical interviewer rated Systems design; it should be assessed by "
        "clinical interviewers"
    )


@pytest.mark.parametrize(
    ("levels", "median"),
    [
        ((1, 2, 3, 4), 2.5),  # (2 + 3) / 2
        ((2, 4), 3.0),  # (2 + 4) / 2
        ((4, 1, 3), 3.0),  # odd count: the middle one, as a float
        ((3, 3, 1, 1), 2.0),  # (1 + 3) / 2
    ],
)
def test_median_ties(levels, median):
    cards = [
        card(i, f"Interviewer {i}", "technical", 3, {"systems": level})
        for i, level in enumerate(levels, start=1)
    ]
    [systems] = synthesize(LEVELS, [SYSTEMS], cards, len(cards)).competencies
    assert systems.median == median
    assert isinstance(systems.median, Fraction)


def test_unequal_weights():
    a = CompetencyInfo("a", "Clinical safety reasoning", 1, "both")
    b = CompetencyInfo("b", "Systems design", 1.5, "both")
    cards = [
        card(1, "Ana Ruiz", "clinical", 3, {"a": 4, "b": 2}),
        card(2, "Wei Zhang", "technical", 3, {"a": 3, "b": 2}),
    ]
    result = synthesize(LEVELS, [a, b], cards, expected_scorecards=2)
    # means: a (4 + 3) / 2 = 3.5, b (2 + 2) / 2 = 2.0
    # (3.5 × 1 + 2.0 × 1.5) / (1 + 1.5) = 6.5 / 2.5 = 2.6 (unweighted would be 2.75)
    assert result.overall.score == Fraction(13, 5)
    assert result.overall.formula == (
        "(3.50 [1 clinical + 1 technical] × 1 + 2.00 [1 clinical + 1 technical] "
        "× 1.5) / (1 + 1.5) = 2.60"
    )
    assert result.overall.left_out is None


def test_must_meet_via_single_rating():
    cards = [
        card(1, "Ana Ruiz", "clinical", 4, {"safety": 4}),
        card(2, "Priya Nair", "clinical", 4, {"safety": 4}),
        card(3, "Wei Zhang", "clinical", 3, {"safety": 2}),
    ]
    result = synthesize(LEVELS, [SAFETY], cards, expected_scorecards=3)
    # mean (4 + 4 + 2) / 3 = 3.33 meets 3, but Wei's 2 does not
    [item] = result.must_meet
    assert item.mean == Fraction(10, 3)
    assert item.sentence == (
        "Clinical safety reasoning: Wei Zhang rated 2 (Developing), "
        "below the minimum 3 (Proficient); mean 3.33"
    )


def test_must_meet_not_listed():
    at_minimum = [card(1, "Ana Ruiz", "clinical", 3, {"safety": 3, "systems": 1})]
    # safety exactly at its minimum; systems has no minimum at all
    assert synthesize(LEVELS, [SAFETY, SYSTEMS], at_minimum, 1).must_meet == ()
    # Before any scorecard is in there is nothing to confirm yet.
    assert synthesize(LEVELS, [SAFETY], [], 1).must_meet == ()


def test_a_must_meet_competency_nobody_rated_cannot_be_confirmed():
    # Ana marked safety "not assessed" and rated systems: safety has a minimum of 3.
    cards = [card(1, "Ana Ruiz", "clinical", 3, {"safety": None, "systems": 4})]
    result = synthesize(LEVELS, [SAFETY, SYSTEMS], cards, 1)
    [item] = result.must_meet
    assert (item.key, item.mean, item.unconfirmed) == ("safety", None, True)
    assert item.sentence == (
        "Clinical safety reasoning: nobody rated it, so the panel cannot confirm "
        "the minimum 3 (Proficient)"
    )
    # It still counts as left out of the score.
    assert result.overall.left_out == (
        "1 of 2 competencies, 50% of the weight, not assessed"
    )


def test_no_split_or_gap_below_thresholds():
    cards = [
        card(1, "Ana Ruiz", "clinical", 3, {"translate": 3}),
        card(2, "Priya Nair", "clinical", 3, {"translate": 3}),
        card(3, "Wei Zhang", "technical", 2, {"translate": 2}),
        card(4, "Tom Berg", "technical", 3, {"translate": 4}),
    ]
    # spread 4 - 2 = 2 splits; clinical 3.0 vs technical 3.0 is no gap
    result = synthesize(LEVELS, [TRANSLATE], cards, 4)
    assert [f.kind for f in result.flags] == [FlagKind.SPLIT_PANEL]
    # spread 3 - 2 = 1 is no split; 3.0 vs (2 + 3) / 2 = 2.5 differs by 0.5: no gap
    cards[3] = replace(cards[3], ratings=(RatingIn("translate", 3),))
    assert synthesize(LEVELS, [TRANSLATE], cards, 4).flags == ()


def test_contradiction_far_above_their_own_ratings():
    cards = [card(1, "Ana Ruiz", "clinical", 4, {"safety": 2, "workflow": 2})]
    clinical_workflow = replace(WORKFLOW, assessed_by="clinical")
    [flag] = synthesize(LEVELS, [SAFETY, clinical_workflow], cards, 1).flags
    assert (flag.kind, flag.scorecard_id) == (FlagKind.CONTRADICTION, 1)
    # recommends 4; own mean (2 + 2) / 2 = 2.00: 2 levels apart, >= 1.5
    assert flag.sentence == (
        "Ana Ruiz recommended 4 (Exemplary), 2.00 levels above the average of their "
        "own ratings (2.00); the flag is raised at 1.5 levels"
    )


def _contradictions(cards):
    no_minimum = replace(SAFETY, min_level=None)
    others = [replace(SYSTEMS, assessed_by="clinical"), WORKFLOW]
    result = synthesize(LEVELS, [no_minimum, *others], cards, len(cards))
    return [f for f in result.flags if f.kind == FlagKind.CONTRADICTION]


def test_a_contradiction_is_a_distance_not_a_side_of_the_middle():
    cards = [
        # recommends 4, ratings (2 + 3) / 2 = 2.5: exactly 1.5 apart, flagged
        card(1, "Ana Ruiz", "clinical", 4, {"safety": 2, "systems": 3}),
        # recommends 4, ratings (3 + 2 + 3) / 3 = 8/3: 1.33 apart, not flagged
        card(
            2, "Priya Nair", "clinical", 4, {"safety": 3, "systems": 2, "workflow": 3}
        ),
        # recommends 3, ratings 2: the other side of the middle (2.5) but 1 level
        # apart; the old rule flagged it, the distance does not
        card(3, "Lena Vos", "clinical", 3, {"safety": 2}),
        # recommends 1, ratings (3 + 3) / 2 = 3: 2 levels below, flagged
        card(4, "Sam Okoro", "clinical", 1, {"safety": 3, "systems": 3}),
        # no recommendation never contradicts
        card(5, "Tom Berg", "clinical", None, {"safety": 4}),
    ]
    flags = _contradictions(cards)
    assert [f.scorecard_id for f in flags] == [1, 4]
    assert flags[0].sentence == (
        "Ana Ruiz recommended 4 (Exemplary), 1.50 levels above the average of their "
        "own ratings (2.50); the flag is raised at 1.5 levels"
    )
    assert flags[1].sentence == (
        "Sam Okoro recommended 1 (Not yet), 2.00 levels below the average of their "
        "own ratings (3.00); the flag is raised at 1.5 levels"
    )


@pytest.mark.parametrize(
    ("distance", "flagged"),
    [
        (Fraction(3, 2), []),  # the default: 1.4 levels is not enough
        (1.5, []),
        (1.4, [1]),  # as the setting would be written: exactly 7/5
        (Decimal("1.4"), [1]),
        (Fraction(7, 5), [1]),
        (Fraction(141, 100), []),
    ],
)
def test_the_contradiction_distance_is_configurable(distance, flagged):
    # recommends 4; ratings 3, 3, 2, 3, 2: mean 13/5 = 2.6, exactly 1.4 levels below
    ratings = {"safety": 3, "systems": 3, "workflow": 2}
    first = card(1, "Ana Ruiz", "clinical", 4, ratings)
    extra = CompetencyInfo("extra", "Teaching", 1, "clinical")
    more = CompetencyInfo("more", "Leadership", 1, "clinical")
    first = replace(
        first, ratings=(*first.ratings, RatingIn("extra", 3), RatingIn("more", 2))
    )
    infos = [replace(SAFETY, min_level=None), SYSTEMS, WORKFLOW, extra, more]
    result = synthesize(LEVELS, infos, [first], 1, contradiction_distance=distance)
    found = [f.scorecard_id for f in result.flags if f.kind == FlagKind.CONTRADICTION]
    assert found == flagged
    if flagged:
        assert result.flags[-1].sentence == (
            "Ana Ruiz recommended 4 (Exemplary), 1.40 levels above the average of "
            "their own ratings (2.60); the flag is raised at 1.4 levels"
        )
    # The default is the 1.5 of the issue, the setting's default too.
    assert CONTRADICTION_DISTANCE == Fraction(3, 2)


@pytest.mark.parametrize("bad", [0, -1, float("nan"), "1.5"])
def test_a_contradiction_distance_must_be_a_positive_number(bad):
    with pytest.raises(ValueError):
        synthesize(LEVELS, [SAFETY], [], 1, contradiction_distance=bad)


@pytest.mark.parametrize(
    ("after", "stale"),
    [
        (timedelta(hours=48), False),
        (timedelta(hours=48, minutes=1), True),
    ],
)
def test_stale_threshold(after, stale):
    cards = [card(1, "Ana Ruiz", "clinical", 3, {"safety": 3}, after=after)]
    flags = synthesize(LEVELS, [SAFETY], cards, 1).flags
    if stale:
        [flag] = flags
        assert flag.kind == FlagKind.STALE
        assert flag.sentence == (
            "Ana Ruiz submitted 2 days 1 minute after the interview "
            "(the limit is 48 hours)"
        )
    else:
        assert flags == ()


def test_amended_after_others_visible():
    base = card(1, "Ana Ruiz", "clinical", 3, {"safety": 3})
    seen = ENDED + timedelta(hours=2)
    one_minute_later = replace(
        base, others_visible_from=seen, amended_at=seen + timedelta(minutes=1)
    )
    [flag] = synthesize(LEVELS, [SAFETY], [one_minute_later], 1).flags
    assert flag.kind == FlagKind.AMENDED_AFTER_VISIBLE
    assert flag.sentence == (
        "Ana Ruiz amended their scorecard 1 minute after they could see the other "
        "scorecards"
    )
    before = replace(base, others_visible_from=seen, amended_at=seen - timedelta(1))
    assert synthesize(LEVELS, [SAFETY], [before], 1).flags == ()


@pytest.mark.parametrize(("expected", "missing"), [(6, 2), (4, 0), (2, 0), (0, 0)])
def test_missing_scorecards(expected, missing):
    cards = [
        card(i, f"Interviewer {i}", "clinical", 3, {"safety": 3}) for i in range(4)
    ]
    cards.append(replace(cards[0], id=9, submitted_at=None))  # a draft is missing
    result = synthesize(LEVELS, [SAFETY], cards, expected)
    assert (result.submitted, result.missing) == (4, missing)


def test_no_scorecards():
    result = synthesize(LEVELS, LOOP, [], expected_scorecards=4)
    assert all(c.count == 0 and c.ratings == () for c in result.competencies)
    assert result.overall.score is None
    assert result.overall.formula is None
    assert result.must_meet == ()
    assert result.flags == ()
    assert [e.count for e in result.tally] == [0, 0, 0, 0]
    assert (result.submitted, result.no_recommendation) == (0, 0)
    assert result.missing == 4


def test_no_competencies():
    result = synthesize(LEVELS, [], [], expected_scorecards=0)
    assert result.competencies == ()
    assert result.overall.score is None and result.overall.left_out is None


def test_left_out_share_never_rounds_away():
    big = CompetencyInfo("big", "Systems design", 999, "technical")
    tiny = CompetencyInfo("tiny", "Leadership", 1, "technical")
    cards = [card(1, "Wei Zhang", "technical", 3, {"big": 3})]
    left_out = synthesize(LEVELS, [big, tiny], cards, 1).overall.left_out
    assert left_out == "1 of 2 competencies, under 1% of the weight, not assessed"
    cards = [card(1, "Wei Zhang", "technical", 3, {"tiny": 3})]
    left_out = synthesize(LEVELS, [big, tiny], cards, 1).overall.left_out
    assert left_out == "1 of 2 competencies, over 99% of the weight, not assessed"


@pytest.mark.parametrize(
    "bad",
    [
        {"levels": ()},
        {"levels": (Level(1, "a"), Level(1, "b"))},
        {"competencies": (SAFETY, SAFETY)},
        {"competencies": (replace(SAFETY, weight=0),)},
        {"competencies": (replace(SAFETY, weight=float("nan")),)},
        {"competencies": (replace(SAFETY, min_level=7),)},
        {"scorecards": (card(1, "A", "clinical", 3, {"nope": 3}),)},
        {"scorecards": (card(1, "A", "clinical", 3, {"safety": 9}),)},
        {"scorecards": (card(1, "A", "clinical", 9, {"safety": 3}),)},
        {
            "scorecards": (
                replace(
                    card(1, "A", "clinical", 3, {}),
                    ratings=(RatingIn("safety", 3), RatingIn("safety", 2)),
                ),
            )
        },
        {
            "scorecards": (
                replace(
                    card(1, "A", "clinical", 3, {}), submitted_at=datetime(2026, 1, 1)
                ),
            )
        },
        {"expected_scorecards": -1},
    ],
)
def test_bad_input_is_refused(bad):
    args = {
        "levels": LEVELS,
        "competencies": (SAFETY,),
        "scorecards": (),
        "expected_scorecards": 1,
    }
    with pytest.raises(ValueError):
        synthesize(**(args | bad))


def test_text_helpers():
    assert fmt(2.25, 1) == "2.3"  # half up, not half to even
    assert fmt(3.125, 2) == "3.13"
    assert fmt(2 / 3, 2) == "0.67"
    assert duration_text(timedelta(days=1, seconds=59)) == "1 day"
    assert duration_text(timedelta(hours=2, minutes=1)) == "2 hours 1 minute"
    assert duration_text(timedelta(seconds=30)) == "less than a minute"


# --- exact arithmetic and one rounding rule -----------------------------------------


def test_a_gap_of_exactly_one_level_is_flagged():
    # clinical (2 + 3 + 3) / 3 = 8/3, technical (1 + 2 + 2) / 3 = 5/3: exactly 1 apart;
    # in floats 8/3 - 5/3 is 0.9999999999999998 and the gap went unflagged.
    cards = [
        card(1, "Ana Ruiz", "clinical", 3, {"workflow": 2}),
        card(2, "Priya Nair", "clinical", 3, {"workflow": 3}),
        card(3, "Lena Vos", "clinical", 3, {"workflow": 3}),
        card(4, "Wei Zhang", "technical", 3, {"workflow": 1}),
        card(5, "Tom Berg", "technical", 3, {"workflow": 2}),
        card(6, "Sam Okoro", "technical", 3, {"workflow": 2}),
    ]
    result = synthesize(LEVELS, [WORKFLOW], cards, 6)
    [flag] = [f for f in result.flags if f.kind == FlagKind.CROSS_FUNCTIONAL_GAP]
    assert flag.sentence == (
        "3 clinical and 3 technical interviewers differed by 1 level on Clinical "
        "workflow insight: clinical mean 2.67, technical mean 1.67"
    )
    workflow = result.competencies[0]
    assert workflow.clinical.mean - workflow.technical.mean == 1


def test_the_overall_score_is_exact_and_rounds_half_up():
    # 3 × 0.35 + 2.5 × 0.65 = 2.675 exactly: half up reads 2.68 ('%.2f' said 2.67)
    a = CompetencyInfo("a", "Clinical safety reasoning", 0.35, "clinical")
    b = CompetencyInfo("b", "Systems design", 0.65, "clinical")
    cards = [
        card(1, "Ana Ruiz", "clinical", 3, {"a": 3, "b": 2}),
        card(2, "Priya Nair", "clinical", 3, {"a": 3, "b": 3}),
    ]
    overall = synthesize(LEVELS, [a, b], cards, 2).overall
    assert overall.score == Fraction(107, 40)
    assert overall.formula == (
        "(3.00 [2 ratings] × 0.35 + 2.50 [2 ratings] × 0.65) / (0.35 + 0.65) = 2.68"
    )
    # The headline rounds the same exact value to one decimal: 2.675 -> 2.7.
    assert overall.headline.startswith("2.7 (")


def test_weights_are_read_as_written():
    # 0.1 + 0.2 is 0.30000000000000004 in floats; as written it is 3/10.
    a = CompetencyInfo("a", "Clinical safety reasoning", 0.1, "clinical")
    b = CompetencyInfo("b", "Systems design", 0.2, "clinical")
    cards = [card(1, "Ana Ruiz", "clinical", 3, {"a": 1, "b": 4})]
    result = synthesize(LEVELS, [a, b], cards, 1)
    assert [c.weight for c in result.competencies] == [Fraction(1, 10), Fraction(1, 5)]
    assert result.overall.score == Fraction(1 * 1 + 4 * 2, 3)  # 3
    assert result.overall.formula == (
        "(1.00 [1 rating] × 0.1 + 4.00 [1 rating] × 0.2) / (0.1 + 0.2) = 3.00"
    )


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (2.675, 2, "2.68"),  # the decimal as written, not the binary float below it
        (Fraction(2675, 1000), 2, "2.68"),
        (Fraction(9, 4), 1, "2.3"),  # '%.1f' gives 2.2 (half to even)
        (Fraction(17, 8), 2, "2.13"),
        (Fraction(2, 3), 2, "0.67"),
        (Fraction(-5, 2), 0, "-3"),  # half up is away from zero
        (Fraction(-1, 1000), 2, "0.00"),  # never "-0.00"
        (3, 2, "3.00"),
    ],
)
def test_one_rounding_rule(value, places, text):
    assert fmt(value, places) == text


def half_up(value: Fraction, places: int = 2) -> str:
    """The reference: decimal arithmetic, wide enough to be exact, quantized half up."""
    with localcontext() as context:
        context.prec = 80
        quotient = Decimal(value.numerator) / Decimal(value.denominator)
        return str(quotient.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))


@given(
    numerator=st.integers(min_value=0, max_value=10**6),
    denominator=st.integers(min_value=1, max_value=500),
    places=st.integers(min_value=0, max_value=3),
)
def test_fmt_is_decimal_half_up(numerator, denominator, places):
    assert fmt(Fraction(numerator, denominator), places) == half_up(
        Fraction(numerator, denominator), places
    )


WEIGHTS = st.decimals(min_value=Decimal("0.05"), max_value=100, places=2)
COMPETENCIES = st.lists(
    st.tuples(WEIGHTS, st.sampled_from([None, 2, 3])), min_size=1, max_size=4
)


@st.composite
def panels(draw):
    """Random competencies (weights as a rubric writes them) and submitted cards."""
    specs = draw(COMPETENCIES)
    infos = [
        CompetencyInfo(f"c{i}", f"Competency {i}", float(weight), "both", minimum)
        for i, (weight, minimum) in enumerate(specs)
    ]
    levels = st.one_of(st.none(), st.integers(min_value=1, max_value=4))
    cards = [
        card(
            n,
            f"Interviewer {n}",
            draw(st.sampled_from(["clinical", "technical"])),
            draw(st.one_of(st.none(), st.integers(min_value=1, max_value=4))),
            {info.key: draw(levels) for info in infos if draw(st.booleans())},
        )
        for n in range(draw(st.integers(min_value=0, max_value=9)))
    ]
    return [Decimal(w) for w, _ in specs], infos, cards


def exact_means(cards, key):
    """Each side's and the whole panel's exact mean for one competency, by hand, and
    the mean that counts for a competency both sides assess (the two sides' means
    averaged when both rated it)."""
    found = {"clinical": [], "technical": []}
    for c in cards:
        for r in c.ratings:
            if r.competency == key and r.level is not None:
                found[c.discipline].append(r.level)
    both = found["clinical"] + found["technical"]
    means = {
        side: Fraction(sum(v), len(v)) if v else None
        for side, v in (*found.items(), ("all", both))
    }
    means["counts"] = means["all"]
    if found["clinical"] and found["technical"]:
        means["counts"] = (means["clinical"] + means["technical"]) / 2
    means["levels"] = found
    return means


@settings(max_examples=300)
@given(panels())
def test_printed_numbers_agree_with_the_exact_values(panel):
    weights, infos, cards = panel
    result = synthesize(LEVELS, infos, cards, len(cards))
    gaps = {f.competency: f for f in result.flags if f.kind == "cross_functional_gap"}
    must = {m.key: m for m in result.must_meet}
    assessed = []
    for info, weight in zip(infos, weights, strict=True):
        means = exact_means(cards, info.key)
        clinical, technical = means["clinical"], means["technical"]
        # The gap flag appears iff the exact gap is at least one level.
        flagged = clinical is not None and technical is not None
        flagged = flagged and abs(clinical - technical) >= 1
        assert (info.key in gaps) == flagged
        if flagged:
            gap = abs(clinical - technical)
            size = str(gap.numerator) if gap.denominator == 1 else half_up(gap)
            sentence = gaps[info.key].sentence
            assert f" differed by {size} level" in sentence
            for side in ("clinical", "technical"):
                levels = means["levels"][side]
                if len(levels) == 1:
                    assert f"{side} {levels[0]} (" in sentence
                else:
                    assert f"{side} mean {half_up(means[side])}" in sentence
        # Must-meet lists a competency with a minimum iff a rating is below it, or
        # nobody rated it once a scorecard is in.
        rated = means["levels"]["clinical"] + means["levels"]["technical"]
        listed = info.min_level is not None and (
            any(r < info.min_level for r in rated) or (not rated and bool(cards))
        )
        assert (info.key in must) == listed
        if listed and rated:
            assert f"mean {half_up(means['counts'])}" in must[info.key].sentence
        elif listed:
            assert "cannot confirm the minimum" in must[info.key].sentence
        if means["all"] is not None:
            assessed.append((Fraction(str(weight)), means["counts"]))
    if assessed:
        score = sum(w * m for w, m in assessed) / sum(w for w, _ in assessed)
        assert result.overall.score == score
        assert result.overall.formula.endswith(f" = {half_up(score)}")
        assert result.overall.headline.startswith(half_up(score, 1))
    else:
        assert result.overall.score is None


# --- independence: written after reading the panel ----------------------------------


def test_written_after_reading_the_panel():
    readable = ENDED + timedelta(hours=2)
    second = replace(
        card(7, "Clara Jensen", "clinical", 3, {"safety": 3}, after=timedelta(hours=5)),
        others_visible_from=readable,
        session="Systems interview",
    )
    [flag] = synthesize(LEVELS, [SAFETY], [second], 1).flags
    assert (flag.kind, flag.scorecard_id) == (FlagKind.WRITTEN_AFTER_READING, 7)
    assert flag.kind.label == "Written after reading the panel"
    # submitted at +5 h, the panel readable from +2 h
    assert flag.sentence == (
        "Clara Jensen submitted their scorecard for Systems interview 3 hours after "
        "they could read the other scorecards"
    )


@pytest.mark.parametrize("readable", [timedelta(hours=1), timedelta(hours=3), None])
def test_submitting_before_or_as_the_panel_opens_is_not_flagged(readable):
    """The author's own submission opens the panel to them: that is no flag."""
    seen = None if readable is None else ENDED + readable
    first = replace(
        card(1, "Clara Jensen", "clinical", 3, {"safety": 3}, after=timedelta(hours=1)),
        others_visible_from=seen,
    )
    assert synthesize(LEVELS, [SAFETY], [first], 1).flags == ()


def test_both_independence_flags_name_the_session_in_kind_order():
    written = replace(
        card(2, "Clara Jensen", "clinical", 3, {"safety": 3}, after=timedelta(hours=4)),
        others_visible_from=ENDED + timedelta(hours=3, minutes=30),
        amended_at=ENDED + timedelta(hours=6),
        session="Case review",
    )
    flags = synthesize(LEVELS, [SAFETY], [written], 1).flags
    assert [f.kind for f in flags] == [
        FlagKind.WRITTEN_AFTER_READING,
        FlagKind.AMENDED_AFTER_VISIBLE,
    ]
    assert flags[0].sentence.endswith(
        "submitted their scorecard for Case review 30 minutes after they could read "
        "the other scorecards"
    )
    assert flags[1].sentence == (
        "Clara Jensen amended their scorecard for Case review 2 hours 30 minutes "
        "after they could see the other scorecards"
    )


# --- replaced seats -----------------------------------------------------------------


def test_a_replaced_seats_scorecard_counts_but_not_towards_missing():
    replaced = replace(
        card(1, "Ana Ruiz", "clinical", 3, {"safety": 2}),
        replaced_at=ENDED + timedelta(days=1),
    )
    active = card(2, "Priya Nair", "clinical", 3, {"safety": 4})
    # Two active seats (Priya's and Ana's successor's); only Priya's is in.
    result = synthesize(LEVELS, [SAFETY], [replaced, active], expected_scorecards=2)
    assert result.competencies[0].mean == 3  # Ana's 2 still counts
    assert (result.submitted, result.replaced, result.submitted_active) == (2, 1, 1)
    assert result.missing == 1  # "expected minus submitted" said 0


def test_scorecard_flags_name_the_interview_when_a_person_holds_several_seats():
    late = replace(
        card(1, "Ana Ruiz", "clinical", 4, {"safety": 2}, after=timedelta(days=3)),
        session="Case review",
    )
    flags = synthesize(LEVELS, [replace(SAFETY, min_level=None)], [late], 1).flags
    assert [f.sentence for f in flags] == [
        (
            "Ana Ruiz (Case review) recommended 4 (Exemplary), 2.00 levels above the "
            "average of their own ratings (2.00); the flag is raised at 1.5 levels"
        ),
        (
            "Ana Ruiz (Case review) submitted 3 days after the interview (the limit is "
            "48 hours)"
        ),
    ]


def test_one_person_rating_a_competency_in_two_interviews_is_named_by_interview():
    cards = [
        card(1, "Kwame Mensah", "clinical", 3, {"workflow": 2}, session="Case one"),
        card(2, "Kwame Mensah", "clinical", 3, {"workflow": 4}, session="Case two"),
        card(3, "Wei Zhang", "technical", 3, {"workflow": 4}, session="Case one"),
    ]
    result = synthesize(LEVELS, [WORKFLOW], cards, expected_scorecards=3)
    split = next(f for f in result.flags if f.kind == FlagKind.SPLIT_PANEL)
    assert "from 2 (Developing) by Kwame Mensah (Case one)" in split.sentence
    assert "to 4 (Exemplary) by Kwame Mensah (Case two) and Wei Zhang" in split.sentence


# --- the balance rule: both sides count alike ----------------------------------------

BOTH = CompetencyInfo("both", "Clinical workflow insight", 1, "both")
TECH = CompetencyInfo("tech", "Systems design", 1, "technical")


def two_and_one():
    """Two clinicians and an engineer on a competency for both sides; the engineer
    and a second one on a technical competency."""
    return [
        card(1, "Ana Ruiz", "clinical", 3, {"both": 4}),
        card(2, "Priya Nair", "clinical", 3, {"both": 3}),
        card(3, "Wei Zhang", "technical", 3, {"both": 2, "tech": 3}),
        card(4, "Tom Berg", "technical", 3, {"tech": 4}),
    ]


def test_a_competency_for_both_sides_averages_the_two_side_means():
    result = synthesize(LEVELS, [BOTH, TECH], two_and_one(), 4)
    both, tech = result.competencies
    # clinical (4 + 3) / 2 = 7/2 (2 ratings), technical 2 (1 rating)
    assert both.clinical == DisciplineStat(2, Fraction(7, 2))
    assert both.technical == DisciplineStat(1, Fraction(2))
    # balanced (7/2 + 2) / 2 = 11/4; the plain mean (4 + 3 + 2) / 3 = 3 lets the
    # larger clinical side outvote the engineer
    assert (both.mean, both.plain_mean, both.balanced) == (Fraction(11, 4), 3, True)
    assert both.basis == "the clinical and technical means averaged"
    # a technical competency is a plain mean, (3 + 4) / 2
    assert (tech.mean, tech.plain_mean, tech.balanced, tech.basis) == (
        Fraction(7, 2),
        Fraction(7, 2),
        False,
        None,
    )
    # (11/4 × 1 + 7/2 × 1) / 2 = 25/8; with plain means it would be (3 + 3.5) / 2
    assert result.overall.score == Fraction(25, 8)
    assert result.overall.formula == (
        "(2.75 [2 clinical + 1 technical] × 1 + 3.50 [2 ratings] × 1) / (1 + 1) = 3.13"
    )
    assert result.overall.rule == BALANCE_RULE
    assert "mean of the clinical mean and the technical mean" in BALANCE_RULE


def test_a_competency_for_both_rated_by_one_side_takes_that_sides_mean():
    cards = [
        card(1, "Ana Ruiz", "clinical", 3, {"both": 4}),
        card(2, "Priya Nair", "clinical", 3, {"both": 3}),
    ]
    [both] = synthesize(LEVELS, [BOTH], cards, 2).competencies
    assert (both.mean, both.balanced) == (Fraction(7, 2), False)
    assert both.basis == "clinical ratings only: no technical interviewer rated it"


def test_the_must_meet_test_reads_the_balanced_mean():
    # clinical 4, 4, 4 and technical 1: plain mean 13/4 = 3.25 meets 3, the balanced
    # (4 + 1) / 2 = 2.5 does not, and the sentence says so
    must = replace(BOTH, min_level=3)
    cards = [card(i, f"Clinician {i}", "clinical", 3, {"both": 4}) for i in (1, 2, 3)]
    cards.append(card(4, "Wei Zhang", "technical", 2, {"both": 1}))
    [item] = synthesize(LEVELS, [must], cards, 4).must_meet
    assert item.mean == Fraction(5, 2)
    assert item.sentence == (
        "Clinical workflow insight: mean 2.50 is below the minimum 3 (Proficient); "
        "Wei Zhang rated 1 (Not yet)"
    )


def test_a_single_rating_is_marked():
    cards = [card(1, "Ana Ruiz", "clinical", 3, {"both": 3, "tech": 4})]
    both, tech = synthesize(LEVELS, [BOTH, TECH], cards, 1).competencies
    assert both.single and tech.single
    assert both.basis == "clinical ratings only: no technical interviewer rated it"
    tech = synthesize(LEVELS, [BOTH, TECH], two_and_one(), 4).competencies[1]
    assert tech.count == 2 and not tech.single


# --- the score's standard error and band ---------------------------------------------


def test_the_band_by_hand():
    result = synthesize(LEVELS, [BOTH, TECH], two_and_one(), 4)
    band = result.overall.band
    # both (balanced, 11/4): its ratings 4, 3, 2 spread around their plain mean 3:
    #   squares 1 + 0 + 1 = 2 on df 2, s² = 1; k = (1/2 + 1/1) / 4 = 3/8;
    #   v = 1² × 3/8 × 1 = 3/8
    # tech (plain, 7/2): 3, 4: squares 1/2 on df 1, s² = 1/2, k = 1/2, v = 1/4
    # SE² = (3/8 + 1/4) / (1 + 1)² = (5/8) / 4 = 5/32; SE = 0.3953
    assert band.variance == Fraction(5, 32)
    assert float(band.se) == pytest.approx((5 / 32) ** 0.5, rel=1e-15)
    assert abs(band.se**2 - band.variance) < Fraction(1, 10**35)
    # Welch-Satterthwaite: (5/8)² / ((3/8)² / 2 + (1/4)² / 1) = 50/17 = 2.94
    assert band.df == Fraction(50, 17)
    # t(0.975, 50/17) = 3.2188 (scipy.stats.t.ppf; t(0.975, 3) = 3.182 in tables)
    assert float(band.quantile) == pytest.approx(3.218758615, abs=1e-8)
    # 25/8 - 3.2188 × 0.3953 = 1.853; 25/8 + 1.272 = 4.397, past the top level 4
    assert float(band.low) == pytest.approx(1.852673942, abs=1e-8)
    assert band.high == 4
    assert band.borrowed == ()
    assert result.overall.headline == "3.1 (1.9 to 4.0)"
    assert result.overall.band_text == (
        "95% band, from how far the panel's ratings spread within each competency "
        "and how many ratings each mean rests on (standard error 0.40): a much "
        "larger panel of interviewers like these would score the candidate within "
        "it, with 95% confidence."
    )
    assert result.overall.borrowed_text is None


def test_the_loops_band_by_hand(loop):
    band = loop.overall.band
    # safety 4, 3: s² = 1/2, k = 1/2, w = 2: v = 4 × 1/2 × 1/2 = 1
    # systems 3, 4: the same, v = 1
    # privacy (balanced) 3, 2, 3, 2: squares 4 × 1/4 = 1 on df 3, s² = 1/3;
    #   k = (1/2 + 1/2) / 4 = 1/4, w = 1.5: v = 9/4 × 1/4 × 1/3 = 3/16
    # translate (balanced) 2, 3, 2, 4 around 11/4: squares 9/16 + 1/16 + 9/16 +
    #   25/16 = 11/4 on df 3, s² = 11/12; v = 9/4 × 1/4 × 11/12 = 33/64
    # SE² = (1 + 1 + 3/16 + 33/64) / 7² = (173/64) / 49 = 173/3136; SE = 0.2349
    assert band.variance == Fraction(173, 3136)
    assert float(band.se) == pytest.approx(173**0.5 / 56, rel=1e-15)
    # df = (173/64)² / (1²/1 + 1²/1 + (3/16)²/3 + (33/64)²/3) = 29929/8603 = 3.48
    assert band.df == Fraction(29929, 8603)
    assert float(band.quantile) == pytest.approx(2.948407156, abs=1e-8)
    # 3.125 ± 2.9484 × 0.2349 = 3.125 ± 0.6925
    assert float(band.low) == pytest.approx(2.432495689, abs=1e-8)
    assert float(band.high) == pytest.approx(3.817504311, abs=1e-8)
    assert loop.overall.headline == "3.1 (2.4 to 3.8)"


def test_a_single_rating_borrows_the_pooled_spread_and_says_so():
    cards = [
        card(1, "Ana Ruiz", "clinical", 3, {"safety": 3}),
        card(2, "Wei Zhang", "technical", 3, {"tech": 3}),
        card(3, "Tom Berg", "technical", 3, {"tech": 4}),
    ]
    safety = replace(SAFETY, weight=1)
    result = synthesize(LEVELS, [safety, TECH], cards, 3)
    band = result.overall.band
    # tech 3, 4: s² = 1/2 (df 1), k = 1/2: v = 1/4. safety has one rating (df 0):
    # it takes the pooled s² = (1/2) / 1, k = 1: v = 1/2, one term with df 1.
    # SE² = (1/4 + 1/2) / 2² = 3/16; df = (3/4)² / ((1/4)² + (1/2)²) = 9/5
    assert band.variance == Fraction(3, 16)
    assert band.df == Fraction(9, 5)
    assert band.borrowed == ("safety",)
    # score (3 + 7/2) / 2 = 13/4; t(0.975, 1.8) = 4.7949; 3.25 - 4.7949 × 0.4330
    assert band.quantile == pytest.approx(4.794881365, abs=1e-8)
    assert result.overall.headline == "3.3 (1.2 to 4.0)"
    assert result.overall.borrowed_text == (
        "Clinical safety reasoning rests on one rating, with no spread of its own: "
        "the band uses the spread pooled over the other competencies there."
    )


def test_no_band_when_the_ratings_agree_exactly():
    cards = [
        card(1, "Wei Zhang", "technical", 3, {"tech": 3}),
        card(2, "Tom Berg", "technical", 3, {"tech": 3}),
    ]
    overall = synthesize(LEVELS, [TECH], cards, 2).overall
    assert overall.band is None
    assert overall.headline == "3.0"
    assert overall.band_text.startswith(
        "No band: within every competency the ratings agree exactly"
    )


def test_one_rating_on_each_side_spreads_around_their_plain_mean():
    cards = [
        card(1, "Ana Ruiz", "clinical", 3, {"both": 4}),
        card(2, "Wei Zhang", "technical", 3, {"both": 2}),
    ]
    result = synthesize(LEVELS, [BOTH], cards, 2)
    [both] = result.competencies
    # 4 and 2 around 3: squares 2 on df 1 (within each side there would be none)
    assert (both.squares, both.spread_df, both.factor) == (2, 1, Fraction(1, 2))
    # SE² = 1/2 × 2 = 1; t(0.975, 1) = 12.71: the band is the whole scale
    band = result.overall.band
    assert (band.variance, band.df, band.low, band.high) == (1, 1, 1, 4)
    assert result.overall.headline == "3.0 (1.0 to 4.0)"


ANY_SIDE = st.sampled_from(["clinical", "technical", "both"])


@st.composite
def mixed_panels(draw):
    """Competencies for either side or both, on scales of 2 to 7 levels."""
    top = draw(st.integers(min_value=2, max_value=7))
    levels = tuple(Level(v, f"Level {v}") for v in range(1, top + 1))
    infos = [
        CompetencyInfo(f"c{i}", f"Competency {i}", float(w), draw(ANY_SIDE))
        for i, w in enumerate(draw(st.lists(WEIGHTS, min_size=1, max_size=4)))
    ]
    rating = st.one_of(st.none(), st.integers(min_value=1, max_value=top))
    cards = [
        card(
            n,
            f"Interviewer {n}",
            draw(st.sampled_from(["clinical", "technical"])),
            None,
            {info.key: draw(rating) for info in infos if draw(st.booleans())},
        )
        for n in range(draw(st.integers(min_value=0, max_value=10)))
    ]
    return levels, infos, cards


def reference_variance(result, infos, cards):
    """SE² written out again from the docstring, with the statistics module."""
    from statistics import variance

    terms, pooled_ss, pooled_df, borrowed = [], Fraction(0), 0, []
    for info in infos:
        means = exact_means(cards, info.key)
        sides = [v for v in means["levels"].values() if v]
        every = [x for v in sides for x in v]
        if not every:
            continue
        w = exact(info.weight)
        if info.assessed_by == "both" and len(sides) == 2:
            k = (Fraction(1, len(sides[0])) + Fraction(1, len(sides[1]))) / 4
        else:
            k = Fraction(1, len(every))
        df = len(every) - 1
        ss = variance([Fraction(x) for x in every]) * df if df else Fraction(0)
        if df:
            terms.append(w * w * k * ss / df)
            pooled_ss, pooled_df = pooled_ss + ss, pooled_df + df
        else:
            borrowed.append(w * w * k)
    if not pooled_df:
        return None
    total = sum(terms, Fraction(0)) + sum(borrowed, Fraction(0)) * pooled_ss / pooled_df
    weight = sum(exact(i.weight) for i in infos if exact_means(cards, i.key)["all"])
    return total / weight**2


@settings(max_examples=300)
@given(mixed_panels())
def test_the_band_holds_the_score_and_the_balanced_mean_lies_between_the_sides(panel):
    levels, infos, cards = panel
    result = synthesize(levels, infos, cards, len(cards))
    for c in result.competencies:
        if c.balanced:
            low, high = sorted([c.clinical.mean, c.technical.mean])
            assert low <= c.mean <= high
            assert c.mean == (c.clinical.mean + c.technical.mean) / 2
        elif c.count:
            assert c.mean == c.plain_mean
    overall = result.overall
    if overall.score is None:
        assert overall.band is None
        return
    band = overall.band
    expected = reference_variance(result, infos, cards)
    if band is None:
        assert expected is None or expected == 0
        assert overall.headline == fmt(overall.score, 1)
        return
    assert band.variance == expected
    assert 1 <= band.low <= overall.score <= band.high <= levels[-1].value
    assert band.df >= 1  # Satterthwaite's df is at least the smallest term's
    assert band.quantile > Fraction(196, 100)  # t is wider than the normal
    # The printed band holds the printed score, both rounded half up.
    score, rest = overall.headline.split(" (")
    low, high = rest.rstrip(")").split(" to ")
    assert Decimal(low) <= Decimal(score) <= Decimal(high)
