"""Account administration by talent acquisition."""

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.models import AuditEntry, Discipline, Role, User

from .conftest import PASSWORD

NEW_PASSWORD = "first password for clara"


@pytest.fixture
def admin(auth, users):
    auth.login(users["talent_acquisition"])
    return users["talent_acquisition"]


def _form(**overrides) -> dict:
    data = {
        "name": "Clara Jensen, RN",
        "email": "clara@hospital.example",
        "role": "interviewer",
        "discipline": "clinical",
        "time_zone": "Europe/Copenhagen",
        "password": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def _refused(client, url: str, data: dict):
    """A refused form redirects to its draft (issue 14), shown there with 422."""
    response = client.submit(url, data)
    assert response.status_code == 302 and "?draft=" in response.location
    page = client.get(response.location)
    assert page.status_code == 422
    return page


def _user(app, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


def test_create_an_interviewer_who_can_then_sign_in(app, client, admin):
    response = client.submit("/accounts/new", _form())
    assert response.status_code == 302
    listing = client.get("/accounts/").get_data(as_text=True)
    assert "Clara Jensen, RN" in listing
    assert "Account created for Clara Jensen, RN." in listing

    created = _user(app, "clara@hospital.example")
    assert created.discipline == Discipline.CLINICAL
    assert created.time_zone == "Europe/Copenhagen"
    with app.app_context():
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "user.create")
        )
        assert entry.actor_id == admin.id
        assert entry.after["email"] == "clara@hospital.example"
        assert "password" not in str(entry.after)

    other = app.test_client()
    signed_in = other.submit(
        "/sign-in", {"email": "clara@hospital.example", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"discipline": ""}, "Choose the interviewer&#39;s discipline."),
        ({"email": "not-an-email"}, "Enter a valid email address"),
        ({"password": ""}, "Set a first password for the account."),
        ({"password": "short"}, "Use at least 12 characters"),
        ({"name": ""}, "Enter the person&#39;s name."),
    ],
)
def test_create_refusals_keep_what_was_typed(app, client, admin, overrides, message):
    page = _refused(client, "/accounts/new", _form(**overrides)).text
    assert message in page
    if overrides.get("name", "x"):
        assert 'value="Clara Jensen, RN"' in page
    assert _user(app, "clara@hospital.example") is None


def test_email_must_be_unique_whatever_its_case(client, admin, users):
    taken = users["clinical"].email.upper()
    response = _refused(client, "/accounts/new", _form(email=taken))
    assert "already exists" in response.get_data(as_text=True)


def test_user_text_is_escaped(client, admin):
    client.submit("/accounts/new", _form(name="<script>alert(1)</script>"))
    page = client.get("/accounts/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def _edit_form(user: User, **overrides) -> dict:
    data = {
        "name": user.name,
        "email": user.email,
        "role": user.role.value,
        "discipline": user.discipline.value if user.discipline else "",
        "time_zone": user.time_zone,
        "weekly_interview_limit": str(user.weekly_interview_limit),
        "password": "",
        "version": str(user.version),
    }
    data.update(overrides)
    return data


def test_role_change_is_saved_audited_and_ends_their_sessions(
    app, client, admin, users
):
    target = users["clinical"]
    their_client = app.test_client()
    their_client.submit("/sign-in", {"email": target.email, "password": PASSWORD})
    assert their_client.get("/").status_code == 200

    form = _edit_form(target, role="hiring_manager", discipline="")
    assert client.submit(f"/accounts/{target.id}/edit", form).status_code == 302
    assert _user(app, target.email).role == Role.HIRING_MANAGER
    assert their_client.get("/").status_code == 302
    with app.app_context():
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "user.update")
        )
        assert entry.before["role"] == "interviewer"
        assert entry.after["role"] == "hiring_manager"


