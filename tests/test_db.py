"""Database plumbing: connection tuning, concurrent writers, migrations vs. models."""

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from interview import create_app
from interview.candidate_search import in_schema_comparison
from interview.extensions import db
from interview.models import LoginFailure, Role, User
from interview.search import Pattern
from interview.timeutil import utcnow

from .conftest import BASE_CONFIG

THREADS = 8
TRANSACTIONS = 20


def current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_every_sqlite_connection_is_tuned(app_ctx, databases):
    """WAL, foreign keys and the busy timeout are per connection (WAL per file):
    a pooled connection without them would skip FK checks or fail when busy."""
    if databases.name != "sqlite":
        pytest.skip("SQLite connection pragmas")
    db.engine.dispose()
    # Raw DBAPI connections, held at once so each is a distinct new connection,
    # and no SQLAlchemy transaction (BEGIN IMMEDIATE) to make them wait on each other.
    connections = [db.engine.raw_connection() for _ in range(3)]
    try:
        assert len({id(c.dbapi_connection) for c in connections}) == 3
        for connection in connections:
            cursor = connection.cursor()
            pragma = {
                name: cursor.execute(f"PRAGMA {name}").fetchone()[0]
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            }
            cursor.close()
            assert pragma["journal_mode"].lower() == "wal"
            assert pragma["foreign_keys"] == 1
            assert pragma["busy_timeout"] >= 5000
    finally:
        for connection in connections:
            connection.close()


def _terminate(pid: int) -> None:
    killer = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    try:
        with killer.connect() as connection:
            assert connection.scalar(
                sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}
            )
    finally:
        killer.dispose()


def _backend_pid() -> int:
    with db.engine.connect() as connection:
        return connection.scalar(sa.text("SELECT pg_backend_pid()"))


@pytest.mark.parametrize("app_config", [{"POSTGRESQL_PING_AFTER_IDLE_S": 0.05}])
def test_postgresql_pool_checks_connections_idle_for_a_while(app_ctx, databases):
    """A connection the server dropped while it sat idle in the pool (restart, idle
    timeout) is replaced, not handed to a request that would then fail."""
    if databases.name != "postgresql":
        pytest.skip("PostgreSQL connection pool")
    dropped = _backend_pid()
    _terminate(dropped)
    time.sleep(0.1)
    replacement = _backend_pid()
    assert replacement != dropped


@pytest.mark.parametrize("app_config", [{"POSTGRESQL_PING_AFTER_IDLE_S": 60}])
def test_postgresql_pool_replaces_a_connection_ended_moments_after_use(
    app_ctx, databases
):
    """Within the idle time the server's own notice that it ended the backend is
    enough to replace the connection, with no round trip to find out."""
    if databases.name != "postgresql":
        pytest.skip("PostgreSQL connection pool")
    dropped = _backend_pid()
    _terminate(dropped)
    time.sleep(0.05)  # the notice and the end of the stream reach the socket
    assert _backend_pid() != dropped


def _last_statement(pid: int) -> str:
    watcher = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    try:
        with watcher.connect() as connection:
            return connection.scalar(
                sa.text("SELECT query FROM pg_stat_activity WHERE pid = :pid"),
                {"pid": pid},
            )
    finally:
        watcher.dispose()


@pytest.mark.parametrize(
    ("app_config", "checked"),
    [
        ({"POSTGRESQL_PING_AFTER_IDLE_S": 60}, False),
        ({"POSTGRESQL_PING_AFTER_IDLE_S": 0}, True),
    ],
    ids=["used-moments-ago", "idle-long-enough"],
)
def test_postgresql_pool_checks_only_connections_idle_for_a_while(
    app_ctx, databases, checked
):
    """A connection back from a request moments ago goes out again without the
    check's round trip (a busy server is spared one per request); one idle for the
    set time is checked first."""
    if databases.name != "postgresql":
        pytest.skip("PostgreSQL connection pool")
    with db.engine.connect() as connection:
        pid = connection.scalar(sa.text("SELECT pg_backend_pid()"))
    with db.engine.connect() as connection:
        last = _last_statement(pid)  # what the checkout sent, if anything
        assert connection.scalar(sa.text("SELECT pg_backend_pid()")) == pid
    assert (last == "SELECT 1") is checked  # else the end of its last use


