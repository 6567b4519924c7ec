"""Whether the database can serve this code: reachable, and at the migrations' head.

Shared by ``/readyz`` and the restore drill (tests/test_backup.py): a restored backup
is only usable if this says so. Alembic's head comes from the migration files, read
once per process; the database's revision is one small SELECT, so a probe every few
seconds costs next to nothing. The reasons are short and fixed: no revision names,
versions or driver messages, which the probe's callers need not see.
"""

import functools
import os

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from ..errors import DISK_FULL, UNAVAILABLE, database_fault

MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")

UNREACHABLE = "database unreachable"
NOT_MIGRATED = "database schema is not at the current migration"


@functools.cache
def migration_heads(directory: str = MIGRATIONS) -> frozenset[str]:
    """The revisions the migration files end at (one, unless they branch)."""
    return frozenset(ScriptDirectory(directory).get_heads())


def database_revisions(connection: Connection) -> frozenset[str]:
    """The revisions Alembic recorded in this database."""
    rows = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
    return frozenset(rows.scalars())


def schema_problem(revisions: frozenset[str], heads: frozenset[str]) -> str | None:
    """Why a database at ``revisions`` cannot serve code whose head is ``heads``."""
    return None if revisions == heads else NOT_MIGRATED


def readiness_problem(engine: sa.Engine) -> str | None:
    """Why this database cannot serve requests now, or None if it can.

    Unreachable (a refused connection, a locked or full database) and not migrated
    (no alembic_version table, an older or a newer revision) are told apart; any
    other error is raised for the caller to log.
    """
    try:
        with engine.connect() as connection:
            revisions = database_revisions(connection)
    except (sa.exc.DBAPIError, sa.exc.TimeoutError) as exc:
        if database_fault(exc) in (UNAVAILABLE, DISK_FULL):
            return UNREACHABLE
        if isinstance(exc, sa.exc.DBAPIError) and _no_version_table(exc):
            return NOT_MIGRATED
        raise
    return schema_problem(revisions, migration_heads())


def _no_version_table(exc: sa.exc.DBAPIError) -> bool:
    """SQLite's "no such table", PostgreSQL's undefined_table (42P01)."""
    if getattr(exc.orig, "sqlstate", None) == "42P01":
        return True
    return "no such table" in str(exc.orig)
