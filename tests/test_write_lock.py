"""Issue 11: an autosave during talent acquisition's heaviest writes waits little.

On SQLite a form post holds the write lock from its first statement to its COMMIT,
and an autosave meanwhile waits. A statement run for the first time in a process is
compiled first (SQLAlchemy caches the result per engine): a worker's first loop
start spent most of its time in the lock compiling. The app rehearses those writes
when it starts (interview/warmup.py), so that a worker's first loop start or rubric
upload compiles nothing while it holds the lock. Checked without timing: every
statement run between BEGIN IMMEDIATE and COMMIT must come from the cache.
"""

import io

import pytest
import sqlalchemy as sa
from sqlalchemy.engine.interfaces import CacheStats
from sqlalchemy.pool import Pool

from interview import create_app
from interview.extensions import db
from interview.models import (
    Candidate,
    Loop,
    PlanSession,
    Requisition,
    Role,
    RubricVersion,
    User,
)
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate

from .conftest import BASE_CONFIG, PASSWORD, Client
from .rubric_samples import dump, rubric


@pytest.fixture
def on_sqlite(databases):
    if databases.name != "sqlite":
        pytest.skip("the write lock is SQLite's: PostgreSQL locks rows")


@pytest.fixture
def data(app, make_user):
    """A talent acquisition account, a requisition with a two-session plan on a
    rubric, and a candidate, written by the test's own app (whose engine is not
    the one checked: these writes compile nothing for it)."""
    ta = make_user(Role.TALENT_ACQUISITION)
    manager = make_user(Role.HIRING_MANAGER)
    with app.app_context():
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        keys = [c.key for c in version.competencies]
        requisition = Requisition(
            title="EHR analyst",
            discipline="clinical",
            hiring_manager_id=manager.id,
            default_rubric_id=version.rubric_id,
            plan=[
                PlanSession(title="Case", competency_keys=keys[:1]),
                PlanSession(title="Systems", competency_keys=keys[1:]),
            ],
        )
        candidate = Candidate(name="Amara Nwosu", email="amara@candidate.example")
        db.session.add_all([requisition, candidate])
        db.session.commit()
        return {"ta": ta, "requisition": requisition.id, "candidate": candidate.id}


def started_app(app, warm: bool):
    """A new app on the test's database, as a worker starts: its engine has
    compiled nothing yet but what its start-up did. Starting, it opens no database
    file (the rehearsal's database is in memory)."""
    opened = []

    def connected(dbapi_connection, _record):
        files = dbapi_connection.execute("PRAGMA database_list").fetchall()
        opened.extend(path for _seq, _name, path in files if path)

    sa.event.listen(Pool, "connect", connected)
    try:
        fresh = create_app(
            {
                **BASE_CONFIG,
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "WARM_WRITES": warm,
            }
        )
    finally:
        sa.event.remove(Pool, "connect", connected)
    assert opened == []
    fresh.test_client_class = Client
    return fresh


def compiled_in_lock(fresh) -> list[str]:
    """Watch the app's engine: the statements compiled (not found in its cache)
    while a transaction held the write lock."""
    compiled, locked = [], []

    def executed(_conn, _cursor, statement, _params, context, _many):
        if statement.startswith("BEGIN IMMEDIATE"):
            locked.append(True)
        elif locked and context.compiled is not None and not cached(context):
            compiled.append(statement)

    def ended(_conn):
        locked.clear()

    with fresh.app_context():
        sa.event.listen(db.engine, "after_cursor_execute", executed)
        sa.event.listen(db.engine, "commit", ended)
        sa.event.listen(db.engine, "rollback", ended)
    return compiled


def cached(context) -> bool:
    return context.cache_hit is CacheStats.CACHE_HIT


def sign_in(client, user) -> None:
    page = client.submit("/sign-in", {"email": user.email, "password": PASSWORD})
    assert page.status_code == 302


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
def test_first_loop_start_compiles_nothing_under_the_write_lock(
    on_sqlite, app, data, warm
):
    fresh = started_app(app, warm)
    client = fresh.test_client()
    sign_in(client, data["ta"])
    compiled = compiled_in_lock(fresh)

    page = client.submit(
        f"/requisitions/{data['requisition']}/loops/new",
        {"candidate_id": str(data["candidate"])},
    )

    assert page.status_code == 302, page.get_data(as_text=True)
    if warm:
        assert compiled == []
    else:  # the rehearsal is what spares it: without it, most are compiled here
        assert len(compiled) > 5
    with app.app_context():  # the rehearsal wrote nothing here: one loop, ours
        assert db.session.scalars(sa.select(Loop.candidate_id)).all() == [
            data["candidate"]
        ]
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 2


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
def test_first_rubric_upload_and_new_version_compile_nothing_under_the_write_lock(
    on_sqlite, app, data, warm
):
    fresh = started_app(app, warm)
    client = fresh.test_client()
    sign_in(client, data["ta"])
    compiled = compiled_in_lock(fresh)

    for title in ("Uploaded", "Uploaded, second version"):
        text = dump(rubric(key="uploaded", title=title))
        page = client.submit(
            "/rubrics/upload",
            {"file": (io.BytesIO(text), "rubric.yaml")},
            content_type="multipart/form-data",
        )
        assert page.status_code == 302, page.get_data(as_text=True)

    with app.app_context():  # the test's own app: its reads are not watched
        assert db.session.scalar(sa.select(sa.func.count(RubricVersion.id))) == 3
    if warm:
        assert compiled == []
    else:
        assert len(compiled) > 5


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
def test_first_erasure_compiles_nothing_under_the_write_lock(
    on_sqlite, app, data, warm
):
    """An erasure holds the write lock for its own writes and the text index's
    merge; a worker's first one compiles none of its statements meanwhile."""
    fresh = started_app(app, warm)
    client = fresh.test_client()
    sign_in(client, data["ta"])
    compiled = compiled_in_lock(fresh)

    page = client.submit(f"/candidates/{data['candidate']}/erase", {"confirm": "y"})

    assert page.status_code == 302, page.get_data(as_text=True)
    with app.app_context():
        erased = db.session.get(Candidate, data["candidate"])
        assert erased.erased_at is not None and erased.email is None
    if warm:
        assert compiled == []
    else:
        assert len(compiled) > 5


def test_a_mistyped_warm_writes_setting_stops_start_up():
    with pytest.raises(SystemExit):
        create_app({**BASE_CONFIG, "WARM_WRITES": "yes"})


def test_a_loop_start_reads_only_the_latest_of_the_rubrics_versions(app, data):
    """The lock's work does not grow with the rubric's history: its earlier
    versions (each with its YAML) stay unread."""
    with app.app_context():
        for title in ("Second", "Third"):
            save_rubric(None, validate(dump(rubric(title=title))).rubric)
            db.session.commit()
    client = app.test_client()
    sign_in(client, data["ta"])
    loaded = []

    def load(version, _context):
        loaded.append(version.number)

    sa.event.listen(RubricVersion, "load", load)
    try:
        page = client.submit(
            f"/requisitions/{data['requisition']}/loops/new",
            {"candidate_id": str(data["candidate"])},
        )
    finally:
        sa.event.remove(RubricVersion, "load", load)

    assert page.status_code == 302, page.get_data(as_text=True)
    assert loaded == [3]
    with app.app_context():
        loop = db.session.scalar(sa.select(Loop))
        assert loop.rubric_version.number == 3
