"""Interview loops: one candidate's interviews for one requisition, and their panels."""

from datetime import datetime, timedelta
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..db import UTCDateTime
from ..extensions import db
from ..timeutil import utcnow
from .enums import Discipline, LoopStatus, enum_column


class Loop(db.Model):
    __tablename__ = "loops"
    # The list's filters and orders (loops/lists.py).
    __table_args__ = (
        sa.Index("ix_loops_status", "status", "id"),
        sa.Index("ix_loops_requisition_status", "requisition_id", "status", "id"),
        sa.Index("ix_loops_updated_at", "updated_at", "id"),
        # Retention's due list by when loops closed (migration 0021).
        sa.Index(
            "ix_loops_closed_at",
            "closed_at",
            "id",
            sqlite_where=sa.text("closed_at IS NOT NULL"),
            postgresql_where=sa.text("closed_at IS NOT NULL"),
        ),
        # Talent acquisition's "ready for debrief" (home/readiness.py, migration 0025),
        # a handful of rows: the condition as SQLAlchemy writes it for each database
        # (SQLite uses a partial index only for a term it finds in the query).
        sa.Index(
            "ix_loops_ready",
            "id",
            sqlite_where=sa.text("ready_for_debrief = 1"),
            postgresql_where=sa.text("ready_for_debrief"),
        ),
        # Its "loops with gaps" and "overdue feedback" (home/gaps.py, migration 0026).
        sa.Index(
            "ix_loops_gaps",
            "id",
            sqlite_where=sa.text("has_gaps = 1"),
            postgresql_where=sa.text("has_gaps"),
        ),
        sa.Index(
            "ix_loops_feedback_owed",
            "id",
            "feedback_owed_since",
            sqlite_where=sa.text("feedback_owed_since IS NOT NULL"),
            postgresql_where=sa.text("feedback_owed_since IS NOT NULL"),
        ),
        {"sqlite_autoincrement": True},  # ids never given twice: 0024
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("candidates.id", ondelete="RESTRICT"), index=True
    )
    requisition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("requisitions.id", ondelete="RESTRICT")
    )
    rubric_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("rubric_versions.id", ondelete="RESTRICT")
    )
    status: Mapped[LoopStatus] = mapped_column(
        enum_column(LoopStatus, "status"), default=LoopStatus.PLANNED
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )
    # When the loop last became decided or withdrawn; None while open. Retention
    # counts from it (lifecycle/rules.py): unlike updated_at, no later change of the
    # row moves it. Kept by ``_track_closing`` whoever sets the status.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The reasons of the panel proposed last and seated (JSON, loops/proposals.py;
    # migration 0023): the loop page keeps showing them.
    proposal_reasons: Mapped[str | None] = mapped_column(sa.Text)
    # Interviewing, with a seat on its panel now and a submitted scorecard for each:
    # kept by home/readiness.py on every change (migration 0025).
    ready_for_debrief: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false()
    )
    # Open, with a session without a time, an empty seat, or a competency of its
    # rubric that no session has a seat for of a discipline it needs; and, open,
    # the end of its earliest session with a held seat whose scorecard is not
    # submitted (None if none). Kept as ready_for_debrief is (home/gaps.py, 0026).
    has_gaps: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    feedback_owed_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: ClassVar[dict] = {"version_id_col": version}

    candidate = relationship("Candidate", back_populates="loops")
    requisition = relationship("Requisition", back_populates="loops")
    rubric_version = relationship("RubricVersion")
    sessions = relationship(
        "InterviewSession",
        back_populates="loop",
        # Then by id: sessions given one position (a plan built in code) keep the
        # order they were added in, on every database.
        order_by="[InterviewSession.position, InterviewSession.id]",
        cascade="all, delete-orphan",
    )
    decisions = relationship(
        "HiringDecision", back_populates="loop", order_by="HiringDecision.decided_at"
    )

    @validates("status")
    def _track_closing(self, _key: str, status: LoopStatus) -> LoopStatus:
        """Stamp the closing when the loop becomes decided or withdrawn (one already
        stamped keeps its moment), clear it when the loop opens again."""
        if LoopStatus(status) not in CLOSED_STATUSES:
            self.closed_at = None
        elif self.closed_at is None:
            self.closed_at = utcnow()
        return status

    def __repr__(self) -> str:
        return f"<Loop {self.id} {self.status}>"


CLOSED_STATUSES = frozenset({LoopStatus.DECIDED, LoopStatus.WITHDRAWN})


