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
from interview.models import (
    Discipline,
    InterviewSession,
    PanelSeat,
    PlanSession,
    Role,
    User,
)

from .builders import clinical_seat, start_loop
from .conftest import Auth
from .queries import counting_queries
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


# The kit page's visitor is read in the statement that reads its seat -----------------


def _sent(app, send) -> list[str]:
    """The statements a request sends, but SQLite's BEGIN (the app's own)."""
    with counting_queries(app) as log:
        assert send().status_code == 200
    return [s for s in log.statements if not s.lstrip().upper().startswith("BEGIN")]


def test_a_kit_page_reads_its_visitor_and_its_seat_in_one_statement(
    app, client, auth, seat
):
    auth.login(seat["clara"])
    client.get(f"/interviews/{seat['id']}")  # the rubric version, kept from now on
    sent = _sent(app, lambda: client.get(f"/interviews/{seat['id']}"))
    assert len(sent) == 1, sent
    assert "users" in sent[0] and "panel_seats" in sent[0]


def test_each_kit_page_shows_its_own_seat_as_stored_now(app, client, auth, seat):
    """Two seats of one interviewer, opened in turn, each after a save: every page
    is its own seat's, read by its own request."""
    clara = seat["clara"]
    with app.app_context():
        version_id = db.session.get(PanelSeat, seat["id"]).session.loop.rubric_version
        plan = [PlanSession(title="Systems walk-through", competency_keys=["privacy"])]
        other = clinical_seat(
            start_loop(
                seat["manager"].id, version_id.rubric_id, plan, candidate="Ana Ortiz"
            )
        )
        other.interviewer_id = clara.id
        db.session.commit()
        other_id = other.id
    auth.login(clara)
    first, second = Tab(client, seat["id"]), Tab(client, other_id)
    for round_ in range(2):
        for tab, title, candidate in (
            (first, "Case", "Priya Raman"),
            (second, "Systems walk-through", "Ana Ortiz"),
        ):
            summary = f"Round {round_} of {title}, as typed."
            assert tab.autosave(tab.request(summary=summary)).json["ok"]
            page = client.get(tab.url).get_data(as_text=True)
            assert title in page and candidate in page
            assert summary in page
    assert "Ana Ortiz" not in client.get(first.url).get_data(as_text=True)


def test_a_seat_that_does_not_exist_is_not_found_and_asks_strangers_to_sign_in(
    app, client, auth, seat
):
    response = client.get("/interviews/999999")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    auth.login(seat["clara"])
    # Past every id either database holds (the address's own limit stops the last).
    for seat_id in ("999999", "2147483648", "99999999999999999999"):
        response = client.get(f"/interviews/{seat_id}")
        assert response.status_code == 404, seat_id
        assert "Clara Jensen" in response.get_data(as_text=True)
