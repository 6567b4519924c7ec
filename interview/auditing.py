"""Write audit entries; callers commit them with the change they describe."""

from .extensions import db
from .models import AuditEntry, User


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
