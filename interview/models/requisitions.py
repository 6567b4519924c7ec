"""Job requisitions and the candidates interviewed for them."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime
from ..extensions import db
from ..search import like, like_pattern, search_key, terms
from ..timeutil import utcnow
from .enums import Discipline, RequisitionStatus, enum_column
from .users import User


class Requisition(db.Model):
    __tablename__ = "requisitions"
    # The list's orders: open first, then by title; by title. Titles are ordered by
    # their folded key (title, then discipline), case and accents aside.
    __table_args__ = (
        sa.Index("ix_requisitions_listing", "status", "search_key", "id"),
        sa.Index("ix_requisitions_order", "search_key", "id"),
        # Substring search by trigrams on PostgreSQL (migration 0010), as for
        # candidates; a plain index elsewhere.
        sa.Index(
            "ix_requisitions_search_key",
            "search_key",
            postgresql_using="gin",
            postgresql_ops={"search_key": "gin_trgm_ops"},
        ),
        sa.Index("uq_requisitions_external_id", "external_id", unique=True),
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
    # Title and discipline folded for search (search.py); kept up to date on every
    # save (requisition_search_key).
    search_key: Mapped[str] = mapped_column(sa.String(500), default="")
    # The applicant tracking system's id for it (issue 15, the API): one
    # requisition per id, so a client sending its create twice makes one.
    external_id: Mapped[str | None] = mapped_column(sa.String(100))
    # Raised by each save of its form, and of its plan's (migration 0029): a form
    # drawn at an older number is stale (a second tab), refused with both shown.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    plan_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    hiring_manager = relationship("User")
    default_rubric = relationship("Rubric")
    loops = relationship("Loop", back_populates="requisition")
    plan = relationship(
        "PlanSession",
        order_by="[PlanSession.position, PlanSession.id]",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Requisition {self.id} {self.title!r}>"


def requisition_search_key(title: str | None, discipline: str | None) -> str:
    """The folded text a requisition is found by: its title, a tab, its discipline
    ("clinical"); Core inserts (bench/scale_data.py) write it with this too."""
    return search_key(title, Discipline(discipline).label if discipline else None)


def requisition_matching(query: str | None, *, by_manager: bool = True) -> list:
    """SQL conditions for a search box's text: each word (folded, search.py) is in
    the requisition's title or discipline or, ``by_manager``, in its hiring manager's
    name (read from the account, so a renamed manager is found by the new name)."""
    conditions = []
    for term in terms(query):
        pattern = like_pattern(term)
        found = [like(Requisition.search_key, pattern)]
        if by_manager:
            managers = sa.select(User.id).where(
                like(User.search_key, pattern + "\t%")  # the name part
            )
            found.append(Requisition.hiring_manager_id.in_(managers))
        conditions.append(sa.or_(*found))
    return conditions


@sa.event.listens_for(Requisition, "before_insert")
@sa.event.listens_for(Requisition, "before_update")
def _fold_requisition(_mapper, _connection, requisition: Requisition) -> None:
    requisition.search_key = requisition_search_key(
        requisition.title, requisition.discipline
    )


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
        # Retention's due list (lifecycle/retention.py, migration 0021): those
        # never interviewed by their last change; the erased, a handful, by id.
        sa.Index(
            "ix_candidates_retention",
            "updated_at",
            "id",
            sqlite_where=sa.text("erased_at IS NULL"),
            postgresql_where=sa.text("erased_at IS NULL"),
        ),
        sa.Index(
            "ix_candidates_erased",
            "id",
            sqlite_where=sa.text("erased_at IS NOT NULL"),
            postgresql_where=sa.text("erased_at IS NOT NULL"),
        ),
        sa.Index("uq_candidates_external_id", "external_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(64))
    source: Mapped[str | None] = mapped_column(sa.String(200))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    # The applicant tracking system's id for this person (issue 15, the API): one
    # candidate per id, so a client sending its create twice makes one. Cleared by
    # erasure with the rest of their details.
    external_id: Mapped[str | None] = mapped_column(sa.String(100))
    # Name and email folded for search (search.py); kept up to date on every save.
    search_key: Mapped[str] = mapped_column(sa.String(500), default="")
    # Raised by each save of its form (migration 0029): a form drawn at an older
    # number is stale (a second tab), refused with both versions shown.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )
    # Set once when the candidate's personal data is erased (lifecycle/erasure.py);
    # a trigger (migration 0014) then refuses changes to the personal columns.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    loops = relationship("Loop", back_populates="candidate")
    conflicts = relationship("Conflict", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Candidate {self.id} {self.name!r}>"


@sa.event.listens_for(Candidate, "before_insert")
@sa.event.listens_for(Candidate, "before_update")
def _fold_candidate(_mapper, _connection, candidate: Candidate) -> None:
    candidate.search_key = search_key(candidate.name, candidate.email)
