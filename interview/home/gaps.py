"""Loops with gaps and loops owing feedback, stored (issues 11 and 14):
``loops.has_gaps`` and ``loops.feedback_owed_since`` (migration 0026), computed by
these SQL expressions and kept on every change by readiness.py's mechanism, beside
``ready_for_debrief``. Talent acquisition's two queues read them from partial indexes
(a page of rows) instead of probing every open loop's sessions, seats, competencies
and scorecards (some 10,000 and 5,600 buffers at scale).

A loop has a gap when it is open (planned, interviewing or in debrief) and has

- a session without a time,
- an empty seat on its panel now, or
- a coverage gap: a competency of its rubric version that no session with a seat
  now (held or empty) of a discipline the competency needs covers. That is
  ``coverage.plan_gaps`` (the plan editor's rule) over the loop's sessions and
  their seats; a gap that only needs the seat filled is an empty seat already.

An open loop owes feedback from the end of its earliest scheduled session with a held
seat whose scorecard is not submitted (None when it owes none): it is overdue once
that was FEEDBACK_DUE_HOURS ago, a comparison with the clock the query makes.

What the queue shows of each of its loops (``coverage_gaps_of``) is computed by the
pure ``coverage.plan_gaps`` from the loops' rows; tests/test_home_gaps.py checks
that the stored state equals it after any sequence of changes.
"""

from typing import NamedTuple

import sqlalchemy as sa

from ..extensions import db
from ..loops.coverage import PlanGap, plan_gaps
from ..models import (
    AssessedBy,
    Competency,
    Discipline,
    InterviewSession,
    Loop,
    LoopStatus,
    PanelSeat,
    Scorecard,
    ScorecardStatus,
    session_competencies,
)

OPEN = (LoopStatus.PLANNED, LoopStatus.INTERVIEWING, LoopStatus.DEBRIEF)


def submitted(seat_id) -> sa.Exists:
    """The seat has a submitted scorecard."""
    return sa.exists().where(
        Scorecard.seat_id == seat_id, Scorecard.status == ScorecardStatus.SUBMITTED
    )


def _active_seat(**where) -> sa.Exists:
    """A seat on the panel now on the session (InterviewSession, correlated)."""
    return sa.exists().where(
        PanelSeat.session_id == InterviewSession.id,
        PanelSeat.removed_at.is_(None),
        *(getattr(PanelSeat, name) == value for name, value in where.items()),
    )


def _heard_by(discipline: Discipline) -> sa.Exists:
    """A session of the loop covers the competency and has a seat now of this
    discipline; correlated to Loop and Competency."""
    return (
        sa.exists()
        .where(
            InterviewSession.loop_id == Loop.id,
            session_competencies.c.session_id == InterviewSession.id,
            session_competencies.c.competency_id == Competency.id,
            _active_seat(discipline=discipline),
        )
        .correlate(Loop, Competency)
    )


def coverage_gap() -> sa.Exists:
    """A competency of the loop's rubric version that no session with a seat of a
    discipline it needs covers (``coverage.plan_gaps``); correlated to Loop."""
    needs = {
        Discipline.CLINICAL: Competency.assessed_by != AssessedBy.TECHNICAL,
        Discipline.TECHNICAL: Competency.assessed_by != AssessedBy.CLINICAL,
    }
    return (
        sa.exists()
        .where(
            Competency.rubric_version_id == Loop.rubric_version_id,
            sa.or_(*(sa.and_(need, ~_heard_by(d)) for d, need in needs.items())),
        )
        .correlate(Loop)
    )


def has_gaps() -> sa.ColumnElement[bool]:
    """The loop is open with a session without a time, an empty seat or a
    coverage gap, computed from its rows; correlated to Loop."""
    unready = sa.exists().where(
        InterviewSession.loop_id == Loop.id,
        sa.or_(
            InterviewSession.starts_at.is_(None),
            _active_seat(interviewer_id=None),
        ),
    )
    return sa.and_(Loop.status.in_(OPEN), sa.or_(unready, coverage_gap()))


def _held_seat_owing() -> sa.ColumnElement[bool]:
    return sa.and_(
        PanelSeat.removed_at.is_(None),
        PanelSeat.interviewer_id.is_not(None),
        ~submitted(PanelSeat.id),
    )


