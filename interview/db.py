"""Database plumbing shared by every model: column types and SQLite tuning."""

import contextlib
import math
import select
import sqlite3
import time
from datetime import UTC, datetime

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.sql.compiler import SQLCompiler
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


# Whether the connection's database has candidate_search.py's FTS5 index (migration
# 0008 builds it where SQLite has FTS5): looked up once per connection, when it opens.
TEXT_INDEX = "interview_text_index"
TEXT_INDEX_CHECK = "SELECT 1 FROM candidates_text LIMIT 0"


def _usable(cursor, statement: str) -> bool:
    """Whether the statement runs: the index exists and this SQLite has FTS5."""
    try:
        cursor.execute(statement)
    except sqlite3.Error:
        return False
    return True


# SQLite has sqrt() only when built with its math functions (SQLITE_ENABLE_MATH_
# FUNCTIONS, the default of its own builds since 3.35, not of every Python's);
# calibration's summaries need it, so a connection without it gets this one.
SQRT_CHECK = "SELECT sqrt(4.0)"


def _sqrt(x):
    """SQLite's sqrt(): NULL for NULL, for a negative number and for text."""
    if isinstance(x, bool) or not isinstance(x, int | float) or x < 0:
        return None
    return math.sqrt(x)


def add_sqrt(dbapi_connection) -> None:
    """Give the connection a sqrt() function that behaves as SQLite's own."""
    dbapi_connection.create_function("sqrt", 1, _sqrt, deterministic=True)


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
    Everything else, form posts, the command line, scripts, takes the write lock,
    except inside ``reading()`` (the signed-in user's load before a form post's view,
    a rubric compared before it is saved), whose statements take no lock at all.
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
        _record.info[TEXT_INDEX] = _usable(cursor, TEXT_INDEX_CHECK)
        if not _usable(cursor, SQRT_CHECK):
            add_sqrt(dbapi_connection)
        cursor.close()
        _optimize(dbapi_connection, _record, "PRAGMA optimize = 0x10002")

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection, record):
        if dbapi_connection is None:
            return
        if time.monotonic() - record.info.get(_OPTIMIZED, 0) > OPTIMIZE_EVERY_S:
            _optimize(dbapi_connection, record, "PRAGMA optimize")

    @event.listens_for(engine, "close")
    def _on_close(dbapi_connection, record):
        _optimize(dbapi_connection, record, "PRAGMA optimize")

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if _is_reading():
            return  # autocommit: each statement reads on its own, locking nothing
        if _is_page_view():
            connection.exec_driver_sql("BEGIN")
            return
        _take_write_lock(connection, busy_timeout_ms)
        _check_visitor_still_signed_in(connection)


# Waiting for another writer: SQLite's own busy handler sleeps 1, 2, 5, 10 ms and
# more between tries, so a writer queued behind a 2 ms autosave idles 3 ms or more,
# a third of a core's time when every request writes, and one that has waited long
# sleeps up to 100 ms while newcomers take the lock. This tries every quarter of a
# millisecond at first, then every half millisecond (a writer finishing its request
# leaves the lock free for about a millisecond before its next one), for the whole
# busy timeout.
SQLITE_BUSY = 5  # the primary code: extended ones (BUSY_RECOVERY...) are busy too
POLL_FIRST_S = 0.00025
POLL_MOST_S = 0.0005


def _take_write_lock(connection, busy_timeout_ms: int) -> None:
    """BEGIN IMMEDIATE, waiting for the write lock promptly, up to the busy timeout
    ("database is locked" after it, as SQLite's own wait would say)."""
    raw = connection.connection.driver_connection
    deadline = time.monotonic() + busy_timeout_ms / 1000
    pause = POLL_FIRST_S
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except DBAPIError as exc:
                code = getattr(exc.orig, "sqlite_errorcode", 0) or 0
                if code & 0xFF != SQLITE_BUSY or time.monotonic() >= deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 1.25, POLL_MOST_S)
    finally:
        raw.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")


