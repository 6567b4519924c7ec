"""Write audit entries; callers commit them with the change they describe."""

import hashlib
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context, request

from .extensions import db
from .models import AuditEntry, User
from .timeutil import utcnow


def record(
    actor: User | None,
    action: str,
    obj,
    before: dict | None = None,
    after: dict | None = None,
    reason: str | None = None,
) -> AuditEntry:
    """Add an audit entry for ``obj`` to the session (no commit)."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=type(obj).__tablename__,
        object_id=obj.id,
        before=before,
        after=after,
        reason=reason,
    )
    db.session.add(entry)
    return entry


# Read audit (issue 13) --------------------------------------------------------------

# The reads recorded: their entries hold ids and options only (a packet's size, the
# loops exported), never a person's words, so erasure leaves them as they are.
READ_ACTIONS = frozenset(
    {"debrief.view", "debrief.packet", "scorecards.panel", "candidate.export"}
)

# One read is recorded per reader, action, object and details within this many
# seconds (the READ_AUDIT_WINDOW_SECONDS setting; 0 records every request). A PDF
# viewer fetches a packet several times (range requests, a reload), and each fetch
# is the same read: the log says who read what, not how their browser fetched it.
READ_WINDOW_SECONDS = 600
# Reads recorded every time, whatever the window: an export is a copy of everything
# held about a person leaving the system, not a viewer fetching a page again.
EVERY_TIME = frozenset({"candidate.export"})


def record_read(actor: User | None, action: str, obj, details: dict | None = None):
    """Record that ``actor`` read ``obj``, committed at once: a page view's entry on a
    connection of its own, a form post's in its own transaction (_write_in_session).

    For page views (GET), whose session never writes: on SQLite their transaction
    reads a snapshot, and an INSERT there would fail at once ("database is locked")
    whenever anyone wrote since it began; on PostgreSQL their statements run in
    autocommit (db.tune_postgresql). This transaction's first statement is the
    INSERT, so it waits for SQLite's write lock like any writer, and the request's
    session and the objects it loaded are left as they were. If the entry cannot be
    written the error propagates: the caller serves nothing it did not record.

    A HEAD request shows nothing and records nothing. A read already recorded for
    the same actor, action, object and ``details`` within the window is not recorded
    again (``_insert_once``). ``details`` hold identifiers and options, never
    personal text (erasure must not have to touch read entries).
    """
    if has_request_context() and request.method == "HEAD":
        return
    table = AuditEntry.__table__
    values = {
        "at": utcnow(),
        "actor_id": actor.id if actor is not None else None,
        "action": action,
        "object_type": type(obj).__tablename__,
        "object_id": obj.id,
        "after": details,  # None is written as SQL NULL (_present)
    }
    window = int(
        current_app.config.get("READ_AUDIT_WINDOW_SECONDS", READ_WINDOW_SECONDS)
    )
    window = timedelta(seconds=window) if window and action not in EVERY_TIME else None
    if has_request_context() and request.method != "GET":
        _write_in_session(table, values, window)
        return
    engine = db.engine
    if engine.dialect.name == "postgresql":
        # Named, so the page view's autocommit switch leaves this one alone.
        engine = engine.execution_options(isolation_level="READ COMMITTED")
    with engine.begin() as conn:
        _write(conn, table, values, window)


def _write_in_session(table: sa.Table, values: dict, window) -> None:
    """Write the entry in the request's own transaction and commit it: a form post
    that shows a page again (a refused decision shows the debrief). On SQLite that
    transaction holds the write lock from its first statement (db.tune_sqlite), so a
    connection of its own would wait for it until it failed. The caller has nothing
    pending (a refused change is rolled back first), as nothing else may commit here.
    """
    session = db.session()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("record_read would commit the request's pending changes")
    _write(session.connection(), table, values, window)
    session.commit()


def _write(conn, table: sa.Table, values: dict, window) -> None:
    """Insert the entry on ``conn``, once per window unless the window is None."""
    if window is None:  # the setting is 0: every read is recorded
        conn.execute(table.insert().values(**_present(values)))
        return
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_lock_key(values))))
    conn.execute(_insert_once(table, values, window))


def _present(values: dict) -> dict:
    """The values without a None ``after``, which is then SQL NULL, not JSON null."""
    return {k: v for k, v in values.items() if k != "after" or v is not None}


def _insert_once(table: sa.Table, values: dict, window: timedelta) -> sa.Insert:
    """One statement: insert the entry unless the same read is on record within the
    window. Found through ``ix_audit_log_object`` (type, id, at): the object's entries
    of the window alone are read, however long the log is.

    On SQLite the statement holds the database's write lock from its start, so two
    of them take turns and the second sees the first. On PostgreSQL, READ COMMITTED,
    the second would not see the first's uncommitted row: record_read first takes a
    transaction-scoped advisory lock on the read's key (released at commit), so the
    second waits and then sees it. Without the lock a race would record one read
    twice, never lose one. Details are compared as the JSON text the column holds
    (both sides written by the same serializer); ``at`` is the app server's clock,
    as every entry's is.
    """
    c = table.c
    after = values["after"]
    same = [
        c.object_type == values["object_type"],
        c.object_id == values["object_id"],
        c.at >= values["at"] - window,
        c.action == values["action"],
        c.actor_id.is_(None)
        if values["actor_id"] is None
        else c.actor_id == values["actor_id"],
        c.after.is_(None)
        if after is None
        else sa.cast(c.after, sa.Text)
        == sa.cast(sa.literal(after, c.after.type), sa.Text),
    ]
    row = _present(values)
    chosen = sa.select(*(sa.literal(v, c[k].type) for k, v in row.items())).where(
        ~sa.exists().where(*same)
    )
    return table.insert().from_select(list(row), chosen)


def _lock_key(values: dict) -> int:
    """A signed 64-bit key for PostgreSQL's advisory lock, from the read's identity
    (a collision only makes two unrelated reads take turns)."""
    text = "|".join(
        str(values[k]) for k in ("actor_id", "action", "object_type", "object_id")
    )
    digest = hashlib.blake2b(f"read-audit|{text}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