def test_stale_edit_is_refused_and_keeps_the_typed_values(app, client, admin, users):
    target = users["technical"]
    stale = _edit_form(target, name="Name typed in the first tab")
    client.submit(
        f"/accounts/{target.id}/edit", _edit_form(target, name="Saved by tab two")
    )

    page = _refused(client, f"/accounts/{target.id}/edit", stale).text
    assert "Someone else changed this account" in page
    assert 'value="Name typed in the first tab"' in page
    assert "Saved by tab two" in page  # the saved values are shown beside them
    assert _user(app, target.email).name == "Saved by tab two"

    version = _user(app, target.email).version
    again = client.submit(
        f"/accounts/{target.id}/edit",
        _edit_form(target, name="Second try", version=str(version)),
    )
    assert again.status_code == 302
    assert _user(app, target.email).name == "Second try"


def test_admin_cannot_change_their_own_role(client, admin):
    form = _edit_form(admin, role="interviewer", discipline="clinical")
    response = _refused(client, f"/accounts/{admin.id}/edit", form)
    assert "cannot change your own role" in response.get_data(as_text=True)


def test_unknown_account_is_404(client, admin):
    assert client.get("/accounts/99999/edit").status_code == 404


def test_deactivation_ends_sessions_and_blocks_sign_in(app, client, admin, users):
    target = users["hiring_manager"]
    their_client = app.test_client()
    their_client.submit("/sign-in", {"email": target.email, "password": PASSWORD})
    assert their_client.get("/").status_code == 200

    response = client.submit(f"/accounts/{target.id}/deactivate", follow_redirects=True)
    assert "deactivated and signed out everywhere" in response.get_data(as_text=True)
    assert their_client.get("/").status_code == 302
    retry = their_client.submit(
        "/sign-in", {"email": target.email, "password": PASSWORD}
    )
    assert retry.status_code == 403

    client.submit(f"/accounts/{target.id}/reactivate")
    again = their_client.submit(
        "/sign-in", {"email": target.email, "password": PASSWORD}
    )
    assert again.status_code == 302


def test_admin_cannot_deactivate_themselves(app, client, admin):
    response = client.submit(f"/accounts/{admin.id}/deactivate", follow_redirects=True)
    assert "cannot deactivate your own account" in response.get_data(as_text=True)
    assert _user(app, admin.email).is_active


def test_new_password_set_by_admin_works_and_ends_old_sessions(
    app, client, admin, users
):
    target = users["clinical"]
    form = _edit_form(target, password="reset by talent acquisition")
    assert client.submit(f"/accounts/{target.id}/edit", form).status_code == 302
    other = app.test_client()
    old = other.submit("/sign-in", {"email": target.email, "password": PASSWORD})
    assert old.status_code == 401
    new = other.submit(
        "/sign-in", {"email": target.email, "password": "reset by talent acquisition"}
    )
    assert new.status_code == 302


def test_admin_changes_their_own_password_only_with_the_current_one(app, client, admin):
    form = _edit_form(admin, password="set without the old one")
    response = _refused(client, f"/accounts/{admin.id}/edit", form)
    assert "Change your own password on the Change password page" in response.get_data(
        as_text=True
    )
    assert client.get("/").status_code == 200  # still signed in, nothing changed


def test_training_and_weekly_limit_make_an_interviewer_eligible(
    app, client, admin, users
):
    from interview.rubrics.operations import save_rubric
    from interview.rubrics.schema import validate

    from .rubric_samples import dump, rubric

    with app.app_context():
        save_rubric(None, validate(dump(rubric())).rubric)
        db.session.commit()
    target = users["clinical"]
    form = _edit_form(
        target, weekly_interview_limit="2", trained_keys=["workflow", "privacy"]
    )
    assert client.submit(f"/accounts/{target.id}/edit", form).status_code == 302
    with app.app_context():
        saved = db.session.get(User, target.id)
        assert saved.trained_keys == {"workflow", "privacy"}
        assert saved.weekly_interview_limit == 2
    page = client.get(f"/accounts/{target.id}/edit").get_data(as_text=True)
    assert '<option selected value="workflow">Workflow</option>' in page
    form = _edit_form(_user(app, target.email), trained_keys=["privacy"])
    client.submit(f"/accounts/{target.id}/edit", form)
    with app.app_context():
        assert db.session.get(User, target.id).trained_keys == {"privacy"}
    unknown = _edit_form(_user(app, target.email), trained_keys=["astrology"])
    assert "is not a valid choice" in _refused(
        client, f"/accounts/{target.id}/edit", unknown
    ).get_data(as_text=True)
