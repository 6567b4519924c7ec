"""Score synthesis for the debrief: hand-computed numbers and the edge cases. Pure: no
app, no database."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

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
    assert loop.overall.score == pytest.approx(3.125)
    assert loop.overall.formula == (
        "(3.50 × 2 + 3.50 × 2 + 2.50 × 1.5 + 2.75 × 1.5) / (2 + 2 + 1.5 + 1.5) = 3.13"
    )
    # 7 of 10 weight assessed; workflow (1) and leadership (2) left out: 3 / 10
    assert loop.overall.assessed_weight_share == pytest.approx(0.7)
    assert (
        loop.overall.left_out == "2 of 6 competencies, 30% of the weight, not assessed"
    )


def test_loop_must_meet_via_mean(loop):
    # privacy: mean 2.5 < 3; safety: 3 and 4, none below 3
    [item] = loop.must_meet
    assert (item.key, item.min_level, item.mean) == ("privacy", 3, 2.5)
    assert [r.interviewer for r in item.below] == ["Wei Zhang", "Tom Berg"]
    assert item.sentence == (
        "Regulatory and privacy judgement: mean 2.50 is below the minimum 3; "
        "Wei Zhang rated 2, Tom Berg rated 2"
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
        # clinical 3.0 - technical 2.0 = +1.0
        (
            "Clinical interviewers rated Regulatory and privacy judgement 1.0 levels "
            "higher than technical interviewers (3.0 vs 2.0)"
        ),
        # 4 - 2 = 2 levels
        (
            "Ratings for Translating technical ideas span 2 levels, from 2 (Developing) "
            "by Ana Ruiz and Priya Nair to 4 (Exemplary) by Tom Berg"
        ),
        # clinical 2.0 - technical 3.5 = -1.5
        (
            "Clinical interviewers rated Translating technical ideas 1.5 levels lower "
            "than technical interviewers (2.0 vs 3.5)"
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
    assert isinstance(systems.median, float)


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
    assert result.overall.score == pytest.approx(2.6)
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
    assert item.mean == pytest.approx(10 / 3)
    assert item.sentence == (
        "Clinical safety reasoning: Wei Zhang rated 2, below the minimum 3 (mean 3.33)"
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
