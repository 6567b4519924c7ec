"""Who may do what: role gates for areas, named predicates for objects.

Signed-in but not allowed is 403; anonymous is a redirect to sign-in (done for every
route by ``require_sign_in`` in ``security.py``).
"""

import functools
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from .extensions import db
from .independence import (
    SeatSpan,
    SharingHistory,
    may_read_panel,
    panel_readable_from,
)
from .models import (
    AuditEntry,
    InterviewSession,
    PanelSeat,
    Requisition,
    Role,
    Scorecard,
    ScorecardStatus,
    User,
)

SHARING = "share_scores_after_submit"


def role_required(*roles: Role):
    """Refuse the view with 403 to signed-in users whose role is not listed."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                abort(401)
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator


def can_manage_accounts(user: User) -> bool:
    return user.is_authenticated and user.role == Role.TALENT_ACQUISITION


def can_view_requisition(user: User, requisition) -> bool:
    """Talent acquisition, and the requisition's own hiring manager."""
    if user.role == Role.TALENT_ACQUISITION:
        return True
    return user.role == Role.HIRING_MANAGER and requisition.hiring_manager_id == user.id


def can_view_loop(user: User, loop) -> bool:
    """Talent acquisition, the requisition's hiring manager, and the loop's interviewers."""
    if can_view_requisition(user, loop.requisition):
        return True
    if user.role != Role.INTERVIEWER:
        return False
    if _seats_loaded(loop):
        return any(
            seat.interviewer_id == user.id and seat.removed_at is None
            for session in loop.sessions
            for seat in session.seats
        )
    return bool(
        db.session.scalar(
            sa.select(
                sa.exists()
                .where(PanelSeat.session_id == InterviewSession.id)
                .where(InterviewSession.loop_id == loop.id)
                .where(PanelSeat.interviewer_id == user.id)
                .where(PanelSeat.removed_at.is_(None))
            )
        )
    )


def can_see_contact_details(user: User) -> bool:
    """Candidates' email, phone and notes are for talent acquisition only."""
    return user.role == Role.TALENT_ACQUISITION


def seat_spans(loop) -> list[SeatSpan]:
    """The loop's seats as the independence rule reads them (independence.py).

    From the seats and scorecards in memory when a page loaded them all, else in one
    query (never one per session, seat and scorecard).
    """
    if not _panel_loaded(loop):
        return _queried_spans(loop.id)
    return [
        SeatSpan(
            interviewer_id=seat.interviewer_id,
            assigned_at=seat.assigned_at or seat.created_at,
            removed_at=seat.removed_at,
            submitted_at=seat.scorecard.submitted_at
            if seat.scorecard is not None and seat.scorecard.is_submitted
            else None,
            author_id=seat.scorecard.interviewer_id
            if seat.scorecard is not None
            else seat.interviewer_id,
        )
        for session in loop.sessions
        for seat in session.seats
        if seat.interviewer_id is not None
    ]


def _seats_loaded(loop) -> bool:
    """Whether the loop's sessions and their seats are in memory already."""
    state = sa.inspect(loop, raiseerr=False)  # None: a page's plain values
    if state is None or "sessions" in state.unloaded:
        return False
    return all("seats" not in sa.inspect(s).unloaded for s in loop.sessions)


def _panel_loaded(loop) -> bool:
    """Whether the seats' scorecards are in memory too."""
    return _seats_loaded(loop) and all(
        "scorecard" not in sa.inspect(seat).unloaded
        for session in loop.sessions
        for seat in session.seats
    )


def _queried_spans(loop_id: int) -> list[SeatSpan]:
    seat, card = PanelSeat, Scorecard
    rows = db.session.execute(
        sa.select(
            seat.interviewer_id,
            sa.func.coalesce(seat.assigned_at, seat.created_at),
            seat.removed_at,
            card.status,
            card.submitted_at,
            card.interviewer_id,
        )
        .join(InterviewSession, InterviewSession.id == seat.session_id)
        .outerjoin(card, card.seat_id == seat.id)
        .where(InterviewSession.loop_id == loop_id, seat.interviewer_id.is_not(None))
        .order_by(InterviewSession.position, InterviewSession.id, seat.id)
    )
    return [
        SeatSpan(
            interviewer_id=interviewer_id,
            assigned_at=assigned_at,
            removed_at=removed_at,
            submitted_at=submitted_at if status == ScorecardStatus.SUBMITTED else None,
            author_id=author_id if author_id is not None else interviewer_id,
        )
        for interviewer_id, assigned_at, removed_at, status, submitted_at, author_id in rows
    ]


def sharing_history(requisition) -> SharingHistory:
    """The requisition's "share scores after submission" setting over time, from the
    audit log (changes saved before it was recorded count as the current value)."""
    return sharing_histories([requisition])[requisition.id]


def sharing_histories(requisitions) -> dict[int, SharingHistory]:
    """``sharing_history`` per requisition id, in one statement however many (the
    subject access export lays out many loops' packets at once)."""
    by_id = {requisition.id: requisition for requisition in requisitions}
    if not by_id:
        return {}
    entries: dict[int, list] = {requisition_id: [] for requisition_id in by_id}
    rows = db.session.execute(
        sa.select(
            AuditEntry.object_id, AuditEntry.at, AuditEntry.before, AuditEntry.after
        )
        .where(
            AuditEntry.object_type == Requisition.__tablename__,
            AuditEntry.object_id.in_(list(by_id)),
            AuditEntry.action == "requisition.save",
        )
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    for object_id, at, before, after in rows:
        entries[object_id].append((at, before, after))
    return {key: _sharing(by_id[key], entries[key]) for key in by_id}


def _sharing(requisition, entries: list) -> SharingHistory:
    """The history from the requisition's saves (at, before, after), oldest first."""
    changes = tuple(
        (at, bool(after[SHARING]))
        for at, _, after in entries
        if SHARING in (after or {})
    )
    current = bool(requisition.share_scores_after_submit)
    if not changes:
        return SharingHistory(current)
    first_before = next(
        (before for _, before, after in entries if SHARING in (after or {})), None
    )
    initial = bool((first_before or {}).get(SHARING, changes[0][1]))
    return SharingHistory(initial, changes)


def can_view_panel_scorecards(user: User, loop) -> bool:
    """The independence rule: an interviewer reads the panel (scorecards, scores, flags,
    the debrief and its packet) only once every one of their own active seats on the
    loop is submitted, and only if the requisition shares scores; talent acquisition
    and the requisition's hiring manager always may."""
    if can_view_requisition(user, loop.requisition):
        return True
    if user.role != Role.INTERVIEWER:
        return False
    sharing = loop.requisition.share_scores_after_submit
    return may_read_panel(user.id, seat_spans(loop), sharing)


def panel_readers_since(
    loop, sharing: SharingHistory | None = None
) -> Callable[[int], datetime | None]:
    """For each author: when they could first read someone else's scorecard on the
    loop (None: never), under the sharing setting as it was at each moment
    (``sharing``: the requisition's history, when the caller read it already)."""
    spans = seat_spans(loop)
    if sharing is None:
        sharing = sharing_history(loop.requisition)
    return lambda user_id: panel_readable_from(user_id, spans, sharing)