@pytest.mark.parametrize(
    ("method", "in_transaction"), [("GET", False), ("HEAD", False), ("POST", True)]
)
def test_postgresql_page_views_send_no_begin(app, databases, method, in_transaction):
    """A page view's statements run in autocommit (no BEGIN, no ROLLBACK: two round
    trips fewer); a form post's run in one transaction, as before."""
    if databases.name != "postgresql":
        pytest.skip("PostgreSQL transactions")
    import psycopg

    with app.test_request_context("/", method=method):
        db.session.scalar(sa.select(sa.func.count()).select_from(User))
        status = db.session.connection().connection.driver_connection.info
        expected = (
            psycopg.pq.TransactionStatus.INTRANS
            if in_transaction
            else psycopg.pq.TransactionStatus.IDLE
        )
        assert status.transaction_status == expected
        db.session.rollback()


def test_concurrent_short_write_transactions_all_succeed(app):
    """Eight workers writing at once must wait their turn, never fail with
    "database is locked". Each transaction reads before it writes, the pattern
    that fails at once on SQLite when a read lock has to be upgraded."""
    start = threading.Barrier(THREADS)

    def work(worker: int) -> None:
        with app.app_context():
            start.wait(timeout=10)
            for _ in range(TRANSACTIONS):
                db.session.scalar(sa.select(sa.func.count(LoginFailure.id)))
                db.session.add(LoginFailure(email=f"worker{worker}@example.org"))
                db.session.commit()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(work, n) for n in range(THREADS)]
        errors = [exc for f in futures if (exc := f.exception(timeout=60))]

    assert not errors, sorted({str(exc).splitlines()[0] for exc in errors})
    with app.app_context():
        per_worker = db.session.execute(
            sa.select(LoginFailure.email, sa.func.count()).group_by(LoginFailure.email)
        ).all()
    assert len(per_worker) == THREADS
    assert {count for _, count in per_worker} == {TRANSACTIONS}
    assert sum(count for _, count in per_worker) == THREADS * TRANSACTIONS == 160


def test_models_and_migrations_agree(app_ctx):
    """A model change without a migration would pass on a fresh test database
    and fail on every existing one; autogenerate must find nothing to do.

    Only SQLite's FTS5 index of candidates is left out, as autogenerate leaves it
    (candidate_search.in_schema_comparison; test_candidate_search.py checks it).
    Alembic does not compare CHECK constraints or triggers; test_models.py checks
    those by having the database refuse bad rows."""
    opts = {"compare_type": True, "include_name": in_schema_comparison}
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=opts)
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_init_db_on_a_migrated_database_changes_nothing(app, runner, make_user):
    """Deploy scripts run init-db every time; a second run must be a no-op."""
    user = make_user(Role.HIRING_MANAGER)
    with app.app_context():
        before = current_revision()
    assert before is not None

    result = runner.invoke(args=["init-db"])

    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
    with app.app_context():
        assert current_revision() == before
        assert db.session.get(User, user.id).email == user.email


@pytest.mark.parametrize(("method", "blocks_writers"), [("GET", False), ("POST", True)])
def test_only_form_posts_take_the_sqlite_write_lock(
    app, databases, method, blocks_writers
):
    """A slow page view must not stall interviewers who are saving meanwhile."""
    if databases.name != "sqlite":
        pytest.skip("PostgreSQL has row locks, not a database write lock")
    with app.test_request_context("/", method=method):
        db.session.execute(sa.select(LoginFailure.id)).all()  # transaction now open
        other = sqlite3.connect(
            db.engine.url.database, timeout=0.2, isolation_level=None
        )
        try:
            other.execute(
                "INSERT INTO login_failures (email, at) VALUES ('x', '2026-01-01')"
            )
            wrote = True
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
            wrote = False
        finally:
            other.close()
            db.session.rollback()
    assert wrote is not blocks_writers


@pytest.mark.parametrize("held_s", [0.02, 0.4])
def test_a_writer_waits_for_the_sqlite_write_lock_however_long_it_is_held(
    app, databases, held_s
):
    """A form post behind another writer gets the lock when it is free (tried every
    quarter millisecond at first, every half millisecond later): a long write makes it wait,
    never fail, and its connection keeps the busy timeout for what follows."""
    if databases.name != "sqlite":
        pytest.skip("PostgreSQL has row locks, not a database write lock")
    with app.app_context():
        path = db.engine.url.database
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(held_s, other.commit)
    release.start()
    try:
        with app.test_request_context("/", method="POST"):
            db.session.add(LoginFailure(email="waited@x.example", at=utcnow()))
            db.session.commit()
            raw = db.session.connection().connection.driver_connection
            assert raw.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
            db.session.rollback()
    finally:
        release.join()
        other.close()
    with app.app_context():
        assert db.session.scalar(
            sa.select(sa.func.count()).where(LoginFailure.email == "waited@x.example")
        )


