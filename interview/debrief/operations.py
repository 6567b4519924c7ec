"""The hiring manager's decision: audited, and it closes the loop.

A decision normally follows the last interview. When sessions are still to come (a
time, not ended yet), recording it cancels them: they cannot produce a scorecard any
more (a decided loop's scorecards are frozen), so each seated interviewer gets a
calendar cancellation and the session loses its time, which takes it out of every
Upcoming list and calendar. Nothing written is touched: the seats, and any scorecard
on them, draft or submitted, stay with the loop. Each cancellation is audited
(``loop.session.cancel``, with the time the session had and who was told), and the
loop page reads those entries to say the session was cancelled by the decision.
Reopening the loop gives nothing back by itself: the session stays without a time
until talent acquisition schedules it again, which invites its panel anew.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa

from ..auditing import record
from ..extensions import db
from ..models import (
    AuditEntry,
    DecisionOutcome,
    HiringDecision,
    InterviewSession,
    Loop,
    LoopStatus,
    User,
)
from ..notify import triggers as notify
from ..notify import webhooks
from ..timeutil import utcnow

MIN_RATIONALE = 20
CANCEL_ACTION = "loop.session.cancel"
# No outcome in it: messages never say what was decided.
CANCEL_REASON = (
    "A decision was recorded for this loop, so this interview will not take place."
)


class DecisionError(ValueError):
    """The decision cannot be recorded; the message is shown to the manager."""


def sessions_to_come(loop: Loop, now: datetime | None = None) -> list[InterviewSession]:
    """The loop's sessions that have a time and have not ended: a decision now
    cancels them."""
    now = now or utcnow()
    return [s for s in loop.sessions if s.starts_at is not None and s.ends_at > now]


def to_come_key(sessions: list[InterviewSession]) -> str:
    """The sessions a confirmation covers, as its form carries them back: a session
    moved or re-seated since (its schedule sequence rose) asks again."""
    return ",".join(f"{s.id}:{s.schedule_sequence or 0}" for s in sessions)


def record_decision(
    actor: User, loop: Loop, outcome: str, rationale: str
) -> HiringDecision:
    """Record hire, no hire or hold with its rationale and move the loop to decided,
    cancelling the sessions still to come (the module docstring says how)."""
    if loop.status != LoopStatus.DEBRIEF:
        raise DecisionError(
            f"The loop is {loop.status.value}; a decision is recorded once it is in debrief."
        )
    if len(rationale.strip()) < MIN_RATIONALE:
        raise DecisionError(
            f"Write the rationale behind the decision (at least {MIN_RATIONALE} characters)."
        )
    decision = HiringDecision(
        loop=loop,
        outcome=DecisionOutcome(outcome),
        rationale=rationale.strip(),
        decided_by_id=actor.id,
    )
    db.session.add(decision)
    loop.status = LoopStatus.DECIDED
    cancelled = [
        cancel_session(actor, s) for s in sessions_to_come(loop, loop.closed_at)
    ]
    db.session.flush()
    after = {"status": "decided", "outcome": outcome}
    if cancelled:
        after["sessions_cancelled"] = cancelled
    record(
        actor,
        "loop.decision",
        loop,
        {"status": "debrief"},
        after,
        reason=decision.rationale,
    )
    notify.decision_recorded(decision, actor)  # issue 14: talent acquisition is told
    webhooks.decision_recorded(decision, actor)  # issue 15: and the tracking system
    return decision


def cancel_session(actor: User, session: InterviewSession) -> int:
    """Cancel a session still to come for its panel and clear its time; its id."""
    was = (session.starts_at, session.ends_at)
    # Above every invitation sent, so calendars drop the event.
    session.schedule_sequence = (session.schedule_sequence or 0) + 1
    told = []
    for seat in notify.held(session):
        notify.cancel(seat, seat.interviewer, CANCEL_REASON, was)
        told.append(seat.interviewer_id)
    seated = [
        s.interviewer_id
        for s in session.seats
        if s.removed_at is None and s.interviewer_id
    ]
    record(
        actor,
        CANCEL_ACTION,
        session.loop,
        # The log prints what differs: the session's id on one side only, so it
        # shows; its length and panel on both (the seats stay), so they do not read
        # as taken away.
        {
            "starts_at": was[0].isoformat(),
            "minutes": session.duration_minutes,
            "seated": seated,
        },
        {
            "cancelled_session": session.id,
            "starts_at": None,
            "minutes": session.duration_minutes,
            "seated": seated,
            "via": "decision",
            "told": told,
            "sequence": session.schedule_sequence,
        },
    )
    session.starts_at = None
    return session.id


def cancelled_by_decision(loop: Loop) -> dict[int, tuple[datetime, datetime]]:
    """The loop's sessions a decision cancelled and that have not changed since (no
    time given again, nor taken away again: each moves the schedule sequence on),
    with the (start, end) they had: the loop page says so rather than "not
    scheduled"."""
    untimed = {s.id: s.schedule_sequence for s in loop.sessions if s.starts_at is None}
    if not untimed:
        return {}
    entries = db.session.scalars(
        sa.select(AuditEntry)
        .where(
            AuditEntry.object_type == Loop.__tablename__,
            AuditEntry.object_id == loop.id,
            AuditEntry.action == CANCEL_ACTION,
        )
        .order_by(AuditEntry.id)
    )
    found = {}
    for entry in entries:
        before, after = entry.before or {}, entry.after or {}
        session_id, start = after.get("cancelled_session"), before.get("starts_at")
        sequence = after.get("sequence")
        if session_id in untimed and start and sequence == untimed[session_id]:
            starts = datetime.fromisoformat(start)
            found[session_id] = (starts, starts + timedelta(minutes=before["minutes"]))
    return found
