"""Steps that ask first (issue 14): a panel proposal is previewed with its reasons
before anyone is seated, and a loop goes to debrief with scorecards missing only once
talent acquisition has read who is missing and confirmed."""

from dataclasses import dataclass
from typing import NamedTuple

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from ..extensions import db
from ..models import Loop, User
from .blueprint import bp
from .operations import LoopError, active_seats, change_status, scorecard_status
from .pairing import Proposal
from .proposals import apply_proposal, fresh_assignments, proposal_key, propose_for
from .states import LABELS, TRANSITIONS
from .views import _loop_page, load_loop, reloadable


@dataclass(frozen=True)
class Preview:
    """What the propose button found, for the loop page: nothing is seated yet."""

    rows: list  # (session title, discipline label, interviewer name, reason)
    problems: tuple
    notes: tuple
    key: str  # the panel shown, sent back by "Seat this panel"
    changed: bool = False  # the panel differs from the one confirmed
    seated: bool = False  # "Seat this panel" came after every seat was filled


def _preview(loop: Loop, proposal: Proposal, changed: bool = False) -> Preview:
    """The preview of ``proposal``; ``changed`` when a confirmation found it differ."""
    fresh = fresh_assignments(loop, proposal) if proposal.ok else []
    titles = {s.id: s.title for s in loop.sessions}
    rows = [
        (
            titles[a.session_id],
            str(a.discipline).capitalize(),
            db.session.get(User, a.interviewer_id).name,
            a.reason,
        )
        for a in fresh
    ]
    # A confirmation sent again (a double click, a second tab) finds nothing to seat.
    seated = changed and proposal.ok and not fresh
    return Preview(
        rows, proposal.problems, proposal.notes, proposal_key(fresh), changed, seated
    )


@bp.route("/loops/<int:loop_id>/propose", methods=["GET", "POST"])
@reloadable
def propose(loop_id: int):
    """Preview the platform's choices for the empty seats with their reasons; seat
    them only when "Seat this panel" sends back the very panel that was shown."""
    # Two confirmations at once: the second waits, then finds the seats filled.
    db.session.get(Loop, loop_id, with_for_update=True)
    loop = load_loop(loop_id)
    proposal = propose_for(loop)
    if request.form.get("seat") != "y" or not proposal.ok:
        return _loop_page(loop, proposal=_preview(loop, proposal))
    if request.form.get("panel", "") != proposal_key(fresh_assignments(loop, proposal)):
        # Someone seated or emptied a seat since the preview: show the new one.
        return _loop_page(loop, 409, proposal=_preview(loop, proposal, changed=True))
    try:
        reasons = apply_proposal(current_user, loop, proposal)
    except LoopError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".loop", loop_id=loop_id))
    db.session.commit()
    flash(
        "Proposed panel seated; its reasons are kept under the panel."
        if reasons
        else "Every seat was already filled.",
        "success",
    )
    # Someone on two sessions of one loop weakens its independence: say who and why.
    for note in proposal.notes:
        flash(note, "warning")
    return redirect(url_for(".loop", loop_id=loop.id, _anchor="proposal-reasons"))


@bp.route("/loops/<int:loop_id>/status", methods=["GET", "POST"])
@reloadable
def status(loop_id: int):
    """Move the loop along: planned, interviewing, debrief, decided or withdrawn; to
    debrief with scorecards missing only once confirmed, having read who is missing."""
    loop = load_loop(loop_id)
    target = request.form.get("status", "")
    if target not in LABELS:
        abort(400)
    missing = _missing(loop, target)
    if missing and not (
        request.form.get("confirm") == "y"
        and request.form.get("missing") == missing_key(missing)
    ):
        # Confirmed for other seats than these (a seat changed since): ask again.
        stale = request.form.get("confirm") == "y"
        return _loop_page(
            loop,
            409,
            confirm_debrief=missing,
            confirm_key=missing_key(missing),
            confirm_stale=stale,
        )
    try:
        change_status(current_user, loop, target)
    except LoopError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(f"The loop is now {LABELS[target].lower()}.", "success")
    return redirect(url_for(".loop", loop_id=loop.id))


class Missing(NamedTuple):
    """A scorecard the debrief would go without, as the confirmation names it."""

    who: str  # the interviewer, or "Nobody seated"
    discipline: str
    session: str
    state: str
    key: str  # the seat and who holds it, carried back by the confirmation


def missing_key(missing: list[Missing]) -> str:
    """The missing scorecards a confirmation covers, as its form carries them back."""
    return ",".join(m.key for m in missing)


def _missing(loop: Loop, target: str) -> list[Missing]:
    """Who has not submitted, when the loop is about to go to debrief, session by
    session."""
    if target != "debrief" or target not in TRANSITIONS[str(loop.status)]:
        return []
    return [
        Missing(
            seat.interviewer.name if seat.interviewer else "Nobody seated",
            seat.discipline.label,
            session.title,
            scorecard_status(seat) if seat.interviewer else "empty seat",
            f"{seat.id}:{seat.interviewer_id or ''}",
        )
        for session in loop.sessions
        for seat in active_seats(session)
        if scorecard_status(seat) != "submitted"
    ]
