"""An interviewer's upcoming interviews come a page at a time, like every list."""

from datetime import timedelta

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
