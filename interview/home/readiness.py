"""Whether each loop is ready for debrief: ``loops.ready_for_debrief`` (migration
0025), kept by the database session, so talent acquisition's queue reads a handful
of rows of a partial index instead of probing every interviewing loop's seats
(1,260 loops, some 24,000 index pages, to find 5 at scale).

A loop is ready for debrief when it is interviewing, its panel has at least one
seat now (not removed) and every such seat, held or empty, has a submitted
scorecard. The same mechanism keeps the loop's gaps and the feedback it owes
(``has_gaps``, ``feedback_owed_since``, migration 0026: gaps.py), one UPDATE for all.

What can change that goes through the ORM: a loop's status, a seat added, removed,
moved or (re)seated, a session added, deleted, rescheduled or given other
competencies, a scorecard submitted, deleted or taken back to draft.
Every flush notes the loops such changes touch (or the sessions and seats that lead
to them); before the transaction commits their rows are locked, in id order, and
computed again from the rows in one UPDATE. The lock (FOR NO KEY UPDATE: it
does not wait for the KEY SHARE lock a concurrent seat or session insert holds on
its loop, which would deadlock with that insert's own commit) is what keeps two interviewers
submitting a loop's last two scorecards at once right on PostgreSQL's READ
COMMITTED: the second waits for the first to commit, and its UPDATE, a new
statement, then reads both scorecards. SQLite runs one writer at a time. The kit's
writes (scorecards/loading.py) take the same lock on the loop when they read the
seat, so they never hold a weaker one to raise at commit (two such deadlocked).
What a rolled back transaction noted is forgotten with it.

Writes that go around the ORM (bench/scale_data.py's bulk load, a Core insert) call
``rebuild`` afterwards, as the migration's backfill does.
"""

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import (
    InterviewSession,
    Loop,
    LoopStatus,
    PanelSeat,
    Scorecard,
    ScorecardStatus,
)
from .gaps import feedback_owed_since, has_gaps, submitted

PENDING = "interview.home.readiness"


def active_seats_of_loop() -> sa.Select:
    """The seats a loop's panel has now (held or empty), correlated to Loop."""
    return (
        sa.select(PanelSeat.id)
        .join(InterviewSession, PanelSeat.session_id == InterviewSession.id)
        .where(InterviewSession.loop_id == Loop.id, PanelSeat.removed_at.is_(None))
    )


def ready() -> sa.ColumnElement[bool]:
    """The loop is ready for debrief, computed from its rows; correlated to Loop.
    The seat still to come is probed before the seat at all: it rules out almost
    every interviewing loop, and SQLite tests the conditions in the order written."""
    seats = active_seats_of_loop()
    missing = seats.where(~submitted(PanelSeat.id))
    return sa.and_(
        Loop.status == LoopStatus.INTERVIEWING, ~missing.exists(), seats.exists()
    )


def stored_states() -> dict[str, sa.ColumnElement]:
    """Each stored column of a loop and the expression that computes it (gaps.py:
    its gaps and the feedback it owes)."""
    return {
        "ready_for_debrief": ready(),
        "has_gaps": has_gaps(),
        "feedback_owed_since": feedback_owed_since(),
    }


def refresh(session: Session, loop_ids=None) -> None:
    """Compute the stored states again for ``loop_ids`` (every loop if None), in one
    UPDATE that writes only the rows it changes; updated_at and the version stay."""
    states = stored_states()
    changed = [getattr(Loop, name).is_distinct_from(e) for name, e in states.items()]
    update = sa.update(Loop).where(sa.or_(*changed))
    if loop_ids is not None:
        update = update.where(Loop.id.in_(loop_ids))
    session.execute(
        update.values(**states, updated_at=Loop.updated_at),
        execution_options={"synchronize_session": False},
    )


def rebuild(session: Session) -> None:
    """Every loop's stored state from its rows (after a bulk load)."""
    refresh(session)


