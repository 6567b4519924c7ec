"""The debrief's words for the rubric's reliability and an interviewer's leniency
(debrief/reliability.py, pure), and the start-up checks of the note's settings."""

import pytest

from interview import create_app
from interview.calibration import figures as fg
from interview.calibration import statistics as st
from interview.debrief.reliability import (
    LeniencyRule,
    leniency_note,
    leniency_notes,
    reliability,
)
from interview.extensions import db

RULE = LeniencyRule(levels=0.5, min_ratings=60)


def lenient(shrunk=0.6, low=0.4, high=0.8, n=140, rater=7) -> st.Leniency:
    return st.Leniency(rater, n, shrunk, None, None, shrunk, low, high, 0.9)


def found(alpha=0.71, low=0.66, high=0.75, icc=0.78, raters=2.4, loops=9371):
    counts = st.DataCounts(loops, loops * 5, 40)
    alpha_ = st.Alpha(alpha, low, high, "ordinal", loops * 5, loops * 12, 1000)
    average = st.Icc("ICC(1,k)", icc, None, None, raters, None, 1, 1)
    return fg.Figures(counts, st.DataCheck(True, ()), alpha_, None, average)


def test_the_example_note_reads_as_the_issue_words_it():
    assert leniency_note(lenient(), RULE) == (
        "Rates 0.6 levels above other interviewers of the same candidates, over 140"
        " shared ratings on this rubric (95% interval 0.4 to 0.8)."
    )


def test_a_severe_interviewer_reads_below_with_their_interval_as_distances():
    note = leniency_note(lenient(-0.74, -0.95, -0.52, n=1234), RULE)
    assert note.startswith("Rates 0.7 levels below other interviewers")
    assert "over 1,234 shared ratings" in note and "(95% interval 0.5 to 1.0)" in note


@pytest.mark.parametrize(
    ("case", "leniency"),
    [
        ("too few ratings", lenient(n=59)),
        ("too small", lenient(0.49, 0.3, 0.7)),
        ("small the other way", lenient(-0.49, -0.7, -0.3)),
        ("interval reaches 0", lenient(0.6, 0.0, 1.2)),
        ("interval crosses 0", lenient(-0.6, -1.3, 0.1)),
        ("no figure", None),
    ],
)
def test_no_note_when_small_or_poorly_estimated(case, leniency):
    assert leniency_note(leniency, RULE) is None, case


@pytest.mark.parametrize(
    "leniency",
    [lenient(n=60), lenient(0.5, 0.01, 0.99), lenient(-0.5, -0.99, -0.01)],
)
def test_a_note_at_the_thresholds(leniency):
    assert leniency_note(leniency, RULE) is not None


def test_notes_only_for_the_interviewers_asked_about():
    rows = [
        fg.RaterFigures(1, 7, "Lena", lenient(rater=7), None),
        fg.RaterFigures(1, 8, "Other", lenient(rater=8), None),
        fg.RaterFigures(1, 9, "Calm", lenient(0.1, -0.1, 0.3, rater=9), None),
    ]
    assert set(leniency_notes(rows, [7, 9], RULE)) == {7}
    assert leniency_notes(rows, [], RULE) == {}


@pytest.mark.parametrize(
    ("alpha", "words"),
    [
        (0.85, "at or above 0.8, where Krippendorff would rely on the ratings"),
        (0.8, "at or above 0.8"),
        (0.7, "between 0.667 and 0.8, good for tentative conclusions only"),
        (0.667, "between 0.667 and 0.8"),
        (0.5, "below 0.667, too low for even tentative conclusions"),
    ],
)
def test_alpha_is_read_against_krippendorffs_bars(alpha, words):
    text = " ".join(reliability(found(alpha=alpha)).sentences)
    assert words in text


