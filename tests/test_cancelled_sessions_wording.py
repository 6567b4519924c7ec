"""A session that will not take place says so everywhere (issue 14, fresh-user test):
one a decision cancelled reads in the debrief packet as on the loop page ("Cancelled
when a decision was recorded: not held ...", its scorecards not written), not "not
scheduled / not started"; a closed loop's session that never had a time reads "Not
held" on the loop page, with no scorecard to do. An open loop keeps "Not scheduled
yet"."""

import re

import sqlalchemy as sa

from interview.debrief.documents import packet_html
from interview.extensions import db
from interview.loops.operations import change_status
from interview.models import InterviewSession, Loop, LoopStatus, User

from .test_decision_future_sessions import (  # noqa: F401
    _decide,
    _key,
    _schedule,
    _status,
    team,
)
from .test_packet import pages_text

CANCELLED = (
    "Cancelled</strong> when a decision was recorded: not held (it was planned for"
)


def _panel(html: str) -> str:
    """The packet cover's panel table, its text on one line per row."""
    table = html.split("<caption>The panel</caption>")[1].split("</table>")[0]
    rows = re.split(r"</tr>", table)
    return [" ".join(re.sub(r"<(?!/?strong)[^>]+>", " ", row).split()) for row in rows]


def _privacy_rows(app, loop_id) -> list[str]:
    with app.app_context():
        html = packet_html(db.session.get(Loop, loop_id))
    return [row for row in _panel(html) if "Privacy review" in row]


def _clear_time(app, team):  # noqa: F811
    with app.app_context():
        session = db.session.get(InterviewSession, team["future"])
        _schedule(db.session.get(User, team["ta"].id), session, "")
        db.session.commit()


def test_the_packet_says_a_session_the_decision_cancelled_was_not_held(
    app,
    client,
    auth,
    team,  # noqa: F811
):
    auth.login(team["manager"])
    assert (
        _decide(client, team, confirm="y", sessions=_key(app, team)).status_code == 302
    )
    assert _status(app, team) == LoopStatus.DECIDED

    clara, theo = sorted(_privacy_rows(app, team["loop"]))
    for row in (clara, theo):
        assert CANCELLED in row
        assert "not scheduled" not in row and "not started" not in row
    assert clara.endswith("draft, not submitted (the interview was not held)")
    assert theo.endswith("not written: the interview was not held")

    # The PDF a reader downloads says the same.
    response = client.get(f"/loops/{team['loop']}/debrief.pdf")
    assert response.status_code == 200
    text = " ".join(pages_text(response.data))
    assert "Cancelled when a decision was recorded: not held" in text
    assert "not written: the interview was not held" in text
    assert "not scheduled" not in text and "not started" not in text

    # The debrief page's panel reads the same as the packet's.
    page = client.get(f"/loops/{team['loop']}/debrief").get_data(as_text=True)
    panel = page.split('id="panel"')[1].split("</section>")[0]
    assert CANCELLED in panel and "not started" not in panel


def test_a_decided_loops_session_without_a_time_was_not_held(
    app,
    client,
    auth,
    team,  # noqa: F811
):
    _clear_time(app, team)
    auth.login(team["ta"])
    page = client.get(f"/loops/{team['loop']}").get_data(as_text=True)
    session = page.split(f'id="session-{team["future"]}"')[1].split("</article>")[0]
    assert "Not scheduled yet" in session  # open: still to plan, as before
    assert "not started" in session
    auth.logout()

    auth.login(team["manager"])
    assert _decide(client, team).status_code == 302
    assert _status(app, team) == LoopStatus.DECIDED
    page = client.get(f"/loops/{team['loop']}").get_data(as_text=True)
    session = page.split(f'id="session-{team["future"]}"')[1].split("</article>")[0]
    assert "Not held: the loop was decided before it had a time" in session
    assert "Not scheduled yet" not in session
    # Theo's scorecard is not a to-do any more; Clara's draft stays a draft.
    assert "not written" in session and "not started" not in session
    assert ">draft<" in session

    rows = _privacy_rows(app, team["loop"])
    assert all("Not held: the loop was decided before it had a time" in r for r in rows)
    assert not any("not scheduled" in r or "not started" in r for r in rows)


def test_a_withdrawn_loops_session_without_a_time_was_not_held(
    app,
    client,
    auth,
    team,  # noqa: F811
):
    _clear_time(app, team)
    with app.app_context():
        change_status(
            db.session.get(User, team["ta"].id),
            db.session.get(Loop, team["loop"]),
            "withdrawn",
        )
        db.session.commit()
        assert db.session.scalar(sa.select(Loop.status)) == LoopStatus.WITHDRAWN
    auth.login(team["ta"])
    page = client.get(f"/loops/{team['loop']}").get_data(as_text=True)
    session = page.split(f'id="session-{team["future"]}"')[1].split("</article>")[0]
    assert "Not held: the loop was withdrawn before it had a time" in session
    assert "Not scheduled yet" not in session and "not started" not in session
