"""Clearing the time of a session on interviewers' calendars asks first (issue 14):
a datetime-local half typed is sent empty by the browser, and the server read it as
"no time yet", cancelling the interview for everyone seated at once. Now the save
redirects to a question naming who is told, the form kept as typed; nothing changes
and no cancellation is queued until confirmed; a stale confirmation asks again."""

import html
import re
from email import message_from_bytes, policy

import sqlalchemy as sa

from interview.extensions import db
from interview.models import Discipline, OutboxMessage

from .test_notify_triggers import (  # noqa: F401  (team is a fixture)
    _event,
    _schedule,
    _seat_with,
    team,
)
from .test_past_session_time import _form, _hidden, _saved, _url


def _cancels(app) -> int:
    """How many cancellations are queued."""
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxMessage)).all()
        return sum(
            _event(message_from_bytes(r.message, policy=policy.default))[0] == "CANCEL"
            for r in rows
        )


def _on_calendars(app, team):  # noqa: F811
    with app.app_context():
        _seat_with(team, Discipline.CLINICAL, team["clara"])
        _seat_with(team, Discipline.TECHNICAL, team["theo"])
        _schedule(team)


def _asked(client, team):  # noqa: F811
    asked = client.submit(_url(team), _form(team, when=""))
    assert asked.status_code == 302, asked.status_code
    assert re.fullmatch(
        rf"/loops/{team['loop_id']}\?edit={team['session_id']}&clear=[\w-]+",
        asked.location,
    ), asked.location
    return asked


def test_clearing_a_time_on_calendars_asks_first(app, client, auth, team):  # noqa: F811
    _on_calendars(app, team)
    auth.login(team["ta"])
    before = _saved(app, team)
    asked = _asked(client, team)
    assert _saved(app, team) == before  # the time kept, nothing queued
    assert _cancels(app) == 0
    for _ in range(2):  # reloaded, the same question; nothing is sent
        response = client.get(asked.location)
        assert response.status_code == 200
        page = html.unescape(response.get_data(as_text=True))
        assert re.search(r'id="confirm-clear-message" tabindex="-1" autofocus>', page)
        assert "takes it off 2 interviewers' calendars" in page
        block = page.split('id="confirm-clear"')[1].split("</form>")[0]
        assert "<li>Clara</li>" in block and "<li>Theo</li>" in block
        assert ">Clear the time and tell them</button>" in block
        prefix = f"session-{team['session_id']}-"
        assert f'href="#{prefix}starts_local">Type a time instead</a>' in block
        editor = page.split('aria-label="Time and place of Workflow"')[1]
        assert 'value="Room <4>"' in editor  # the form as typed (unescaped here)
        assert "autofocus" not in editor
    assert _saved(app, team) == before and _cancels(app) == 0


def test_unconfirmed_clearing_changes_nothing(app, client, auth, team):  # noqa: F811
    """Sent again without the question's answer, or with a made-up one, it asks
    again and changes nothing."""
    _on_calendars(app, team)
    auth.login(team["ta"])
    before = _saved(app, team)
    for answer in ({}, {"confirm_clear": ""}, {"confirm_clear": "1:2:3"}):
        asked = client.submit(_url(team), {**_form(team, when=""), **answer})
        assert "&clear=" in asked.location
    assert _saved(app, team) == before and _cancels(app) == 0


def test_confirming_clears_the_time_and_tells_them(app, client, auth, team):  # noqa: F811
    _on_calendars(app, team)
    auth.login(team["ta"])
    asked = _asked(client, team)
    hidden = _hidden(client.get(asked.location).get_data(as_text=True), "confirm-clear")
    key = hidden.pop("confirm_clear")
    assert hidden.pop("csrf_token")
    assert hidden == _form(team, when="")  # every typed value, nothing else
    done = client.submit(_url(team), {**hidden, "confirm_clear": key})
    assert done.location == f"/loops/{team['loop_id']}#session-{team['session_id']}"
    starts_at, _, location, _ = _saved(app, team)
    assert starts_at is None and location == "Room <4>"
    assert _cancels(app) == 2  # Clara's and Theo's


def test_a_stale_confirmation_asks_again(app, client, auth, team):  # noqa: F811
    _on_calendars(app, team)
    auth.login(team["ta"])
    asked = _asked(client, team)
    hidden = _hidden(client.get(asked.location).get_data(as_text=True), "confirm-clear")
    with app.app_context():  # Clara's seat changes hands meanwhile
        _seat_with(team, Discipline.CLINICAL, team["cleo"])
    before = _saved(app, team)
    cancels = _cancels(app)  # Clara's, from her unseating
    again = client.submit(_url(team), hidden)
    assert "&clear=" in again.location
    assert _saved(app, team) == before and _cancels(app) == cancels
    page = html.unescape(client.get(again.location).get_data(as_text=True))
    assert "who is seated changed; check again." in page
    block = page.split('id="confirm-clear"')[1].split("</form>")[0]
    assert "<li>Cleo</li>" in block and "Clara" not in block


def test_clearing_with_nobody_on_a_calendar_asks_nothing(app, client, auth, team):  # noqa: F811
    with app.app_context():
        _schedule(team)  # a time, nobody seated
    auth.login(team["ta"])
    done = client.submit(_url(team), _form(team, when=""))
    assert done.location == f"/loops/{team['loop_id']}#session-{team['session_id']}"
    assert _saved(app, team)[0] is None


def test_others_never_see_the_question(app, client, auth, team):  # noqa: F811
    _on_calendars(app, team)
    auth.login(team["ta"])
    asked = _asked(client, team)
    hidden = _hidden(client.get(asked.location).get_data(as_text=True), "confirm-clear")
    hidden.pop("csrf_token")
    auth.logout()
    for person in (team["manager"], team["clara"], team["ta2"]):
        auth.login(person)
        if person is not team["ta2"]:
            assert client.submit(_url(team), hidden).status_code == 403
        page = client.get(asked.location).get_data(as_text=True)
        assert "Clear the time and tell them" not in page
        auth.logout()
    assert _saved(app, team)[0] is not None and _cancels(app) == 0
