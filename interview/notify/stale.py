"""Whether a claimed message is still worth sending. A row can wait a while (a
retry, a stopped run, ``--limit``), and the world moves on: a reminder's scorecard
is submitted, its seat given up, its person opts out; an invitation's seat is
cancelled. Sending then would tell people something no longer true, so the sender
asks here first and cancels the row instead."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import HiringDecision, OutboxMessage, OutboxStatus, PanelSeat
from .due import due_reminder, due_seats_query, working_days_setting

# A newer calendar message in these states reaches the calendar (or may have).
GOING = (OutboxStatus.QUEUED, OutboxStatus.SENDING, OutboxStatus.SENT)


def _parts(key: str) -> tuple[str, int, int] | None:
    """``reminder:12:3`` -> ("reminder", 12, 3); None for other shapes."""
    kind, _, rest = key.partition(":")
    seat, _, number = rest.partition(":")
    if not (seat.isdigit() and number.isdigit()):
        return None
    return kind, int(seat), int(number)


def stale_reason(key: str, now: datetime) -> str | None:
    """Why the message under KEY should no longer go, or None to send it."""
    if key.startswith(WEBHOOK_DECISION):  # issue 15: the decision webhook
        return _superseded_reason(key.removeprefix(WEBHOOK_DECISION))
    parts = _parts(key)
    if parts is None:
        return None
    kind, seat_id, number = parts
    if kind == "reminder":
        return _reminder_reason(seat_id, number, now)
    if kind in ("invite", "update", "cancel"):
        return _invitation_reason(kind, seat_id, number)
    return None


def _reminder_reason(seat_id: int, number: int, now: datetime) -> str | None:
    """The reminder must still be the one due.py's rule gives at NOW."""
    days = working_days_setting()
    row = db.session.execute(
        due_seats_query(now, days).where(PanelSeat.id == seat_id)
    ).first()
    if row is not None:
        ended = row.starts_at + timedelta(minutes=row.duration_minutes)
        if due_reminder(ended, row.User.time_zone, days, now) == number:
            return None
        return "no longer due (a later reminder replaces it, or it is over a day old)"
    return (
        "no longer due: the scorecard was submitted, the seat given up, the loop"
        " moved on, or the interviewer turned reminders off"
    )


def _invitation_reason(kind: str, seat_id: int, sequence: int) -> str | None:
    """Whether a newer state of the seat (an invitation, update or cancellation
    with a higher sequence) replaces this one: a retried or requeued older message
    sent now would undo it on the calendar.

    A newer message queued, being sent or sent replaces any older one: it brings
    the calendar to the newer state. When every newer one failed for good or was
    withdrawn unsent (none reaches the calendar), an older invitation or update is
    still stale: its content (a time, a place) is out of date, and sending an old
    time is worse than nothing (the failure shows in ``notify status``, and a
    requeue sends the newest). An older cancellation then still goes, since the
    calendar holds the event until it does (a newer cancellation withdrawn as
    'nothing to cancel' counted on it, and a newer invitation that failed never
    put the event's new state there)."""
    rows = db.session.execute(
        sa.select(OutboxMessage.key, OutboxMessage.status).where(
            OutboxMessage.key.like(f"cancel:{seat_id}:%")
            | OutboxMessage.key.like(f"invite:{seat_id}:%"),
        )
    )
    later = sorted(
        (parts[2], key, status)
        for key, status in rows
        if (parts := _parts(key)) and parts[2] > sequence
    )
    going = [key for _, key, status in later if status in GOING]
    if going:
        return f"a later state of this interview ({going[-1]}) replaces it"
    if later and kind != "cancel":
        newest = later[-1][1]
        return f"a later state of this interview ({newest}) replaces it"
    return None


WEBHOOK_DECISION = "webhook:decision:"


def _superseded_reason(decision_id: str) -> str | None:
    """A decision's event waiting (a retry) when a later decision on its loop was
    recorded (reopened, decided again) would reach the tracking system after the
    later one's: it is cancelled, so the last event received is the decision in force."""
    if not (decision_id.isascii() and decision_id.isdigit()):
        return None
    loop_id = sa.select(HiringDecision.loop_id).where(
        HiringDecision.id == int(decision_id)
    )
    newer = db.session.scalar(
        sa.select(sa.func.count(HiringDecision.id)).where(
            HiringDecision.loop_id == loop_id.scalar_subquery(),
            HiringDecision.id > int(decision_id),
        )
    )
    return "a later decision on the loop replaces it" if newer else None
