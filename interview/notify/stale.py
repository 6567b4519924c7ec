"""Whether a claimed message is still worth sending. A row can wait a while (a
retry, a stopped run, ``--limit``), and the world moves on: a reminder's scorecard
is submitted, its seat given up, its person opts out; an invitation's seat is
cancelled. Sending then would tell people something no longer true, so the sender
asks here first and cancels the row instead."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import OutboxMessage, OutboxStatus, PanelSeat
from .due import due_reminder, due_seats_query, working_days_setting

LIVE = (OutboxStatus.QUEUED, OutboxStatus.SENDING, OutboxStatus.SENT)


def _parts(key: str) -> tuple[str, int, int] | None:
    """``reminder:12:3`` -> ("reminder", 12, 3); None for other shapes."""
    kind, _, rest = key.partition(":")
    seat, _, number = rest.partition(":")
    if not (seat.isdigit() and number.isdigit()):
        return None
    return kind, int(seat), int(number)


def stale_reason(key: str, now: datetime) -> str | None:
    """Why the message under KEY should no longer go, or None to send it."""
    parts = _parts(key)
    if parts is None:
        return None
    kind, seat_id, number = parts
    if kind == "reminder":
        return _reminder_reason(seat_id, number, now)
    if kind in ("invite", "update"):
        return _invitation_reason(seat_id, number)
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


def _invitation_reason(seat_id: int, sequence: int) -> str | None:
    """A cancellation for the same seat with a higher sequence came after it."""
    keys = db.session.scalars(
        sa.select(OutboxMessage.key).where(
            OutboxMessage.key.like(f"cancel:{seat_id}:%"),
            OutboxMessage.status.in_(LIVE),
        )
    )
    if any((p := _parts(k)) and p[2] > sequence for k in keys):
        return "a later cancellation of this interview replaces it"
    return None
