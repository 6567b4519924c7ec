"""My interviews offers "add to calendar" only for interviews still to come or under
way (issue 14, fresh-user test: an interview that ended offered it too)."""

from datetime import timedelta

from markupsafe import escape

from interview.extensions import db
from interview.models import Loop
from interview.timeutil import utcnow

from .test_lists import get, world  # noqa: F401 (a fixture)


def test_an_ended_interview_offers_no_calendar_entry(app, client, auth, world):  # noqa: F811
    now = utcnow()
    ahead, under_way, ended = world["loops"][:3]
    with app.app_context():
        names, sessions = {}, {}
        for loop_id, start in (
            (ahead, now + timedelta(days=1)),
            (under_way, now - timedelta(minutes=10)),
            (ended, now - timedelta(days=2)),
        ):
            session = db.session.get(Loop, loop_id).sessions[0]
            session.starts_at, session.duration_minutes = start, 60
            names[loop_id] = str(escape(session.loop.candidate.name))
            sessions[loop_id] = session.id
        db.session.commit()
    auth.login(world["clara"])
    upcoming, past = get(client, "/my-interviews").split('id="past-heading"')

    def offered(text: str, loop_id: int) -> bool:
        return f"/loops/{loop_id}/sessions/{sessions[loop_id]}/invite.ics" in text

    assert names[ahead] in upcoming and offered(upcoming, ahead)
    assert names[under_way] in upcoming and offered(upcoming, under_way)
    assert names[ended] in past and not offered(past, ended)
    assert "add to calendar" not in past
