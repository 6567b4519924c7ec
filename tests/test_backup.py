"""Backups (issue 13): ``flask backup`` on SQLite, pg_dump on PostgreSQL, and the
restore drill: a backup taken while the app writes restores every submitted
scorecard, and the restored database is ready to serve (readyz's check)."""

import contextlib
import shutil
import sqlite3
import subprocess
import threading
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from interview import create_app
from interview.backup import backup_sqlite
from interview.extensions import db
from interview.models import Discipline, Rating, Role, Scorecard, ScorecardStatus
from interview.ops.readiness import readiness_problem
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate

from .builders import populate
from .conftest import BASE_CONFIG
from .rubric_samples import dump, rubric


@pytest.fixture
def sqlite_only(databases):
    if databases.name != "sqlite":
        pytest.skip("the backup command copies SQLite; PostgreSQL has pg_dump")


@pytest.fixture
def seeded(app, make_user):
    """Twelve loops, each with a submitted scorecard."""
    manager = make_user(Role.HIRING_MANAGER)
    clinical = make_user(Role.INTERVIEWER, discipline=Discipline.CLINICAL)
    technical = make_user(Role.INTERVIEWER, discipline=Discipline.TECHNICAL)
    with app.app_context():
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        populate(manager.id, version.rubric_id, (clinical.id, technical.id), 12)
        level = version.levels[0].value
        for card in db.session.scalars(sa.select(Scorecard)):
            for competency in version.competencies:
                db.session.execute(
                    sa.insert(Rating.__table__).values(
                        scorecard_id=card.id,
                        rubric_version_id=version.id,
                        competency_id=competency.id,
                        level=level,
                        evidence=f"Evidence {card.id}.{competency.id}: ünïcode ✓",
                    )
                )
        db.session.commit()
    return app


def _submitted(engine) -> tuple[list, list]:
    """Every submitted scorecard, whole, and the ratings they hold."""
    cards, ratings = Scorecard.__table__, Rating.__table__
    submitted = cards.c.status == ScorecardStatus.SUBMITTED
    with engine.connect() as conn:
        rows = conn.execute(sa.select(cards).where(submitted).order_by(cards.c.id))
        held = conn.execute(
            sa.select(ratings)
            .where(ratings.c.scorecard_id.in_(sa.select(cards.c.id).where(submitted)))
            .order_by(ratings.c.id)
        )
        return [tuple(r) for r in rows], [tuple(r) for r in held]


def _path(app) -> str:
    with app.app_context():
        return db.engine.url.database


class Writer:
    """Another connection writing two rows per transaction until stopped."""

    def __init__(self, path: str):
        self.path, self.pairs = path, 0
        self.stop, self.error = threading.Event(), None
        self.thread = threading.Thread(target=self._run)

    def _run(self):
        try:
            with contextlib.closing(
                sqlite3.connect(self.path, isolation_level=None, timeout=15)
            ) as conn:
                while not self.stop.is_set():
                    conn.execute("BEGIN IMMEDIATE")
                    for side in "ab":
                        conn.execute(
                            "INSERT INTO login_failures (email, at) VALUES (?, ?)",
                            (f"writer-{self.pairs}{side}", "2026-01-01 00:00:00"),
                        )
                    conn.execute("COMMIT")
                    self.pairs += 1
        except sqlite3.Error as exc:  # reported by the test
            self.error = exc

    def wait_for(self, pairs: int) -> None:
        while self.pairs < pairs and self.thread.is_alive():
            self.stop.wait(0.001)


def _written(path: str) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        (count,) = conn.execute(
            "SELECT count(*) FROM login_failures WHERE email LIKE 'writer-%'"
        ).fetchone()
    return count


