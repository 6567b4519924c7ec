"""Signing in and out: throttling, session ending, passwords, safe redirects."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa

from interview import create_app
from interview.extensions import db
from interview.models import LoginFailure, Role, User
from interview.timeutil import utcnow

from .conftest import PASSWORD


def test_sign_in_goes_home(client, auth, users):
    response = auth.login(users["hiring_manager"])
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Welcome, Hiring manager" in client.get("/").get_data(as_text=True)


def test_wrong_password_and_unknown_email_get_the_same_message(auth, users, make_user):
    wrong = auth.login(users["clinical"], password="not the right one")
    unknown = auth.client.submit(
        "/sign-in", {"email": "nobody@example.org", "password": PASSWORD}
    )
    assert wrong.status_code == unknown.status_code == 401
    message = "The email or password is not right."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_email_is_matched_without_case_or_spaces(client, users):
    user = users["technical"]
    response = client.submit(
        "/sign-in", {"email": f"  {user.email.upper()} ", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_five_failures_lock_the_account_for_a_while(app, auth, users):
    user = users["clinical"]
    for _ in range(5):
        assert auth.login(user, password="wrong password!").status_code == 401
    locked = auth.login(user)  # even the right password is refused now
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.get_data(as_text=True)
    assert "Try again in 15 minutes" in locked.get_data(as_text=True)
    with app.app_context():  # sixteen minutes later
        for failure in db.session.scalars(sa.select(LoginFailure)):
            failure.at = utcnow() - timedelta(minutes=16)
        db.session.commit()
    assert auth.login(user).status_code == 302


def test_lockout_does_not_reveal_whether_an_email_exists(auth):
    client = auth.client
    for _ in range(5):
        client.submit("/sign-in", {"email": "ghost@example.org", "password": "x" * 12})
    response = client.submit(
        "/sign-in", {"email": "ghost@example.org", "password": "x" * 12}
    )
    assert response.status_code == 429


def test_success_clears_earlier_failures(app, auth, users):
    user = users["clinical"]
    for _ in range(4):
        auth.login(user, password="wrong password!")
    assert auth.login(user).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LoginFailure.id))) == 0


def test_deactivated_account_cannot_sign_in(auth, make_user):
    user = make_user(Role.HIRING_MANAGER, is_active=False)
    response = auth.login(user)
    assert response.status_code == 403
    assert "deactivated" in response.get_data(as_text=True)


def test_sign_out_ends_a_copied_session_cookie(app, client, auth, users):
    auth.login(users["hiring_manager"])
    stolen = client.get_cookie("interview_session").value
    assert auth.logout().headers["Location"].startswith("/sign-in")

    thief = app.test_client()
    thief.set_cookie("interview_session", stolen)
    response = thief.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_sign_out_ends_the_remember_me_cookie(app, client, auth, users):
    auth.login(users["hiring_manager"], remember="y")
    remembered = client.get_cookie("interview_remember")
    assert remembered is not None
    copy = app.test_client()
    copy.set_cookie("interview_remember", remembered.value)
    assert copy.get("/").status_code == 200  # the cookie alone signs in ...
    auth.logout()
    later = app.test_client()
    later.set_cookie("interview_remember", remembered.value)
    assert later.get("/").status_code == 302  # ... until its owner signs out


def test_sign_out_needs_a_post_with_csrf(client, auth, users):
    auth.login(users["hiring_manager"])
    assert client.get("/sign-out").status_code == 405
    assert client.post("/sign-out").status_code == 400
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/accounts/", "/accounts/"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_sign_in_returns_only_to_pages_of_this_site(client, users, target, expected):
    response = client.submit(
        "/sign-in",
        {"email": users["talent_acquisition"].email, "password": PASSWORD},
        query_string={"next": target},
    )
    assert response.headers["Location"] == expected


def test_anonymous_visit_remembers_the_page(client, users):
    response = client.get("/accounts/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/accounts/"


def test_long_unicode_password_is_used_whole(client, make_user):
    password = "зелёный-чай-🍵-" + "ж" * 242
    assert len(password) == 256
    user = make_user(Role.HIRING_MANAGER, password=password)
    near_miss = client.submit(
        "/sign-in", {"email": user.email, "password": password[:-1] + "x"}
    )
    assert near_miss.status_code == 401
    exact = client.submit("/sign-in", {"email": user.email, "password": password})
    assert exact.status_code == 302


def test_passwords_are_stored_as_strong_hashes(tmp_path, databases):
    """The default configuration hashes with scrypt and never stores the password."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            **databases.config_for(tmp_path),
        }
    )
    from interview.auth.operations import set_password

    with app.app_context():
        user = User(email="h@example.org", name="H", role=Role.HIRING_MANAGER)
        set_password(user, "a long enough password")
        assert user.password_hash.startswith("scrypt:")
        assert "a long enough password" not in user.password_hash
        db.engine.dispose()


def _change_password(client, current, new, confirm=None):
    return client.submit(
        "/account/password",
        {"current_password": current, "new_password": new, "confirm": confirm or new},
    )


def _shown(client, response):
    """A refused change redirects to its draft (issue 14), shown there with 422."""
    assert response.status_code == 302 and "?draft=" in response.location
    page = client.get(response.location)
    assert page.status_code == 422
    return page


