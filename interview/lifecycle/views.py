"""Erasure, legal holds and what retention will erase soon: talent acquisition's."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from ..extensions import db
from ..loops.drafts import draft, drop_drafts, keep_draft, posted_pairs
from ..loops.requisition_views import edit_candidate
from ..loops.requisition_views import requisition as requisition_page
from ..models import Candidate, HiringDecision, LegalHold, Loop, Requisition, Role
from ..permissions import role_required
from ..timeutil import utcnow
from . import holds as hold_ops
from . import retention
from .erasure import (
    ErasureRefused,
    erase_candidate,
    erasure_problem,
    forget_text_index,
    open_loops_problem,
    still_open,
)
from .forms import EraseForm, HoldForm, ReleaseForm

bp = Blueprint("lifecycle", __name__)
ta_only = role_required(Role.TALENT_ACQUISITION)
ta_or_manager = role_required(Role.TALENT_ACQUISITION, Role.HIRING_MANAGER)
SOON_DAYS = 30
SOON_PAGE = 50  # rows of the due list per page


def load_candidate(candidate_id: int, lock: bool = False) -> Candidate:
    """The candidate or 404; locked for update when the request will write."""
    return db.session.get(Candidate, candidate_id, with_for_update=lock) or abort(404)


@bp.route("/candidates/<int:candidate_id>/erase", methods=["GET", "POST"])
@ta_only
def erase(candidate_id: int):
    """Confirm, then erase the candidate's personal data."""
    candidate = load_candidate(candidate_id)
    form = EraseForm()
    if form.validate_on_submit():
        try:
            erase_candidate(current_user, candidate)
        except ErasureRefused as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return _erase_page(load_candidate(candidate_id), form, 409)
        db.session.commit()
        flash(f"Erased the candidate's personal data: now {candidate.name}.", "success")
        _forget_text(candidate_id)
        return redirect(url_for("loops.candidates"))
    return _erase_page(candidate, form, 422 if form.errors else 200)


def _forget_text(candidate_id: int) -> None:
    """Merge the text index after the erasure's commit: the erasure stands whatever
    happens here, and a merge that fails is left to the next one (erasure.py)."""
    try:
        forget_text_index()
    except sa.exc.DBAPIError:
        db.session.rollback()
        current_app.logger.warning(
            "text index not merged after erasing candidate %s",
            candidate_id,
            exc_info=True,
        )


def _erase_page(candidate: Candidate, form: EraseForm, status: int):
    decisions = (
        sa.select(sa.func.count(HiringDecision.id))
        .join(Loop, Loop.id == HiringDecision.loop_id)
        .where(Loop.candidate_id == candidate.id)
    )  # one statement, not one per loop
    counts = {
        "loops": len(candidate.loops),
        "decisions": db.session.scalar(decisions),
    }
    problem = erasure_problem(candidate, zone=current_user.time_zone)
    # When the open loops are what stops it, the page names them as links.
    open_loops = still_open(candidate.loops)
    if not open_loops or problem != open_loops_problem(open_loops):
        open_loops = []
    page = render_template(
        "lifecycle/erase.html",
        candidate=candidate,
        form=form,
        problem=problem,
        open_loops=open_loops,
        counts=counts,
    )
    return page, status


# A refused hold form redirects to its own address with ?draft=<token> (issue 14:
# Reload and Back never send it again; loops/drafts.py), which shows the form as
# typed with its messages. A GET of the address without a draft kept (the page
# reloaded later) shows the page the form lives on instead of a 405.


@bp.route("/candidates/<int:candidate_id>/holds", methods=["GET", "POST"])
@ta_only
def hold_candidate(candidate_id: int):
    """Put the candidate under a legal hold; a GET shows the candidate's page."""
    if request.method != "POST":
        candidate = load_candidate(candidate_id)
        return _hold_draft(candidate) or edit_candidate(candidate_id)
    candidate = load_candidate(candidate_id, lock=True)
    return _place(candidate)


@bp.route("/requisitions/<int:requisition_id>/holds", methods=["GET", "POST"])
@ta_or_manager
def hold_requisition(requisition_id: int):
    """Put every candidate with a loop on the requisition under a legal hold; a GET
    shows the requisition's page to those who may read it (its manager too)."""
    if request.method != "POST":
        requisition = db.session.get(Requisition, requisition_id)
        if requisition is None or current_user.role != Role.TALENT_ACQUISITION:
            return requisition_page(requisition_id)  # its own 404 and 403
        return _hold_draft(requisition) or requisition_page(requisition_id)
    if current_user.role != Role.TALENT_ACQUISITION:
        abort(403)
    requisition = db.session.get(Requisition, requisition_id) or abort(404)
    return _place(requisition)


def _place(subject):
    form = HoldForm()
    if not form.validate_on_submit():
        typed = [pair for pair in posted_pairs() if pair[0] == "reason"]
        token = keep_draft(_hold_draft_name(subject), typed)
        if token is None:  # too large to keep: answered here, as before
            return _hold_form_page(subject, form)
        return redirect(_hold_url(subject, draft=token))
    try:
        hold_ops.place_hold(current_user, subject, form.reason.data)
    except hold_ops.HoldError as exc:
        db.session.rollback()
        tell(str(exc), "error")
    else:
        db.session.commit()
        drop_drafts(_hold_draft_name(subject))
        tell(
            "Placed the legal hold: erasure and retention wait for its release.",
            "success",
        )
    return redirect(_back(subject))


