"""The home pages' queues: loops awaiting a decision, feedback that is late, loops
ready for debrief and loops with gaps.

Each queue is one page (or the first few) of a selection the database filters,
orders and counts up to QUEUE_COUNT_LIMIT, and whatever its rows show besides their
own columns comes in a few more queries for the whole page: a home page costs the
same statements at any size. Every queue is of loops, oldest first. The hiring
manager's start from their requisitions' loops by status (migration 0011's
``ix_loops_requisition_status``). Talent acquisition's three read each loop's stored
state from a partial index (readiness.py and gaps.py: ready for debrief, migration
0025; gaps and feedback owed, 0026): probing every open loop's sessions, seats,
competencies and scorecards to find the few in a queue read thousands of pages at
scale.
"""

from datetime import datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import contains_eager, joinedload

from ..extensions import db
from ..loops.operations import requisitions_of
from ..models import (
    HiringDecision,
    InterviewSession,
    Loop,
    LoopStatus,
    PanelSeat,
    Requisition,
    Scorecard,
    ScorecardStatus,
    User,
)
from ..paging import Page, bounded, clamp, offset, page_request
from .gaps import submitted

QUEUE_SIZE = 10
# A queue is counted up to this many rows ("more than 100"): the count stops once it
# has found them, rather than reading every open loop to say 2,065.
QUEUE_COUNT_LIMIT = 100
LOOP_LOADS = (
    joinedload(Loop.candidate),
    joinedload(Loop.requisition).joinedload(Requisition.hiring_manager),
)


def _page(query: sa.Select, load, page_arg=None) -> Page:
    """The requested page (``page_arg``, else the first) of QUEUE_SIZE loops, or the
    nearest that exists. One statement finds the first QUEUE_COUNT_LIMIT + 1
    matching loop ids, oldest first, which give the count and the page; a second
    loads the page's rows by id. Counting and then paging the same conditions ran
    the queue's probes twice (ready for debrief reads every interviewing loop)."""
    limit = QUEUE_COUNT_LIMIT
    ids = query.with_only_columns(Loop.id).order_by(Loop.id).limit(limit + 1)
    found = db.session.scalars(ids).all()
    total, more = bounded(len(found), limit)
    wanted = page_request({"page": page_arg}, ["queue"], sizes=(QUEUE_SIZE,))
    wanted = clamp(wanted, total)
    start = offset(wanted)  # the page stops where the count did
    shown = found[start : min(start + QUEUE_SIZE, total)]
    rows = sa.select(Loop).where(Loop.id.in_(shown)).order_by(Loop.id)
    items = db.session.scalars(rows.options(*load)).unique().all()
    return Page(items, wanted.page, wanted.size, total, wanted.sort, more)


class Tally(NamedTuple):
    """A loop's scorecards counted for the home page."""

    done: int  # submitted, on the seats of its panel now
    seats: int  # seats on its panel now, an empty one included (still to come)
    expected: int  # the seats the debrief waits for (debrief/synthesis/expected.py)


def _expected_seat() -> sa.ColumnElement[bool]:
    """The debrief's rule (synthesis/expected.py, ``is_expected``) in SQL, for a
    seat on the panel now: held, and its scorecard submitted or its interview
    happened or due (a time before the loop closed; no time only while the loop
    is open and no decision was ever recorded: a decision cancels by clearing)."""
    starts = InterviewSession.starts_at
    open_ = Loop.closed_at.is_(None)
    decided = sa.exists().where(HiringDecision.loop_id == Loop.id)
    return sa.and_(
        PanelSeat.interviewer_id.is_not(None),
        sa.or_(
            Scorecard.id.is_not(None),
            sa.and_(starts.is_not(None), sa.or_(open_, starts < Loop.closed_at)),
            sa.and_(starts.is_(None), open_, ~decided),
        ),
    )


def scorecard_tally(loop_ids: list[int]) -> dict[int, Tally]:
    """Per loop: its scorecards submitted, the seats on its panel now and the seats
    the debrief waits for (``Tally``), in one query (sent for no loop too: the
    page's statements stay the same)."""
    rows = db.session.execute(
        sa.select(
            InterviewSession.loop_id,
            sa.func.count(Scorecard.id),
            sa.func.count(PanelSeat.id),
            sa.func.count(sa.case((_expected_seat(), PanelSeat.id))),
        )
        .join(PanelSeat, PanelSeat.session_id == InterviewSession.id)
        .join(Loop, Loop.id == InterviewSession.loop_id)
        .outerjoin(
            Scorecard,
            sa.and_(
                Scorecard.seat_id == PanelSeat.id,
                Scorecard.status == ScorecardStatus.SUBMITTED,
            ),
        )
        .where(InterviewSession.loop_id.in_(loop_ids), PanelSeat.removed_at.is_(None))
        .group_by(InterviewSession.loop_id)
    ).all()
    tally = {loop_id: Tally(0, 0, 0) for loop_id in loop_ids}
    tally.update({row[0]: Tally(*row[1:]) for row in rows})
    return tally


