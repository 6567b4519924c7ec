"""Scorecards and their ratings: one scorecard per seat, one rating per competency."""

from datetime import datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.util import identity_key

from ..db import UTCDateTime
from ..extensions import db
from ..timeutil import utcnow
from .enums import ScorecardStatus, enum_column


class Scorecard(db.Model):
    __tablename__ = "scorecards"
    __table_args__ = (
        sa.UniqueConstraint("seat_id"),
        sa.UniqueConstraint("id", "rubric_version_id"),
        sa.CheckConstraint(
            "status = 'draft' OR submitted_at IS NOT NULL", name="submitted_has_time"
        ),
        sa.CheckConstraint("amendment_count >= 0", name="amendments_nonnegative"),
        sa.ForeignKeyConstraint(
            ["rubric_version_id", "overall_recommendation"],
            ["scale_levels.rubric_version_id", "scale_levels.value"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seat_id: Mapped[int] = mapped_column(
        sa.ForeignKey("panel_seats.id", ondelete="RESTRICT")
    )
    # The author stays on the scorecard even if the seat is later given to someone else.
    interviewer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    rubric_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("rubric_versions.id", ondelete="RESTRICT")
    )
    status: Mapped[ScorecardStatus] = mapped_column(
        enum_column(ScorecardStatus, "status"), default=ScorecardStatus.DRAFT
    )
    overall_recommendation: Mapped[int | None]
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    amended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    amendment_count: Mapped[int] = mapped_column(default=0)
    # Optimistic locking: a save from a stale copy (another tab) is refused. The
    # version moves on every change, ratings included (see _touch_scorecards below).
    version: Mapped[int] = mapped_column(default=1)
    # The page (tab) that wrote last and its running request number: a tab's own
    # earlier save never counts as a conflict, and a late, older request from the
    # same tab never overwrites a newer one (scorecards/operations.py).
    edit_token: Mapped[str | None] = mapped_column(sa.String(64))
    edit_seq: Mapped[int] = mapped_column(default=0, server_default="0")

    __mapper_args__: ClassVar[dict] = {"version_id_col": version}

    seat = relationship("PanelSeat", back_populates="scorecard")
    interviewer = relationship("User")
    rubric_version = relationship("RubricVersion")
    # In the order written, whichever way they are loaded (joined or by IN): the
    # debrief packet's key reads them in this order (debrief/documents.py).
    ratings = relationship(
        "Rating",
        back_populates="scorecard",
        cascade="all, delete-orphan",
        order_by="Rating.id",
    )

    @property
    def is_submitted(self) -> bool:
        return self.status == ScorecardStatus.SUBMITTED

    def __repr__(self) -> str:
        return f"<Scorecard {self.id} seat={self.seat_id} {self.status}>"


class Rating(db.Model):
    """A level (or "not assessed") for one competency, with the evidence behind it."""

    __tablename__ = "ratings"
    __table_args__ = (
        sa.UniqueConstraint("scorecard_id", "competency_id"),
        sa.CheckConstraint(
            "NOT (is_not_assessed AND level IS NOT NULL)", name="level_or_not_assessed"
        ),
        # The rating's rubric version is its scorecard's ...
        sa.ForeignKeyConstraint(
            ["scorecard_id", "rubric_version_id"],
            ["scorecards.id", "scorecards.rubric_version_id"],
            ondelete="CASCADE",
        ),
        # ... its competency belongs to that version ...
        sa.ForeignKeyConstraint(
            ["rubric_version_id", "competency_id"],
            ["competencies.rubric_version_id", "competencies.id"],
        ),
        # ... and its level is one of that version's scale levels.
        sa.ForeignKeyConstraint(
            ["rubric_version_id", "level"],
            ["scale_levels.rubric_version_id", "scale_levels.value"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(index=True)
    rubric_version_id: Mapped[int]
    competency_id: Mapped[int]
    level: Mapped[int | None]
    is_not_assessed: Mapped[bool] = mapped_column(default=False)
    evidence: Mapped[str] = mapped_column(sa.Text, default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")

    scorecard = relationship("Scorecard", back_populates="ratings")
    competency = relationship("Competency", viewonly=True)

    def __repr__(self) -> str:
        return f"<Rating sc={self.scorecard_id} c={self.competency_id} {self.level}>"


@sa.event.listens_for(Session, "before_flush")
def _touch_scorecards(session, _context, _instances):
    """A change to a rating is a change to its scorecard: move its version on."""
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if not isinstance(obj, Rating):
            continue
        if obj in session.dirty and not session.is_modified(obj):
            continue
        card = _scorecard_of(session, obj)
        if card is not None and card in session and card not in session.new:
            card.updated_at = utcnow()


def _scorecard_of(session, rating: Rating) -> Scorecard | None:
    """The rating's scorecard, from memory when it is there: the relationship joins on
    (id, rubric version), not the primary key alone, so its lazy load would query."""
    if "scorecard" in rating.__dict__ or rating.scorecard_id is None:
        return rating.scorecard
    key = identity_key(Scorecard, rating.scorecard_id)
    return session.identity_map.get(key) or rating.scorecard
