"""Operations (issue 13): /healthz and /readyz for probes, HSTS in production."""

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from interview import create_app
from interview.extensions import db
from interview.ops.readiness import (
    NEWER,
    NOT_MIGRATED,
    UNREACHABLE,
    readiness_problem,
)

from .conftest import BASE_CONFIG

LEAKS = ("Traceback", "alembic", "0016", "sqlite", "psycopg", "postgres", "Werkzeug")


def _statements(app) -> list[str]:
    seen = []
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(_conn, _cursor, statement, *_):
        seen.append(statement)

    return seen


def _assert_bare(response) -> None:
    """A probe's answer: short plain text, no cookie, nothing to read but its word."""
    text = response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    assert len(text) < 80
    assert not any(leak.lower() in text.lower() for leak in LEAKS)
    assert "Set-Cookie" not in response.headers


@pytest.fixture
def unreachable(databases, tmp_path):
    """An app whose database cannot be reached."""
    if databases.name == "sqlite":
        config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/no/such/db.sqlite"}
    else:
        config = {
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/none"
        }
    app = create_app({**BASE_CONFIG, **config})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_healthz_answers_without_sign_in_or_database(app, client):
    statements = _statements(app)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok\n"
    _assert_bare(response)
    assert statements == []


def test_healthz_answers_while_the_database_is_down(unreachable):
    response = unreachable.test_client().get("/healthz")
    assert response.status_code == 200
    _assert_bare(response)


def test_readyz_is_ready_on_a_migrated_database(app, client):
    statements = _statements(app)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ready\n"
    _assert_bare(response)
    # Cheap: one small SELECT (SQLite's BEGIN aside).
    assert [s for s in statements if s != "BEGIN"] == [
        "SELECT version_num FROM alembic_version"
    ]
    assert client.head("/readyz").status_code == 200


def test_readyz_says_when_the_database_is_unreachable(unreachable):
    response = unreachable.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_data(as_text=True) == f"not ready: {UNREACHABLE}\n"
    assert response.headers["Retry-After"] == "5"
    _assert_bare(response)


@pytest.fixture
def revision_set(app):
    """Set the database's recorded revision; put the real one back afterwards
    (PostgreSQL's tests share one schema, whose alembic_version no reset empties)."""
    statement = sa.text("UPDATE alembic_version SET version_num = :r")

    def set_revision(revision: str) -> None:
        with app.app_context():
            db.session.execute(statement, {"r": revision})
            db.session.commit()

    with app.app_context():
        real = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        db.session.rollback()
    yield set_revision
    set_revision(real)


def test_readyz_says_when_the_database_is_behind_the_code(client, revision_set):
    revision_set("0015_read_audit")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_data(as_text=True) == f"not ready: {NOT_MIGRATED}\n"
    _assert_bare(response)


def test_readyz_is_ready_when_the_database_is_newer_than_the_code(client, revision_set):
    """A rolling deploy migrates first: the old pods still serve."""
    revision_set("9999_from_the_future")
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == f"ready: {NEWER}\n"
    assert NEWER == "database is newer than this code"
    _assert_bare(response)


def test_readyz_says_when_the_database_was_never_migrated(empty_app):
    response = empty_app.test_client().get("/readyz")
    assert response.status_code == 503
    assert NOT_MIGRATED in response.get_data(as_text=True)


def test_readiness_of_an_engine_outside_a_request(app_ctx):
    assert readiness_problem(db.engine) is None


# HSTS --------------------------------------------------------------------------------


PRODUCTION = {"ENV_NAME": "production"}


# Through the ``app`` fixture (its configuration overridden), which empties the
# database after the test and closes its connections: /sign-in writes its
# throttle's counter, which was left for the next test on PostgreSQL.
@pytest.mark.parametrize("app_config", [PRODUCTION])
@pytest.mark.parametrize("path", ["/healthz", "/sign-in", "/no-such-page"])
def test_production_sends_hsts(app, path):
    response = app.test_client().get(path)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.parametrize(
    "app_config",
    [{**PRODUCTION, "HSTS_MAX_AGE": 63072000, "HSTS_INCLUDE_SUBDOMAINS": True}],
)
def test_hsts_can_cover_subdomains_for_longer(app):
    response = app.test_client().get("/healthz")
    assert (
        response.headers["Strict-Transport-Security"]
        == "max-age=63072000; includeSubDomains"
    )


def test_development_sends_no_hsts(client):
    """A browser that kept it would refuse http://localhost afterwards."""
    for path in ("/healthz", "/sign-in"):
        assert "Strict-Transport-Security" not in client.get(path).headers
