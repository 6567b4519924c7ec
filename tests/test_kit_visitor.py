"""The kit page's visitor is loaded as a plain row, like the autosave's (issue 11,
interview/auth/visitor.py); a scorecard posted from the page still has the ORM
account. Who may open the page, and what it shows of its visitor, are unchanged."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import request, request_finished
from flask_login import current_user

from interview.auth.visitor import Visitor
from interview.extensions import db
from interview.models import Discipline, InterviewSession, PanelSeat, Role, User

from .conftest import Auth
from .tabs import Tab


@pytest.fixture
def visitors(app):
    """(method, path, the visitor's type) of each request answered, in order."""
    seen = []

    def record(_sender, response, **_extra):
        visitor = type(current_user._get_current_object())
        seen.append((request.method, request.path, visitor))

    request_finished.connect(record, app)
    yield seen
    request_finished.disconnect(record, app)


def _set(app, model, row_id: int, **values) -> None:
    with app.app_context():
        db.session.execute(sa.update(model).where(model.id == row_id).values(**values))
        db.session.commit()


def test_the_kit_page_has_a_plain_visitor_and_a_posted_scorecard_the_account(
    client, auth, seat, visitors
):
    auth.login(seat["clara"])
    tab = Tab(client, seat["id"])
    assert tab.post(summary="Saved from the page.").status_code == 302
    # The page, the post (its author the ORM account), the page again.
    kit = [(method, kind) for method, path, kind in visitors if path == tab.url]
    assert kit == [("GET", Visitor), ("POST", User), ("GET", Visitor)]
    assert "Saved from the page." in tab.reload()


def test_the_kit_page_shows_its_visitor_and_times_in_their_zone(
    app, client, auth, seat
):
    with app.app_context():
        session_id = db.session.get(PanelSeat, seat["id"]).session_id
    _set(
        app,
        InterviewSession,
        session_id,
        starts_at=datetime(2026, 12, 8, 9, 30, tzinfo=UTC),
    )
    _set(app, User, seat["clara"].id, time_zone="Asia/Kolkata")
    auth.login(seat["clara"])
    page = client.get(f"/interviews/{seat['id']}").get_data(as_text=True)
    assert "Clara Jensen" in page
    assert "Interviewer · Clinical" in page
    assert "15:00" in page and "IST" in page  # 09:30 UTC in Kolkata


def test_an_interviewer_deactivated_meanwhile_cannot_open_the_kit(
    app, client, auth, seat
):
    auth.login(seat["clara"])
    assert client.get(f"/interviews/{seat['id']}").status_code == 200
    _set(app, User, seat["clara"].id, is_active=False)
    response = client.get(f"/interviews/{seat['id']}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_a_copied_cookie_cannot_open_the_kit_after_sign_out(app, client, auth, seat):
    auth.login(seat["clara"])
    copy = app.test_client()
    copy.set_cookie("interview_session", client.get_cookie("interview_session").value)
    assert copy.get(f"/interviews/{seat['id']}").status_code == 200
    auth.logout()
    response = copy.get(f"/interviews/{seat['id']}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_only_the_seats_interviewer_opens_the_kit_and_a_refusal_names_the_visitor(
    app, seat, make_user
):
    manager = make_user(Role.HIRING_MANAGER, name="Hana Manager")
    other = make_user(
        Role.INTERVIEWER, discipline=Discipline.CLINICAL, name="Olga Other"
    )
    ta = make_user(Role.TALENT_ACQUISITION, name="Tomas Acquisition")
    for person in (manager, other, ta):
        visitor = app.test_client()
        Auth(visitor).login(person)
        response = visitor.get(f"/interviews/{seat['id']}")
        assert response.status_code == 403
        page = response.get_data(as_text=True)
        assert person.name in page  # the page's own header
        assert "Case" not in page  # nothing of the interview


def test_someone_moved_off_the_panel_is_told_so(app, client, auth, seat):
    auth.login(seat["clara"])
    _set(app, PanelSeat, seat["id"], removed_at=datetime.now(UTC))
    response = client.get(f"/interviews/{seat['id']}")
    assert response.status_code == 403
    assert "Clara Jensen" in response.get_data(as_text=True)
