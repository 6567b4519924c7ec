"""Who a destructive step tells (issue 14, fresh-user review): withdrawing a loop or
removing a session cancels interviews on people's calendars, so the step asks first,
naming them, and its confirmation carries back whom it named (a stale one asks again).
"""

from typing import NamedTuple

from ..models import InterviewSession
from ..notify import triggers as notify_triggers


class Told(NamedTuple):
    """An interview a withdrawal takes off someone's calendar, as the confirmation
    names it."""

    who: str
    session: str
    key: str  # the seat, its interviewer and the session's schedule sequence
    session_id: int = 0
    person_id: int = 0  # the interviewer told (one person may hold several seats)
    told: bool = True  # False: seated, but the session is on no calendar
    why: str = ""  # why not told: no time set, or the interview already took place


def to_be_told(sessions: list[InterviewSession]) -> list[Told]:
    """Who withdrawing a loop or removing sessions sends a cancellation: the
    interviewers seated on those still on calendars (notify.triggers' rule)."""
    return [
        Told(
            seat.interviewer.name,
            session.title,
            f"{seat.id}:{seat.interviewer_id}:{session.schedule_sequence or 0}",
            session.id,
            seat.interviewer_id,
        )
        for session in sessions
        if notify_triggers.on_calendar(session)
        for seat in notify_triggers.held(session)
    ]


def seated(sessions: list[InterviewSession]) -> list[Told]:
    """Everyone seated on those sessions (issue 14): withdrawing asks first whenever
    seats are held, naming who is told and who is not, and why not (no time set, or
    the interview is past: it is on no calendar)."""
    return [
        Told(
            seat.interviewer.name,
            session.title,
            f"{seat.id}:{seat.interviewer_id}:{session.schedule_sequence or 0}",
            session.id,
            seat.interviewer_id,
            notify_triggers.on_calendar(session),
            _not_on_calendar(session),
        )
        for session in sessions
        for seat in notify_triggers.held(session)
    ]


def _not_on_calendar(session: InterviewSession) -> str:
    """Why a seated interviewer is sent nothing, in words true for the session."""
    if session.starts_at is None:
        return "no time is set"
    if not notify_triggers.on_calendar(session):
        return "it has already taken place"
    return ""


def told_key(told: list[Told]) -> str:
    """The cancellations a confirmation covers, as its form carries them back."""
    return ",".join(t.key for t in told)