class _LiteralLimits(SQLCompiler):
    """LIMIT and OFFSET written into the SQL, as literals, on PostgreSQL.

    psycopg prepares a statement on the server once a connection has sent it five
    times, and PostgreSQL may then plan it once for any parameters (a generic plan).
    Such a plan does not know how many rows a LIMIT asks for and guesses a tenth of
    them: counting the loops of candidates named "garcia" up to 10,001 then walked
    every candidate in id order (53 ms) instead of hashing the 3,652 that match
    (12 ms), and /loops/?q=garcia took 38 ms instead of 22 from its sixth view on.
    A limit written in is known to every plan; the statement is still compiled once
    (a post-compile parameter) and its other parameters stay bound, so the plans
    PostgreSQL keeps for the kit's and the autosave's statements are kept (forcing
    custom plans everywhere doubled the kit page's time). Only ``limit()`` and
    ``offset()``: the app asks for no FETCH FIRST, and its limits are numbers."""

    def limit_clause(self, select, **kw):
        return super().limit_clause(select, **{**kw, "literal_execute": True})


def tune_postgresql(
    engine: Engine, ping_after_idle_s: float, parallel_workers: int | None = 0
) -> None:
    """Spare page views two of their round trips to PostgreSQL.

    A page view (GET or HEAD, which never writes) runs its statements in autocommit
    mode: psycopg sends no BEGIN before them and no ROLLBACK after. Under PostgreSQL's
    READ COMMITTED each statement takes its own snapshot inside a transaction too, so
    a page reads the same rows either way. Everything else (form posts, the command
    line) gets its transaction as before.

    A connection that sat in the pool for ``ping_after_idle_s`` or longer is
    checked before it is handed out, as ``pool_pre_ping`` did, but in autocommit
    (one ``SELECT 1``; pre-ping's left a transaction open, which then could not be
    switched): one the server dropped (a restart, an idle timeout) is replaced, not
    handed over. One used moments ago is checked only if the server sent it
    something since (a backend ending says so before it closes the socket; seen
    without a round trip, as Go's MySQL driver checks its connections), as
    PgBouncer's ``server_check_delay`` skips its check: under load this spares each
    request a round trip. A backend ended in the millisecond before its notice
    arrives, or one whose network went silent, fails its request's first statement
    with the database-fault page, which keeps what was typed (errors.py), and the
    pool replaces every connection older than the failure.

    Every connection reads string literals as standard SQL (set when it opens,
    checked at each checkout from what the server reports): search.py writes its
    LIKE patterns into the statements.

    Every LIMIT and OFFSET is written into the statement (``_LiteralLimits``).

    And each query gets at most ``parallel_workers`` parallel workers (None: as the
    server says; PostgreSQL's default is 2). The app's statements read index ranges
    of a few thousand rows, where starting workers costs more than they save, and
    they take the cores other requests wait for: at hospital scale the panel
    proposal's week counts took 14.5 ms with two workers and 6.3 ms without, its
    clashing interviews 7.9 and 1.8 ms (EXPLAIN ANALYZE, two cores), and no page of
    bench/scale.py was slower without them beyond the noise between runs.
    """
    if engine.dialect.name != "postgresql":
        return
    errors = engine.dialect.loaded_dbapi.Error
    compiler = engine.dialect.statement_compiler
    if not issubclass(compiler, _LiteralLimits):
        engine.dialect.statement_compiler = type(
            "LiteralLimits", (_LiteralLimits, compiler), {}
        )

    # First among the connect listeners: before SQLAlchemy's own first-connect
    # look at the setting, which decides how it quotes literals.
    @event.listens_for(engine, "connect", insert=True)
    def _fresh(dbapi_connection, record):
        record.info[_RETURNED_AT] = time.monotonic()
        # Searches write their patterns into the SQL (search.py), quoted for
        # standard-conforming strings: pinned for the session, so that no database,
        # role or reloaded server setting can turn a backslash into an escape.
        was, dbapi_connection.autocommit = dbapi_connection.autocommit, True
        dbapi_connection.execute("SET standard_conforming_strings = on")
        if parallel_workers is not None:
            dbapi_connection.execute(
                f"SET max_parallel_workers_per_gather = {int(parallel_workers)}"
            )
        dbapi_connection.autocommit = was

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection, record, _proxy):
        if not _conforms(dbapi_connection):
            raise DisconnectionError("this connection reads backslashes as escapes")
        idle = time.monotonic() - record.info.get(_RETURNED_AT, float("-inf"))
        if idle < ping_after_idle_s and not _has_spoken(dbapi_connection):
            return
        try:
            was, dbapi_connection.autocommit = dbapi_connection.autocommit, True
            dbapi_connection.execute("SELECT 1")
            dbapi_connection.autocommit = was
        except errors as exc:
            raise DisconnectionError("the database dropped this connection") from exc

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # Only what this switched is switched back: a connection someone set to
        # AUTOCOMMIT themselves (VACUUM, CREATE INDEX CONCURRENTLY) stays so.
        if "isolation_level" in connection.get_execution_options():
            return  # asked for by name (a page view's own short write)
        driver = connection.connection.driver_connection
        info = connection.connection.info
        if _is_page_view():
            if not driver.autocommit:
                driver.autocommit = info[_PAGE_VIEW_AUTOCOMMIT] = True
        elif info.pop(_PAGE_VIEW_AUTOCOMMIT, False):
            driver.autocommit = False

    @event.listens_for(engine, "checkin")
    def _back_in_pool(dbapi_connection, record):
        record.info[_RETURNED_AT] = time.monotonic()
        if dbapi_connection is not None and record.info.pop(
            _PAGE_VIEW_AUTOCOMMIT, False
        ):
            with contextlib.suppress(errors):  # a dropped one is replaced anyway
                dbapi_connection.autocommit = False


