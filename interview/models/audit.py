"""The append-only audit log: who changed what, when, from what to what."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime
from ..extensions import db
from ..timeutil import utcnow


class AuditEntry(db.Model):
    """One change; rows are never deleted, nor updated but to redact an erased
    candidate's text (triggers in migrations 0001 and 0014)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None for changes made from the command line or by the system.
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    action: Mapped[str] = mapped_column(sa.String(64))
    object_type: Mapped[str] = mapped_column(sa.String(64))
    object_id: Mapped[int | None]
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    # Set when an erasure redacted the entry's text (migration 0014 allows exactly
    # that one update; lifecycle/rules.py redact_json says what stays).
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    actor = relationship("User")

    # The audit log page's filters, each with its newest-first order (migration
    # 0015, issue 13): a page of one actor's, action's or object's entries is read
    # from one index however long the log grows.
    __table_args__ = (
        sa.Index("ix_audit_log_newest", "at", "id"),
        sa.Index("ix_audit_log_actor", "actor_id", "at", "id"),
        sa.Index("ix_audit_log_action", "action", "at", "id"),
        sa.Index("ix_audit_log_object", "object_type", "object_id", "at", "id"),
        sa.Index("ix_audit_log_type", "object_type", "at", "id"),
    )

    def __repr__(self) -> str:
        return (
            f"<AuditEntry {self.id} {self.action} {self.object_type}:{self.object_id}>"
        )
