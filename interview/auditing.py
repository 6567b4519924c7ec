"""Write audit entries; callers commit them with the change they describe."""

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


def record_read(actor: User | None, action: str, obj, details: dict | None = None):
    """Record that ``actor`` read ``obj``, committed at once on a connection of its own.

    For page views (GET), whose session never writes: on SQLite their transaction
    reads a snapshot, and an INSERT there would fail at once ("database is locked")
    whenever anyone wrote since it began; on PostgreSQL their statements run in
    autocommit (db.tune_postgresql). This transaction's first statement is the
    INSERT, so it waits for SQLite's write lock like any writer, and the request's
    session and the objects it loaded are left as they were. If the entry cannot be
    written the error propagates: the caller serves nothing it did not record.

    ``details`` hold identifiers and options, never personal text (erasure must not
    have to touch read entries).
    """
    table = AuditEntry.__table__
    values = {
        "at": utcnow(),
        "actor_id": actor.id if actor is not None else None,
        "action": action,
        "object_type": type(obj).__tablename__,
        "object_id": obj.id,
    }
    if details is not None:  # else SQL NULL, not JSON null
        values["after"] = details
    engine = db.engine
    if engine.dialect.name == "postgresql":
        # Named, so the page view's autocommit switch leaves this one alone.
        engine = engine.execution_options(isolation_level="READ COMMITTED")
    with engine.begin() as conn:
        conn.execute(table.insert().values(**values))
