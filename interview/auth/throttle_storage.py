"""A ``limits`` storage in the app's own database: ``interview-db://``.

Flask-Limiter keeps its counters wherever ``RATELIMIT_STORAGE_URI`` points. Its
memory storage counts per process, so behind gunicorn's workers (and several hosts)
every process would allow the full limit; Redis shares the counts but is one more
service to run. This storage shares them through the database the app already has,
SQLite or PostgreSQL, in the ``rate_limit_counters`` table (migration 0016).

Fixed windows only (Flask-Limiter's default strategy): a key's row holds its hits
and when its window ends. A hit is one statement, an upsert that starts a new window
in an expired row or adds to the live one and returns the new count::

    INSERT ... ON CONFLICT (key) DO UPDATE SET hits = CASE WHEN expired THEN 1
    ELSE hits + 1 END, ... RETURNING hits

PostgreSQL locks the row for the update (a concurrent first insert waits for the
other and then updates), SQLite serialises writers: ten hits at once count ten on
both. Each runs in a short transaction of its own, committed at once, on a pooled
connection other than the request's session: on SQLite, call it while the session
holds no write transaction (the sign-in view does: before its first statement, and
after the sign-in's bookkeeping is committed), or it would wait for itself.

When the database refuses the write (a full disk, a lost or locked connection) the
hit is counted in this process instead and logged, as the per-account lock does
(auth/operations.py): the throttle never makes a sign-in fail with a 503. Expired
rows are swept at most once a minute per process, in a transaction of their own.
"""

import hashlib
import threading
import time
from typing import ClassVar

import sqlalchemy as sa
from flask import current_app
from limits.storage import Storage

from ..errors import DISK_FULL, UNAVAILABLE, database_fault
from ..extensions import db
from ..models.throttle import RateLimitCounter

SCHEME = "interview-db"
KEY_LENGTH = 255  # the column's; a longer key is stored as its SHA-256
SWEEP_EVERY_S = 60.0
SWEEP_GRACE_S = 60.0  # rows are kept this long past their window

_TABLE = RateLimitCounter.__table__
_INCR = sa.text(
    "INSERT INTO rate_limit_counters (key, hits, expires_at) "
    "VALUES (:key, :fresh, :expires_at) "
    "ON CONFLICT (key) DO UPDATE SET "
    "hits = CASE WHEN rate_limit_counters.expires_at <= :now THEN excluded.hits "
    "WHEN rate_limit_counters.hits + :amount < 0 THEN 0 "
    "ELSE rate_limit_counters.hits + :amount END, "
    "expires_at = CASE WHEN rate_limit_counters.expires_at <= :now "
    "THEN excluded.expires_at ELSE rate_limit_counters.expires_at END "
    "RETURNING hits"
)


def _now() -> float:
    """Seconds since the epoch, as ``limits`` counts its windows."""
    return time.time()


