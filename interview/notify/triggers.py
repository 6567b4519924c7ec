"""What queues a message: called by the operations that change a panel, a session's
time, a loop's status or record a decision, in their transaction (no commit here).

Each message's key names its event, so the event queues it once:
``invite:<seat>:<sequence>`` and ``cancel:<seat>:<sequence>`` (the session's
schedule sequence, raised by every change an interviewer's calendar must follow),
``debrief:<loop>:<loop version>`` and ``decision:<decision>:<recipient>``.
Calendar messages are only sent for sessions that have not ended yet.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from email import message_from_bytes, policy

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from icalendar import Calendar
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import (
    HiringDecision,
    Installation,
    InterviewSession,
    Loop,
    OutboxMessage,
    OutboxStatus,
    PanelSeat,
    Role,
    ScorecardStatus,
    User,
)
from ..timeutil import utcnow
from . import messages
from .outbox import enqueue


def public_url(path: str) -> str:
    """An absolute link for a message (``PUBLIC_BASE_URL``: no request to ask)."""
    base = current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000"
    return base.rstrip("/") + path


def _sender() -> str:
    return current_app.config["MAIL_FROM"]


def _person(user: User) -> messages.Person:
    return messages.Person(user.name, user.email, user.time_zone)


def _about(loop: Loop) -> int:
    """The candidate a loop's messages name (their erasure blanks them)."""
    return loop.candidate_id


def calendar_uid(session_id: int) -> str:
    """The UID of the session's calendar event, in every message and invite.ics.

    A session the database held before it had an installation key (migration
    0028) may be in calendars as ``session-<id>@interview``: it keeps that UID, so
    its updates and cancellations replace the event sent; later ones name the
    deployment (messages.session_uid)."""
    key, old_uids_upto = _installation()
    legacy = session_id <= old_uids_upto
    return messages.session_uid(session_id, None if legacy else key)


_INSTALLATION = sa.select(Installation.key, Installation.old_uids_upto).where(
    Installation.id == 1
)


def _installation() -> tuple[str, int]:
    """This deployment's key and ``old_uids_upto``. Migration 0028 makes the row;
    one found missing (a database emptied table by table) is made again with a new
    key: in the caller's transaction, or for a page view, whose own never writes,
    in one of its own (as auditing.record_read)."""
    row = db.session.execute(_INSTALLATION).first()
    if row is not None:
        return row.key, row.old_uids_upto
    if has_request_context() and request.method in ("GET", "HEAD"):
        engine = db.engine
        if engine.dialect.name == "postgresql":
            # Named, so the page view's autocommit switch leaves this one alone.
            engine = engine.execution_options(isolation_level="READ COMMITTED")
        with engine.begin() as connection:
            connection.execute(_make_installation(connection.dialect.name))
            row = connection.execute(_INSTALLATION).one()
    else:
        db.session.execute(_make_installation(db.session.get_bind().dialect.name))
        row = db.session.execute(_INSTALLATION).one()
    return row.key, row.old_uids_upto


def _make_installation(dialect: str):
    """INSERT the row unless another transaction made it meanwhile."""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    # Sessions made so far may have had events sent under the old form (or under a
    # key now lost): they keep the old form rather than take a UID no calendar
    # knows, as migration 0028 does; only sessions made from here get the new key.
    upto = sa.select(sa.func.coalesce(sa.func.max(InterviewSession.id), 0))
    values = {"id": 1, "key": uuid.uuid4().hex, "old_uids_upto": upto.scalar_subquery()}
    return (
        insert(Installation.__table__)
        .values(**values, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["id"])
    )


def _facts(session: InterviewSession, was=None) -> messages.SessionFacts:
    """The session as calendars should now hold it (``was``: the (start, end) it
    had, for a cancellation of a session that no longer has a time)."""
    loop = session.loop
    start, end = was or (session.starts_at, session.ends_at)
    return messages.SessionFacts(
        session_id=session.id,
        sequence=session.schedule_sequence or 0,
        title=session.title,
        candidate=loop.candidate.name,
        role=loop.requisition.title,
        start_utc=start,
        end_utc=end,
        location=session.location or "",
        video_url=session.video_url or "",
        uid=calendar_uid(session.id),
    )


def on_calendar(session: InterviewSession) -> bool:
    """Whether interviewers' calendars hold this session: it has a time, not past."""
    return session.starts_at is not None and session.ends_at > utcnow()


def held(session: InterviewSession) -> list[PanelSeat]:
    """Seats whose interviewer gets the session's mail: a deactivated person
    still seated gets none."""
    return [
        s
        for s in session.seats
        if s.removed_at is None
        and s.interviewer is not None
        and s.interviewer.is_active
    ]


