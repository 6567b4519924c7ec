"""Fixtures: a fresh database per test, on SQLite or, with
INTERVIEW_TEST_DATABASE_URL set, on PostgreSQL in a schema made for this run."""

import contextlib
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import uuid
import warnings
import weakref

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from hypothesis import settings

# The suite runs over every core beside browsers and renderers: a slow example is a
# busy machine, not a failure, so no Hypothesis test has a deadline.
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")

for _name in ("INTERVIEW_DATABASE_URL", "INTERVIEW_SECRET_KEY", "INTERVIEW_ENV"):
    os.environ.pop(_name, None)
os.environ["INTERVIEW_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="interview-instance-")

from werkzeug.routing.rules import Rule

from interview import create_app
from interview.auth.operations import set_password
from interview.extensions import db
from interview.models import Discipline, Role, User


def _reuse_url_builders() -> None:
    """Every test makes an app (the ``app`` fixture), and werkzeug writes, parses and
    compiles two Python functions for each of its ~70 URL rules to build their URLs:
    most of ``create_app`` (median 0.07-0.08 s on a busy 2-core machine, 0.02 s with
    this), about two minutes of CPU over the suite's ~2,000 apps. The function
    depends only on the rule's parsed parts (its ``_trace``) and its defaults' names,
    and reaches its converters through the rule it is bound to, so one made for an
    equal rule of an earlier app serves as well; a default that appears in the rule
    is folded in as a constant (through that rule's converter), and such a rule gets
    its own as before. Test set-up only: the app itself is untouched."""
    compile_builder = Rule._compile_builder
    made: dict = {}

    def reused(self, append_unknown=True):
        defaults = self.defaults or {}
        if any(dynamic and part in defaults for dynamic, part in self._trace):
            return compile_builder(self, append_unknown)
        key = (self.rule, append_unknown, tuple(self._trace), tuple(defaults))
        if key not in made:
            made[key] = compile_builder(self, append_unknown)
        return made[key]

    Rule._compile_builder = reused


_reuse_url_builders()

PG_URL = os.environ.get("INTERVIEW_TEST_DATABASE_URL")
PASSWORD = "correct horse battery"
RESET_ATTEMPTS = 5  # a PostgreSQL reset cancelled by a deadlock is run again
BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    # Fast hashing for tests; test_auth checks the production default separately.
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
}


def _migrate(config: dict) -> None:
    from flask_migrate import upgrade

    app = create_app({**BASE_CONFIG, **config})
    with app.app_context():
        upgrade()
        db.engine.dispose()


