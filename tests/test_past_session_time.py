"""A session's time already over is recorded only once confirmed (issue 14, point 9):
nobody gets an invitation for it, so saving it asks first, on the loop page reached
by a redirect (Back and Reload never post again), with the form as typed. No
JavaScript: the test client sends the forms as a browser without scripts would."""

import html
import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from interview.extensions import db
from interview.models import Discipline, InterviewSession, OutboxMessage

from .test_notify_triggers import (  # noqa: F401  (team is a fixture)
    NEXT_WEEK,
    _schedule,
    _seat_with,
    team,
)

ASKED = (
    "This time is in the past (Mon 4 Mar 2024, 10:00-10:45 CET): interviewers will "
    "not get an invitation. Record it anyway, or change the time."
)


def _form(team, when: str = "2024-03-04T10:00", **changes) -> dict:  # noqa: F811
    """The time-and-place form as typed: 10:00 in Berlin, 45 minutes."""
    prefix = f"session-{team['session_id']}-"
    typed = {
        "starts_local": when,
        "time_zone": "Europe/Berlin",
        "fold": "",
        "duration_minutes": "45",
        "location": "Room <4>",
        "video_url": "https://meet.example.org/abc",
        **changes,
    }
    return {prefix + name: value for name, value in typed.items()}


def _url(team) -> str:  # noqa: F811
    return f"/loops/{team['loop_id']}/sessions/{team['session_id']}/schedule"


def _saved(app, team) -> tuple:  # noqa: F811
    """The session's time and place as stored, and how many messages are queued."""
    with app.app_context():
        session = db.session.get(InterviewSession, team["session_id"])
        queued = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))
        return session.starts_at, session.duration_minutes, session.location, queued


def _hidden(page: str, form_id: str = "confirm-past") -> dict:
    """The hidden fields of the confirmation's form, as a browser would send them."""
    block = page.split(f'id="{form_id}"')[1].split("</form>")[0]
    return {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(
            r'<input type="hidden" name="([^"]*)" value="([^"]*)"', block
        )
    }


def test_a_past_time_asks_first_and_saves_nothing(app, client, auth, team):  # noqa: F811
    with app.app_context():
        _seat_with(team, Discipline.CLINICAL, team["clara"])
    auth.login(team["ta"])
    before = _saved(app, team)
    asked = client.submit(_url(team), _form(team))
    assert asked.status_code == 302  # a redirect, never the POST's own page
    token = re.fullmatch(
        rf"/loops/{team['loop_id']}\?edit={team['session_id']}&past=([\w-]+)",
        asked.location,
    )
    assert token, asked.location
    assert _saved(app, team) == before  # no time, no place, nobody told


def test_the_question_shows_the_form_as_typed(app, client, auth, team):  # noqa: F811
    auth.login(team["ta"])
    asked = client.submit(_url(team), _form(team))
    for _ in range(2):  # reloading shows the same question, and posts nothing
        response = client.get(asked.location)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert ASKED in html.unescape(page)
        assert re.search(r'id="confirm-past-message" tabindex="-1" autofocus>', page)
        assert ">Record the past time</button>" in page
        prefix = f"session-{team['session_id']}-"
        editor = page.split('aria-label="Time and place of Workflow"')[1]
        starts = f'name="{prefix}starts_local" type="datetime-local"'
        assert f'{starts} value="2024-03-04T10:00"' in editor
        assert 'value="Room &lt;4&gt;"' in editor and 'value="45"' in editor
        assert 'value="https://meet.example.org/abc"' in editor
        assert re.search(r'<option[^>]*value="Europe/Berlin"[^>]*selected', editor)
        assert "autofocus" not in editor  # the question has the focus, not the date
    assert _saved(app, team)[0] is None


def test_confirming_records_the_past_time(app, client, auth, team):  # noqa: F811
    """A session moved from next week into the past: confirmed, it is saved, and
    the calendars holding next week's time get the real one (as before)."""
    with app.app_context():
        _seat_with(team, Discipline.CLINICAL, team["clara"])
        _schedule(team)
    queued = _saved(app, team)[3]
    auth.login(team["ta"])
    asked = client.submit(_url(team), _form(team))
    page = client.get(asked.location).get_data(as_text=True)
    hidden = _hidden(page)
    assert hidden.pop("confirm_past") == "y"
    assert hidden.pop("csrf_token")
    assert hidden == _form(team)  # every typed value, nothing else
    done = client.submit(_url(team), {**hidden, "confirm_past": "y"})
    assert done.status_code == 302
    assert done.location == f"/loops/{team['loop_id']}#session-{team['session_id']}"
    starts_at, minutes, location, now = _saved(app, team)
    assert (starts_at, minutes, location) == (
        datetime(2024, 3, 4, 9, 0, tzinfo=UTC),
        45,
        "Room <4>",
    )
    assert now == queued + 1  # Clara's update to the real time
    page = client.get(done.location).get_data(as_text=True)
    assert "Workflow: time and place saved." in page
    assert "This time is in the past" not in page
    # The question's address, opened again: the time typed is no longer kept.
    again = html.unescape(client.get(asked.location).get_data(as_text=True))
    assert "Workflow: the time you typed is no longer kept in this browser" in again
    assert "Record the past time" not in again


def test_a_future_time_saves_at_once(app, client, auth, team):  # noqa: F811
    auth.login(team["ta"])
    done = client.submit(_url(team), _form(team, when=NEXT_WEEK))
    assert done.status_code == 302
    assert done.location == f"/loops/{team['loop_id']}#session-{team['session_id']}"
    starts_at = _saved(app, team)[0]
    assert starts_at is not None and starts_at > datetime.now(UTC)


def test_a_session_ending_in_a_minute_is_not_past(app, client, auth, team):  # noqa: F811
    """Judged by the session's end in UTC: started 44 minutes ago, 45 long."""
    auth.login(team["ta"])
    started = (datetime.now(UTC) - timedelta(minutes=44)).strftime("%Y-%m-%dT%H:%M")
    done = client.submit(_url(team), _form(team, when=started, time_zone="UTC"))
    assert done.location.endswith(f"#session-{team['session_id']}")
    ended = (datetime.now(UTC) - timedelta(minutes=47)).strftime("%Y-%m-%dT%H:%M")
    asked = client.submit(_url(team), _form(team, when=ended, time_zone="UTC"))
    assert "past=" in asked.location


def test_correcting_the_place_of_a_past_session_asks_nothing(app, client, auth, team):  # noqa: F811
    """Only a time newly typed into the past asks: the place of a session already
    recorded in the past is corrected at once."""
    auth.login(team["ta"])
    asked = client.submit(_url(team), _form(team))
    client.submit(_url(team), {**_form(team), "confirm_past": "y"})
    moved = client.submit(_url(team), _form(team, location="Room 5"))
    assert moved.location == f"/loops/{team['loop_id']}#session-{team['session_id']}"
    assert _saved(app, team)[2] == "Room 5"
    assert "past=" in asked.location


def test_others_are_refused_as_before(app, client, auth, team):  # noqa: F811
    auth.login(team["ta"])
    asked = client.submit(_url(team), _form(team))
    auth.logout()
    for person in (team["manager"], team["clara"], team["ta2"]):
        auth.login(person)
        if person is not team["ta2"]:
            refused = client.submit(_url(team), {**_form(team), "confirm_past": "y"})
            assert refused.status_code == 403
        # The question's address shows nobody else the typed draft.
        page = client.get(asked.location).get_data(as_text=True)
        assert "Record the past time" not in page and "Room &lt;4&gt;" not in page
        auth.logout()
    assert _saved(app, team)[0] is None
