"""Feedback reminders: when each is due (a pure rule), and queueing those due now.

The rule, for a seat whose scorecard is not submitted, in the interviewer's own
time zone (``reminder_times``):

* reminder 1 is an hour after the session ends, whatever the day;
* reminders 2 to N+1 fall on each of the next N working days (Monday to Friday
  in that zone) at the same local time of day as the first, N being the
  ``REMINDER_WORKING_DAYS`` setting (3 unless configured).

At a moment ``now`` the reminder due is the latest one whose time has come
(``due_reminder``), unless it is more than a day old: a run after a pause sends
one reminder, not every one missed, and the first run after an upgrade does not
remind people of interviews long past. Reminders stop once the scorecard is
submitted, the seat is given up, or the loop leaves interviewing and debrief;
people who turned reminders off get none (invitations cannot be turned off).

``queue_due`` finds the seats in one statement bounded by time (the partial
index ``ix_panel_seats_starts_at`` on the held seats' start) and queues each
reminder under the key ``reminder:<seat>:<n>``, so running it again, or twice at
once, queues nothing twice.

The message counts what the interviewer actually got (``shown_number``): "Reminder
1 of 4" the first time, and after a pause that skipped one, the next says
"Reminder 1 of 3" (the ones sent or being sent before it, plus itself, of those
plus the ones still to come), never "2 of 4" when it is the first they get.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..loops.schedule import display_zone
from ..models import (
    InterviewSession,
    Loop,
    LoopStatus,
    OutboxMessage,
    OutboxStatus,
    PanelSeat,
    Requisition,
    Scorecard,
    ScorecardStatus,
    User,
)
from ..models.requisitions import Candidate
from ..timeutil import utcnow
from . import messages
from .outbox import enqueue
from .triggers import public_url

FIRST_AFTER = timedelta(hours=1)
STALE_AFTER = timedelta(days=1)
DEFAULT_WORKING_DAYS = 3
MAX_SESSION = timedelta(hours=8)
REMINDED_STATUSES = (LoopStatus.INTERVIEWING, LoopStatus.DEBRIEF)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5  # Monday to Friday


def reminder_times(
    ended_utc: datetime, zone_name: str, working_days: int
) -> list[datetime]:
    """Every reminder's moment (aware, UTC), first to last: see the module's rule."""
    zone = display_zone(zone_name)
    first = ended_utc.astimezone(UTC) + FIRST_AFTER
    local = first.astimezone(zone)
    times, day = [first], local.date()
    while len(times) <= working_days:
        day += timedelta(days=1)
        if is_working_day(day):
            wall = datetime.combine(day, local.time(), tzinfo=zone)
            times.append(wall.astimezone(UTC))
    return times


def due_reminder(
    ended_utc: datetime, zone_name: str, working_days: int, now: datetime
) -> int | None:
    """The number (from 1) of the reminder to send at ``now``, or None."""
    due = [
        (number, moment)
        for number, moment in enumerate(
            reminder_times(ended_utc, zone_name, working_days), 1
        )
        if moment <= now
    ]
    if not due or now - due[-1][1] >= STALE_AFTER:
        return None
    return due[-1][0]


def horizon(working_days: int) -> timedelta:
    """How long after a session starts a reminder can still be due: its length,
    the hour, N working days with their weekends, a day's zone offsets and the
    day before a reminder goes stale."""
    weekends = 2 * (working_days // 5 + 1)
    return MAX_SESSION + FIRST_AFTER + timedelta(days=working_days + weekends + 2)


def working_days_setting() -> int:
    value = current_app.config.get("REMINDER_WORKING_DAYS", DEFAULT_WORKING_DAYS)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(
            f"REMINDER_WORKING_DAYS is {value!r}; give a whole number of days, 0 or"
            " more, such as 3"
        )
    return value


def due_seats_query(now: datetime, working_days: int) -> sa.Select:
    """Held seats of sessions that ended at least an hour ago, within the horizon,
    on loops interviewing or in debrief, without a submitted scorecard, held by
    active people who want reminders: one statement, bounded by the seat's start."""
    submitted = (
        sa.select(Scorecard.id)
        .where(
            Scorecard.seat_id == PanelSeat.id,
            Scorecard.status == ScorecardStatus.SUBMITTED,
        )
        .exists()
    )
    return (
        sa.select(
            PanelSeat.id.label("seat_id"),
            Loop.candidate_id,
            User,
            InterviewSession.title,
            InterviewSession.starts_at,
            InterviewSession.duration_minutes,
            Candidate.name.label("candidate"),
            Requisition.title.label("role"),
        )
        .join(User, User.id == PanelSeat.interviewer_id)
        .join(InterviewSession, InterviewSession.id == PanelSeat.session_id)
        .join(Loop, Loop.id == InterviewSession.loop_id)
        .join(Candidate, Candidate.id == Loop.candidate_id)
        .join(Requisition, Requisition.id == Loop.requisition_id)
        .where(
            # The partial index's own predicate, then its bounded range.
            PanelSeat.removed_at.is_(None),
            PanelSeat.interviewer_id.is_not(None),
            PanelSeat.starts_at > now - horizon(working_days),
            PanelSeat.starts_at < now - FIRST_AFTER,
            Loop.status.in_(REMINDED_STATUSES),
            User.is_active.is_(True),
            User.wants_reminders.is_(True),
            ~submitted,
        )
        .order_by(PanelSeat.starts_at, PanelSeat.id)
    )