def invite(seat: PanelSeat, *, update: bool = False) -> bool:
    """Queue the seat's invitation (or its update) at the session's sequence. An
    update to someone who never got the invitation (it was still queued, and is
    replaced) is their invitation."""
    session = seat.session
    sequence = session.schedule_sequence or 0
    key = f"invite:{seat.id}:{sequence}"
    replace_older(seat.id, sequence, key)
    message = messages.invitation(
        _facts(session),
        to=_person(seat.interviewer),
        sender=_sender(),
        kit_url=public_url(f"/interviews/{seat.id}"),
        stamp_utc=utcnow(),
        update=update and holds_event(seat.id, sequence),
    )
    return enqueue(
        key, message, recipient=seat.interviewer, candidate_id=_about(session.loop)
    )


def cancel(seat: PanelSeat, interviewer: User, reason: str, was=None) -> bool:
    """Queue a cancellation of the session for someone who held this seat; none
    goes to someone whose invitation never went (it was still queued)."""
    session = seat.session
    sequence = session.schedule_sequence or 0
    key = f"cancel:{seat.id}:{sequence}"
    replace_older(seat.id, sequence, key)
    # "Was:" is the time their calendar holds: the last invitation or update that
    # went to them, not a later move still queued and now withdrawn unsent.
    was = received_times(seat.id, interviewer, sequence) or was
    message = messages.cancellation(
        _facts(session, was),
        to=_person(interviewer),
        sender=_sender(),
        stamp_utc=utcnow(),
        reason=reason,
    )
    added = enqueue(
        key, message, recipient=interviewer, candidate_id=_about(session.loop)
    )
    if added and not holds_event(seat.id, sequence):
        _withdraw([key], NOTHING_TO_CANCEL)
    return added


CALENDAR_KINDS = ("invite", "cancel")
QUEUED, SENDING, SENT = OutboxStatus.QUEUED, OutboxStatus.SENDING, OutboxStatus.SENT
NOTHING_TO_CANCEL = (
    "no invitation for this seat was sent, so there is nothing to cancel"
)


def _calendar_rows(seat_id: int, upto: int, statuses) -> list[tuple[int, str]]:
    """(sequence, key) of the seat's invitations, updates and cancellations up to
    sequence UPTO in these statuses, oldest first: exact keys, so the outbox's
    unique index finds them."""
    keys = [f"{k}:{seat_id}:{n}" for n in range(upto + 1) for k in CALENDAR_KINDS]
    found = db.session.scalars(
        sa.select(OutboxMessage.key).where(
            OutboxMessage.key.in_(keys), OutboxMessage.status.in_(statuses)
        )
    )
    return sorted((int(k.rpartition(":")[2]), k) for k in found)


def replace_older(seat_id: int, sequence: int, key: str) -> int:
    """Cancel, unsent, the seat's calendar messages still queued from an earlier
    sequence: the one queued now says what the interviewer's calendar must hold
    (same UID, a higher SEQUENCE), so they get the latest state only."""
    older = [k for _, k in _calendar_rows(seat_id, sequence - 1, (QUEUED,))]
    return _withdraw(older, f"replaced by {key} before it was sent")


def holds_event(seat_id: int, sequence: int) -> bool:
    """Whether the interviewer's calendar holds the event by our mail: the last
    calendar message for this seat that went (or may have: claimed) before
    SEQUENCE was an invitation or update, not a cancellation."""
    went = _calendar_rows(seat_id, sequence - 1, (SENT, SENDING))
    return bool(went) and went[-1][1].startswith("invite:")


def received_times(
    seat_id: int, interviewer: User, sequence: int
) -> tuple[datetime, datetime] | None:
    """The (start, end) of the seat's last invitation or update before SEQUENCE
    that went (or may have: claimed) to INTERVIEWER, read from its stored event;
    None when none did or its text was blanked."""
    went = _calendar_rows(seat_id, sequence - 1, (SENT, SENDING))
    keys = [k for _, k in went if k.startswith("invite:")]
    rows = db.session.execute(
        sa.select(OutboxMessage.key, OutboxMessage.message).where(
            OutboxMessage.key.in_(keys), OutboxMessage.recipient_id == interviewer.id
        )
    ).all()
    stored = dict(rows)
    for key in reversed(keys):
        times = _event_times(stored.get(key))
        if times is not None:
            return times
    return None


def _event_times(stored: bytes | None) -> tuple[datetime, datetime] | None:
    """DTSTART and DTEND of a stored message's calendar event, in UTC."""
    if not stored:
        return None
    message = message_from_bytes(bytes(stored), policy=policy.default)
    for part in message.walk():
        if part.get_content_type() != "text/calendar":
            continue
        content = part.get_content()
        content = content.encode() if isinstance(content, str) else content
        for event in Calendar.from_ical(content).walk("VEVENT"):
            start, end = event.decoded("DTSTART"), event.decoded("DTEND")
            return start.astimezone(UTC), end.astimezone(UTC)
    return None