def _hold_draft_name(subject) -> str:
    kind = "candidate" if isinstance(subject, Candidate) else "requisition"
    return f"hold:{kind}:{subject.id}"


def _hold_url(subject, **args) -> str:
    if isinstance(subject, Candidate):
        return url_for("lifecycle.hold_candidate", candidate_id=subject.id, **args)
    return url_for("lifecycle.hold_requisition", requisition_id=subject.id, **args)


def _back(subject) -> str:
    """The holds section of the page the form lives on."""
    if isinstance(subject, Candidate):
        return url_for("loops.edit_candidate", candidate_id=subject.id, _anchor="holds")
    return url_for("loops.requisition", requisition_id=subject.id, _anchor="holds")


def _hold_draft(subject):
    """The hold's form as typed in a refused try, its messages found again; None
    when no such draft is kept."""
    kept = draft(_hold_draft_name(subject), request.args.get("draft"))
    if kept is None:
        return None
    form = HoldForm(formdata=kept["formdata"], meta={"csrf": False})
    form.validate()
    return _hold_form_page(subject, form)


def _hold_form_page(subject, form: HoldForm):
    """The hold's form again, with its messages, and what was typed if it can show."""
    label = subject.name if isinstance(subject, Candidate) else subject.title
    page = render_template(
        "lifecycle/hold_form.html", label=label, form=form, back=_back(subject)
    )
    return page, 422


@bp.route("/holds/<int:hold_id>/release", methods=["POST"])
@ta_only
def release(hold_id: int):
    """Release a legal hold; it stays on record."""
    hold = db.session.get(LegalHold, hold_id, with_for_update=True) or abort(404)
    if ReleaseForm().validate_on_submit():
        try:
            hold_ops.release_hold(current_user, hold)
        except hold_ops.HoldError as exc:
            db.session.rollback()
            tell(str(exc), "error")
        else:
            db.session.commit()
            tell("Released the legal hold; it stays on record.", "success")
    else:
        tell("The form expired; try again.", "error")
    if hold.candidate_id is not None:
        return redirect(
            url_for(
                "loops.edit_candidate", candidate_id=hold.candidate_id, _anchor="holds"
            )
        )
    return redirect(
        url_for(
            "loops.requisition", requisition_id=hold.requisition_id, _anchor="holds"
        )
    )


# How a hold was placed or released is said inside the holds section the redirect
# lands on (#holds, focused there), not among the page's flashes at its top, which
# a keyboard or screen reader user would have to go back up to find.
HOLD_NOTE = "interview_hold_note"


def tell(message: str, category: str) -> None:
    """Leave the outcome of a hold action for the holds section to show, once."""
    session[HOLD_NOTE] = [category, message]


@bp.app_template_global()
def hold_note() -> tuple[str, str] | None:
    """The (category, message) of the hold action that led to this page, once."""
    note = session.pop(HOLD_NOTE, None)
    return tuple(note) if isinstance(note, list) and len(note) == 2 else None


@bp.route("/candidates/retention")
@ta_only
def due_soon():
    """The candidates retention will erase in the next 30 days, soonest first, a
    page at a time: ``after`` names the last one shown (``page_key``). A hospital has
    thousands due in a month; a key that does not read as one shows the first page."""
    days = current_app.config["RETENTION_DAYS"]
    now = utcnow()
    after = read_page_key(request.args.get("after"))
    query = retention.due_query(
        now + timedelta(days=SOON_DAYS), days, limit=SOON_PAGE + 1, after=after
    )
    rows = db.session.execute(query).all()
    shown = rows[:SOON_PAGE]
    people = {
        c.id: c
        for c in db.session.scalars(
            sa.select(Candidate).where(Candidate.id.in_([r.id for r in shown]))
        )
    }
    due = [(people[r.id], r.basis + timedelta(days=days)) for r in shown]
    return render_template(
        "lifecycle/due_soon.html",
        due=due,
        later=after is not None,
        next_key=page_key(shown[-1]) if len(rows) > SOON_PAGE else None,
        days=days,
        soon=SOON_DAYS,
        now=now,
    )


def page_key(row) -> str:
    """Where the next page of the due list starts: the last row's basis and id."""
    return f"{row.basis.isoformat()}~{row.id}"


def read_page_key(text: str | None) -> tuple[datetime, int] | None:
    """``page_key``'s (basis, id), or None for anything else (the first page)."""
    when, _, number = (text or "")[:80].rpartition("~")
    # Ids are 32-bit (as BoundedInt bounds those in addresses): PostgreSQL refuses
    # to compare a column with a larger number.
    digits = number.isascii() and number.isdecimal() and len(number) <= 18
    if not (digits and int(number) < 2**31):
        return None
    try:
        basis = datetime.fromisoformat(when)
        if basis.tzinfo is None:
            return None
        return basis.astimezone(UTC), int(number)
    except (ValueError, OverflowError):  # not a time; before year 1 in UTC
        return None


@bp.app_template_global()
def legal_holds(candidate=None, requisition=None) -> list[LegalHold]:
    """Every hold on the candidate or requisition, in force first (for its page)."""
    if candidate is not None:
        return hold_ops.history(candidate_id=candidate.id)
    return hold_ops.history(requisition_id=requisition.id)


@bp.app_template_global()
def holds_through_requisitions(candidate) -> list[LegalHold]:
    """The holds in force on requisitions the candidate has a loop on."""
    return [h for h in hold_ops.holds_over(candidate) if h.requisition_id is not None]
