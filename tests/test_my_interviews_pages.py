"""An interviewer's upcoming interviews come a page at a time, like every list."""

import re
from datetime import timedelta

from icalendar import Calendar
from markupsafe import escape

from interview.extensions import db
from interview.models import Loop
from interview.timeutil import utcnow

from .test_lists import get, world  # noqa: F401 (a fixture)


def test_upcoming_interviews_are_paged_by_twenty_five(app, client, auth, world):  # noqa: F811
    now = utcnow()
    with app.app_context():
        for n, loop_id in enumerate(world["loops"]):  # Clara sits on all 30
            db.session.get(Loop, loop_id).sessions[0].starts_at = now + timedelta(
                days=n + 1
            )
        db.session.commit()
    auth.login(world["clara"])
    first, _ = get(client, "/my-interviews").split('id="past-heading"')
    assert first.count("interview kit and scorecard<") == 25
    assert "Showing 1–25 of 30 upcoming interviews" in first
    second, _ = get(client, "/my-interviews?upcoming=2").split('id="past-heading"')
    assert second.count("interview kit and scorecard<") == 5
    assert "Showing 26–30 of 30 upcoming interviews" in second


def _sequence_and_method(client, loop_id: int, session_id: int) -> tuple[int, str]:
    response = client.get(f"/loops/{loop_id}/sessions/{session_id}/invite.ics")
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.data)
    (event,) = calendar.walk("VEVENT")
    return event.decoded("SEQUENCE"), f"{calendar['METHOD']}/{event.get('STATUS')}"


def _set_status(client, auth, ta, loop_id: int, status: str) -> None:
    auth.logout()
    auth.login(ta)
    response = client.submit(f"/loops/{loop_id}/status", {"status": status})
    if response.location.endswith(("/withdraw", "/plan-again")):  # names who is told
        told = re.search(r'name="told" value="([^"]*)"', get(client, response.location))
        data = {"status": status, "confirm": "y", "told": told.group(1)}
        response = client.submit(f"/loops/{loop_id}/status", data)
    assert response.status_code == 302
    said = {"withdrawn": "was withdrawn.", "planned": "is planned again."}[status]
    assert f"The loop {said}" in get(client, f"/loops/{loop_id}")


def _upcoming_and_past(client) -> tuple[str, str]:
    return get(client, "/my-interviews").split('id="past-heading"')


def test_a_withdrawn_loop_is_not_upcoming_and_its_invitation_cancels(
    app,
    client,
    auth,
    world,  # noqa: F811
):
    """Fresh-user review M2. Planned again, the session is upcoming once more with
    an invitation that replaces the cancellation; past sessions stay history."""
    now = utcnow()
    withdrawn, kept, earlier = world["loops"][:3]
    with app.app_context():
        names, sessions = {}, {}
        for n, loop_id in enumerate((withdrawn, kept, earlier)):
            loop = db.session.get(Loop, loop_id)
            loop.sessions[0].starts_at = now + timedelta(days=n + 1)
            names[loop_id] = str(escape(loop.candidate.name))  # as the page prints it
            sessions[loop_id] = loop.sessions[0].id
        db.session.get(Loop, earlier).sessions[0].starts_at = now - timedelta(days=2)
        db.session.commit()
    auth.login(world["clara"])
    upcoming, _ = _upcoming_and_past(client)
    assert names[withdrawn] in upcoming and names[kept] in upcoming
    invited, method = _sequence_and_method(client, withdrawn, sessions[withdrawn])
    assert method == "PUBLISH/None"

    _set_status(client, auth, world["ta"], withdrawn, "withdrawn")
    _set_status(client, auth, world["ta"], earlier, "withdrawn")
    auth.logout()
    auth.login(world["clara"])
    upcoming, past = _upcoming_and_past(client)
    assert names[withdrawn] not in upcoming and names[kept] in upcoming
    assert names[earlier] in past  # it happened: history
    cancelled, method = _sequence_and_method(client, withdrawn, sessions[withdrawn])
    assert method == "CANCEL/CANCELLED" and cancelled > invited

    _set_status(client, auth, world["ta"], withdrawn, "planned")
    auth.logout()
    auth.login(world["clara"])
    upcoming, _ = _upcoming_and_past(client)
    assert names[withdrawn] in upcoming
    again, method = _sequence_and_method(client, withdrawn, sessions[withdrawn])
    assert method == "PUBLISH/None" and again > cancelled