def manager_queues(manager: User) -> dict:
    """A hiring manager's loops in debrief (theirs to decide) and still
    interviewing, the first few of each, with their scorecards counted (one
    query for both lists)."""
    mine = sa.select(Loop).where(Loop.requisition_id.in_(requisitions_of(manager.id)))
    awaiting = _page(mine.where(Loop.status == LoopStatus.DEBRIEF), LOOP_LOADS)
    interviewing = _page(mine.where(Loop.status == LoopStatus.INTERVIEWING), LOOP_LOADS)
    shown = [lp.id for lp in (*awaiting.items, *interviewing.items)]
    return {
        "awaiting": awaiting,
        "interviewing": interviewing,
        "tally": scorecard_tally(shown),
    }


def _overdue_seats(due_by: datetime) -> sa.Select:
    """Held seats whose scorecard is not submitted FEEDBACK_DUE_HOURS after the
    session ended (the loop page's "overdue"); ``due_by`` is now less those hours."""
    return (
        sa.select(PanelSeat)
        .join(InterviewSession, PanelSeat.session_id == InterviewSession.id)
        .where(
            PanelSeat.removed_at.is_(None),
            PanelSeat.interviewer_id.is_not(None),
            InterviewSession.starts_at.is_not(None),
            InterviewSession.ends_at < due_by,
            ~submitted(PanelSeat.id),
        )
    )


def _due_by(now: datetime) -> datetime:
    return now - timedelta(hours=current_app.config["FEEDBACK_DUE_HOURS"])


def overdue_feedback(now: datetime, page_arg=None) -> Page:
    """Open loops with feedback overdue, oldest loop first: those that have owed a
    scorecard since before the due time, by their stored state (gaps.py), read
    from the partial index ``ix_loops_feedback_owed``."""
    query = sa.select(Loop).where(Loop.feedback_owed_since < _due_by(now))
    return _page(query, LOOP_LOADS, page_arg)


def overdue_seats_of(loop_ids: list[int], now: datetime) -> dict[int, list]:
    """Per loop, its late seats (who, which session, how late: the longest first),
    in one query (sent for no loop too)."""
    seats = db.session.scalars(
        _overdue_seats(_due_by(now))
        .where(InterviewSession.loop_id.in_(loop_ids))
        .options(
            contains_eager(PanelSeat.session),
            joinedload(PanelSeat.interviewer),
            joinedload(PanelSeat.scorecard).load_only(Scorecard.status),
        )
        .order_by(InterviewSession.ends_at, PanelSeat.id)
    ).all()
    found: dict[int, list] = {loop_id: [] for loop_id in loop_ids}
    for seat in seats:
        found[seat.session.loop_id].append(seat)
    return found


def ready_for_debrief(page_arg=None) -> Page:
    """Interviewing loops whose every seat has a submitted scorecard: their stored
    state (readiness.py), read from the partial index ``ix_loops_ready``."""
    query = sa.select(Loop).where(Loop.ready_for_debrief)
    return _page(query, LOOP_LOADS, page_arg)


def loops_with_gaps(page_arg=None) -> Page:
    """Open loops with an empty seat, a session without a time or a competency no
    session covers: their stored state (gaps.py), read from ``ix_loops_gaps``."""
    query = sa.select(Loop).where(Loop.has_gaps)
    return _page(query, LOOP_LOADS, page_arg)


def due_at(session: InterviewSession) -> datetime:
    """When the session's scorecards were due: FEEDBACK_DUE_HOURS after its end."""
    return session.ends_at + timedelta(hours=current_app.config["FEEDBACK_DUE_HOURS"])


UNITS = (("day", 24 * 60), ("hour", 60), ("minute", 1))


def lateness(late: timedelta) -> str:
    """How late, in the largest whole unit: "3 days", "1 hour", "20 minutes"."""
    minutes = max(0, int(late.total_seconds() // 60))
    unit, size = next((u, s) for u, s in UNITS if minutes >= s or s == 1)
    n = minutes // size
    return f"{n:,} {unit}{'s' if n != 1 else ''}"
