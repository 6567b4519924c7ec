"""What makes an interviewer eligible for a seat: training, load limit, conflicts."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime
from ..extensions import db
from ..timeutil import utcnow


class Training(db.Model):
    """An interviewer is trained to assess a competency (by key, across versions)."""

    __tablename__ = "interviewer_trainings"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    competency_key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)

    def __repr__(self) -> str:
        return f"<Training {self.user_id} {self.competency_key}>"


class Conflict(db.Model):
    """A reason an interviewer must not sit on a candidate's panel."""

    __tablename__ = "interviewer_conflicts"
    __table_args__ = (sa.UniqueConstraint("user_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")

    def __repr__(self) -> str:
        return f"<Conflict {self.user_id} candidate={self.candidate_id}>"


class PlanSession(db.Model):
    """One session of a requisition's interview plan, copied into each new loop."""

    __tablename__ = "plan_sessions"
    __table_args__ = (
        sa.CheckConstraint(
            "duration_minutes > 0 AND duration_minutes <= 480", name="duration_range"
        ),
        sa.CheckConstraint(
            "clinical_seats >= 0 AND technical_seats >= 0 "
            "AND clinical_seats + technical_seats >= 1",
            name="seats_needed",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requisition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("requisitions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(200))
    duration_minutes: Mapped[int] = mapped_column(default=60)
    competency_keys: Mapped[list] = mapped_column(sa.JSON, default=list)
    clinical_seats: Mapped[int] = mapped_column(default=1)
    technical_seats: Mapped[int] = mapped_column(default=1)

    def __repr__(self) -> str:
        return f"<PlanSession {self.requisition_id}#{self.position} {self.title!r}>"
