"""The outbox's part of erasing a candidate (lifecycle/erasure.py, in its
transaction): every message about them is blanked and none queued is sent, except
what interviewers' calendars need. A cancellation still queued, or an update whose
interviewer's calendar holds the event, would leave a meeting there for an
interview that will never happen: it goes as an anonymous cancellation instead,
with the same UID and SEQUENCE and no name, title or place."""

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app
from icalendar import Calendar

from ..extensions import db
from ..models import OutboxMessage, OutboxStatus, User
from ..timeutil import utcnow
from . import messages
from .outbox import WIRE, blank, complete_headers, enqueue
from .triggers import holds_event

ERASED = "its candidate was erased"


def forget_candidate(candidate_id: int) -> int:
    """Cancel and blank the candidate's messages; queue an anonymous cancellation
    for each calendar that holds one of their interviews. How many were queued."""
    about = OutboxMessage.candidate_id == candidate_id
    queued = db.session.execute(
        sa.select(
            OutboxMessage.id,
            OutboxMessage.key,
            OutboxMessage.message,
            OutboxMessage.recipient_id,
        )
        .where(about, OutboxMessage.status == OutboxStatus.QUEUED)
        .order_by(OutboxMessage.id)
    ).all()
    still_due = [
        (row.id, row.key, row.message, row.recipient_id)
        for row in queued
        if _calendar_needs(row.key)
    ]
    db.session.execute(
        sa.update(OutboxMessage)
        .where(about, OutboxMessage.status == OutboxStatus.QUEUED)
        .values(status=OutboxStatus.CANCELLED, last_error=ERASED)
    )
    blank(about)
    return sum(_cancel_anonymously(*due) for due in still_due)


def _parts(key: str) -> tuple[str, int, int] | None:
    kind, _, rest = key.partition(":")
    seat, _, sequence = rest.partition(":")
    if kind in ("invite", "cancel") and seat.isdigit() and sequence.isdigit():
        return kind, int(seat), int(sequence)
    return None


def _calendar_needs(key: str) -> bool:
    """A queued cancellation (queued only for a calendar holding the event), or
    an invitation or update for a calendar that holds it from an earlier one."""
    parts = _parts(key)
    if parts is None:
        return False
    kind, seat, sequence = parts
    return kind == "cancel" or holds_event(seat, sequence)


def _cancel_anonymously(
    row_id: int, key: str, stored: bytes, recipient_id: int | None
) -> bool:
    """Queue the anonymous cancellation of a stored calendar message: in the
    cancellation's own row, or under ``cancel:<seat>:<sequence>`` for an update."""
    kind, seat, sequence = _parts(key)
    original = message_from_bytes(bytes(stored), policy=policy.default)
    event = _event(original)
    if event is None:
        return False
    person = db.session.get(User, recipient_id) if recipient_id else None
    to = original["To"].addresses[0]
    message = messages.anonymous_cancellation(
        uid=str(event["UID"]),
        sequence=int(event.decoded("SEQUENCE", 0)),
        start_utc=_utc(event.decoded("DTSTART")),
        end_utc=_utc(event.decoded("DTEND")),
        to=messages.Person(
            person.name if person else to.display_name,
            to.addr_spec,
            person.time_zone if person else "UTC",
        ),
        sender=current_app.config["MAIL_FROM"],
        stamp_utc=utcnow(),
    )
    if kind == "invite":
        return enqueue(f"cancel:{seat}:{sequence}", message, recipient=person)
    complete_headers(message)
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(  # only a row this erasure withdrew: not one a run claimed meanwhile
            OutboxMessage.id == row_id,
            OutboxMessage.status == OutboxStatus.CANCELLED,
            OutboxMessage.last_error == ERASED,
        )
        .values(
            status=OutboxStatus.QUEUED,
            candidate_id=None,
            subject=str(message["Subject"]),
            message=message.as_bytes(policy=WIRE),
            last_error=None,
        )
    )
    return result.rowcount == 1


def _event(message: EmailMessage):
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            content = part.get_content()
            content = content.encode() if isinstance(content, str) else content
            events = Calendar.from_ical(content).walk("VEVENT")
            return events[0] if events else None
    return None


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
