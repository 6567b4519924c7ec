"""Fixtures: a fresh database per test, on SQLite or, with
INTERVIEW_TEST_DATABASE_URL set, on PostgreSQL in a schema made for this run."""

import contextlib
import os
import re
import shutil
import tempfile
import time
import uuid

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

from interview import create_app
from interview.auth.operations import set_password
from interview.extensions import db
from interview.models import Discipline, Role, User

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
        self.admin = sa.create_engine(url)
        with self.admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{self.schema}"')
        _migrate(self.config_for(None))

    def config_for(self, _tmp_path, schema: str | None = None) -> dict:
        return {
            "SQLALCHEMY_DATABASE_URI": self.url,
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "connect_args": {"options": f"-csearch_path={schema or self.schema}"}
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
        """Empty every table. A browser test's page may still have a request in
        flight (an autosave on its timer) whose row lock meets the TRUNCATE: when
        PostgreSQL ends that deadlock by cancelling the TRUNCATE, it is run again."""
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        for attempt in range(RESET_ATTEMPTS):
            try:
                with app.app_context(), db.engine.begin() as conn:
                    # Replica mode skips triggers, the audit log's TRUNCATE guard too.
                    conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                    conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
                return
            except sa.exc.OperationalError as exc:
                deadlock = "DeadlockDetected" in type(exc.orig).__name__
                if not deadlock or attempt == RESET_ATTEMPTS - 1:
                    raise
                time.sleep(0.2)

    def close(self) -> None:
        with self.admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{self.schema}" CASCADE')
        self.admin.dispose()


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


@pytest.fixture
def app(databases, tmp_path, app_config):
    app = create_app({**BASE_CONFIG, **databases.config_for(tmp_path), **app_config})
    app.test_client_class = Client
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