def test_every_migration_downgrades_and_upgrades_keeping_data(empty_app):
    """Later migrations rebuild tables on SQLite; accounts must survive each step."""
    from flask_migrate import downgrade, upgrade

    with empty_app.app_context():
        upgrade(revision="0001_initial")
        db.session.execute(  # the model has newer columns: write as of 0001
            sa.text(
                "INSERT INTO users (email, name, password_hash, role, time_zone, "
                "is_active, session_token, created_at, updated_at, version) VALUES "
                "('kept@example.org', 'Kept', 'x', 'hiring_manager', 'UTC', true, 't', "
                "'2026-01-01 00:00:00', '2026-01-01 00:00:00', 1)"
            )
        )
        db.session.commit()
        upgrade()
        user = db.session.scalar(
            sa.select(User).where(User.email == "kept@example.org")
        )
        assert user.weekly_interview_limit == 4  # the new column's default
        db.session.commit()
        downgrade(revision="0001_initial")
        upgrade()
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1
        db.session.remove()


def test_upgrading_folds_existing_names_for_search(empty_app):
    """Accounts and candidates saved before search keys existed are found after the
    upgrade, by name or email, without accents or case."""
    from flask_migrate import upgrade

    from interview.models import Candidate

    with empty_app.app_context():
        upgrade(revision="0004_seat_history_and_tabs")
        db.session.execute(
            sa.text(
                "INSERT INTO candidates (name, email, notes, created_at, updated_at) "
                "VALUES ('Zoë Ångström', 'Zoe.A@Example.org', '', "
                "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        db.session.commit()
        upgrade()
        keys = db.session.scalars(sa.select(Candidate.search_key)).all()
        assert keys == ["zoe angstrom\tzoe.a@example.org"]
        db.session.remove()


def test_candidate_search_has_a_trigram_index_on_postgresql(app_ctx):
    """On PostgreSQL a substring search of 100,000 candidates reads a trigram index
    instead of every row (bench/scale.py measures it)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite walks the name index, which carries the search key")
    definition = db.session.scalar(
        sa.text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = "
            "'ix_candidates_search_key' AND schemaname = current_schema()"
        )
    )
    assert "USING gin" in definition and "gin_trgm_ops" in definition


def test_postgresql_autocommit_asked_for_is_kept_outside_page_views(app, databases):
    """Code that sets AUTOCOMMIT itself (VACUUM, CREATE INDEX CONCURRENTLY) keeps
    it, even on a connection a page view used before."""
    if databases.name != "postgresql":
        pytest.skip("PostgreSQL transactions")
    with app.test_request_context("/", method="GET"):
        db.session.scalar(sa.select(sa.func.count()).select_from(User))
        db.session.rollback()
    with app.app_context():
        engine = db.engine.execution_options(isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.exec_driver_sql("VACUUM ANALYZE users")
        with db.engine.connect() as connection:  # and a plain one has a transaction
            connection.exec_driver_sql("SELECT 1")
            info = connection.connection.driver_connection.info
            assert info.transaction_status.name == "INTRANS"


def test_postgresql_a_page_view_asking_for_a_transaction_gets_one(app, databases):
    """A page view's own short write (the kept debrief packet) asks for its isolation
    by name, and runs in a transaction: all of it or none."""
    if databases.name != "postgresql":
        pytest.skip("PostgreSQL transactions")
    with app.test_request_context("/", method="GET"):
        engine = db.engine.execution_options(isolation_level="READ COMMITTED")
        with pytest.raises(RuntimeError), engine.begin() as connection:
            connection.execute(
                sa.insert(LoginFailure).values(email="half@x.example", at=utcnow())
            )
            raise RuntimeError("the second statement fails")
        assert not db.session.scalar(
            sa.select(sa.func.count()).where(LoginFailure.email == "half@x.example")
        )


def test_sqlite_statistics_see_a_common_value_as_common(tmp_path):
    """The sampled ANALYZE of PRAGMA optimize counts the rows of a value no higher
    than its limit: a status shared by 2,000 rows must not look like a few hundred,
    or the planner walks that index instead of a selective one."""
    from interview.db import tune_sqlite

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'stats.sqlite'}")
    tune_sqlite(engine, 1000)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, s)")
            connection.exec_driver_sql("CREATE INDEX ix_t_s ON t (s, id)")
            connection.exec_driver_sql(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
                " WHERE i < 6000) INSERT INTO t (s) SELECT i % 3 FROM n"
            )
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT count(*) FROM t WHERE s = 1").scalar()
        engine.dispose()  # PRAGMA optimize runs as the connection closes
        with engine.connect() as connection:
            stat = connection.exec_driver_sql(
                "SELECT stat FROM sqlite_stat1 WHERE idx = 'ix_t_s'"
            ).scalar()
    finally:
        engine.dispose()
    _rows, per_value, _ = (int(x) for x in stat.split())
    assert per_value >= 1500, stat  # 2,000 rows per value (401 at a limit of 400)


def test_postgresql_connections_read_literals_as_standard_sql(app_ctx, databases):
    """Search patterns are written into the statements (search.py), quoted for
    standard-conforming strings. A database or server set otherwise later (here the
    database's own setting, which new sessions take) must not turn a backslash in a
    search into an escape that ends the literal."""
    if databases.name != "postgresql":
        pytest.skip("PostgreSQL string literals")
    name = db.engine.url.database
    admin = sa.create_engine(
        db.engine.url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(
                f'ALTER DATABASE "{name}" SET standard_conforming_strings = off'
            )
        db.engine.dispose()
        with db.engine.connect() as connection:
            setting = connection.exec_driver_sql(
                "SHOW standard_conforming_strings"
            ).scalar()
            found = connection.execute(
                sa.select(sa.literal("a\\\\' b").like(Pattern("%\\\\'%"), escape="!"))
            ).scalar()
        assert setting == "on"
        assert found is True
        # One switched off after it opened is not handed out again.
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SET standard_conforming_strings = off")
            connection.commit()
        with db.engine.connect() as connection:
            assert (
                connection.exec_driver_sql("SHOW standard_conforming_strings").scalar()
                == "on"
            )
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(
                f'ALTER DATABASE "{name}" RESET standard_conforming_strings'
            )
        admin.dispose()
        db.engine.dispose()


def _server_setting(name: str) -> str:
    """The setting as a connection of the server's own (not the app's) sees it."""
    plain = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    try:
        with plain.connect() as connection:
            return connection.exec_driver_sql(f"SHOW {name}").scalar()
    finally:
        plain.dispose()


@pytest.mark.parametrize(
    ("app_config", "expected"),
    [
        ({}, "0"),
        ({"POSTGRESQL_PARALLEL_WORKERS": 1}, "1"),
        ({"POSTGRESQL_PARALLEL_WORKERS": None}, None),
    ],
    ids=["default-none", "one", "the-server's"],
)
def test_postgresql_queries_get_the_parallel_workers_configured(
    app_ctx, databases, expected
):
    """The app's connections start no parallel workers unless configured to (a
    page's index ranges are slower with them, db.tune_postgresql); None leaves the
    server's own setting."""
    if databases.name != "postgresql":
        pytest.skip("PostgreSQL setting")
    server = _server_setting("max_parallel_workers_per_gather")
    with db.engine.connect() as connection:
        setting = connection.exec_driver_sql(
            "SHOW max_parallel_workers_per_gather"
        ).scalar()
    assert setting == (server if expected is None else expected)
    assert server != "0"  # the server's default is not what the app sets


@pytest.mark.parametrize("workers", [-1, "2", 1.5, True, 1025])
def test_a_mistyped_parallel_workers_setting_stops_start_up(workers):
    with pytest.raises(SystemExit):
        create_app({**BASE_CONFIG, "POSTGRESQL_PARALLEL_WORKERS": workers})


def test_postgresql_limits_are_written_into_the_statements(app_ctx, databases):
    """LIMIT and OFFSET reach PostgreSQL as literals (db._LiteralLimits): a plan
    kept for a prepared statement then knows how many rows are asked for. Other
    values stay bound, so the plans kept for them are still reused."""
    if databases.name != "postgresql":
        pytest.skip("PostgreSQL plans")
    sent = []

    def record(_conn, _cursor, statement, params, _context, _many):
        sent.append((" ".join(statement.split()), params))

    query = (
        sa.select(User.id)
        .where(User.email == "nobody@example.org")
        .order_by(User.id)
        .limit(5)
        .offset(7)
    )
    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert db.session.scalars(query).all() == []
        assert db.session.scalars(query.limit(6)).all() == []
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    texts = {text for text, _ in sent}
    assert any(text.endswith("LIMIT 5 OFFSET 7") for text in texts), texts
    assert any(text.endswith("LIMIT 6 OFFSET 7") for text in texts), texts
    assert all("users.email = %(email_1)s" in text for text in texts), texts
    assert {params["email_1"] for _, params in sent} == {"nobody@example.org"}
