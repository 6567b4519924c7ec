"""The home pages' queues: loops awaiting a decision, feedback that is late, loops
ready for debrief and loops with gaps.

Each queue is one page (or the first few) of a selection the database filters,
orders and counts up to QUEUE_COUNT_LIMIT, and whatever its rows show besides their
own columns comes in one more query for the whole page: a home page costs the same
statements at any size. Every queue is of loops, oldest first, starting from open
ones found by their status index (migrations 0005 and 0011: ``ix_loops_status``,
``ix_loops_requisition_status``), each checked by EXISTS probes on the loop's
sessions, seats and scorecards (their foreign-key and unique indexes), so its cost
follows the hiring in progress, not the years of decided loops behind it.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import contains_eager, joinedload

from ..extensions import db
from ..loops.operations import requisitions_of
from ..models import (
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

QUEUE_SIZE = 10
# A queue is counted up to this many rows ("more than 100"): the count stops once it
# has found them, rather than reading every open loop to say 2,065.
QUEUE_COUNT_LIMIT = 100
# Loops that may still change: the queues' work (decided and withdrawn are done).
OPEN = (LoopStatus.PLANNED, LoopStatus.INTERVIEWING, LoopStatus.DEBRIEF)
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


def _active_seats_of_loop() -> sa.Select:
    """The seats a loop's panel has now (held or empty), correlated to Loop."""
    return (
        sa.select(PanelSeat.id)
        .join(InterviewSession, PanelSeat.session_id == InterviewSession.id)
        .where(InterviewSession.loop_id == Loop.id, PanelSeat.removed_at.is_(None))
    )


def _submitted(seat_id) -> sa.Exists:
    return sa.exists().where(
        Scorecard.seat_id == seat_id, Scorecard.status == ScorecardStatus.SUBMITTED
    )


def scorecard_tally(loop_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per loop: (scorecards submitted, seats on its panel now), in one query (sent
    for no loop too: the page's statements stay the same). An empty seat counts
    as a scorecard still to come."""
    submitted = sa.func.count(Scorecard.id)
    rows = db.session.execute(
        sa.select(InterviewSession.loop_id, submitted, sa.func.count(PanelSeat.id))
        .join(PanelSeat, PanelSeat.session_id == InterviewSession.id)
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
    tally = {loop_id: (0, 0) for loop_id in loop_ids}
    tally.update({loop_id: (done, seats) for loop_id, done, seats in rows})
    return tally


def manager_queues(manager: User) -> dict:
    """A hiring manager's loops in debrief (theirs to decide) and still
    interviewing (with their scorecards counted), the first few of each."""
    mine = sa.select(Loop).where(Loop.requisition_id.in_(requisitions_of(manager.id)))
    awaiting = _page(mine.where(Loop.status == LoopStatus.DEBRIEF), LOOP_LOADS)
    interviewing = _page(mine.where(Loop.status == LoopStatus.INTERVIEWING), LOOP_LOADS)
    return {
        "awaiting": awaiting,
        "interviewing": interviewing,
        "tally": scorecard_tally([lp.id for lp in interviewing.items]),
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
            ~_submitted(PanelSeat.id),
        )
    )


def _due_by(now: datetime) -> datetime:
    return now - timedelta(hours=current_app.config["FEEDBACK_DUE_HOURS"])


def overdue_feedback(now: datetime, page_arg=None) -> Page:
    """Open loops with feedback overdue, oldest loop first: each stops the scan at
    its first late seat, where listing seats would read every one to sort them."""
    late = _overdue_seats(_due_by(now)).where(InterviewSession.loop_id == Loop.id)
    query = sa.select(Loop).where(Loop.status.in_(OPEN), late.exists())
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
    """Interviewing loops whose every seat has a submitted scorecard (the seat
    still to come is probed first: it rules out almost every loop, and SQLite
    tests the conditions in the order written)."""
    seats = _active_seats_of_loop()
    missing = seats.where(~_submitted(PanelSeat.id))
    query = sa.select(Loop).where(
        Loop.status == LoopStatus.INTERVIEWING, ~missing.exists(), seats.exists()
    )
    return _page(query, LOOP_LOADS, page_arg)


def _empty_seat() -> sa.Exists:
    """An empty seat on the session, correlated to InterviewSession."""
    return sa.exists().where(
        PanelSeat.session_id == InterviewSession.id,
        PanelSeat.removed_at.is_(None),
        PanelSeat.interviewer_id.is_(None),
    )


def loops_with_gaps(page_arg=None) -> Page:
    """Open loops with an empty seat or a session without a time."""
    gap = sa.select(InterviewSession.id).where(
        InterviewSession.loop_id == Loop.id,
        sa.or_(InterviewSession.starts_at.is_(None), _empty_seat()),
    )
    query = sa.select(Loop).where(Loop.status.in_(OPEN), gap.exists())
    return _page(query, LOOP_LOADS, page_arg)


def gaps_of(loop_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per loop: (empty seats, sessions without a time), in one query (sent for no
    loop too)."""
    unscheduled = sa.case((InterviewSession.starts_at.is_(None), InterviewSession.id))
    rows = db.session.execute(
        sa.select(
            InterviewSession.loop_id,
            sa.func.count(PanelSeat.id),
            sa.func.count(sa.distinct(unscheduled)),
        )
        .outerjoin(
            PanelSeat,
            sa.and_(
                PanelSeat.session_id == InterviewSession.id,
                PanelSeat.removed_at.is_(None),
                PanelSeat.interviewer_id.is_(None),
            ),
        )
        .where(InterviewSession.loop_id.in_(loop_ids))
        .group_by(InterviewSession.loop_id)
    ).all()
    found = {loop_id: (0, 0) for loop_id in loop_ids}
    found.update({loop_id: (seats, sessions) for loop_id, seats, sessions in rows})
    return found


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