class SqliteDatabases:
    """Migrate once into a template file; each test gets a copy of it."""

    name = "sqlite"

    def __init__(self, folder):
        self.template = os.path.join(folder, "template.sqlite")
        _migrate({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{self.template}"})

    def config_for(self, tmp_path) -> dict:
        path = tmp_path / "test.sqlite"
        shutil.copyfile(self.template, path)
        return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}

    def reset(self, app) -> None:
        pass

    def check_empty(self, app, previous: str | None) -> None:
        pass  # each test has its own copy of the template

    def close(self) -> None:
        pass

    @contextlib.contextmanager
    def empty(self, tmp_path):
        """Configuration for a database with no tables at all."""
        yield {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite'}"}


class PostgresDatabases:
    """Migrate once into a schema of this run; truncate every table after each test."""

    name = "postgresql"

    def __init__(self, url: str):
        self.url = url
        self.schema = f"test_{uuid.uuid4().hex[:12]}"
        self.tables: list[str] | None = None
        # No pool: a connection kept idle here would count as one a test left open
        # (_no_connection_left_open below).
        self.admin = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with self.admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{self.schema}"')
        _migrate(self.config_for(None))

    def config_for(self, _tmp_path, schema: str | None = None) -> dict:
        return {
            "SQLALCHEMY_DATABASE_URI": self.url,
            "SQLALCHEMY_ENGINE_OPTIONS": {
                # A test's commits need not survive a power cut: without the wait
                # for the disk, TRUNCATE between tests and every commit are cheap.
                "connect_args": {
                    "options": f"-csearch_path={schema or self.schema}"
                    " -csynchronous_commit=off"
                }
            },
        }

    @contextlib.contextmanager
    def empty(self, tmp_path):
        """Configuration for a schema with no tables at all, dropped afterwards."""
        schema = f"{self.schema}_empty"
        with self.admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        try:
            yield self.config_for(tmp_path, schema)
        finally:
            with self.admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')

    def reset(self, app) -> None:
        """Empty every table and restart every sequence. DELETE, not TRUNCATE: a
        TRUNCATE of every table makes new files for each and took 0.5 to 0.9 s per
        test on a 2-core machine, DELETE of a test's few rows under 10 ms. A browser
        test's page may still have a request in flight (an autosave on its timer)
        whose row lock meets the reset: when PostgreSQL ends a deadlock by
        cancelling the reset, it is run again."""
        for attempt in range(RESET_ATTEMPTS):
            try:
                with app.app_context(), db.engine.begin() as conn:
                    conn.exec_driver_sql(self._reset_block(conn))
                return
            except sa.exc.OperationalError as exc:
                deadlock = "DeadlockDetected" in type(exc.orig).__name__
                if not deadlock or attempt == RESET_ATTEMPTS - 1:
                    raise
                time.sleep(0.2)

    def check_empty(self, app, previous: str | None) -> None:
        """Before a test, find rows written after the last reset: a request or
        thread the previous test left running wrote them into the emptied tables
        under restarted ids, where they would join this test's data unseen (one
        stray interviewer changes who the panel proposer seats). Empty them again
        and warn, naming the test that left them."""
        with app.app_context(), db.engine.connect() as conn:
            tables = [t for t in self._tables(conn) if t != "installations"]
            probe = " UNION ALL ".join(
                f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables
            )
            stray = conn.exec_driver_sql(probe).scalars().all()
        if stray:
            warnings.warn(
                f"rows in {', '.join(stray)} were written after {previous or 'the run'}"
                " ended; emptied again before this test",
                stacklevel=1,
            )
            self.reset(app)

    def _reset_block(self, conn) -> str:
        """The reset as one statement: one round trip instead of one per table
        (median 0.09 s against 0.12 s after a request on a busy 2-core machine)."""
        tables = self._tables(conn)
        names = ", ".join(f'"{t}"' for t in tables)
        return (
            "DO $reset$ BEGIN"
            # Replica mode skips triggers: the foreign keys' (so the order does not
            # matter) and the audit log's guard against deletes.
            " SET LOCAL session_replication_role = replica;"
            # Wait for writers still in flight, as TRUNCATE's lock did: a DELETE
            # would miss rows they have not committed yet, and they would turn up
            # in the next test under restarted ids.
            f" LOCK TABLE {names} IN EXCLUSIVE MODE;"
            + "".join(f' DELETE FROM "{t}";' for t in tables)
            # As migration 0028 leaves a new database: its row, no old sessions.
            + " INSERT INTO installations (id, key, old_uids_upto, created_at)"
            " VALUES (1, md5(random()::text), 0, now());"
            + " PERFORM setval(quote_ident(schemaname) || '.'"
            " || quote_ident(sequencename), 1, false) FROM pg_sequences"
            " WHERE schemaname = current_schema();"
            " END $reset$"
        )

    def _tables(self, conn) -> list[str]:
        """Every table of the schema (the migrations' own version table aside)."""
        if self.tables is None:
            self.tables = (
                conn.exec_driver_sql(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                    " AND tablename <> 'alembic_version' ORDER BY tablename"
                )
                .scalars()
                .all()
            )
        return self.tables

    def close(self) -> None:
        with self.admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{self.schema}" CASCADE')
        self.admin.dispose()


# Connections opened during the current test (PostgreSQL only): a weak reference to
# each and where it was opened.
_opened: list = []


def _note_connection(dbapi_connection, _record) -> None:
    """Remember each new connection, except the browser tests' live server's (one
    thread per request, serving the session-long ``live_app``) and SQLite's (a file,
    no server: some tests open one on PostgreSQL runs too)."""
    if not hasattr(dbapi_connection, "closed"):
        return
    if "process_request_thread" in threading.current_thread().name:
        return
    where = []  # the tests' own frames, innermost first
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if f"{os.sep}tests{os.sep}" in code.co_filename:
            where.append(f"{code.co_filename}:{frame.f_lineno} in {code.co_name}")
        frame = frame.f_back
    _opened.append((weakref.ref(dbapi_connection), where))


if PG_URL:
    sa.event.listen(sa.pool.Pool, "connect", _note_connection)


@pytest.fixture(autouse=True)
def _no_connection_left_open(request):
    """On PostgreSQL, fail the test that leaves a connection open once it and its
    fixtures have ended. Such a connection (an engine never disposed of, one still
    checked out by a thread or a session of another app context when the engine was
    disposed) is closed by nobody: psycopg warns when the garbage collector deletes
    it, a ResourceWarning raised in whichever later test the collector runs in (CI
    failed so in test_packet). Checked without collecting garbage: a weak reference
    per connection the test opened and the tests' lines that opened it (0.1 to 0.2
    ms per connection on a busy 2-core machine, one to three per test)."""
    _opened.clear()
    yield
    if "live_app" in request.fixturenames:  # kept open for the next browser test
        _opened.clear()
        return
    left = [(c, s) for ref, s in _opened if (c := ref()) is not None and not c.closed]
    _opened.clear()
    if left:
        where = "".join(f"\n  {line}" for line in reversed(left[0][1]))
        pytest.fail(
            f"{len(left)} database connection(s) opened in this test still open after"
            " it: close them or dispose of their engine. The first was opened at:"
            + where,
            pytrace=False,
        )


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    backend = (
        PostgresDatabases(PG_URL)
        if PG_URL
        else SqliteDatabases(tmp_path_factory.mktemp("template"))
    )
    yield backend
    backend.close()


class Client(FlaskClient):
    """A test client that can fill in the CSRF token like a browser form does."""

    def csrf_token(self) -> str:
        page = self.get("/sign-in", follow_redirects=True).get_data(as_text=True)
        return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    def submit(self, url: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=data, **kwargs)


@pytest.fixture
def app_config():
    """Extra configuration for the ``app`` fixture; override in a test module."""
    return {}


_last_test: list[str] = []  # the test that ran last, named by check_empty


@pytest.fixture(autouse=True)
def _remember_test(request):
    yield
    _last_test[:] = [request.node.nodeid]


@pytest.fixture
def app(databases, tmp_path, app_config):
    app = create_app({**BASE_CONFIG, **databases.config_for(tmp_path), **app_config})
    app.test_client_class = Client
    databases.check_empty(app, _last_test[-1] if _last_test else None)
    yield app
    databases.reset(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def empty_app(databases, tmp_path):
    """An app on a database without any table, as on a fresh machine."""
    with databases.empty(tmp_path) as config:
        app = create_app({**BASE_CONFIG, **config})
        app.test_client_class = Client
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create accounts: ``make_user(Role.INTERVIEWER, discipline=...)``."""
    counter = iter(range(1, 10_000))

    def make(
        role: Role = Role.INTERVIEWER,
        *,
        discipline: Discipline | None = None,
        email: str | None = None,
        name: str | None = None,
        password: str = PASSWORD,
        is_active: bool = True,
    ) -> User:
        n = next(counter)
        if role == Role.INTERVIEWER and discipline is None:
            discipline = Discipline.CLINICAL
        with app.app_context():
            user = User(
                email=email or f"{role.value}{n}@example.org",
                name=name or f"{role.label} {n}",
                role=role,
                discipline=discipline,
                is_active=is_active,
            )
            set_password(user, password)
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
        return user

    return make


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, user: User, password: str = PASSWORD, **extra):
        return self.client.submit(
            "/sign-in", {"email": user.email, "password": password, **extra}
        )

    def logout(self):
        return self.client.submit("/sign-out")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def users(make_user):
    """One account of each role and discipline."""
    return {
        "talent_acquisition": make_user(Role.TALENT_ACQUISITION),
        "hiring_manager": make_user(Role.HIRING_MANAGER),
        "clinical": make_user(Role.INTERVIEWER, discipline=Discipline.CLINICAL),
        "technical": make_user(Role.INTERVIEWER, discipline=Discipline.TECHNICAL),
    }


@pytest.fixture
def seat(app, make_user):
    """Clara's clinical seat on a session covering workflow and privacy."""
    from interview.models import PlanSession
    from interview.rubrics.operations import save_rubric
    from interview.rubrics.schema import validate

    from .builders import clinical_seat, start_loop
    from .rubric_samples import dump, rubric

    manager = make_user(Role.HIRING_MANAGER)
    clara = make_user(
        Role.INTERVIEWER, discipline=Discipline.CLINICAL, name="Clara Jensen"
    )
    with app.app_context():
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        plan = [PlanSession(title="Case", competency_keys=["workflow", "privacy"])]
        seat = clinical_seat(start_loop(manager.id, version.rubric_id, plan))
        seat.interviewer_id = clara.id
        db.session.commit()
        return {"id": seat.id, "clara": clara, "manager": manager}


# Issue 15: the JSON API -----------------------------------------------------------


@pytest.fixture
def api(app):
    """``api(user, scopes=None)``: a client of the JSON API holding a token of
    ``user`` (with every scope their role can hold unless named), checking each
    answer against the OpenAPI document (tests/api_client.py)."""
    from .api_client import ApiClient, make_token

    def make(user, scopes=None, **kwargs):
        return ApiClient(app, make_token(app, user, scopes), **kwargs)

    return make