_PAGE_VIEW_AUTOCOMMIT = "interview_page_view_autocommit"


def _has_spoken(dbapi_connection) -> bool:
    """Whether an idle connection's socket holds anything to read: an idle server
    sends nothing unasked, so a message (a termination notice) or the end of the
    stream means the backend is gone or going. (poll, not select: a busy process's
    descriptors pass 1,024.)"""
    try:
        poller = select.poll()
        poller.register(dbapi_connection.fileno(), select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError, dbapi_connection.Error):
        return True  # closed or broken: let the ping find out


def _conforms(dbapi_connection) -> bool:
    """Whether the server reads string literals as standard SQL (as the server
    reports it: no round trip)."""
    try:
        status = dbapi_connection.info.parameter_status("standard_conforming_strings")
    except dbapi_connection.Error:
        return True  # broken: the ping or the statement finds out
    return status == "on"


_RETURNED_AT = "interview_returned_to_pool_at"


# SQLite's advice for long-lived connections (https://sqlite.org/pragma.html#pragma_optimize):
# "PRAGMA optimize=0x10002" when a connection opens, "PRAGMA optimize" now and then
# and at close. Before SQLite 3.46 the 0x10000 bit (look at every table) is ignored
# and the pragma only looks at tables the connection has used, so the periodic and
# closing runs are the ones that matter there. ``analysis_limit`` bounds each ANALYZE
# to a sample of each index, so a run on a large database stays in milliseconds (20
# ms for the whole 100,000-candidate bench database at 10,000); a run that finds the
# database busy is skipped rather than waited for. The sample caps the rows per value
# it can see at the limit: at SQLite's suggested 400 a loop status shared by 4,000
# loops was counted as 401, and the planner walked that "selective" index through
# 12,000 rows instead of the hiring manager's requisitions (2.1 ms against 0.4).
# 10,000 sees such a column as it is, and still reads at most that many entries.
OPTIMIZE_EVERY_S = 3600
ANALYSIS_LIMIT = 10_000
_OPTIMIZED = "interview_optimized_at"


