"""Job requisitions and the candidates interviewed for them."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime
from ..extensions import db
from ..search import search_key
from ..timeutil import utcnow
from .enums import Discipline, RequisitionStatus, enum_column


class Requisition(db.Model):
    __tablename__ = "requisitions"
    # The list's order: open first, then by title.
    __table_args__ = (
        sa.Index("ix_requisitions_listing", "status", "title", "id"),
        sa.Index("ix_requisitions_title", "title", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    discipline: Mapped[Discipline] = mapped_column(
        enum_column(Discipline, "discipline")
    )
    hiring_manager_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    default_rubric_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("rubrics.id", ondelete="SET NULL")
    )
    status: Mapped[RequisitionStatus] = mapped_column(
        enum_column(RequisitionStatus, "status"), default=RequisitionStatus.OPEN
    )
    # Whether interviewers who submitted may read the rest of the panel's scorecards.
    share_scores_after_submit: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    hiring_manager = relationship("User")
    default_rubric = relationship("Rubric")
    loops = relationship("Loop", back_populates="requisition")
    plan = relationship(
        "PlanSession", order_by="PlanSession.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Requisition {self.id} {self.title!r}>"


class Candidate(db.Model):
    """A person being interviewed; contact details are personal data."""

    __tablename__ = "candidates"
    __table_args__ = (
        # The list's order: by folded name (then email), so that "Łukasz" sorts
        # with the Ls; a search walks this index alone, in the list's order, and
        # stops at the page's last row.
        sa.Index("ix_candidates_order", "search_key", "id"),
        # Substring search by trigrams on PostgreSQL (migration 0006); a plain
        # index elsewhere.
        sa.Index(
            "ix_candidates_search_key",
            "search_key",
            postgresql_using="gin",
            postgresql_ops={"search_key": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(64))
    source: Mapped[str | None] = mapped_column(sa.String(200))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    # Name and email folded for search (search.py); kept up to date on every save.
    search_key: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    loops = relationship("Loop", back_populates="candidate")
    conflicts = relationship("Conflict", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Candidate {self.id} {self.name!r}>"


@sa.event.listens_for(Candidate, "before_insert")
@sa.event.listens_for(Candidate, "before_update")
def _fold_candidate(_mapper, _connection, candidate: Candidate) -> None:
    candidate.search_key = search_key(candidate.name, candidate.email)
