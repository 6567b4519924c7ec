"""Two small things on the loop page (issue 14, fresh-user test): "Propose
interviewers for empty seats" opens /loops/<id>/propose without a trailing "?" (a
GET form without fields sent one), and a kept proposal reason that said its session
was "not scheduled yet" says so in the past once the session has a time."""

import html
import re

from interview.extensions import db
from interview.models import PanelSeat

from .test_loops import _build_loop, _schedule, _seats
from .test_proposal_preview import _preview, _reasons, team, trained  # noqa: F401

NOT_YET = "the session is not scheduled yet"
THEN = "the session had no time yet when the panel was proposed"


def test_the_propose_control_is_a_plain_address(app, client, auth, trained):  # noqa: F811
    auth.login(trained["ta"])
    loop_id = _build_loop(client, app, trained)
    page = client.get(f"/loops/{loop_id}").get_data(as_text=True)
    link = re.search(r'<a class="button" href="([^"]*)">Propose interviewers', page)
    assert link and link[1] == f"/loops/{loop_id}/propose"
    assert f'<form method="get" action="/loops/{loop_id}/propose">' not in page


def test_a_kept_reason_follows_the_sessions_time(app, client, auth, trained):  # noqa: F811
    auth.login(trained["ta"])
    loop_id = _build_loop(client, app, trained)
    _, _, panel = _preview(client, loop_id)
    client.submit(f"/loops/{loop_id}/propose", {"seat": "y", "panel": panel})
    shown = html.unescape(_reasons(client.get(f"/loops/{loop_id}").text))
    assert shown.count(NOT_YET) == 4 and THEN not in shown  # no time yet: true
    with app.app_context():
        seat = _seats(app, loop_id)[("Clinical case", "clinical")]
        session_id = db.session.get(PanelSeat, seat).session_id
    _schedule(client, loop_id, session_id, "2031-05-06T10:00")
    shown = html.unescape(_reasons(client.get(f"/loops/{loop_id}").text))
    # The Clinical case's two reasons now say it in the past; the other session's
    # two still have no time.
    assert shown.count(NOT_YET) == 2 and shown.count(THEN) == 2
    clinical = [
        line
        for line in shown.split("<li>")
        if "Clinical case" in line.split("</strong>")[0]
    ]
    assert len(clinical) == 2 and all(THEN in line for line in clinical)
