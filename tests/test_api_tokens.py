"""Personal API tokens: made on /account/tokens, shown once, kept as a hash, with the
scopes a person's role allows and an expiry; revoked there; refused once revoked,
expired, or when their owner is deactivated or changes role."""

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from interview.accounts.operations import set_active, update_user
from interview.api import scopes as sc
from interview.api import tokens
from interview.extensions import db
from interview.models import ApiToken, AuditEntry, Discipline, Role, User
from interview.timeutil import utcnow

from .api_client import ApiClient, make_token

PAGE = "/account/tokens"


def _form(client) -> dict:
    page = client.get(PAGE).get_data(as_text=True)
    key = re.search(r'name="request_key" type="hidden" value="([^"]+)"', page)
    return {"request_key": key.group(1) if key else ""}


def _secret(page: str) -> str | None:
    found = re.search(r'id="new-token"[^>]*value="(ivk_[^"]+)"', page)
    return found.group(1) if found else None


def _make(client, **fields):
    """Send the form; its answer shows the token."""
    data = {"name": "Workday sync", "scopes": ["candidates:read"], "days": "30"}
    data.update(_form(client))
    data.update(fields)
    return client.submit(PAGE, data, follow_redirects=True)


def test_a_token_is_shown_once_and_kept_only_as_its_hash(app, client, auth, users):
    auth.login(users["talent_acquisition"])
    response = _make(client, scopes=["candidates:read", "loops:read"])
    assert response.status_code == 200
    secret = _secret(response.get_data(as_text=True))
    assert secret and len(secret) >= 40
    with app.app_context():
        token = db.session.scalars(sa.select(ApiToken)).one()
        assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in repr([getattr(token, c.key) for c in ApiToken.__table__.c])
        assert token.scopes == "candidates:read loops:read"
        assert timedelta(days=29) < token.expires_at - utcnow() <= timedelta(days=30)
    assert "Set-Cookie" not in response.headers or secret not in str(response.headers)
    assert response.headers["Cache-Control"] == "no-store"
    listing = client.get(PAGE).get_data(as_text=True)
    assert secret not in listing  # never shown again
    with client.session_transaction() as kept:
        assert secret not in repr(dict(kept))  # nor kept in the cookie
    assert "Workday sync" in listing and token.prefix in listing
    answer = ApiClient(app, secret).get("/api/v1/me")
    assert answer.status_code == 200
    assert answer.get_json()["token"]["scopes"] == ["candidates:read", "loops:read"]


def test_the_same_form_sent_twice_makes_one_token(app, client, auth, users):
    auth.login(users["talent_acquisition"])
    fields = _form(client)
    first = _make(client, **fields)
    again = _make(client, **fields)  # Reload on the answer sends it again
    assert _secret(first.get_data(as_text=True))
    text = again.get_data(as_text=True)
    assert _secret(text) is None
    assert "was sent already" in text and "Workday sync" in text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 1


