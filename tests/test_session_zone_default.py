"""A session nobody has scheduled yet is planned in the reader's own time zone
(issue 14): talent acquisition in New York types 10:00 New York time, not UTC."""

import re
from datetime import UTC, datetime

import pytest

from interview.extensions import db
from interview.models import InterviewSession, PlanSession, Role, User
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate

from .builders import start_loop
from .rubric_samples import dump, rubric


@pytest.fixture
def loop(app, make_user):
    """A loop with one session, never scheduled; a talent acquisition account in
    New York."""
    manager = make_user(Role.HIRING_MANAGER)
    ta = make_user(Role.TALENT_ACQUISITION, name="Tess")
    with app.app_context():
        db.session.get(User, ta.id).time_zone = "America/New_York"
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        plan = [PlanSession(title="Case", competency_keys=["workflow", "privacy"])]
        created = start_loop(manager.id, version.rubric_id, plan)
        db.session.commit()
        return {"id": created.id, "session": created.sessions[0].id, "ta": ta}


def _selected_zone(page: str, session_id: int) -> str:
    """The zone the session's time-and-place form has chosen."""
    select = re.search(
        rf'<select[^>]*name="session-{session_id}-time_zone".*?</select>',
        page,
        re.DOTALL,
    )
    assert select, "no zone picker on the page"
    (chosen,) = re.findall(r'<option[^>]*value="([^"]+)"[^>]*selected', select[0])
    return chosen


def _edit_page(client, loop) -> str:
    response = client.get(f"/loops/{loop['id']}?edit={loop['session']}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _set(app, session_id: int, **values) -> None:
    with app.app_context():
        session = db.session.get(InterviewSession, session_id)
        for name, value in values.items():
            setattr(session, name, value)
        db.session.commit()


def test_a_new_session_is_planned_in_the_editors_zone(app, client, auth, loop):
    auth.login(loop["ta"])
    page = _edit_page(client, loop)
    assert _selected_zone(page, loop["session"]) == "America/New_York"
    assert "to be planned in UTC" not in page
    assert "Not scheduled yet" in page
    # Saved as offered, 10:00 is 10:00 in New York (15:00 UTC in January).
    response = client.submit(
        f"/loops/{loop['id']}/sessions/{loop['session']}/schedule",
        {
            f"session-{loop['session']}-starts_local": "2027-01-12T10:00",
            f"session-{loop['session']}-time_zone": _selected_zone(
                page, loop["session"]
            ),
            f"session-{loop['session']}-duration_minutes": "60",
            f"session-{loop['session']}-fold": "",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        session = db.session.get(InterviewSession, loop["session"])
        assert session.starts_at == datetime(2027, 1, 12, 15, tzinfo=UTC)
        assert session.time_zone == "America/New_York"


def test_each_editor_gets_their_own_zone_or_the_default(
    app, client, auth, loop, make_user
):
    berlin = make_user(Role.TALENT_ACQUISITION)
    unset = make_user(Role.TALENT_ACQUISITION)
    with app.app_context():
        db.session.get(User, berlin.id).time_zone = "Europe/Berlin"
        db.session.get(User, unset.id).time_zone = ""
        db.session.commit()
    auth.login(berlin)
    assert _selected_zone(_edit_page(client, loop), loop["session"]) == (
        "Europe/Berlin"
    )
    auth.logout()
    app.config["DEFAULT_TIMEZONE"] = "America/Chicago"
    auth.login(unset)
    assert _selected_zone(_edit_page(client, loop), loop["session"]) == (
        "America/Chicago"
    )


@pytest.mark.parametrize(
    "values",
    [
        # Scheduled in London once, then its time cleared.
        {"time_zone": "Europe/London", "schedule_sequence": 2},
        # A zone chosen before any time was agreed.
        {"time_zone": "Asia/Tokyo"},
        # UTC chosen on purpose and used (its sequence moved on).
        {"time_zone": "UTC", "schedule_sequence": 1},
    ],
)
def test_a_zone_once_chosen_stays(app, client, auth, loop, values):
    _set(app, loop["session"], **values)
    auth.login(loop["ta"])
    page = _edit_page(client, loop)
    assert _selected_zone(page, loop["session"]) == values["time_zone"]
    assert f"(to be planned in {values['time_zone']})" in page
