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
