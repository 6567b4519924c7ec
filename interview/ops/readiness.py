"""Whether the database can serve this code: reachable, and at the migrations' head
or newer.

Shared by ``/readyz`` and the restore drill (tests/test_backup.py): a restored backup
is only usable if this says so. Alembic's head comes from the migration files, read
once per process; the database's revision is one small SELECT, so a probe every few
seconds costs next to nothing. The reasons are short and fixed: no revision names,
versions or driver messages, which the probe's callers need not see.

A database at a revision these migration files do not know is newer than this code:
in a rolling deploy the migration runs first, while the old code still serves. It is
ready (the new migrations are written to keep the previous release working), saying
so; a database behind this code, or never migrated, is not.
"""

import dataclasses
import functools
import os

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from ..errors import DISK_FULL, UNAVAILABLE, database_fault

MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")

UNREACHABLE = "database unreachable"
NOT_MIGRATED = "database schema is not at the current migration"
NEWER = "database is newer than this code"


@functools.cache
def migration_heads(directory: str = MIGRATIONS) -> frozenset[str]:
    """The revisions the migration files end at (one, unless they branch)."""
    return frozenset(ScriptDirectory(directory).get_heads())


@functools.cache
def known_revisions(directory: str = MIGRATIONS) -> frozenset[str]:
    """Every revision the migration files name."""
    return frozenset(s.revision for s in ScriptDirectory(directory).walk_revisions())


def database_revisions(connection: Connection) -> frozenset[str]:
    """The revisions Alembic recorded in this database."""
    rows = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
    return frozenset(rows.scalars())


def is_newer(revisions: frozenset[str], known: frozenset[str]) -> bool:
    """The database has been migrated past what this code knows."""
    return bool(revisions - known)


def schema_problem(
    revisions: frozenset[str], heads: frozenset[str], known: frozenset[str]
) -> str | None:
    """Why a database at ``revisions`` cannot serve code whose head is ``heads`` and
    whose migration files name ``known``: None at the head or newer."""
    if revisions == heads or is_newer(revisions, known):
        return None
    return NOT_MIGRATED


@dataclasses.dataclass(frozen=True)
class Readiness:
    problem: str | None  # why not ready; None when ready
    note: str | None = None  # said beside "ready" (NEWER)


def readiness_problem(engine: sa.Engine) -> str | None:
    """Why this database cannot serve requests now, or None if it can."""
    return readiness(engine).problem


def readiness(engine: sa.Engine) -> Readiness:
    """Whether this database can serve requests now.

    Unreachable (a refused connection, a locked or full database) and not migrated
    (no alembic_version table, an older revision) are told apart; a newer revision
    is ready with a note. Any other error is raised for the caller to log.
    """
    try:
        with engine.connect() as connection:
            revisions = database_revisions(connection)
    except (sa.exc.DBAPIError, sa.exc.TimeoutError) as exc:
        if database_fault(exc) in (UNAVAILABLE, DISK_FULL):
            return Readiness(UNREACHABLE)
        if isinstance(exc, sa.exc.DBAPIError) and _no_version_table(exc):
            return Readiness(NOT_MIGRATED)
        raise
    known = known_revisions()
    problem = schema_problem(revisions, migration_heads(), known)
    return Readiness(problem, NEWER if is_newer(revisions, known) else None)


def _no_version_table(exc: sa.exc.DBAPIError) -> bool:
    """SQLite's "no such table", PostgreSQL's undefined_table (42P01)."""
    if getattr(exc.orig, "sqlstate", None) == "42P01":
        return True
    return "no such table" in str(exc.orig)
