"""Steps that ask first (issue 14): a panel proposal is previewed with its reasons
before anyone is seated, a loop goes to debrief with scorecards missing only once
talent acquisition has read who is missing and confirmed, and to interviewing with
sessions still without a time only once it has read which."""

from dataclasses import dataclass
from typing import NamedTuple

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from ..extensions import db
from ..models import InterviewSession, Loop, LoopStatus, Role, User
from .blueprint import bp
from .coverage import gaps
from .drafts import changed_redirect, changed_since_confirmed
from .operations import (
    LoopError,
    active_seats,
    change_status,
    loop_coverage,
    refuse_erased,
    scorecard_status,
)
from .pairing import Proposal
from .proposals import apply_proposal, fresh_assignments, proposal_key, propose_for
from .requisition_views import ta_only
from .states import LABELS, TRANSITIONS, moved_message, transition_problem
from .told import seated, to_be_told, told_key
from .views import _loop_page, load_loop, reloadable, signed_in


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
    # Sent even when nobody new is proposed, so that a loop with seats to fill and
    # one without send the same statements (issue 11: bench/scale.py counts them
    # against the demo's, whose loop proposes nobody).
    names = dict(
        db.session.execute(
            sa.select(User.id, User.name).where(
                User.id.in_({a.interviewer_id for a in fresh})
            )
        ).all()
    )
    rows = [
        (
            titles[a.session_id],
            str(a.discipline).capitalize(),
            names[a.interviewer_id],
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
@signed_in
def propose(loop_id: int):
    """Preview the platform's choices for the empty seats with their reasons (a GET,
    so Back and Reload show it again); seat them only when "Seat this panel" sends
    back the very panel that was shown."""
    if request.method != "POST":
        return _proposal_page(loop_id)
    if current_user.role != Role.TALENT_ACQUISITION:
        abort(403)
    # Two confirmations at once: the second waits, then finds the seats filled.
    db.session.get(Loop, loop_id, with_for_update=True)
    loop = load_loop(loop_id)
    here = url_for(".propose", loop_id=loop.id)
    if request.form.get("seat") != "y":  # the preview is asked for by a GET
        return redirect(here)
    proposal = propose_for(loop)
    if not proposal.ok:
        return redirect(here)  # the preview says why nobody can be proposed
    if request.form.get("panel", "") != proposal_key(fresh_assignments(loop, proposal)):
        # Someone seated or emptied a seat since the preview: show the new one, once
        # saying why (a note in the cookie, not the address: see drafts.py).
        return changed_redirect(here)
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


def _proposal_page(loop_id: int):
    """The loop page with the proposal for its empty seats; others see the loop."""
    loop = load_loop(loop_id)
    if current_user.role != Role.TALENT_ACQUISITION:
        return _loop_page(loop)
    if loop.status in (LoopStatus.DECIDED, LoopStatus.WITHDRAWN):
        # A bookmarked preview of a loop closed since: nothing can be seated.
        flash(
            f"Nothing to propose now: the loop is {loop.status.value}, so its "
            "panel no longer changes. The page below shows the loop as it is.",
            "warning",
        )
        return _loop_page(loop)
    changed = changed_since_confirmed()
    return _loop_page(loop, proposal=_preview(loop, propose_for(loop), changed))


@bp.route("/loops/<int:loop_id>/status", methods=["GET", "POST"])
@reloadable
def status(loop_id: int):
    """Move the loop along: planned, interviewing, debrief, decided or withdrawn; to
    debrief with scorecards missing only once confirmed, having read who is missing."""
    loop = load_loop(loop_id)
    target = request.form.get("status", "")
    if target not in LABELS:
        abort(400)
    # Issue 14: withdrawing cancels interviews on people's calendars, planning a
    # withdrawn loop again invites its panel anew, and a move to debrief may leave
    # scorecards behind; each asks first on a page of its own, reached by a
    # redirect, so Back and Reload never send the form again. A confirmation that
    # covered other people or seats than now asks again, saying so once.
    for page, key, named in _questions(loop, target):
        if named and not (
            request.form.get("confirm") == "y" and request.form.get(key) == named
        ):
            ask = url_for(page, loop_id=loop.id)
            stale = request.form.get("confirm") == "y"
            return changed_redirect(ask) if stale else redirect(ask)
    current = str(loop.status)
    try:
        change_status(current_user, loop, target)
    except LoopError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(moved_message(current, target), "success")
    return redirect(url_for(".loop", loop_id=loop.id))


def _questions(loop: Loop, target: str) -> list[tuple[str, str, str]]:
    """The confirmations a move to ``target`` needs: its page, the form field that
    carries back what it named, and what it names now ("" when nothing to ask)."""
    withdrawn = str(loop.status) == "withdrawn"
    return [
        (
            ".confirm_withdrawal",
            "told",
            told_key(seated(loop.sessions)) if target == "withdrawn" else "",
        ),
        (
            ".confirm_planning_again",
            "told",
            told_key(to_be_told(loop.sessions))
            if withdrawn and target == "planned"
            else "",
        ),
        (".confirm_debrief", "missing", missing_key(_missing(loop, target))),
        (".confirm_interviewing", "untimed", untimed_key(_untimed(loop, target))),
    ]


@bp.route("/loops/<int:loop_id>/withdraw")
@ta_only
def confirm_withdrawal(loop_id: int):
    """Who withdrawing the loop tells, and the button that withdraws it (a GET: the
    status form's redirect lands here; reloaded or opened again, it asks anew)."""
    loop = load_loop(loop_id)
    told = seated(loop.sessions)
    if not told or "withdrawn" not in TRANSITIONS[str(loop.status)]:
        return _nothing_to_confirm(loop, "withdrawing it")
    return _loop_page(
        loop,
        confirm_withdraw=told,
        confirm_key=told_key(told),
        confirm_stale=changed_since_confirmed(),
    )


@bp.route("/loops/<int:loop_id>/plan-again")
@ta_only
def confirm_planning_again(loop_id: int):
    """Who planning a withdrawn loop again sends an invitation anew, and the button
    that plans it (a GET: the status form's redirect lands here)."""
    loop = load_loop(loop_id)
    invited = to_be_told(loop.sessions)
    if not invited or "planned" not in TRANSITIONS[str(loop.status)]:
        return _nothing_to_confirm(loop, "planning it again")
    return _loop_page(
        loop,
        confirm_plan_again=seated(loop.sessions),
        confirm_key=told_key(invited),
        confirm_stale=changed_since_confirmed(),
    )


@bp.route("/loops/<int:loop_id>/move-to-debrief")
@ta_only
def confirm_debrief(loop_id: int):
    """Who has not submitted, and the button that moves the loop to debrief anyway."""
    loop = load_loop(loop_id)
    missing = _missing(loop, "debrief")
    if not missing:
        return _nothing_to_confirm(loop, "moving it to debrief")
    return _loop_page(
        loop,
        confirm_debrief=missing,
        confirm_key=missing_key(missing),
        confirm_stale=changed_since_confirmed(),
    )


@bp.route("/loops/<int:loop_id>/move-to-interviewing")
@ta_only
def confirm_interviewing(loop_id: int):
    """Which sessions have no time yet, and the button that moves the loop to
    interviewing anyway (a GET: the status form's redirect lands here)."""
    loop = load_loop(loop_id)
    untimed = _untimed(loop, "interviewing")
    if not untimed:
        return _nothing_to_confirm(loop, "moving it to interviewing")
    return _loop_page(
        loop,
        confirm_interviewing=untimed,
        confirm_key=untimed_key(untimed),
        confirm_stale=changed_since_confirmed(),
    )


def untimed_key(sessions: list[InterviewSession]) -> str:
    """The sessions without a time a confirmation covers, as its form sends them."""
    return ",".join(str(s.id) for s in sessions)


def _untimed(loop: Loop, target: str) -> list[InterviewSession]:
    """The sessions without a time when the loop is about to start interviewing
    (issue 14: nobody is invited to them); none when the move would be refused
    anyway (a gap, an erased candidate), which is said instead of asking first."""
    if target != "interviewing":
        return []
    try:
        refuse_erased(loop.candidate)
    except LoopError:
        return []
    if transition_problem(str(loop.status), target, gaps(loop_coverage(loop))):
        return []
    return [s for s in loop.sessions if s.starts_at is None]


def _nothing_to_confirm(loop: Loop, step: str):
    """A confirmation's address once it no longer applies (done, or changed): the
    loop page, saying so, rather than a question nobody needs to answer."""
    status = loop.status.value  # "is planned", "is decided", "is in debrief"
    where = "in debrief" if status == "debrief" else status
    flash(
        f"Nothing to confirm for {step} now: the loop is {where}"
        " and the page below shows it as it is.",
        "warning",
    )
    return _loop_page(loop)


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