def stored_key(key: str) -> str:
    """The key as stored: itself, or its SHA-256 when longer than the column."""
    if len(key) <= KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class DatabaseStorage(Storage):
    """Fixed-window counters in the app's database, registered as ``interview-db``."""

    STORAGE_SCHEME: ClassVar[list[str]] = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **_):
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self._lock = threading.Lock()
        self._swept_at = 0.0

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sa.exc.SQLAlchemyError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add ``amount`` hits to the key's window (a new one if it ended) and
        return its count; a negative amount gives hits back, down to 0."""
        now = _now()
        values = {
            "key": stored_key(key),
            "fresh": max(amount, 0),
            "amount": amount,
            "now": now,
            "expires_at": now + expiry,
        }
        try:
            with _engine().begin() as conn:
                hits = conn.execute(_INCR, values).scalar_one()
        except (sa.exc.DBAPIError, sa.exc.TimeoutError) as exc:
            unrecorded = _unrecorded(exc).incr(values["key"], expiry, amount)
            return self._recorded(values["key"])[0] + unrecorded
        self._sweep(now)
        return int(hits) + _unrecorded_for(values["key"])[0]

    def get(self, key: str) -> int:
        """The key's hits in its current window (0 if it has none)."""
        key = stored_key(key)
        return self._recorded(key)[0] + _unrecorded_for(key)[0]

    def get_expiry(self, key: str) -> float:
        """When the key's window ends (now if it has none)."""
        key = stored_key(key)
        return max(self._recorded(key)[1], _unrecorded_for(key)[1], _now())

    def check(self) -> bool:
        """Whether the database answers."""
        try:
            with _engine().connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        """Clear every counter."""
        with _engine().begin() as conn:
            return conn.execute(sa.delete(_TABLE)).rowcount

    def clear(self, key: str) -> None:
        """Clear one key's counter."""
        with _engine().begin() as conn:
            conn.execute(sa.delete(_TABLE).where(_TABLE.c.key == stored_key(key)))

    def _recorded(self, key: str) -> tuple[int, float]:
        """The hits and end of the key's live window as stored, (0, 0) if none or
        if the database cannot be read."""
        now = _now()
        try:
            with _engine().connect() as conn:
                row = conn.execute(
                    sa.select(_TABLE.c.hits, _TABLE.c.expires_at).where(
                        _TABLE.c.key == key, _TABLE.c.expires_at > now
                    )
                ).first()
        except (sa.exc.DBAPIError, sa.exc.TimeoutError) as exc:
            _unrecorded(exc)
            return 0, 0.0
        return (int(row.hits), float(row.expires_at)) if row else (0, 0.0)

    def _sweep(self, now: float) -> None:
        """Delete windows long over, at most once a minute in this process.

        In a transaction of its own, after the hit's: a sweep holding the row of
        one hit while it waits for another's could deadlock with it on PostgreSQL.
        """
        with self._lock:
            if now - self._swept_at < SWEEP_EVERY_S:
                return
            self._swept_at = now
        old = _TABLE.c.expires_at < now - SWEEP_GRACE_S
        try:
            with _engine().begin() as conn:
                conn.execute(sa.delete(_TABLE).where(old))
        except (sa.exc.DBAPIError, sa.exc.TimeoutError) as exc:
            if database_fault(exc) not in (DISK_FULL, UNAVAILABLE):
                raise
            self._swept_at = 0.0  # the next hit tries again


def _engine():
    """The app's engine; on PostgreSQL in a transaction of its own even inside a
    page view (whose statements db.tune_postgresql runs in autocommit)."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="READ COMMITTED")
    return engine


class UnrecordedHits:
    """Hits the database refused to record, counted in this process meanwhile."""

    MAX_KEYS = 10_000

    def __init__(self):
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, float]] = {}

    def incr(self, key: str, expiry: float, amount: int) -> int:
        now = _now()
        with self._lock:
            hits, ends = self._live(key, now)
            if not hits:
                ends = now + expiry
            if key not in self._windows and len(self._windows) >= self.MAX_KEYS:
                del self._windows[next(iter(self._windows))]  # the oldest key first
            self._windows[key] = (max(hits + amount, 0), ends)
            return self._windows[key][0]

    def window(self, key: str) -> tuple[int, float]:
        with self._lock:
            return self._live(key, _now())

    def _live(self, key: str, now: float) -> tuple[int, float]:
        hits, ends = self._windows.get(key, (0, 0.0))
        if ends <= now:
            self._windows.pop(key, None)
            return 0, 0.0
        return hits, ends


_UNRECORDED = "interview_unrecorded_hits"


def _unrecorded(exc: Exception) -> UnrecordedHits:
    """This app's in-process counts, after logging why the database refused; a
    fault that is a bug (bad SQL, a missing table) is raised instead."""
    if database_fault(exc) not in (DISK_FULL, UNAVAILABLE):
        raise exc
    detail = getattr(exc, "orig", None) or exc
    current_app.logger.warning("rate-limit count kept in this process: %r", detail)
    return current_app.extensions.setdefault(_UNRECORDED, UnrecordedHits())


def _unrecorded_for(key: str) -> tuple[int, float]:
    """The key's hits counted in this process (none while the database records)."""
    unrecorded = current_app.extensions.get(_UNRECORDED)
    return unrecorded.window(key) if unrecorded is not None else (0, 0.0)
