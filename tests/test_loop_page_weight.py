"""The open loop page stays light with several sessions: the time-zone list (some 420
zones, 46 KB) is drawn once, in the one form where a zone is being chosen
(``?edit=<session>``), instead of in every session's form (237 KB with four)."""

import re

import pytest

from interview import timezones
from interview.extensions import db
from interview.models import Discipline, InterviewSession, PlanSession, Role

from .builders import shipped_version, start_loop

SESSIONS = 4
MOST_BYTES = 80_000
# With one session's form open: the page and the one zone list the account form
# also carries (four of them made the page 237 KB).
MOST_BYTES_EDITING = 100_000
ZONE_SELECT = r'<select[^>]*name="([^"]*time_zone)".*?</select>'


@pytest.fixture
def four_sessions(app, make_user):
    """An open loop of four sessions on the shipped core rubric, every seat held;
    returns (talent acquisition, loop id, session ids)."""
    ta = make_user(Role.TALENT_ACQUISITION)
    manager = make_user(Role.HIRING_MANAGER)
    people = {
        d: make_user(Role.INTERVIEWER, discipline=d)
        for d in (Discipline.CLINICAL, Discipline.TECHNICAL)
    }
    with app.app_context():
        version = shipped_version()
        keys = [c.key for c in version.competencies]
        plan = [
            PlanSession(
                title=f"Session {i + 1}",
                position=i,  # all at 0, PostgreSQL listed them in any order
                competency_keys=keys[i::SESSIONS],
                clinical_seats=1,
                technical_seats=1,
            )
            for i in range(SESSIONS)
        ]
        loop = start_loop(manager.id, version.rubric_id, plan)
        for session in loop.sessions:
            for seat in session.seats:
                seat.interviewer_id = people[seat.discipline].id
        loop.sessions[2].time_zone = "Europe/Berlin"
        db.session.commit()
        return ta, loop.id, [s.id for s in loop.sessions]


def zone_selects(page: str) -> list[tuple[str, str]]:
    """(field name, the select's HTML) of each zone list on the page."""
    return [(m.group(1), m.group(0)) for m in re.finditer(ZONE_SELECT, page, re.DOTALL)]


def test_the_loop_page_with_four_sessions_is_light(client, auth, four_sessions):
    """No zone list until one is asked for; each session links to its own form."""
    ta, loop_id, sessions = four_sessions
    auth.login(ta)
    response = client.get(f"/loops/{loop_id}")
    page = response.get_data(as_text=True)
    assert len(response.data) < MOST_BYTES, len(response.data)
    assert zone_selects(page) == []
    for session_id in sessions:
        assert f'href="/loops/{loop_id}?edit={session_id}"' in page
    assert page.count("Change time and place") == SESSIONS
    assert "Not scheduled yet (to be planned in Europe/Berlin)" in page


# The pages below only read the four-session loop, which takes seconds to build:
# each case is a subtest, on one loop.
def test_the_session_edited_offers_every_zone_once(
    client, auth, four_sessions, subtests
):
    ta, loop_id, sessions = four_sessions
    auth.login(ta)
    for which in range(SESSIONS):
        with subtests.test(which=which):
            session_id = sessions[which]
            response = client.get(f"/loops/{loop_id}?edit={session_id}")
            page = response.get_data(as_text=True)
            assert len(response.data) < MOST_BYTES_EDITING, len(response.data)
            [(name, select)] = zone_selects(page)
            assert name == f"session-{session_id}-time_zone"
            offered = re.findall(r'<option value="([^"]+)"', select)
            assert sorted(offered) == sorted(timezones.canonical_zones())
            chosen = "Europe/Berlin" if which == 2 else "UTC"
            assert re.search(rf'value="{re.escape(chosen)}"[^>]* selected', select)
            assert "data-zone-filter" in select and "picker.js" in page
            assert page.count("Change time and place") == SESSIONS - 1
            form = page.split(f'id="time-{session_id}"')[1].split("</form>")[0]
            assert f'aria-label="Time and place of Session {which + 1}"' in form
            assert re.search(
                rf'<input[^>]*autofocus[^>]*id="session-{session_id}-', form
            )