@pytest.mark.parametrize(
    "role, discipline",
    [
        (Role.HIRING_MANAGER, None),
        (Role.INTERVIEWER, Discipline.CLINICAL),
    ],
)
def test_a_role_is_offered_and_given_only_its_own_scopes(
    app, client, auth, make_user, role, discipline
):
    person = make_user(role, discipline=discipline)
    auth.login(person)
    page = client.get(PAGE).get_data(as_text=True)
    offered = {s.name for s in sc.offered(role)}
    for name in sc.SCOPES:
        assert (f'value="{name}"' in page) == (name in offered)
    refused = _make(client, scopes=["candidates:write"])  # forged: not offered
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"name": ""}, "Name the token"),
        ({"scopes": []}, "at least one"),
        ({"days": "3650"}, "Not a valid choice"),
        ({"name": "sync\x00"}, "control character"),
    ],
)
def test_a_refused_token_says_why_and_makes_nothing(
    app, client, auth, users, fields, message
):
    auth.login(users["talent_acquisition"])
    response = _make(client, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert "Workday sync" in response.get_data(as_text=True) or not fields.get("name")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


def test_a_revoked_token_stops_at_once_and_only_its_owner_may_revoke(
    app, client, auth, users
):
    owner = users["talent_acquisition"]
    secret = make_token(app, owner)
    with app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    auth.login(users["hiring_manager"])
    assert client.submit(f"{PAGE}/{token_id}/revoke").status_code == 404
    assert ApiClient(app, secret).get("/api/v1/me").status_code == 200
    auth.logout()
    auth.login(owner)
    response = client.submit(f"{PAGE}/{token_id}/revoke", follow_redirects=True)
    assert "no longer works" in response.get_data(as_text=True)
    answer = ApiClient(app, secret).get("/api/v1/me")
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == "invalid_token"
    again = client.submit(f"{PAGE}/{token_id}/revoke", follow_redirects=True)
    assert "revoked already" in again.get_data(as_text=True)
    with app.app_context():
        actions = db.session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.object_type == "api_tokens")
        ).all()
        assert actions == ["token.create", "token.revoke"]


def test_an_expired_token_is_refused_and_says_so(app, users):
    secret = make_token(app, users["talent_acquisition"])
    with app.app_context():
        db.session.execute(sa.update(ApiToken).values(expires_at=utcnow()))
        db.session.commit()
    answer = ApiClient(app, secret).get("/api/v1/me")
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == "token_expired"
    assert "invalid_token" in answer.headers["WWW-Authenticate"]


@pytest.mark.parametrize("change", ["deactivate", "role"])
def test_a_deactivation_or_role_change_revokes_the_tokens(app, make_user, change):
    ta = make_user(Role.TALENT_ACQUISITION)
    manager = make_user(Role.HIRING_MANAGER)
    secret = make_token(app, manager)
    with app.app_context():
        actor, person = db.session.get(User, ta.id), db.session.get(User, manager.id)
        if change == "deactivate":
            set_active(actor, person, False)
            db.session.commit()
            set_active(actor, person, True)  # back: the token stays revoked
        else:
            data = {
                "email": person.email,
                "name": person.name,
                "role": "talent_acquisition",
                "discipline": "",
                "time_zone": "UTC",
                "weekly_interview_limit": 4,
            }
            update_user(actor, person, data)
        db.session.commit()
    answer = ApiClient(app, secret).get("/api/v1/me")
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == "invalid_token"