def _withdraw(keys: list[str], reason: str) -> int:
    """Cancel these rows if still queued, saying why; how many were."""
    if not keys:
        return 0
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.key.in_(keys), OutboxMessage.status == QUEUED)
        .values(status=OutboxStatus.CANCELLED, last_error=reason)
    )
    return result.rowcount


def seat_changed(
    retired: PanelSeat | None, previous: User | None, seat: PanelSeat
) -> None:
    """Someone left the panel (cancelled for them) and/or joined it (invited)."""
    if not on_calendar(seat.session):
        return
    if retired is not None and previous is not None:
        cancel(retired, previous, "You are no longer on the panel of this interview.")
    if seat.interviewer is not None:
        invite(seat)


def session_rescheduled(session: InterviewSession, *, was) -> None:
    """The session's time or place changed (``was``: its (start, end) before, or
    None): update every held seat's calendar, or cancel it when the session no
    longer has a time."""
    if session.starts_at is None:
        if was is not None and was[1] > utcnow():
            for seat in held(session):
                reason = "This interview no longer has a time."
                cancel(seat, seat.interviewer, reason, was)
        return
    # Moved into the past from a time still to come (issue 14, fresh-user review):
    # calendars hold the old time, so they get the real one too.
    if on_calendar(session) or (was is not None and was[1] > utcnow()):
        for seat in held(session):
            invite(seat, update=was is not None)


def session_removed(session: InterviewSession) -> None:
    """The session was taken out of the loop: cancel it for its panel."""
    if on_calendar(session):
        for seat in held(session):
            cancel(seat, seat.interviewer, "This interview was removed from the loop.")


def loop_withdrawn(loop: Loop) -> None:
    for session in loop.sessions:
        if on_calendar(session):
            for seat in held(session):
                cancel(seat, seat.interviewer, "The loop was withdrawn.")


def loop_planned_again(loop: Loop) -> None:
    for session in loop.sessions:
        if on_calendar(session):
            for seat in held(session):
                invite(seat)


def debrief_ready(loop: Loop) -> bool:
    """Tell the requisition's hiring manager the loop awaits their decision."""
    manager = loop.requisition.hiring_manager
    if manager is None or not manager.is_active:
        return False
    message = messages.debrief_ready(
        to=_person(manager),
        sender=_sender(),
        candidate=loop.candidate.name,
        role=loop.requisition.title,
        debrief_url=public_url(f"/loops/{loop.id}/debrief"),
        **_scorecards_in(loop),
    )
    key = f"debrief:{loop.id}:{loop.version}"
    return enqueue(key, message, recipient=manager, candidate_id=_about(loop))


def _scorecards_in(loop: Loop) -> dict:
    """How many of the loop's seats (empty ones too, as the move-to-debrief guard
    counts them) have a submitted scorecard. A loop reopened after a decision does
    not wait for a session that decision cancelled: as on the debrief page
    (debrief/synthesis/expected.py), whoever holds its seat, or none."""
    from ..debrief.synthesis.expected import SeatIn, is_expected

    decided = bool(loop.decisions)

    def waited(seat) -> bool:
        submitted = seat.scorecard is not None and seat.scorecard.is_submitted
        starts = seat.session.starts_at
        return is_expected(SeatIn(True, submitted, starts), None, decided)

    seats = [
        s
        for session in loop.sessions
        for s in session.seats
        if s.removed_at is None and waited(s)
    ]
    done = [
        s
        for s in seats
        if s.scorecard is not None and s.scorecard.status == ScorecardStatus.SUBMITTED
    ]
    return {"submitted": len(done), "seats": len(seats)}


def decision_recorded(decision: HiringDecision, actor: User) -> int:
    """Tell every active member of talent acquisition; how many were queued."""
    loop = decision.loop
    people = db.session.scalars(
        sa.select(User)
        .where(User.role == Role.TALENT_ACQUISITION, User.is_active.is_(True))
        .order_by(User.id)
    )
    count = 0
    for person in people:
        message = messages.decision_recorded(
            to=_person(person),
            sender=_sender(),
            candidate=loop.candidate.name,
            role=loop.requisition.title,
            decided_by=actor.name,
            loop_url=public_url(f"/loops/{loop.id}"),
        )
        key = f"decision:{decision.id}:{person.id}"
        count += enqueue(key, message, recipient=person, candidate_id=_about(loop))
    return count
