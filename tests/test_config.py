"""Configuration layers, the secret key, and production mode."""

import os
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from interview import create_app
from interview.config import _instance_secret
from interview.extensions import db


@pytest.fixture
def instance(tmp_path, monkeypatch):
    monkeypatch.setenv("INTERVIEW_INSTANCE_PATH", str(tmp_path))
    return tmp_path


def _make(config=None):
    app = create_app(config)
    with app.app_context():
        db.engine.dispose()
    return app


def test_layers_defaults_then_instance_then_environment_then_test(
    instance, monkeypatch
):
    app = _make()
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("interview.sqlite")
    assert app.config["LOGIN_MAX_FAILURES"] == 5

    (instance / "config.py").write_text(
        'SQLALCHEMY_DATABASE_URI = "sqlite:///from-instance.sqlite"\n'
        'SECRET_KEY = "from-instance"\nLOGIN_MAX_FAILURES = 7\n'
    )
    app = _make()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///from-instance.sqlite"
    assert app.config["SECRET_KEY"] == "from-instance"

    monkeypatch.setenv("INTERVIEW_DATABASE_URL", "sqlite:///from-env.sqlite")
    monkeypatch.setenv("INTERVIEW_SECRET_KEY", "from-env")
    app = _make()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///from-env.sqlite"
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["LOGIN_MAX_FAILURES"] == 7

    app = _make({"SECRET_KEY": "from-test"})
    assert app.config["SECRET_KEY"] == "from-test"


def test_development_writes_a_private_secret_key_once(instance):
    first = _make().config["SECRET_KEY"]
    key_file = instance / "secret_key"
    assert len(first) >= 40
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert _make().config["SECRET_KEY"] == first  # sessions survive a restart


def test_production_without_secret_key_stops_with_one_line(instance):
    env = {**os.environ, "INTERVIEW_ENV": "production"}
    env.pop("INTERVIEW_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "interview", "routes"],
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 4  # gunicorn stops instead of restarting workers
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "INTERVIEW_SECRET_KEY is not set" in lines[0]
    assert not (instance / "secret_key").exists()


def test_production_cookies_are_secure(instance, monkeypatch):
    monkeypatch.setenv("INTERVIEW_ENV", "production")
    monkeypatch.setenv("INTERVIEW_SECRET_KEY", "a production secret")
    app = _make()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_mode_names_are_forgiving_about_case_and_spaces(instance, monkeypatch):
    monkeypatch.setenv("INTERVIEW_ENV", " Production ")
    monkeypatch.setenv("INTERVIEW_SECRET_KEY", "a production secret")
    assert _make().config["SESSION_COOKIE_SECURE"] is True


def test_unknown_mode_stops_start_up(instance, monkeypatch, capsys):
    monkeypatch.setenv("INTERVIEW_ENV", "prod")
    with pytest.raises(SystemExit) as stop:
        _make()
    assert stop.value.code == 4
    assert "use 'development' or 'production'" in capsys.readouterr().err


def test_workers_starting_together_share_one_complete_key(instance):
    """Several gunicorn workers may start at once on a fresh instance."""
    path = str(instance / "secret_key")
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: _instance_secret(path), range(8)))
    assert len(keys) == 1 and len(keys.pop()) >= 40
    assert [p.name for p in instance.iterdir()] == ["secret_key"]  # no temp files left


def test_an_empty_key_file_is_refused(instance, capsys):
    (instance / "secret_key").write_text("")
    with pytest.raises(SystemExit):
        _make()
    assert "secret_key is empty" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["1.5", 0, -1, True, None])
def test_a_contradiction_distance_that_is_not_a_number_stops_start_up(
    instance, capsys, value
):
    """Given as text in the instance file it failed every debrief page; it is
    refused when the app starts, by name."""
    with pytest.raises(SystemExit) as stop:
        _make({"DEBRIEF_CONTRADICTION_DISTANCE": value})
    assert stop.value.code == 4
    assert "DEBRIEF_CONTRADICTION_DISTANCE is" in capsys.readouterr().err


def test_a_contradiction_distance_may_be_whole_or_not(instance):
    for value in (2, 1.25):
        assert _make({"DEBRIEF_CONTRADICTION_DISTANCE": value})