def queue_due(now: datetime | None = None) -> int:
    """Queue the feedback reminders due at ``now`` and commit; how many were queued."""
    now = now or utcnow()
    days = working_days_setting()
    due = []
    for row in db.session.execute(due_seats_query(now, days)):
        ended = row.starts_at + timedelta(minutes=row.duration_minutes)
        number = due_reminder(ended, row.User.time_zone, days, now)
        if number is not None:
            due.append((f"reminder:{row.seat_id}:{number}", number, ended, row))
    queued, went = set(), {}
    if due:  # messages are built only for keys not queued before
        keys = [key for key, *_ in due]
        queued = set(
            db.session.scalars(
                sa.select(OutboxMessage.key).where(OutboxMessage.key.in_(keys))
            )
        )
        went = _went([row.seat_id for key, *_, row in due if key not in queued], days)
    count = 0
    for key, number, ended, row in due:
        if key not in queued:
            earlier = sum(1 for n in went.get(row.seat_id, ()) if n < number)
            shown, of = shown_number(number, earlier, days)
            message = _reminder(row, shown, of, ended)
            count += enqueue(
                key, message, recipient=row.User, candidate_id=row.candidate_id
            )
    db.session.commit()
    return count


def shown_number(number: int, earlier: int, working_days: int) -> tuple[int, int]:
    """(n, of) for "Reminder n of of": reminder NUMBER of the schedule, after
    EARLIER reminders the interviewer got, of those, this one and the ones still
    to come after it."""
    later = working_days + 1 - number
    return earlier + 1, earlier + 1 + later


def _went(seat_ids: list[int], days: int) -> dict[int, list[int]]:
    """The reminders each seat's interviewer got (sent, or being sent: it may have
    gone), by number. A reminder still queued from before is not counted: it is
    no longer the one due and is cancelled unsent (notify/stale.py)."""
    if not seat_ids:
        return {}
    keys = [f"reminder:{seat}:{n}" for seat in seat_ids for n in range(1, days + 2)]
    went: dict[int, list[int]] = {}
    rows = db.session.scalars(
        sa.select(OutboxMessage.key).where(
            OutboxMessage.key.in_(keys),
            OutboxMessage.status.in_((OutboxStatus.SENT, OutboxStatus.SENDING)),
        )
    )
    for key in rows:
        _, seat, number = key.split(":")
        went.setdefault(int(seat), []).append(int(number))
    return went


def _reminder(row, number: int, of: int, ended: datetime):
    user = row.User
    return messages.feedback_reminder(
        to=messages.Person(user.name, user.email, user.time_zone),
        sender=current_app.config["MAIL_FROM"],
        candidate=row.candidate,
        role=row.role,
        session_title=row.title,
        ended_utc=ended,
        kit_url=public_url(f"/interviews/{row.seat_id}"),
        number=number,
        of=of,
    )