def _optimize(dbapi_connection, record, pragma: str) -> None:
    """Refresh the planner's statistics where they are missing or stale."""
    record.info[_OPTIMIZED] = time.monotonic()
    try:
        (timeout,) = dbapi_connection.execute("PRAGMA busy_timeout").fetchone()
        dbapi_connection.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
        dbapi_connection.execute("PRAGMA busy_timeout = 50")
        try:
            dbapi_connection.execute(pragma)
        finally:
            dbapi_connection.execute(f"PRAGMA busy_timeout = {int(timeout)}")
    except sqlite3.Error:
        pass  # busy, read-only or closing: statistics wait for the next run


def _is_page_view() -> bool:
    return (
        has_request_context()
        and request.method in ("GET", "HEAD")
        and not g.get(_WRITING_GET, False)
    )


_WRITING_GET = "interview_writing_get"


def writes_on_get() -> None:
    """This GET writes (single sign-on's callback, where the provider sends the
    browser back): its transaction is a writer's, as a form post's, not a page
    view's (autocommit on PostgreSQL, a read snapshot on SQLite, where a later write
    fails at once when anyone wrote meanwhile). Call it before the request's first
    statement."""
    from .extensions import db

    if db.session().in_transaction():
        raise RuntimeError("writes_on_get() after the request's first statement")
    setattr(g, _WRITING_GET, True)


_READING = "interview_reading"
_VISITOR = "interview_visitor_to_check"


def _is_reading() -> bool:
    return has_app_context() and g.get(_READING, False)


@contextlib.contextmanager
def reading():
    """Run the block's reads without SQLite's write lock, in a read that ends with it.

    On SQLite a form post's transaction takes the write lock at its first statement
    (``tune_sqlite``), so whatever a request reads before it writes would hold every
    other writer back meanwhile: the signed-in user's load before the view, a rubric
    looked up and compared before its new version is built. In this block those
    statements run in SQLite's autocommit mode instead (each reads a snapshot of its
    own and locks nothing), and the block ends the session's transaction, keeping
    the objects it loaded usable (not expired), so the next statement begins the
    write transaction. What the block read may be stale by then: a caller that acts
    on it checks it again under the lock (a version number, the visitor's session).

    Only an idle session is switched: one already in a transaction, or holding
    changes not yet flushed, keeps it (the block's reads are then part of it, as
    before), so a caller's pending writes are never committed here. Elsewhere
    (PostgreSQL, with row locks) the block changes nothing.
    """
    from .extensions import db

    session = db.session()
    idle = not session.in_transaction() and not (
        session.new or session.dirty or session.deleted
    )
    if not idle or session.get_bind().dialect.name != "sqlite":
        yield
        return
    setattr(g, _READING, True)
    try:
        with session.no_autoflush:
            yield
    finally:
        setattr(g, _READING, False)
        # A write here would go out without the write lock or the visitor check.
        if session.new or session.dirty or session.deleted:
            session.rollback()
            raise RuntimeError("reading() is for reads only: nothing was written")
        expire, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()  # nothing written: it gives the connection back
        finally:
            session.expire_on_commit = expire


def check_visitor_when_writing(user_id: int, session_token: str) -> None:
    """Have this request's first write transaction check the visitor is still
    signed in: read before it in ``reading()``, the session may have ended since."""
    setattr(g, _VISITOR, (user_id, session_token))


def _check_visitor_still_signed_in(connection) -> None:
    """Refuse a form post whose visitor signed out or was deactivated meanwhile.

    Before the user load ran outside the write lock, a sign-out or deactivation
    committed before the request's write transaction began was always seen; this
    keeps it so. A primary-key lookup on the driver's connection, right after the
    BEGIN IMMEDIATE, once per request.
    """
    if not has_request_context() or (visitor := g.pop(_VISITOR, None)) is None:
        return
    dbapi = connection.connection.driver_connection
    row = dbapi.execute(
        "SELECT 1 FROM users WHERE id = ? AND session_token = ? AND is_active",
        visitor,
    ).fetchone()
    if row is None:
        from werkzeug.exceptions import Unauthorized

        dbapi.execute("ROLLBACK")
        raise Unauthorized("Your session ended meanwhile: sign in again.")


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
