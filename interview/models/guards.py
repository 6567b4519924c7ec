"""Session-level guards for records that must never change once written.

The audit log and published rubric versions are immutable: an audit entry is never
edited or removed, and a rubric version is never edited, shrunk or grown once saved,
because the scores given against it must keep their meaning. A change to a rubric is a
new version. The audit log is also protected by triggers in the database.
"""

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from .audit import AuditEntry
from .rubrics import Anchor, Competency, Question, RubricVersion, ScaleLevel

IMMUTABLE = (AuditEntry, RubricVersion, ScaleLevel, Competency, Anchor, Question)


class ImmutableRecordError(RuntimeError):
    """Raised when code tries to change an audit entry or a published rubric version."""


def _version_of(session: Session, obj) -> RubricVersion | None:
    """The rubric version a new part of a rubric belongs to, wherever it is set."""
    if isinstance(obj, (Question, Anchor)):
        parent = obj.competency
        if parent is None and obj.competency_id is not None:
            parent = session.get(Competency, obj.competency_id)
        return _version_of(session, parent) if parent is not None else None
    version = obj.rubric_version
    if version is None and obj.rubric_version_id is not None:
        version = session.get(RubricVersion, obj.rubric_version_id)
    return version


def _is_saved(version: RubricVersion | None) -> bool:
    return version is not None and inspect(version).has_identity


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
    for obj in list(session.new):
        parts = (ScaleLevel, Competency, Anchor, Question)
        if isinstance(obj, parts) and _is_saved(_version_of(session, obj)):
            raise ImmutableRecordError(
                f"cannot add a {type(obj).__name__} to a saved rubric version; "
                "publish a new version instead"
            )
