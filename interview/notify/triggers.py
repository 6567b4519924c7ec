"""What queues a message: called by the operations that change a panel, a session's
time, a loop's status or record a decision, in their transaction (no commit here).

Each message's key names its event, so the event queues it once:
``invite:<seat>:<sequence>`` and ``cancel:<seat>:<sequence>`` (the session's
schedule sequence, raised by every change an interviewer's calendar must follow),
``debrief:<loop>:<loop version>`` and ``decision:<decision>:<recipient>``.
Calendar messages are only sent for sessions that have not ended yet.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import HiringDecision, InterviewSession, Loop, PanelSeat, Role, User
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
    """Queue the seat's invitation (or its update) at the session's sequence."""
    session = seat.session
    message = messages.invitation(
        _facts(session),
        to=_person(seat.interviewer),
        sender=_sender(),
        kit_url=public_url(f"/interviews/{seat.id}"),
        stamp_utc=utcnow(),
        update=update,
    )
    key = f"invite:{seat.id}:{session.schedule_sequence or 0}"
    return enqueue(
        key, message, recipient=seat.interviewer, candidate_id=_about(session.loop)
    )


def cancel(seat: PanelSeat, interviewer: User, reason: str, was=None) -> bool:
    """Queue a cancellation of the session for someone who held this seat."""
    session = seat.session
    message = messages.cancellation(
        _facts(session, was),
        to=_person(interviewer),
        sender=_sender(),
        stamp_utc=utcnow(),
        reason=reason,
    )
    key = f"cancel:{seat.id}:{session.schedule_sequence or 0}"
    return enqueue(
        key, message, recipient=interviewer, candidate_id=_about(session.loop)
    )


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
    if on_calendar(session):
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
    )
    key = f"debrief:{loop.id}:{loop.version}"
    return enqueue(key, message, recipient=manager, candidate_id=_about(loop))


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
