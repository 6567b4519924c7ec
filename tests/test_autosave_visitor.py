"""The autosave's visitor is loaded as a plain row, not an ORM account (issue 11,
interview/auth/visitor.py): who may save, and what the answers say, are unchanged.

Guards: the ORM load before it behaved the same way; each test checks one thing the
plain row must still hold (the session token, the active flag, the role, the id, the
name and time zone shown).
"""

import sqlalchemy as sa

from interview.extensions import db
from interview.models import Discipline, Role, Scorecard, User

from .conftest import Auth
from .tabs import Tab


def _summary(app, seat_id: int) -> str | None:
    with app.app_context():
        return db.session.scalar(
            sa.select(Scorecard.summary).where(Scorecard.seat_id == seat_id)
        )


def _refused_as_signed_out(response) -> None:
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_an_interviewer_deactivated_meanwhile_cannot_autosave(
    app, client, auth, seat, users
):
    auth.login(seat["clara"])
    tab = Tab(client, seat["id"])
    assert tab.autosave(summary="Typed before the deactivation.").json["ok"]
    admin = app.test_client()
    Auth(admin).login(users["talent_acquisition"])
    assert admin.submit(f"/accounts/{seat['clara'].id}/deactivate").status_code == 302

    _refused_as_signed_out(tab.autosave(summary="Typed after it."))
    assert _summary(app, seat["id"]) == "Typed before the deactivation."


def test_an_inactive_account_cannot_autosave_even_with_its_session_token(
    app, client, auth, seat
):
    """An account marked inactive by other means than the accounts page (its
    session token left as it was) is signed out all the same."""
    auth.login(seat["clara"])
    tab = Tab(client, seat["id"])
    assert tab.autosave(summary="Typed while active.").json["ok"]
    with app.app_context():
        db.session.execute(
            sa.update(User).where(User.id == seat["clara"].id).values(is_active=False)
        )
        db.session.commit()

    _refused_as_signed_out(tab.autosave(summary="Typed while inactive."))
    assert _summary(app, seat["id"]) == "Typed while active."


def test_a_copied_session_cookie_cannot_autosave_after_sign_out(
    app, client, auth, seat
):
    auth.login(seat["clara"])
    tab = Tab(client, seat["id"])
    assert tab.autosave(summary="Saved before signing out.").json["ok"]
    copy = app.test_client()
    copy.set_cookie("interview_session", client.get_cookie("interview_session").value)
    copied = Tab(copy, seat["id"])
    auth.logout()

    _refused_as_signed_out(copied.autosave(summary="Sent with the copied cookie."))
    assert _summary(app, seat["id"]) == "Saved before signing out."


def test_only_the_seats_own_interviewer_autosaves_and_the_refusal_names_the_visitor(
    app, seat, make_user
):
    manager = make_user(Role.HIRING_MANAGER, name="Hana Manager")
    other = make_user(
        Role.INTERVIEWER, discipline=Discipline.CLINICAL, name="Olga Other"
    )
    owner = app.test_client()
    Auth(owner).login(seat["clara"])
    tab = Tab(owner, seat["id"])
    for person, name in ((manager, "Hana Manager"), (other, "Olga Other")):
        visitor = app.test_client()
        Auth(visitor).login(person)
        response = visitor.submit(f"/interviews/{seat['id']}/autosave", tab.request())
        assert response.status_code == 403
        assert name in response.get_data(as_text=True)  # the page's own header
    assert _summary(app, seat["id"]) is None


def test_the_autosave_answer_shows_the_time_in_the_interviewers_zone(
    app, client, auth, seat
):
    with app.app_context():
        db.session.execute(
            sa.update(User)
            .where(User.id == seat["clara"].id)
            .values(time_zone="Asia/Kolkata")
        )
        db.session.commit()
    auth.login(seat["clara"])
    answer = Tab(client, seat["id"]).autosave().json
    assert answer["ok"] and answer["saved_label"].endswith("IST")