def test_restore_drill(seeded, runner, sqlite_only, tmp_path):
    app = seeded
    with app.app_context():
        before = _submitted(db.engine)  # the app's connections keep them in its WAL
    assert len(before[0]) == 12 and len(before[1]) >= 24
    writer = Writer(_path(app))
    writer.thread.start()
    try:
        writer.wait_for(50)
        started = writer.pairs
        out = tmp_path / "backups" / "interview.sqlite"
        out.parent.mkdir()
        result = runner.invoke(args=["backup", str(out)])
        ended = writer.pairs
        writer.wait_for(ended + 20)  # still writing afterwards
    finally:
        writer.stop.set()
        writer.thread.join()
    assert writer.error is None
    assert result.exit_code == 0, result.output
    assert f"Backed up the database to {out}" in result.output

    restored = tmp_path / "restored" / "interview.sqlite"
    restored.parent.mkdir()
    shutil.copyfile(out, restored)  # the backup is one file: no -wal beside it
    again = create_app(
        {**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{restored}"}
    )
    try:
        with again.app_context():
            assert _submitted(db.engine) == before
            assert readiness_problem(db.engine) is None
        assert again.test_client().get("/readyz").status_code == 200
    finally:  # after the last request: its connection went back to the pool
        with again.app_context():
            db.engine.dispose()
    copied = _written(str(restored))
    assert copied % 2 == 0, "a transaction was copied in half"
    assert 2 * started <= copied <= 2 * (ended + 1)
    with contextlib.closing(sqlite3.connect(out)) as conn:  # the backup as made
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_an_existing_file_is_replaced_only_with_force(
    app, runner, sqlite_only, tmp_path
):
    out = tmp_path / "backup.sqlite"
    out.write_bytes(b"an older backup")
    refused = runner.invoke(args=["backup", str(out)])
    assert refused.exit_code == 1
    assert "already exists; add --force to replace it" in refused.output
    assert out.read_bytes() == b"an older backup"
    replaced = runner.invoke(args=["backup", "--force", str(out)])
    assert replaced.exit_code == 0, replaced.output
    with contextlib.closing(sqlite3.connect(out)) as conn:
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("missing/backup.sqlite", "does not exist"),
        (".", "is a folder"),
        ("test.sqlite", "is the database itself"),
    ],
)
def test_a_backup_that_cannot_be_made_says_why(
    app, runner, sqlite_only, tmp_path, target, message
):
    result = runner.invoke(args=["backup", "--force", str(tmp_path / target)])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert not [p for p in tmp_path.rglob("*.tmp")]


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
def test_the_databases_own_side_files_are_never_replaced(
    app, runner, sqlite_only, suffix
):
    side = Path(_path(app) + suffix)
    with app.app_context(), db.engine.connect() as connection:
        connection.execute(sa.text("SELECT count(*) FROM alembic_version"))
        before = side.read_bytes() if side.exists() else None
        result = runner.invoke(args=["backup", "--force", str(side)])
        assert result.exit_code == 1
        assert f"is the database's {suffix[1:]} file" in result.output
        assert (side.read_bytes() if side.exists() else None) == before
    with app.app_context(), db.engine.connect() as connection:
        assert (
            connection.execute(sa.text("PRAGMA integrity_check")).scalar_one() == "ok"
        )


def test_a_full_disk_leaves_no_half_written_backup(
    app, sqlite_only, tmp_path, monkeypatch
):
    import errno
    import os

    from interview import backup
    from interview.backup import BackupError

    def full(*_):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(backup.os, "fsync", full)
    with pytest.raises(BackupError, match="the disk is full"):
        backup_sqlite(_path(app), tmp_path / "out.sqlite")
    assert not [n for n in os.listdir(tmp_path) if not n.startswith("test.sqlite")]


def test_postgresql_is_backed_up_with_pg_dump(app, runner, databases, tmp_path):
    if databases.name != "postgresql":
        pytest.skip("PostgreSQL only")
    out = tmp_path / "backup.sqlite"
    result = runner.invoke(args=["backup", str(out)])
    assert result.exit_code == 1
    assert "pg_dump --format=custom" in result.output
    assert "pg_restore" in result.output
    assert not out.exists()


def test_postgresql_restore_drill_with_the_readme_commands(seeded, databases, tmp_path):
    """pg_dump and pg_restore as README.md gives them, into a new database."""
    if databases.name != "postgresql":
        pytest.skip("PostgreSQL only")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump is not installed")
    app = seeded
    with app.app_context():
        before = _submitted(db.engine)
    url = sa.make_url(databases.url).set(drivername="postgresql")
    dump_file = tmp_path / "interview.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", f"--schema={databases.schema}"]
        + [f"--file={dump_file}", url.render_as_string(hide_password=False)],
        check=True,
    )
    name = f"restore_{uuid.uuid4().hex[:12]}"
    admin = databases.admin.execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        target = url.set(database=name).render_as_string(hide_password=False)
        # A whole database's dump brings its extensions; this one schema's does not.
        subprocess.run(
            ["psql", "-q", target, "-c", "CREATE EXTENSION pg_trgm SCHEMA public"],
            check=True,
        )
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={target}", str(dump_file)],
            check=True,
        )
        engine = sa.create_engine(
            sa.make_url(databases.url).set(database=name),
            connect_args={"options": f"-csearch_path={databases.schema}"},
        )
        try:
            assert _submitted(engine) == before
            assert readiness_problem(engine) is None
        finally:
            engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
