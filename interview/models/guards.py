"""Session-level guards for records that must never change once written."""

from sqlalchemy import event
from sqlalchemy.orm import Session

from .audit import AuditEntry
from .rubrics import Anchor, Competency, Question, RubricVersion, ScaleLevel

IMMUTABLE = (AuditEntry, RubricVersion, ScaleLevel, Competency, Anchor, Question)


class ImmutableRecordError(RuntimeError):
    """Raised when code tries to change an audit entry or a published rubric version."""


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_immutable(session, _context, _instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, IMMUTABLE) and (
            obj in session.deleted
            or session.is_modified(obj, include_collections=False)
        ):
            raise ImmutableRecordError(
                f"{type(obj).__name__} records are immutable; write a new one instead"
            )