def feedback_owed_since() -> sa.ColumnElement:
    """The end of the open loop's earliest scheduled session with a held seat whose
    scorecard is not submitted, or None; correlated to Loop."""
    earliest = (
        sa.select(sa.func.min(InterviewSession.ends_at))
        .join(PanelSeat, PanelSeat.session_id == InterviewSession.id)
        .where(
            InterviewSession.loop_id == Loop.id,
            InterviewSession.starts_at.is_not(None),
            _held_seat_owing(),
        )
        .correlate(Loop)
        .scalar_subquery()
    )
    return sa.case((Loop.status.in_(OPEN), earliest), else_=None)


class LoopGaps(NamedTuple):
    """What the queue says of a loop with gaps."""

    empty_seats: int
    unscheduled: int  # sessions without a time
    not_covered: list[PlanGap]


def gaps_of(loop_ids: list[int]) -> dict[int, LoopGaps]:
    """Per loop: its empty seats, its sessions without a time and its coverage
    gaps as the plan editor names them (``coverage.plan_gaps`` of its rubric
    version's competencies, its sessions' competencies and its seats now), in two
    queries sent for no loop too."""
    seats = db.session.execute(
        sa.select(
            InterviewSession.loop_id,
            InterviewSession.id,
            InterviewSession.starts_at.is_(None),
            PanelSeat.discipline,
            PanelSeat.interviewer_id.is_(None),
        )
        .outerjoin(
            PanelSeat,
            sa.and_(
                PanelSeat.session_id == InterviewSession.id,
                PanelSeat.removed_at.is_(None),
            ),
        )
        .where(InterviewSession.loop_id.in_(loop_ids))
    ).all()
    # Each competency of the loop's rubric version, in the rubric's order, with a
    # session of the loop covering it: once per such session, once with None if none.
    covering = (
        sa.select(
            InterviewSession.loop_id,
            InterviewSession.id,
            session_competencies.c.competency_id,
        )
        .join(session_competencies)
        .where(InterviewSession.loop_id.in_(loop_ids))
        .subquery()
    )
    competencies = db.session.execute(
        sa.select(
            Loop.id,
            Competency.key,
            Competency.name,
            Competency.assessed_by,
            covering.c.id,
        )
        .join(Competency, Competency.rubric_version_id == Loop.rubric_version_id)
        .outerjoin(
            covering,
            sa.and_(
                covering.c.loop_id == Loop.id,
                covering.c.competency_id == Competency.id,
            ),
        )
        .where(Loop.id.in_(loop_ids))
        .order_by(Loop.id, Competency.position)
    ).all()
    found = {}
    for loop_id in loop_ids:
        held = [r[1:] for r in seats if r[0] == loop_id]
        rubric = [r[1:] for r in competencies if r[0] == loop_id]
        found[loop_id] = LoopGaps(
            empty_seats=sum(1 for *_, d, empty in held if d is not None and empty),
            unscheduled=len({s for s, unscheduled, *_ in held if unscheduled}),
            not_covered=loop_plan_gaps(
                list(dict.fromkeys((k, n, str(a)) for k, n, a, _ in rubric)),
                [(s, k) for k, _, _, s in rubric if s is not None],
                [(s, str(d)) for s, _, d, _ in held if d is not None],
            ),
        )
    return found


def loop_plan_gaps(
    competencies: list[tuple[str, str, str]],
    covered: list[tuple[int, str]],
    seats: list[tuple[int, str]],
) -> list[PlanGap]:
    """``coverage.plan_gaps`` of a loop: its (key, name, assessed_by) competencies,
    (session, competency key) pairs and (session, discipline) seats now."""
    sessions = sorted({s for s, _ in covered} | {s for s, _ in seats})
    plan = [
        (
            tuple(k for s, k in covered if s == session),
            sum(1 for s, d in seats if s == session and d == Discipline.CLINICAL),
            sum(1 for s, d in seats if s == session and d == Discipline.TECHNICAL),
        )
        for session in sessions
    ]
    return plan_gaps(competencies, plan)
