"""Single sign-on's settings at start-up, and sign-in with passwords turned off
(issue 15). The flow itself: tests/test_sso.py."""

import pytest

from interview import create_app
from interview.extensions import db
from interview.models import Role

from .conftest import BASE_CONFIG, PASSWORD

SSO = {
    "issuer": "https://login.example.org/realms/staff",
    "client_id": "interviews",
    "client_secret": "from-the-instance-file",
    "roles": {"hiring_manager": ["managers"]},
}


@pytest.fixture
def instance(tmp_path, monkeypatch):
    monkeypatch.setenv("INTERVIEW_INSTANCE_PATH", str(tmp_path))
    return tmp_path


def _make(config):
    app = create_app(config)
    with app.app_context():
        db.engine.dispose()
    return app


@pytest.mark.parametrize(
    ("config", "says"),
    [
        ({"SSO": SSO | {"issuer": "http://login.example.org"}}, "SSO setting issuer"),
        ({"SSO": SSO | {"roles": {"wizard": ["x"]}}}, "SSO setting roles.wizard"),
        ({"SSO": SSO | {"create_account": True}}, "SSO setting create_account"),
        ({"SSO": "https://login.example.org"}, "SSO is str; give a dict or None"),
        ({"PASSWORD_SIGN_IN": False}, "PASSWORD_SIGN_IN is False but SSO is not set"),
        ({"PASSWORD_SIGN_IN": "no", "SSO": SSO}, "PASSWORD_SIGN_IN is 'no'"),
    ],
)
def test_a_wrong_sso_setting_stops_start_up_with_one_line(
    instance, capsys, config, says
):
    with pytest.raises(SystemExit) as stop:
        _make(config)
    assert stop.value.code == 4  # gunicorn stops instead of restarting workers
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1


def test_the_client_secret_may_come_from_the_environment(instance, monkeypatch):
    """Kept out of instance/config.py, as the README advises."""
    unsecret = {k: v for k, v in SSO.items() if k != "client_secret"}
    (instance / "config.py").write_text(f"SSO = {unsecret!r}\n")
    monkeypatch.setenv("INTERVIEW_SSO_CLIENT_SECRET", "from-the-environment")
    app = _make({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SSO_SETTINGS"].client_secret == "from-the-environment"
    assert app.config["SSO_SETTINGS"].roles == {Role.HIRING_MANAGER: ("managers",)}


@pytest.fixture
def sso_only(databases, tmp_path):
    """An app whose people sign in through single sign-on only."""
    app = create_app(
        {
            **BASE_CONFIG,
            **databases.config_for(tmp_path),
            "SSO": SSO | {"label": "Sign in with Hospital ID"},
            "PASSWORD_SIGN_IN": False,
        }
    )
    yield app
    databases.reset(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_with_passwords_off_the_page_offers_single_sign_on_only(sso_only):
    client = sso_only.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    assert "Sign in with Hospital ID" in page
    assert 'name="password"' not in page and "there are no passwords here" in page
    with sso_only.app_context():
        from interview.auth.operations import set_password
        from interview.models import User

        user = User(email="hm@example.org", name="Hana", role=Role.HIRING_MANAGER)
        set_password(user, PASSWORD)
        db.session.add(user)
        db.session.commit()
    token = client.get("/sign-in").get_data(as_text=True)
    token = token.split('name="csrf-token" content="')[1].split('"')[0]
    refused = client.post(
        "/sign-in",
        data={"email": "hm@example.org", "password": PASSWORD, "csrf_token": token},
    )
    assert refused.status_code == 403
    assert client.get("/").status_code == 302  # still signed out


def test_without_the_setting_there_is_no_single_sign_on(client):
    page = client.get("/sign-in").get_data(as_text=True)
    assert "sso" not in page and 'name="password"' in page
    assert client.get("/sign-in/sso").status_code == 404
    assert client.get("/sign-in/sso/callback?code=x&state=y").status_code == 404


def _signed_in(app, role=Role.TALENT_ACQUISITION, **fields):
    """A client signed in as a new account of ``role`` (as single sign-on leaves
    one: the session carries the account's session token)."""
    from interview.auth.operations import set_password
    from interview.models import User

    with app.app_context():
        user = User(
            email=fields.pop("email", f"{role.value}@example.org"),
            name=fields.pop("name", "Tara Talent"),
            role=role,
            **fields,
        )
        set_password(user, PASSWORD)
        db.session.add(user)
        db.session.commit()
        token, user_id = user.session_token, user.id
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = token, True
    return client, user_id


def _csrf(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return page.split('name="csrf-token" content="')[1].split('"')[0]


def test_with_passwords_off_no_page_offers_or_takes_one(sso_only):
    client, _ = _signed_in(sso_only)
    profile = client.get("/account").get_data(as_text=True)
    assert "/account/password" not in profile
    page = client.get("/account/password")
    assert page.status_code == 404
    assert "single sign-on" in page.get_data(as_text=True)
    posted = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "x" * 20,
            "confirm": "x" * 20,
            "csrf_token": _csrf(client),
        },
    )
    assert posted.status_code == 404
    form = client.get("/accounts/new").get_data(as_text=True)
    assert 'name="password"' not in form and "Passwords are off here" in form


def test_with_passwords_off_an_account_is_made_without_one(sso_only):
    from interview.models import User

    client, _ = _signed_in(sso_only)
    made = client.post(
        "/accounts/new",
        data={
            "name": "Hamid Manager",
            "email": "hamid@example.org",
            "role": "hiring_manager",
            "discipline": "",
            "time_zone": "UTC",
            "weekly_interview_limit": "4",
            "password": "SmuggledIn-Password-2026",  # ignored: no such field
            "csrf_token": _csrf(client),
        },
    )
    assert made.status_code == 302, made.get_data(as_text=True)[:500]
    assert made.headers["Location"] == "/accounts/", made.headers["Location"]
    from interview.auth.passwords import check_password

    with sso_only.app_context():
        user = db.session.query(User).filter_by(email="hamid@example.org").one()
        assert not check_password(user.password_hash, "SmuggledIn-Password-2026")


def test_talent_acquisition_unlinks_an_account_from_single_sign_on(sso_only):
    from interview.models import AuditEntry, User

    client, _ = _signed_in(sso_only)
    with sso_only.app_context():
        linked = User(
            email="clara@example.org",
            name="Clara Jensen",
            role=Role.HIRING_MANAGER,
            sso_issuer="https://old-login.example.org",
            sso_subject="u-1",
            password_hash="x",
        )
        db.session.add(linked)
        db.session.commit()
        linked_id = linked.id
    page = client.get(f"/accounts/{linked_id}/edit").get_data(as_text=True)
    assert "https://old-login.example.org" in page and "Unlink" in page
    answer = client.post(
        f"/accounts/{linked_id}/sso/unlink",
        data={"csrf_token": _csrf(client)},
        follow_redirects=True,
    )
    assert "Unlinked Clara Jensen" in answer.get_data(as_text=True)
    with sso_only.app_context():
        user = db.session.get(User, linked_id)
        assert (user.sso_issuer, user.sso_subject) == (None, None)
        actions = [
            e.action
            for e in db.session.query(AuditEntry).filter_by(object_id=linked_id)
        ]
        assert "user.sso_unlink" in actions
    again = client.post(
        f"/accounts/{linked_id}/sso/unlink",
        data={"csrf_token": _csrf(client)},
        follow_redirects=True,
    )
    assert "was not linked" in again.get_data(as_text=True)
    page = client.get(f"/accounts/{linked_id}/edit").get_data(as_text=True)
    assert "Not linked yet" in page
