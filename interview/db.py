"""Database plumbing shared by every model: column types and SQLite tuning."""

from datetime import UTC, datetime

from flask import has_request_context, request
from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Store UTC, return aware UTC datetimes, on SQLite (no time zones) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing a naive datetime: times are stored in UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def tune_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """Make SQLite safe for several writers at once.

    WAL lets readers work while one writer writes; the busy timeout makes a second
    writer wait instead of failing; ``BEGIN IMMEDIATE`` takes the write lock when the
    transaction starts, so a transaction never has to upgrade a read lock later, which
    is the case SQLite answers with "database is locked" without waiting. pysqlite's
    own transaction handling is switched off so that our BEGIN is the one that runs.
    See the SQLAlchemy docs, "Serializable isolation / Savepoints / Transactional DDL".

    Page views (GET and HEAD requests, which never write) begin a plain deferred
    transaction instead, so a slow page holds no lock that would stall the writers.
    Everything else, form posts, the command line, scripts, takes the write lock.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN" if _is_page_view() else "BEGIN IMMEDIATE")


def _is_page_view() -> bool:
    return has_request_context() and request.method in ("GET", "HEAD")


def end_sessions_quietly(app, db) -> None:
    """Close each request's session even when its connection died under it.

    Flask-SQLAlchemy closes the session when the app context ends; on a connection
    the database dropped, the rollback inside that close raises, and the page the
    person was already given becomes a bare 500. This runs first (teardowns run in
    reverse order): a session that cannot roll back is invalidated, which discards
    its connection without talking to it, and the pool opens a new one next time.
    """

    @app.teardown_appcontext
    def _end_session(_exc):
        try:
            db.session.remove()
        except DBAPIError:
            app.logger.warning("a lost database connection was discarded")
            try:
                db.session.registry().invalidate()
            finally:
                db.session.registry.clear()