def test_password_change_keeps_this_session_and_ends_the_others(app, auth, users):
    user = users["clinical"]
    auth.login(user)
    other_device = app.test_client()
    other_device.submit("/sign-in", {"email": user.email, "password": PASSWORD})
    assert other_device.get("/").status_code == 200

    response = _change_password(auth.client, PASSWORD, "a brand new passphrase")
    assert response.status_code == 302
    assert auth.client.get("/").status_code == 200
    assert other_device.get("/").status_code == 302
    auth.logout()
    assert auth.login(user, password="a brand new passphrase").status_code == 302


@pytest.mark.parametrize(
    "current, new, confirm, message",
    [
        (
            "wrong current pw",
            "a brand new passphrase",
            None,
            "not your current password",
        ),
        (PASSWORD, "too short", None, "at least 12 characters"),
        (PASSWORD, "x" * 257, None, "at most 256 characters"),
        (PASSWORD, "a brand new passphrase", "a different one!!", "passwords differ"),
    ],
)
def test_password_change_refusals(auth, users, current, new, confirm, message):
    auth.login(users["clinical"])
    response = _change_password(auth.client, current, new, confirm)
    assert message in _shown(auth.client, response).get_data(as_text=True)


def test_post_without_csrf_token_gets_the_400_page(client):
    response = client.post("/sign-in", data={"email": "a@b.org", "password": "x" * 12})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "security token is missing" in page
    assert "style.css" in page  # the site's own error page, not a bare one


def test_a_kit_post_without_its_token_says_the_text_is_kept_others_say_copy_it(
    client,
):
    """Issue 14: the kit keeps what was typed in the browser and puts it back after
    signing in (static/scorecard.js), so its 400 page says so; other forms keep
    nothing, so theirs still says to copy the text first."""
    for url in ("/interviews/1", "/interviews/1/autosave"):
        response = client.post(url, data={"summary": "Strong on workflow."})
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "what you typed is kept in this browser" in page
        assert "copy anything you typed" not in page
    response = client.post("/sign-in", data={"email": "a@b.org"})
    assert "copy anything you typed" in response.get_data(as_text=True)


def test_csrf_token_outlives_a_two_hour_interview(client, auth, users, monkeypatch):
    auth.login(users["clinical"])
    token = client.csrf_token()
    later = time.time() + 3 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    response = _change_password(client, "wrong current pw", "a brand new passphrase")
    shown = _shown(client, response)  # the form was accepted and validated ...
    assert "not your current password" in shown.text
    response = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )
    assert response.status_code == 302  # ... and a token from 3 hours ago still works


def test_session_cookies_are_httponly_and_lax(client, auth, users):
    response = auth.login(users["clinical"], remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    for name in ("interview_session", "interview_remember"):
        cookie = next(c for c in cookies if c.startswith(name + "="))
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # development runs on plain http://127.0.0.1


def test_unknown_email_costs_one_hash_check_like_a_known_one(monkeypatch):
    """Timing must not tell whether an account exists: no extra hashing per attempt."""
    from interview.auth import passwords

    calls = []
    real = passwords.hash_password
    monkeypatch.setattr(passwords, "_DUMMY_HASH_CACHE", {})
    monkeypatch.setattr(
        passwords, "hash_password", lambda *a, **k: calls.append(a) or real(*a, **k)
    )
    for _ in range(3):
        assert (
            passwords.check_password(None, "some password!", "pbkdf2:sha256:1000")
            is False
        )
    assert len(calls) == 1


def test_parallel_guesses_all_count_against_the_limit(app, users):
    """Guesses sent at once by several workers cannot slip past the throttle."""
    user = users["clinical"]
    clients = [app.test_client() for _ in range(12)]
    tokens = [c.csrf_token() for c in clients]
    barrier = threading.Barrier(len(clients))

    def guess(i):
        barrier.wait()
        data = {
            "email": user.email,
            "password": f"wrong guess {i:03}",
            "csrf_token": tokens[i],
        }
        return clients[i].post("/sign-in", data=data).status_code

    with ThreadPoolExecutor(len(clients)) as pool:
        codes = list(pool.map(guess, range(len(clients))))
    assert codes.count(401) == 5
    assert codes.count(429) == len(clients) - 5


def test_current_password_guesses_are_throttled(auth, users):
    """A stolen session must not allow unlimited guesses at the real password."""
    auth.login(users["clinical"])
    for i in range(5):
        _change_password(auth.client, f"wrong current {i}", "a brand new passphrase")
    response = _change_password(auth.client, PASSWORD, "a brand new passphrase")
    shown = _shown(auth.client, response)
    assert "Too many failed attempts" in shown.get_data(as_text=True)
    auth.logout()
    assert auth.login(users["clinical"]).status_code == 429


@pytest.fixture
def production(app):
    app.config["ENV_NAME"] = "production"
    return app


def test_demo_accounts_cannot_sign_in_in_production(production, client, make_user):
    demo = make_user(Role.TALENT_ACQUISITION, email="tara.ta@demo.example")
    assert (
        client.submit(
            "/sign-in", {"email": demo.email, "password": PASSWORD}
        ).status_code
        == 401
    )
    real = make_user(Role.TALENT_ACQUISITION, email="ta@hospital.example")
    assert (
        client.submit(
            "/sign-in", {"email": real.email, "password": PASSWORD}
        ).status_code
        == 302
    )


def test_sign_in_starts_a_fresh_session(client, auth, users):
    """Nothing planted in the session before sign-in survives it."""
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    auth.login(users["clinical"])
    with client.session_transaction() as session:
        assert "planted" not in session
