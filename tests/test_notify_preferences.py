"""Each person turns their own feedback reminders off and on; invitations stay."""

import re

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.models import AuditEntry, Discipline, Role, User

URL = "/account/notifications"


def _wants(app, user) -> bool:
    with app.app_context():
        return db.session.get(User, user.id).wants_reminders


def _box(page: str) -> str:
    return re.search(r'<input[^>]*name="wants_reminders"[^>]*>', page).group(0)


@pytest.mark.parametrize(
    "role, discipline",
    [
        (Role.INTERVIEWER, Discipline.CLINICAL),
        (Role.HIRING_MANAGER, None),
        (Role.TALENT_ACQUISITION, None),
    ],
)
def test_reminders_are_turned_off_and_on_again(
    app, client, auth, make_user, role, discipline
):
    person = make_user(role, discipline=discipline)
    auth.login(person)
    page = client.get(URL).get_data(as_text=True)
    assert "checked" in _box(page)  # on by default
    assert (
        '<label class="check"><input checked id="wants_reminders" '
        'name="wants_reminders" type="checkbox" value="y"> Email me reminders'
    ) in page  # the box inside its label
    assert 'name="csrf_token"' in page
    assert "invitations, and their updates and cancellations, always come" in page

    off = client.submit(URL, {}, follow_redirects=True).get_data(as_text=True)
    assert "Saved: you will get no feedback reminders." in off
    assert "checked" not in _box(off)
    assert _wants(app, person) is False

    on = client.submit(URL, {"wants_reminders": "y"}, follow_redirects=True)
    assert "Saved: you will get an email reminder" in on.get_data(as_text=True)
    assert _wants(app, person) is True
    with app.app_context():
        entries = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "account.notifications")
        ).all()
    assert [(e.actor_id, e.object_id, e.after) for e in entries] == [
        (person.id, person.id, {"wants_reminders": False}),
        (person.id, person.id, {"wants_reminders": True}),
    ]


def test_only_ones_own_preference_changes(app, client, auth, make_user):
    me = make_user(Role.INTERVIEWER)
    other = make_user(Role.INTERVIEWER)
    auth.login(me)
    client.submit(URL, {"user_id": str(other.id), "id": str(other.id)})
    assert _wants(app, me) is False
    assert _wants(app, other) is True


def test_without_the_csrf_token_nothing_changes(app, client, auth, make_user):
    me = make_user(Role.INTERVIEWER)
    auth.login(me)
    response = client.post(URL, data={})
    assert response.status_code in (400, 200)
    assert _wants(app, me) is True


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
