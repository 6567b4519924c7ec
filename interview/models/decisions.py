"""Hiring decisions: a loop may be held and later decided, so every decision is kept."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime
from ..extensions import db
from ..timeutil import utcnow
from .enums import DecisionOutcome, enum_column


class HiringDecision(db.Model):
    __tablename__ = "hiring_decisions"
    __table_args__ = (
        sa.CheckConstraint("length(trim(rationale)) > 0", name="rationale_given"),
        {"sqlite_autoincrement": True},  # ids never given twice: 0024
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loop_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loops.id", ondelete="RESTRICT"), index=True
    )
    outcome: Mapped[DecisionOutcome] = mapped_column(
        enum_column(DecisionOutcome, "outcome")
    )
    rationale: Mapped[str] = mapped_column(sa.Text)
    decided_by_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    loop = relationship("Loop", back_populates="decisions")
    decided_by = relationship("User")

    def __repr__(self) -> str:
        return f"<HiringDecision loop={self.loop_id} {self.outcome}>"