# What of a seat or a session the stored states read (a seat's scorecard aside).
SEAT_FACTS = ("removed_at", "session_id", "session", "interviewer_id", "discipline")
SESSION_FACTS = (
    "loop_id",
    "loop",
    "seats",
    "starts_at",
    "duration_minutes",
    "competencies",
)


def _changed(state, *names) -> bool:
    return any(state.attrs[name].history.has_changes() for name in names)


def _ids(obj, *names) -> set:
    """The ids in the attributes now and before this flush (read from the database
    when not loaded, so a row about to be deleted is read before it goes)."""
    state = sa.inspect(obj)
    found = set()
    for name in names:
        found.add(getattr(obj, name))
        found.update(state.attrs[name].history.deleted)
    return {i for i in found if i is not None}


def _submitted_then_or_now(obj) -> bool:
    history = sa.inspect(obj).attrs.status.history
    return ScorecardStatus.SUBMITTED in (obj.status, *history.deleted)


def _pending(session: Session) -> tuple[set, set, set]:
    return session.info.setdefault(PENDING, (set(), set(), set()))


def _note(session: Session, obj, gone_or_new: bool) -> None:
    """Note the loop, session or seat whose loop's state may change with ``obj``."""
    if not isinstance(obj, (Loop, PanelSeat, Scorecard, InterviewSession)):
        return
    loops, sessions, seats = _pending(session)
    state = sa.inspect(obj)
    if isinstance(obj, Loop):
        if obj not in session.deleted and (gone_or_new or _changed(state, "status")):
            loops.add(obj.id)
    elif isinstance(obj, PanelSeat):
        if gone_or_new or _changed(state, *SEAT_FACTS):
            sessions |= _ids(obj, "session_id")
    elif isinstance(obj, Scorecard):
        if (
            _submitted_then_or_now(obj)
            if gone_or_new
            else _changed(state, "status", "seat_id", "seat")
        ):
            seats |= _ids(obj, "seat_id")
    elif gone_or_new or _changed(state, *SESSION_FACTS):
        loops |= _ids(obj, "loop_id")


@sa.event.listens_for(Session, "before_flush")
def _note_deletions(session: Session, _context, _instances) -> None:
    """What is deleted is read now, while its row is there to read."""
    for obj in session.deleted:
        _note(session, obj, gone_or_new=True)


@sa.event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context) -> None:
    """New and changed rows, once written (their ids known); the session's new and
    dirty objects and their history are still the flush's here."""
    for obj in session.new:
        _note(session, obj, gone_or_new=True)
    for obj in session.dirty:
        _note(session, obj, gone_or_new=False)


@sa.event.listens_for(Session, "before_commit")
def _refresh_changed_loops(session: Session) -> None:
    """Lock the loops this transaction may have changed and compute them again."""
    session.flush()
    pending = session.info.pop(PENDING, None)
    if not pending or not any(pending):
        return
    loops, sessions, seats = pending
    of_sessions = sa.select(InterviewSession.loop_id).where(
        InterviewSession.id.in_(sessions)
    )
    of_seats = (
        sa.select(InterviewSession.loop_id)
        .join(PanelSeat, PanelSeat.session_id == InterviewSession.id)
        .where(PanelSeat.id.in_(seats))
    )
    found = sa.or_(Loop.id.in_(loops), Loop.id.in_(of_sessions), Loop.id.in_(of_seats))
    locked = session.scalars(
        sa.select(Loop.id)
        .where(found)
        .order_by(Loop.id)
        .with_for_update(key_share=True)
    ).all()
    if locked:
        refresh(session, locked)


@sa.event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction) -> None:
    """A rolled back change's loops are not locked nor computed by the next commit
    (a refused write, then another commit in the same request). A savepoint's
    rollback keeps them: computing a loop again is never wrong, only extra work."""
    if previous_transaction.parent is None:
        session.info.pop(PENDING, None)
