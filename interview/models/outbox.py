"""The notification outbox: each message queued once by its key, in the same
transaction as the change that caused it, and sent by ``notify run`` (notify/)."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime
from ..extensions import db
from ..timeutil import utcnow
from .enums import enum_column

KEY_MAX = 200


class OutboxStatus(StrEnum):
    """Where a message is: ``sending`` from its claim until the server's answer is
    recorded, so a row left ``sending`` by a crash may or may not have gone out."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class OutboxMessage(db.Model):
    """One email, whole (RFC 5322 bytes, CRLF line ends), with its delivery state."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        # notify run's scan: the due queued rows, oldest first.
        sa.Index("ix_outbox_messages_due", "status", "not_before", "id"),
        # notify run's clean-up: rows whose text is not yet blanked, by age.
        sa.Index(
            "ix_outbox_messages_to_blank",
            "created_at",
            sqlite_where=sa.text("subject <> ''"),
            postgresql_where=sa.text("subject <> ''"),
        ),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(KEY_MAX), unique=True)
    recipient_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    recipient: Mapped[str] = mapped_column(sa.String(254))
    # The candidate the message names, so that their erasure finds it (the
    # stored body is base64 or quoted-printable: no text search can).
    candidate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("candidates.id", ondelete="RESTRICT"), index=True
    )
    subject: Mapped[str] = mapped_column(sa.String(500))
    message: Mapped[bytes] = mapped_column(sa.LargeBinary)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus, "outbox_status"), default=OutboxStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.key} {self.status}>"
