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
    CompetencyInfo,
    DisciplineStat,
    FlagKind,
    Level,
    RatingIn,
    RatingOut,
    ScorecardIn,
    TallyEntry,
    duration_text,
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
    assert loop.overall.score == Fraction(25, 8)
    assert loop.overall.formula == (
        "(3.50 × 2 + 3.50 × 2 + 2.50 × 1.5 + 2.75 × 1.5) / (2 + 2 + 1.5 + 1.5) = 3.13"
    )
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
        (FlagKind.CONTRADICTION, None, 2),
        (FlagKind.AMENDED_AFTER_VISIBLE, None, 3),
        (FlagKind.STALE, None, 2),
    ]
    assert [f.sentence for f in loop.flags] == [
        (
            "Nobody rated Clinical workflow insight; it should be assessed by both "
            "clinical and technical interviewers"
        ),
        # clinical 3 - technical 2 = +1
        (
            "Clinical interviewers rated Regulatory and privacy judgement 1.00 levels "
            "higher than technical interviewers (3.00 vs 2.00)"
        ),
        # 4 - 2 = 2 levels
        (
            "Ratings for Translating technical ideas span 2 levels, from 2 (Developing) "
            "by Ana Ruiz and Priya Nair to 4 (Exemplary) by Tom Berg"
        ),
        # clinical 2 - technical 7/2 = -3/2
        (
            "Clinical interviewers rated Translating technical ideas 1.50 levels lower "
            "than technical interviewers (2.00 vs 3.50)"
        ),
        (
            "Nobody rated Leadership; it should be assessed by both clinical and "
            "technical interviewers"
        ),
        # Wei: recommends 2 < middle (1 + 4) / 2 = 2.5; own mean (3 + 2 + 3) / 3 = 2.67
        (
            "Wei Zhang recommended 2 (Developing), in the bottom half of the scale, but "
            "their ratings average 2.67, above the middle of the scale (2.5)"
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
    assert result.overall.formula == "(3.00 × 2) / (2) = 3.00"
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
    assert result.must_meet == ()
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
    assert result.overall.formula == "(3.50 × 1 + 2.00 × 1.5) / (1 + 1.5) = 2.60"
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
    not_assessed = [card(1, "Ana Ruiz", "clinical", 3, {"safety": None})]
    assert synthesize(LEVELS, [SAFETY], not_assessed, 1).must_meet == ()


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


def test_contradiction_top_half():
    cards = [card(1, "Ana Ruiz", "clinical", 4, {"safety": 2, "workflow": 2})]
    clinical_workflow = replace(WORKFLOW, assessed_by="clinical")
    [flag] = synthesize(LEVELS, [SAFETY, clinical_workflow], cards, 1).flags
    assert (flag.kind, flag.scorecard_id) == (FlagKind.CONTRADICTION, 1)
    # recommends 4 > 2.5; own mean (2 + 2) / 2 = 2.00 < 2.5
    assert flag.sentence == (
        "Ana Ruiz recommended 4 (Exemplary), in the top half of the scale, but their "
        "ratings average 2.00, below the middle of the scale (2.5)"
    )


def test_no_contradiction_at_the_middle():
    five = (*LEVELS, Level(5, "Outstanding"))  # middle (1 + 5) / 2 = 3
    cards = [
        card(1, "Ana Ruiz", "clinical", 3, {"safety": 1}),  # recommends the middle
        card(2, "Priya Nair", "clinical", 5, {"safety": 3}),  # mean on the middle
        card(3, "Lena Vos", "clinical", None, {"safety": 1}),  # no recommendation
    ]
    result = synthesize(five, [replace(SAFETY, min_level=None)], cards, 3)
    assert FlagKind.CONTRADICTION not in [f.kind for f in result.flags]
    assert result.no_recommendation == 1


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
        "Clinical interviewers rated Clinical workflow insight 1.00 levels higher "
        "than technical interviewers (2.67 vs 1.67)"
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
    assert overall.formula == "(3.00 × 0.35 + 2.50 × 0.65) / (0.35 + 0.65) = 2.68"


def test_weights_are_read_as_written():
    # 0.1 + 0.2 is 0.30000000000000004 in floats; as written it is 3/10.
    a = CompetencyInfo("a", "Clinical safety reasoning", 0.1, "clinical")
    b = CompetencyInfo("b", "Systems design", 0.2, "clinical")
    cards = [card(1, "Ana Ruiz", "clinical", 3, {"a": 1, "b": 4})]
    result = synthesize(LEVELS, [a, b], cards, 1)
    assert [c.weight for c in result.competencies] == [Fraction(1, 10), Fraction(1, 5)]
    assert result.overall.score == Fraction(1 * 1 + 4 * 2, 3)  # 3
    assert result.overall.formula == "(1.00 × 0.1 + 4.00 × 0.2) / (0.1 + 0.2) = 3.00"


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
    """Each side's and the whole panel's exact mean for one competency, by hand."""
    found = {"clinical": [], "technical": []}
    for c in cards:
        for r in c.ratings:
            if r.competency == key and r.level is not None:
                found[c.discipline].append(r.level)
    both = found["clinical"] + found["technical"]
    return {
        side: Fraction(sum(v), len(v)) if v else None
        for side, v in (*found.items(), ("all", both))
    }


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
            printed = f"{half_up(abs(clinical - technical))} levels"
            assert printed in gaps[info.key].sentence
            assert gaps[info.key].sentence.endswith(
                f"({half_up(clinical)} vs {half_up(technical)})"
            )
        if info.key in must:
            assert f"mean {half_up(means['all'])}" in must[info.key].sentence
        if means["all"] is not None:
            assessed.append((Fraction(str(weight)), means["all"]))
    if assessed:
        score = sum(w * m for w, m in assessed) / sum(w for w, _ in assessed)
        assert result.overall.score == score
        assert result.overall.formula.endswith(f" = {half_up(score)}")
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
            "Ana Ruiz (Case review) recommended 4 (Exemplary), in the top half of the "
            "scale, but their ratings average 2.00, below the middle of the scale (2.5)"
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
