"""Legal holds: while one is in force, a candidate's data is neither erased nor
expired by retention (lifecycle/)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime
from ..extensions import db
from ..timeutil import utcnow

REASON_MAX = 500


class LegalHold(db.Model):
    """A hold on one candidate, or on a requisition (every candidate with a loop on
    it). Released holds are kept, with who released them and when."""

    __tablename__ = "legal_holds"
    __table_args__ = (
        sa.CheckConstraint(
            "(candidate_id IS NULL) <> (requisition_id IS NULL)", name="one_subject"
        ),
        sa.CheckConstraint(
            "(released_at IS NULL) = (released_by_id IS NULL)",
            name="release_complete",
        ),
        sa.CheckConstraint("length(trim(reason)) > 0", name="reason_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("candidates.id", ondelete="RESTRICT"), index=True
    )
    requisition_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("requisitions.id", ondelete="RESTRICT"), index=True
    )
    reason: Mapped[str] = mapped_column(sa.String(REASON_MAX))
    placed_by_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    placed_by = relationship("User", foreign_keys=[placed_by_id])
    released_by = relationship("User", foreign_keys=[released_by_id])
    candidate = relationship("Candidate")
    requisition = relationship("Requisition")

    @property
    def is_active(self) -> bool:
        return self.released_at is None

    def __repr__(self) -> str:
        subject = (
            f"candidate={self.candidate_id}"
            if self.candidate_id is not None
            else f"requisition={self.requisition_id}"
        )
        return f"<LegalHold {self.id} {subject}>"
