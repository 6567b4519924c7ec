"""Requisitions and their interview plans; candidates."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from ..extensions import db
from ..models import Candidate, Loop, Requisition, Role, Rubric, User
from ..permissions import can_view_requisition, role_required
from ..rubrics.operations import latest_version
from .blueprint import bp
from .coverage import plan_gaps, plan_gaps_key, plan_gaps_sentence, required_disciplines
from .drafts import draft, drop_drafts, keep_draft, posted_pairs
from .forms import CandidateForm, ConflictForm, PlanForm, RequisitionForm
from .operations import (
    LoopError,
    add_conflict,
    save_candidate,
    save_plan,
    save_requisition,
)
from .pickers import conflict_picker
from .second_tab import (
    candidate_values,
    drawn_stale,
    mark_stale,
    plan_values,
    requisition_values,
)
from .states import LABELS

RECENT_LOOPS = 20
ta_only = role_required(Role.TALENT_ACQUISITION)
ta_or_manager = role_required(Role.TALENT_ACQUISITION, Role.HIRING_MANAGER)


def load_requisition(requisition_id: int, lock: bool = False) -> Requisition:
    """The requisition, or 404; 403 if not the user's to see. ``lock``: read under
    a row lock (a save comparing its form's counter, second_tab.py)."""
    requisition = db.session.get(
        Requisition, requisition_id, with_for_update=lock or None
    )
    requisition = requisition or abort(404)
    if not can_view_requisition(current_user, requisition):
        abort(403)
    return requisition


@bp.route("/requisitions/<int:requisition_id>")
@ta_or_manager
def requisition(requisition_id: int):
    """Show a requisition with its plan and loops."""
    req = load_requisition(requisition_id)
    recent = db.session.scalars(
        sa.select(Loop)
        .where(Loop.requisition_id == req.id)
        .options(joinedload(Loop.candidate))
        .order_by(Loop.id.desc())
        .limit(RECENT_LOOPS)
    ).all()
    counts = db.session.execute(
        sa.select(Loop.status, sa.func.count())
        .where(Loop.requisition_id == req.id)
        .group_by(Loop.status)
    ).all()
    return render_template(
        "loops/requisition.html",
        requisition=req,
        recent=recent,
        counts={str(status): n for status, n in counts},
        labels=LABELS,
        competency_names={c.value: c.label for c in _competency_choices(req)},
    )


def _requisition_form(req: Requisition | None, formdata=None) -> RequisitionForm:
    """The requisition's form, as posted, or as kept in a draft (``formdata``)."""
    if formdata is None:
        form = RequisitionForm(obj=req)
    else:
        form = RequisitionForm(formdata=formdata, meta={"csrf": False})
    managers = db.session.scalars(
        sa.select(User)
        .where(User.role == Role.HIRING_MANAGER, User.is_active.is_(True))
        .order_by(User.name)
    )
    form.hiring_manager_id.choices = [SelectChoice(str(u.id), u.name) for u in managers]
    rubrics = db.session.scalars(sa.select(Rubric).order_by(Rubric.title))
    form.default_rubric_id.choices = [SelectChoice("", "No rubric yet")] + [
        SelectChoice(str(r.id), r.title) for r in rubrics
    ]
    if req is not None and request.method in ("GET", "HEAD") and formdata is None:
        form.hiring_manager_id.data = str(req.hiring_manager_id)
        form.default_rubric_id.data = str(req.default_rubric_id or "")
        form.version.data = str(req.version)
    return form


@bp.route("/requisitions/new", methods=["GET", "POST"])
@ta_only
def new_requisition():
    """Open a requisition."""
    return _edit_requisition(None)


@bp.route("/requisitions/<int:requisition_id>/edit", methods=["GET", "POST"])
@ta_only
def edit_requisition(requisition_id: int):
    """Change a requisition's title, manager, rubric or status."""
    lock = request.method == "POST"  # two saves at once: the second sees the first
    return _edit_requisition(load_requisition(requisition_id, lock=lock))


def _edit_requisition(req: Requisition | None):
    """The requisition's form; a refused one redirects to its own address with
    ?draft=<token> (issue 14: Reload and Back never send it again), which shows it
    as typed with every error, and writes nothing."""
    name = f"requisition:{req.id if req else 'new'}"
    if request.method != "POST":
        return _requisition_draft(req, name) or _requisition_page(
            _requisition_form(req), req
        )
    form = _requisition_form(req)
    refused = ""
    stale = req is not None and drawn_stale(req.version)
    if stale:  # drawn before another save (a second tab): nothing written
        form.validate_on_submit()
    elif form.validate_on_submit():
        try:
            req = save_requisition(current_user, req, form.data)
        except LoopError as exc:
            refused = str(exc)
            form.hiring_manager_id.errors.append(refused)
        else:
            db.session.commit()
            drop_drafts(name)
            flash(f"Saved {req.title}.", "success")
            return redirect(url_for(".requisition", requisition_id=req.id))
    typed = posted_pairs(skip=("csrf_token", "submit"))
    token = keep_draft(name, typed, refused=refused, stale=stale)
    if token is None:  # too large to keep: answered here, as before
        return _requisition_refused(form, req, "", stale)
    if req is None:
        return redirect(url_for(".new_requisition", draft=token))
    return redirect(url_for(".edit_requisition", requisition_id=req.id, draft=token))


def _requisition_draft(req: Requisition | None, name: str):
    """The form as typed in a refused save, every error found again (and the
    manager refused by the save, if so); None when no such draft is kept."""
    kept = draft(name, request.args.get("draft"))
    if kept is None:
        return None
    form = _requisition_form(req, kept["formdata"])
    form.validate()
    return _requisition_refused(
        form, req, kept.get("refused", ""), bool(kept.get("stale"))
    )


def _requisition_refused(form, req: Requisition | None, refused: str, stale: bool):
    """The refused form (422) with its messages: the manager refused by the save,
    or a stale form with the saved values beside it (second_tab.py)."""
    saved = None
    if refused and refused not in form.hiring_manager_id.errors:
        form.hiring_manager_id.errors = [*form.hiring_manager_id.errors, refused]
    if stale and req is not None:
        mark_stale(form, "requisition", req.version)
        saved = requisition_values(form, req)
    return _requisition_page(form, req, 422, saved)


def _requisition_page(
    form: RequisitionForm, req: Requisition | None, status=200, saved=None
):
    page = render_template(
        "loops/requisition_form.html", form=form, requisition=req, saved=saved
    )
    return page, status


def _competency_choices(req: Requisition) -> list[SelectChoice]:
    version = latest_version(req.default_rubric) if req.default_rubric else None
    if version is None:
        return []
    return [SelectChoice(c.key, c.name) for c in version.competencies]


@bp.route("/requisitions/<int:requisition_id>/plan", methods=["GET", "POST"])
@ta_only
def plan(requisition_id: int):
    """Edit the interview plan that new loops of this requisition copy. A plan
    leaving a competency without its interviewers saves only once confirmed. A
    refused form, an added or removed session redirect to a draft (drafts.py), so
    Back and Reload never ask to send the form again. A save from a form drawn
    before another save of the plan (a second tab) is refused (second_tab.py)."""
    req = load_requisition(requisition_id, lock=request.method == "POST")
    choices = _competency_choices(req)
    if not choices:
        flash(
            "Choose a rubric for the requisition first: the plan assigns its competencies.",
            "error",
        )
        return redirect(url_for(".edit_requisition", requisition_id=req.id))
    name = f"plan:{req.id}"
    stale = False
    if request.method == "POST":
        formdata, action = request.form, request.form.get("action", "")
        stale = not action and drawn_stale(req.plan_version)
    elif kept := draft(name, request.args.get("draft")):
        formdata, action = kept["formdata"], kept["action"]
        stale = bool(kept.get("stale"))
    else:
        data = {"version": str(req.plan_version)}
        if req.plan:
            data["sessions"] = [_plan_data(p) for p in req.plan]
        return _plan_page(req, PlanForm(formdata=None, data=data), choices)
    form = PlanForm(formdata=formdata, meta={"csrf": request.method == "POST"})
    _apply_action(form, action)
    for entry in form.sessions:
        entry.form.competency_keys.choices = choices
    if request.method == "POST" and not action and not stale and form.validate():
        found = _plan_gaps(req, form)
        if not found or (
            request.form.get("confirm") == "y"
            and request.form.get("gaps") == plan_gaps_key(found)
        ):
            return _save_plan(req, form, found)
    if request.method == "POST":
        token = keep_draft(name, posted_pairs(), action=action, stale=stale)
        if token is not None:
            anchor = f"session-{len(form.sessions)}" if action == "add" else None
            return redirect(
                url_for(".plan", requisition_id=req.id, draft=token, _anchor=anchor)
            )
    if stale or (request.method != "POST" and not action):
        form.validate()
    saved = None
    if stale:  # drawn before another save of the plan: nothing written
        mark_stale(form, "plan", req.plan_version)
        saved = plan_values(req, {c.value: c.label for c in choices})
    return _plan_page(req, form, choices, check=not action, saved=saved)


def _apply_action(form: PlanForm, action: str) -> None:
    """Add a session or remove one, as the form's small buttons ask."""
    if action == "add":
        form.sessions.append_entry()
    elif action.startswith("remove-") and len(form.sessions) > 1:
        index = action.removeprefix("remove-")
        if not (
            index.isascii() and index.isdecimal() and int(index) < len(form.sessions)
        ):
            abort(400)
        _remove_entry(form.sessions, int(index))
    elif action and action != "add":
        abort(400)


def _plan_gaps(req: Requisition, form: PlanForm) -> list:
    version = latest_version(req.default_rubric)
    competencies = [(c.key, c.name, str(c.assessed_by)) for c in version.competencies]
    sessions = [
        (
            tuple(e.form.competency_keys.data or ()),
            e.form.clinical_seats.data or 0,
            e.form.technical_seats.data or 0,
        )
        for e in form.sessions
    ]
    return plan_gaps(competencies, sessions)


def _save_plan(req: Requisition, form: PlanForm, found: list):
    try:
        save_plan(current_user, req, [e.form.data for e in form.sessions])
    except LoopError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        # Back to the typed plan, not the saved one (without, if too large to keep)
        token = keep_draft(f"plan:{req.id}", posted_pairs(), action="")
        return redirect(url_for(".plan", requisition_id=req.id, draft=token))
    db.session.commit()
    drop_drafts(f"plan:{req.id}")
    flash("Saved the interview plan. New loops will copy it.", "success")
    if found:
        flash(
            "Loops started from this plan will show coverage gaps: "
            + "; ".join(g.sentence for g in found)
            + ". Each loop can add a session for them, or change this plan.",
            "warning",
        )
    return redirect(url_for(".requisition", requisition_id=req.id))


def _plan_page(
    req: Requisition, form: PlanForm, choices, check: bool = False, saved=None
):
    """The plan form; ``check``: a refused save shown again, its errors or the
    gaps it would leave, waiting for confirmation; ``saved``: the plan as saved
    now, beside a stale form (second_tab.py), which waits for no confirmation."""
    for entry in form.sessions:
        entry.form.competency_keys.choices = choices
    invalid = any(name is not None for name in form.errors)  # a field's, not stale
    found = _plan_gaps(req, form) if not invalid else []
    waiting = check and bool(found) and not form.errors
    stale = waiting and request.args.get("draft") and _confirmed_before(req)
    status = 422 if form.errors else (409 if waiting else 200)
    page = render_template(
        "loops/plan.html",
        form=form,
        requisition=req,
        gaps=found,
        gaps_sentence=plan_gaps_sentence(found),
        confirm_gaps=found if waiting else [],
        confirm_key=plan_gaps_key(found),
        confirm_stale=stale,
        saved=saved,
        competencies=[
            {"key": c.key, "name": c.name, "needs": list(_needs(c.assessed_by))}
            for c in latest_version(req.default_rubric).competencies
        ],
    )
    return page, status


def _needs(assessed_by) -> tuple[str, ...]:
    return required_disciplines(str(assessed_by))


def _confirmed_before(req: Requisition) -> bool:
    """The draft shown came from a "Save the plan anyway" whose gaps had changed."""
    kept = draft(f"plan:{req.id}", request.args.get("draft")) or {}
    return kept.get("formdata", {}).get("confirm") == "y"


def _remove_entry(field_list, index: int) -> None:
    entries = [e.data for i, e in enumerate(field_list.entries) if i != index]
    while field_list.entries:
        field_list.pop_entry()
    for data in entries:
        field_list.append_entry(data)


def _plan_data(p) -> dict:
    return {
        "title": p.title,
        "duration_minutes": p.duration_minutes,
        "competency_keys": list(p.competency_keys),
        "clinical_seats": p.clinical_seats,
        "technical_seats": p.technical_seats,
    }


@bp.route("/candidates/new", methods=["GET", "POST"])
@ta_only
def new_candidate():
    """Add a candidate."""
    return _edit_candidate(None)


@bp.route("/candidates/<int:candidate_id>/edit", methods=["GET", "POST"])
@ta_only
def edit_candidate(candidate_id: int):
    """Change a candidate's details."""
    # Issue 13, data lifecycle: a save waits for an erasure in flight (row lock) and
    # then sees it; an erased candidate's details are never written again.
    writing = request.method == "POST"
    candidate = db.session.get(Candidate, candidate_id, with_for_update=writing)
    if candidate is not None and candidate.erased_at is not None and writing:
        flash(
            "Nothing was saved: this candidate's personal data was erased meanwhile.",
            "error",
        )
        return redirect(url_for(".edit_candidate", candidate_id=candidate_id))
    return _edit_candidate(candidate or abort(404))


@bp.route("/candidates/<int:candidate_id>/conflicts", methods=["GET", "POST"])
@ta_only
def add_candidate_conflict(candidate_id: int):
    """Record that an interviewer must not sit on this candidate's panels. A GET
    (the refused form's address reloaded) shows the candidate's page, not a 405."""
    candidate = db.session.get(Candidate, candidate_id) or abort(404)
    if request.method != "POST":
        return _edit_candidate(candidate)
    form = ConflictForm()
    if form.validate_on_submit():
        interviewer = form.chosen
        try:
            add_conflict(current_user, candidate, interviewer, form.reason.data)
        except LoopError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(
                f"{interviewer.name} will not be seated on {candidate.name}'s panels.",
                "success",
            )
    else:  # the messages next to the fields, with the typed reason kept
        details = CandidateForm(formdata=None, obj=candidate)
        return _candidate_page(details, candidate, form, 422)
    return redirect(
        url_for(".edit_candidate", candidate_id=candidate.id, _anchor="conflicts")
    )


def _edit_candidate(candidate: Candidate | None):
    """The candidate's form; a refused one redirects to its own address with
    ?draft=<token> (issue 14: Reload and Back never send it again), which shows it
    as typed with every error, and writes nothing. So does one drawn before another
    save of the candidate (a second tab; edit_candidate holds the row's lock)."""
    name = f"candidate:{candidate.id if candidate else 'new'}"
    conflict_form = ConflictForm(formdata=None) if candidate else None
    if request.method != "POST":
        kept = draft(name, request.args.get("draft"))
        if kept is None:
            form = CandidateForm(obj=candidate)
            form.version.data = str(candidate.version) if candidate else ""
            return _candidate_page(form, candidate, conflict_form)
        form = CandidateForm(formdata=kept["formdata"], meta={"csrf": False})
        form.validate()
        stale = bool(kept.get("stale"))
        return _candidate_refused(form, candidate, conflict_form, stale)
    form = CandidateForm(obj=candidate)
    stale = candidate is not None and drawn_stale(candidate.version)
    if stale:
        form.validate_on_submit()  # the errors too, if shown here
    elif form.validate_on_submit():
        candidate = save_candidate(current_user, candidate, form.data)
        db.session.commit()
        drop_drafts(name)
        flash(f"Saved {candidate.name}.", "success")
        return redirect(url_for(".candidates"))
    typed = posted_pairs(skip=("csrf_token", "submit"))
    token = keep_draft(name, typed, stale=stale)
    if token is not None:
        return redirect(_candidate_form_url(candidate, token))
    return _candidate_refused(form, candidate, conflict_form, stale)  # too large


def _candidate_refused(form, candidate, conflict_form, stale: bool):
    """The refused form (422); a stale one with the saved details beside it."""
    saved = None
    if stale and candidate is not None:
        mark_stale(form, "candidate", candidate.version)
        saved = candidate_values(form, candidate)
    return _candidate_page(form, candidate, conflict_form, 422, saved)


def _candidate_form_url(candidate: Candidate | None, token: str) -> str:
    if candidate is None:
        return url_for(".new_candidate", draft=token)
    return url_for(".edit_candidate", candidate_id=candidate.id, draft=token)


def _candidate_page(form, candidate, conflict_form, status: int = 200, saved=None):
    # A search typed into the conflict picker without JavaScript: ?find=...
    query = request.args.get("find", "")
    found = conflict_picker(conflict_form, query) if conflict_form else None
    page = render_template(
        "loops/candidate_form.html",
        form=form,
        candidate=candidate,
        conflict_form=conflict_form,
        conflict_found=found,
        conflict_query=query,
        saved=saved,
    )
    return page, status