def test_a_role_changed_under_a_token_stops_it_even_unrevoked(app, make_user):
    """The token carries the role it was made under (a change made elsewhere, e.g. by
    single sign-on's groups, with no revocation)."""
    manager = make_user(Role.HIRING_MANAGER)
    secret = make_token(app, manager)
    with app.app_context():
        db.session.execute(
            sa.update(User)
            .where(User.id == manager.id)
            .values(role="talent_acquisition")
        )
        db.session.commit()
    assert ApiClient(app, secret).get("/api/v1/me").status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer ivk_not-a-token",
        "Bearer " + "x" * 5000,
        "Bearer ivk_\u00e9\u00e9",
    ],
)
def test_no_token_or_a_wrong_one_is_a_json_401(app, users, header):
    make_token(app, users["talent_acquisition"])
    headers = {} if header is None else {"Authorization": header}
    answer = ApiClient(app, None).get("/api/v1/candidates", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.get_json()["error"]["code"] in (
        "authentication_required",
        "invalid_token",
    )


def test_the_browser_session_does_not_open_the_api(app, client, auth, users):
    """A signed-in browser's cookie is not a token: a page elsewhere cannot make the
    browser call the API (which takes no CSRF token) as its user."""
    auth.login(users["talent_acquisition"])
    answer = client.get("/api/v1/candidates")
    assert answer.status_code == 401
    posted = client.post("/api/v1/candidates", json={"name": "Forged"})
    assert posted.status_code == 401


def test_the_api_sets_no_cookie(app, users):
    secret = make_token(app, users["talent_acquisition"])
    client = ApiClient(app, secret)
    for answer in (
        client.get("/api/v1/me"),
        client.post("/api/v1/candidates", {"name": "Ada Obi"}),
        client.get("/api/v1/nowhere"),
    ):
        assert "Set-Cookie" not in answer.headers


def test_last_use_is_noted_at_most_every_few_minutes(app, users):
    secret = make_token(app, users["talent_acquisition"])
    client = ApiClient(app, secret)
    client.get("/api/v1/me")
    with app.app_context():
        first = db.session.scalar(sa.select(ApiToken.last_used_at))
    assert first is not None
    client.get("/api/v1/me")
    with app.app_context():
        assert db.session.scalar(sa.select(ApiToken.last_used_at)) == first
        db.session.execute(
            sa.update(ApiToken).values(last_used_at=first - tokens.USE_RESOLUTION)
        )
        db.session.commit()
    client.post("/api/v1/candidates", {"name": "Ada Obi"})  # a write notes it too
    with app.app_context():
        assert db.session.scalar(sa.select(ApiToken.last_used_at)) > first


def test_the_form_offers_reading_loops_checked_and_nothing_else(client, auth, users):
    auth.login(users["talent_acquisition"])
    page = client.get(PAGE).get_data(as_text=True)
    checked = re.findall(
        r'<input checked[^>]*value="([^"]+)"|<input[^>]*value="([^"]+)"[^>]*checked',
        page,
    )
    assert {a or b for a, b in checked} == {"loops:read"}


def test_the_profile_links_to_the_tokens_page(client, auth, users):
    auth.login(users["clinical"])
    assert f'href="{PAGE}"' in client.get("/account").get_data(as_text=True)


def test_scopes_rules():
    assert sc.refused(["loops:read", "nope"], Role.INTERVIEWER) == ["nope"]
    assert sc.refused(["candidates:read"], Role.HIRING_MANAGER) == ["candidates:read"]
    assert sc.parse("loops:read gone:scope  debrief:read") == {
        "loops:read",
        "debrief:read",
    }
    assert sc.stored(["b:x", "loops:read", "candidates:read"]) == (
        "candidates:read loops:read"
    )


def test_a_form_without_its_one_time_key_still_makes_one_token(
    app, client, auth, users
):
    """A hand-made or scripted post without the hidden key: made, not a 500."""
    auth.login(users["talent_acquisition"])
    response = client.submit(
        PAGE, {"name": "Script", "scopes": ["loops:read"], "days": "7"}
    )
    assert response.status_code == 200 and _secret(response.get_data(as_text=True))


def test_a_password_change_revokes_the_tokens(app, client, auth, users):
    """Whoever held the old password (or a stolen session) made them: a new
    password leaves none working."""
    from .conftest import PASSWORD

    person = users["hiring_manager"]
    secret = make_token(app, person)
    auth.login(person)
    new = "A-new-and-long-password-2026"
    answer = client.submit(
        "/account/password",
        {"current_password": PASSWORD, "new_password": new, "confirm": new},
    )
    assert answer.status_code == 302
    assert ApiClient(app, secret).get("/api/v1/me").status_code == 401
    with app.app_context():
        entry = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "token.revoke")
        ).one()
        assert entry.after == {"why": "credentials changed"}


def test_a_role_change_on_the_account_page_says_the_tokens_went(
    app, client, auth, users
):
    from .test_accounts import _edit_form

    person = users["hiring_manager"]
    secret = make_token(app, person)
    auth.login(users["talent_acquisition"])
    with app.app_context():
        target = db.session.get(User, person.id)
        form = _edit_form(target, role="talent_acquisition")
    answer = client.submit(f"/accounts/{person.id}/edit", form, follow_redirects=True)
    assert "revoked their API tokens" in answer.get_data(as_text=True)
    assert ApiClient(app, secret).get("/api/v1/me").status_code == 401
