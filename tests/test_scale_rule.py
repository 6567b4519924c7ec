"""A rating scale climbs one step at a time: the format refuses a scale with jumps, and
the synthesis refuses to average one (a version saved before the rule gets a clear
page, not a 500)."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from interview.debrief.synthesis import (
    CompetencyInfo,
    Level,
    RatingIn,
    ScaleError,
    ScorecardIn,
    synthesize,
)
from interview.extensions import db
from interview.models import Loop, LoopStatus, PlanSession, Role, ScorecardStatus
from interview.rubrics.schema import RubricSpec, validate

from .builders import add_scorecard, clinical_seat, start_loop
from .rubric_samples import competency, dump, rubric


def scale(values) -> list[dict]:
    return [{"value": v, "label": f"Level {v}"} for v in values]


def anchors(values) -> dict[int, str]:
    return {v: f"Observable behaviour number {v} at this level." for v in values}


def rubric_on(values, **overrides) -> dict:
    """The sample rubric on a scale of these values, anchors to match."""
    comps = [
        competency("workflow", anchors=anchors(values)),
        competency("privacy", anchors=anchors(values)),
    ]
    return rubric(scale=scale(values), competencies=comps, **overrides)


def test_a_scale_that_skips_values_is_refused_at_its_first_jump():
    found = [str(p) for p in validate(dump(rubric_on([1, 2, 4, 8]))).problems]
    assert found == [
        (
            "scale[2].value (line 60): scale values must be consecutive whole numbers: "
            "after 2 comes 3, not 4 (the scale is [1, 2, 4, 8]); means and gaps between "
            "interviewers count levels, so a scale cannot skip values"
        )
    ]


@pytest.mark.parametrize("values", [[0, 1, 2, 3, 4], [1, 2, 3, 4, 5], [3, 4]])
def test_consecutive_scales_from_any_start_are_accepted(values):
    result = validate(dump(rubric_on(values)))
    assert result.ok, result.problems
    assert result.rubric.scale_values == values


@settings(deadline=None)  # validation parses YAML: a busy machine is slow, not wrong
@given(
    st.lists(
        st.integers(min_value=0, max_value=10), min_size=2, max_size=10, unique=True
    ).map(sorted)
)
def test_a_rising_scale_is_valid_exactly_when_it_has_no_gap(values):
    consecutive = values == list(range(values[0], values[0] + len(values)))
    assert validate(dump(rubric_on(values))).ok == consecutive


LEVELS = (Level(1, "Low"), Level(2, "Some"), Level(4, "Good"), Level(8, "Top"))
ENDED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_the_synthesis_refuses_a_scale_with_gaps():
    card = ScorecardIn(
        id=1,
        interviewer="Ana Ruiz",
        discipline="clinical",
        recommendation=4,
        ratings=(RatingIn("workflow", 8),),
        submitted_at=ENDED + timedelta(hours=1),
        interview_ended_at=ENDED,
    )
    workflow = CompetencyInfo("workflow", "Workflow", 1, "both")
    with pytest.raises(
        ValueError, match=r"consecutive whole numbers, not \[1, 2, 4, 8\]"
    ):
        synthesize(LEVELS, [workflow], [card], 1)
    with pytest.raises(ScaleError):
        synthesize(LEVELS, [workflow], [], 0)


def _legacy_loop(app, make_user) -> dict:
    """A loop on a version saved before the rule (1, 2, 4, 8), with one scorecard in."""
    from interview.rubrics.operations import save_rubric

    manager = make_user(Role.HIRING_MANAGER)
    clara = make_user(Role.INTERVIEWER, name="Clara Jensen")
    values = [1, 2, 4, 8]
    # The schema alone (without the file-level rules) is how such versions got in.
    spec = RubricSpec.model_validate(rubric_on(values), context={"scale": values})
    with app.app_context():
        version = save_rubric(None, spec).version
        plan = [PlanSession(title="Case", competency_keys=["workflow"])]
        loop = start_loop(manager.id, version.rubric_id, plan)
        seat = clinical_seat(loop)
        seat.interviewer_id = clara.id
        db.session.commit()
        add_scorecard(
            seat.id,
            clara.id,
            status=ScorecardStatus.SUBMITTED,
            submitted_at=datetime.now(UTC),
            overall_recommendation=4,
        )
        return {"loop_id": loop.id, "manager": manager}


def test_a_legacy_scale_gets_a_clear_page_not_an_error(app, client, auth, make_user):
    legacy = _legacy_loop(app, make_user)
    auth.login(legacy["manager"])
    for url in ("debrief", "debrief.pdf"):
        response = client.get(f"/loops/{legacy['loop_id']}/{url}")
        page = response.get_data(as_text=True)
        assert response.status_code == 409
        assert "cannot combine this loop's scores" in page
        assert "consecutive whole numbers, not [1, 2, 4, 8]" in page
        assert "Traceback" not in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Loop.id))) == 1


def test_a_legacy_scale_is_reported_by_the_command_line_and_the_batch_goes_on(
    app, runner, make_user, seat, tmp_path
):
    legacy = _legacy_loop(app, make_user)
    with app.app_context():
        for loop in db.session.scalars(sa.select(Loop)):
            loop.status = LoopStatus.DECIDED
        db.session.commit()
        fine = next(
            loop.id
            for loop in db.session.scalars(sa.select(Loop))
            if loop.id != legacy["loop_id"]
        )
    one = runner.invoke(
        args=["debrief", str(legacy["loop_id"]), "-o", str(tmp_path / "x.pdf")]
    )
    assert one.exit_code == 1 and "Traceback" not in one.output
    assert "consecutive whole numbers, not [1, 2, 4, 8]" in one.output
    out = tmp_path / "packets"
    batch = runner.invoke(args=["debrief", "--all-decided", "--out-dir", str(out)])
    assert batch.exit_code == 1, batch.output
    assert f"loop {legacy['loop_id']} failed" in batch.output
    assert [p.name for p in out.iterdir()] == [f"debrief-{fine}-priya-raman.pdf"]


@pytest.mark.parametrize(
    "values, index, what",
    [([4, 3, 2, 1], 1, "3 comes after 4"), ([1, 2, 3, 3], 3, "3 appears twice")],
)
def test_a_scale_out_of_order_is_one_problem_at_its_field(values, index, what):
    result = validate(dump(rubric_on(values)))
    assert [(p.path, what in p.message) for p in result.problems] == [
        (("scale", index, "value"), True)
    ]