session_competencies = sa.Table(
    "session_competencies",
    db.metadata,
    sa.Column(
        "session_id",
        sa.ForeignKey("interview_sessions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "competency_id",
        sa.ForeignKey("competencies.id", ondelete="RESTRICT"),
        primary_key=True,
    ),
)


class _PlusMinutes(sa.sql.expression.FunctionElement):
    """A UTC time plus a number of minutes, in each database's own date arithmetic."""

    type = UTCDateTime()
    inherit_cache = True


@compiles(_PlusMinutes, "postgresql")
def _plus_minutes_postgresql(element, compiler, **kw):
    start, minutes = (compiler.process(c, **kw) for c in element.clauses)
    return f"({start} + make_interval(mins => {minutes}))"


@compiles(_PlusMinutes, "sqlite")
def _plus_minutes_sqlite(element, compiler, **kw):
    # The same text form SQLAlchemy stores: 'YYYY-MM-DD HH:MM:SS.ffffff'. The
    # fraction is kept aside: SQLite's date functions round it to milliseconds, so
    # ':05.999905' would otherwise come out a second late (':06.999905').
    start, minutes = (compiler.process(c, **kw) for c in element.clauses)
    return (
        f"(strftime('%Y-%m-%d %H:%M:%S', substr({start}, 1, 19),"
        f" '+' || {minutes} || ' minutes') || substr({start}, 20))"
    )


class InterviewSession(db.Model):
    """One interview in a loop; stored in UTC with the zone it was planned in."""

    __tablename__ = "interview_sessions"
    __table_args__ = (
        sa.CheckConstraint(
            "duration_minutes > 0 AND duration_minutes <= 480", name="duration_range"
        ),
        sa.CheckConstraint(
            "clinical_seats >= 0 AND technical_seats >= 0", name="seats_nonnegative"
        ),
        {"sqlite_autoincrement": True},  # ids never given twice: 0024
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loop_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loops.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(200))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    duration_minutes: Mapped[int] = mapped_column(default=60)
    location: Mapped[str] = mapped_column(sa.String(300), default="")
    video_url: Mapped[str] = mapped_column(sa.String(2000), default="")
    # The panel the session needs, e.g. one clinical and one technical interviewer.
    clinical_seats: Mapped[int] = mapped_column(default=1)
    technical_seats: Mapped[int] = mapped_column(default=1)
    # Bumped on each change of time or place: calendars replace older invitations.
    schedule_sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    # Raised by each save of its shape (title, length, competencies, seats;
    # migration 0029): a shape form drawn at an older number is stale.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    loop = relationship("Loop", back_populates="sessions")
    competencies = relationship("Competency", secondary=session_competencies)
    seats = relationship(
        "PanelSeat", back_populates="session", order_by="PanelSeat.id"
    )  # the order they were added, on every database

    @hybrid_property
    def ends_at(self) -> datetime | None:
        if self.starts_at is None:
            return None
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @ends_at.inplace.expression
    @classmethod
    def _ends_at_expression(cls) -> sa.ColumnElement[datetime]:
        """The end in SQL, so lists can split upcoming from past in the database."""
        return _PlusMinutes(cls.starts_at, cls.duration_minutes)

    def __repr__(self) -> str:
        return f"<InterviewSession {self.id} {self.title!r}>"


# The seats someone holds now.
HELD = "removed_at IS NULL AND interviewer_id IS NOT NULL"


class PanelSeat(db.Model):
    """A seat on a session's panel, held by at most one interviewer in its life.

    Changing or removing the interviewer marks the seat removed and opens a fresh one,
    so each row says exactly who sat when (``assigned_at`` to ``removed_at``): the
    independence rule (independence.py) reads its history from these rows.
    """

    __tablename__ = "panel_seats"
    __table_args__ = (
        sa.Index(
            "uq_panel_seats_active_interviewer",
            "session_id",
            "interviewer_id",
            unique=True,
            sqlite_where=sa.text("removed_at IS NULL"),
            postgresql_where=sa.text("removed_at IS NULL"),
        ),
        # An interviewer's held seats by week (loops/proposals.py, _busy_then).
        sa.Index(
            "ix_panel_seats_starts_at",
            "starts_at",
            "interviewer_id",
            sqlite_where=sa.text(HELD),
            postgresql_where=sa.text(HELD),
        ),
        {"sqlite_autoincrement": True},  # ids never given twice: 0024
    )
    # Migration 0013's triggers write starts_at; the ORM reads it back after a flush
    # (on SQLite, RETURNING would report the row before its AFTER INSERT trigger).
    __mapper_args__: ClassVar[dict] = {"eager_defaults": False}

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("interview_sessions.id", ondelete="RESTRICT"), index=True
    )
    # The session's start, copied by the database (migration 0013's triggers) on
    # every insert and reschedule, never by the ORM: None while unscheduled.
    starts_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, server_default=sa.FetchedValue(), server_onupdate=sa.FetchedValue()
    )
    interviewer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    discipline: Mapped[Discipline] = mapped_column(
        enum_column(Discipline, "discipline")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the interviewer took the seat; None while the seat is empty.
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session = relationship("InterviewSession", back_populates="seats")
    interviewer = relationship("User")
    scorecard = relationship("Scorecard", back_populates="seat", uselist=False)

    def __repr__(self) -> str:
        return f"<PanelSeat {self.id} session={self.session_id} {self.discipline}>"