def test_an_edit_of_no_session_of_this_loop_opens_nothing(
    client, auth, four_sessions, subtests
):
    ta, loop_id, _ = four_sessions
    auth.login(ta)
    for edit in ["", "x", "-1", "99999", "1e3", "9" * 40]:
        with subtests.test(edit=edit):
            response = client.get(f"/loops/{loop_id}", query_string={"edit": edit})
            assert response.status_code == 200
            assert zone_selects(response.get_data(as_text=True)) == []


def test_another_loops_session_is_not_opened(app, client, auth, four_sessions):
    ta, loop_id, sessions = four_sessions
    with app.app_context():
        first = db.session.get(InterviewSession, sessions[0]).loop
        plan = [PlanSession(title="Other", competency_keys=[], clinical_seats=1)]
        manager_id = first.requisition.hiring_manager_id
        other = start_loop(manager_id, first.rubric_version.rubric_id, plan)
        db.session.commit()
        other_session = other.sessions[0].id
    auth.login(ta)
    page = client.get(f"/loops/{loop_id}?edit={other_session}")
    assert page.status_code == 200
    assert zone_selects(page.get_data(as_text=True)) == []


def test_an_unknown_zone_is_refused_with_what_was_typed_kept(
    app, client, auth, four_sessions
):
    """The server checks the zone as before: a clear message next to the field, the
    form shown again with the rest of what was typed, the page still light."""
    ta, loop_id, sessions = four_sessions
    auth.login(ta)
    session_id = sessions[1]
    prefix = f"session-{session_id}-"
    response = client.submit(
        f"/loops/{loop_id}/sessions/{session_id}/schedule",
        {
            prefix + "starts_local": "2026-03-03T16:00",
            prefix + "time_zone": "Mars/Olympus",
            prefix + "duration_minutes": "45",
            prefix + "fold": "",
            prefix + "location": "Room <4>",
            prefix + "video_url": "",
        },
        follow_redirects=True,  # to its ?draft= address (issue 14)
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert len(response.data) < MOST_BYTES_EDITING
    [(name, _)] = zone_selects(page)
    assert name == prefix + "time_zone"
    error = re.search(rf'<p class="error" id="{prefix}time_zone-error">(.*?)</p>', page)
    assert error[1] == (
        "Not a valid choice: choose a time zone from the list. Unknown time zone "
        "&#39;Mars/Olympus&#39;. Use a name like Europe/Berlin or America/Chicago."
    )
    assert f'aria-describedby="{prefix}time_zone-hint {prefix}time_zone-error"' in page
    assert 'value="Room &lt;4&gt;"' in page and 'value="2026-03-03T16:00"' in page
    assert 'value="45"' in page
    assert "autofocus" not in page.split(f'id="time-{session_id}"')[1]
    with app.app_context():
        session = db.session.get(InterviewSession, session_id)
        assert (session.time_zone, session.location, session.starts_at) == (
            "UTC",
            "",
            None,
        )


def test_saving_returns_to_the_session(app, client, auth, four_sessions):
    ta, loop_id, sessions = four_sessions
    auth.login(ta)
    session_id = sessions[3]
    prefix = f"session-{session_id}-"
    response = client.submit(
        f"/loops/{loop_id}/sessions/{session_id}/schedule",
        {
            prefix + "starts_local": "",
            prefix + "time_zone": "America/Chicago",
            prefix + "duration_minutes": "60",
            prefix + "fold": "",
            prefix + "location": "",
            prefix + "video_url": "",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/loops/{loop_id}#session-{session_id}"
    )
    with app.app_context():
        assert db.session.get(InterviewSession, session_id).time_zone == (
            "America/Chicago"
        )