@pytest.mark.parametrize(
    ("icc", "band"),
    [(0.3, "poor"), (0.6, "moderate"), (0.78, "good"), (0.95, "excellent")],
)
def test_the_icc_of_the_panel_mean_carries_koo_and_lis_band(icc, band):
    result = reliability(found(icc=icc))
    assert result.enough
    alpha, mean = result.sentences
    assert alpha == (
        "Krippendorff's alpha 0.71 (95% interval 0.66 to 0.75) over 9,371 loops:"
        " between 0.667 and 0.8, good for tentative conclusions only (Krippendorff)."
    )
    assert mean == (
        "The mean of 2.4 interviewers per competency, as this rubric's panels have,"
        f" has an intraclass correlation of {icc:.2f}: {band} on Koo and Li's scale."
    )


def test_a_narrow_interval_gets_a_third_decimal():
    (sentence, _) = reliability(found(alpha=0.3101, low=0.3052, high=0.3141)).sentences
    assert sentence.startswith(
        "Krippendorff's alpha 0.31 (95% interval 0.305 to 0.314) over 9,371 loops:"
    )


def test_figures_that_cannot_be_computed_say_so():
    result = reliability(found(alpha=None, low=None, high=None, icc=None))
    (sentence,) = result.sentences
    assert sentence == (
        "Krippendorff's alpha: no figure over 9,371 loops (the ratings do not vary"
        " enough to compute one)."
    )


def test_below_the_minimum_the_missing_data_is_named():
    counts = st.DataCounts(4, 8, 3)
    check = st.check_data(counts, min_loops=10)
    result = reliability(fg.Figures(counts, check))
    assert not result.enough
    (sentence,) = result.sentences
    assert sentence.startswith("Not enough data yet to measure how far")
    assert "Needs 10 loops rated by two or more interviewers; has 4 (6 more)." in (
        sentence
    )
    assert "alpha" not in sentence


# Settings --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBRIEF_LENIENCY_NOTE_LEVELS", "0.5"),
        ("DEBRIEF_LENIENCY_NOTE_LEVELS", 0),
        ("DEBRIEF_LENIENCY_NOTE_LEVELS", -1),
        ("DEBRIEF_LENIENCY_NOTE_LEVELS", True),
        ("DEBRIEF_LENIENCY_NOTE_LEVELS", float("nan")),
        ("DEBRIEF_LENIENCY_NOTE_LEVELS", float("inf")),
        ("DEBRIEF_LENIENCY_NOTE_MIN_RATINGS", "60"),
        ("DEBRIEF_LENIENCY_NOTE_MIN_RATINGS", 1),
        ("DEBRIEF_LENIENCY_NOTE_MIN_RATINGS", 60.0),
        ("DEBRIEF_LENIENCY_NOTE_MIN_RATINGS", True),
        ("DEBRIEF_LENIENCY_NOTE_MIN_RATINGS", None),
        ("DEBRIEF_CONTRADICTION_DISTANCE", float("inf")),
        ("DEBRIEF_CALIBRATION_RECHECK_SECONDS", -1),
        ("DEBRIEF_CALIBRATION_RECHECK_SECONDS", "60"),
        ("DEBRIEF_CALIBRATION_RECHECK_SECONDS", float("nan")),
    ],
)
def test_a_note_setting_out_of_range_stops_start_up_by_name(
    instance, capsys, name, value
):
    with pytest.raises(SystemExit) as stop:
        _make(instance, {name: value})
    assert stop.value.code == 4
    assert f"{name} is" in capsys.readouterr().err


def test_the_note_settings_take_numbers(instance):
    config = {
        "DEBRIEF_LENIENCY_NOTE_LEVELS": 1,
        "DEBRIEF_LENIENCY_NOTE_MIN_RATINGS": 200,
        "DEBRIEF_CALIBRATION_RECHECK_SECONDS": 0,
    }
    app = _make(instance, config)
    assert app.config["DEBRIEF_LENIENCY_NOTE_LEVELS"] == 1
    assert _make(instance, {}).config["DEBRIEF_LENIENCY_NOTE_MIN_RATINGS"] == 60


@pytest.fixture
def instance(tmp_path, monkeypatch):
    monkeypatch.setenv("INTERVIEW_INSTANCE_PATH", str(tmp_path))
    return tmp_path


def _make(folder, extra: dict):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'config.sqlite'}",
            **extra,
        }
    )
    with app.app_context():
        db.engine.dispose()
    return app
