"""A loop whose sessions have no time yet moves to interviewing only once talent
acquisition has read which (issue 14, fresh-user test: it moved without a word, and
nobody is invited to a session without a time). Asked on a page of its own reached
by a redirect, as the move to debrief with scorecards missing is; a confirmation
naming other sessions than now asks again, saying so; a move refused anyway (a gap)
is refused at once, never asked about first."""

import html
import re

from interview.extensions import db
from interview.models import Loop, PanelSeat

from .test_loops import _build_loop, _schedule, _seat, _seats, team  # noqa: F401

FUTURE = "2031-05-06T10:00"


def _seated_loop(client, app, team):  # noqa: F811
    """A loop with every seat filled (no gap), its two sessions without a time."""
    loop_id = _build_loop(client, app, team)
    seats = _seats(app, loop_id)
    for (title, side), person in {
        ("Clinical case", "clinical"): "clara",
        ("Clinical case", "technical"): "ines",
        ("Privacy scenario", "clinical"): "kwame",
        ("Privacy scenario", "technical"): "wei",
    }.items():
        _seat(client, loop_id, seats[(title, side)], team[person])
    with app.app_context():
        sessions = {
            title: db.session.get(PanelSeat, seats[(title, "clinical")]).session_id
            for title in ("Clinical case", "Privacy scenario")
        }
    return loop_id, sessions


def _status(app, loop_id) -> str:
    with app.app_context():
        return str(db.session.get(Loop, loop_id).status)


def _question(page: str) -> tuple[str, list[str], str]:
    """The question's heading, the sessions it names and the key its form sends."""
    block = page.split('id="confirm-interviewing"')[1].split("</section>")[0]
    heading = re.search(r"<h2[^>]*>([^<]*)</h2>", block)[1]
    names = re.findall(r"<li><a [^>]*>([^<]*)</a></li>", block)
    key = re.search(r'name="untimed" value="([^"]*)"', block)[1]
    return heading, names, key


def _confirm(client, loop_id, key):
    data = {"status": "interviewing", "confirm": "y", "untimed": key}
    return client.submit(f"/loops/{loop_id}/status", data)


def test_moving_to_interviewing_asks_which_sessions_have_no_time(
    app,
    client,
    auth,
    team,  # noqa: F811
):
    auth.login(team["ta"])
    loop_id, _ = _seated_loop(client, app, team)
    asked = client.submit(f"/loops/{loop_id}/status", {"status": "interviewing"})
    assert asked.status_code == 302
    assert asked.location == f"/loops/{loop_id}/move-to-interviewing"
    assert _status(app, loop_id) == "planned"  # nothing moved
    for _ in range(2):  # reloaded, it asks the same
        page = client.get(asked.location)
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        heading, names, key = _question(text)
        assert heading == "2 sessions have no time yet"
        assert names == ["Clinical case", "Privacy scenario"]
        assert "check the sessions without a time before moving it" in text
        assert ">Move to interviewing anyway</button>" in text
    assert _status(app, loop_id) == "planned"
    done = _confirm(client, loop_id, key)
    assert done.status_code == 302 and done.location == f"/loops/{loop_id}"
    assert _status(app, loop_id) == "interviewing"
    # The question's address opened again: nothing to confirm now.
    again = html.unescape(client.get(asked.location).get_data(as_text=True))
    assert "Nothing to confirm for moving it to interviewing now" in again


def test_a_stale_confirmation_asks_again(app, client, auth, team):  # noqa: F811
    auth.login(team["ta"])
    loop_id, sessions = _seated_loop(client, app, team)
    asked = client.submit(f"/loops/{loop_id}/status", {"status": "interviewing"})
    key = _question(client.get(asked.location).get_data(as_text=True))[2]
    _schedule(client, loop_id, sessions["Clinical case"], FUTURE)  # another tab
    stale = _confirm(client, loop_id, key)
    assert stale.status_code == 302
    assert stale.location == f"/loops/{loop_id}/move-to-interviewing"
    assert _status(app, loop_id) == "planned"
    text = client.get(stale.location).get_data(as_text=True)
    heading, names, fresh = _question(text)
    assert heading == "1 session has no time yet" and names == ["Privacy scenario"]
    assert "The sessions without a time changed since you confirmed" in text
    assert _confirm(client, loop_id, fresh).location == f"/loops/{loop_id}"
    assert _status(app, loop_id) == "interviewing"


def test_every_session_with_a_time_moves_at_once(app, client, auth, team):  # noqa: F811
    auth.login(team["ta"])
    loop_id, sessions = _seated_loop(client, app, team)
    for session_id in sessions.values():
        _schedule(client, loop_id, session_id, FUTURE)
    moved = client.submit(f"/loops/{loop_id}/status", {"status": "interviewing"})
    assert moved.location == f"/loops/{loop_id}"
    assert _status(app, loop_id) == "interviewing"


def test_a_move_refused_anyway_is_refused_without_asking(app, client, auth, team):  # noqa: F811
    auth.login(team["ta"])
    loop_id = _build_loop(client, app, team)  # nobody seated: gaps
    refused = client.submit(f"/loops/{loop_id}/status", {"status": "interviewing"})
    assert refused.location == f"/loops/{loop_id}"
    text = client.get(refused.location).get_data(as_text=True)
    assert "The panel still has gaps" in text
    assert 'id="confirm-interviewing"' not in text
    assert _status(app, loop_id) == "planned"
