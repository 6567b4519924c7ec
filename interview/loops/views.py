"""Loops: start one, see its panel and coverage, seat, schedule, move it along."""

import functools

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from ..extensions import db
from ..forms import refuse_control_characters
from ..models import (
    Candidate,
    InterviewSession,
    Loop,
    LoopStatus,
    PanelSeat,
    Role,
    ScorecardStatus,
    User,
)
from ..permissions import (
    can_see_contact_details,
    can_view_loop,
    can_view_panel_scorecards,
    role_required,
)
from ..timeutil import utcnow
from .blueprint import bp
from .coverage import gaps
from .forms import (
    LoopSessionForm,
    NewLoopForm,
    ReopenForm,
    ScheduleForm,
    SeatForm,
    StatusForm,
)
from .operations import (
    LoopError,
    active_seats,
    add_session,
    assign_seat,
    create_loop,
    loop_coverage,
    open_loops_of,
    remove_session,
    reopen_loop,
    schedule_session,
    scorecard_status,
    update_session,
)
from .pickers import find_candidates, seat_pickers
from .proposals import stored_reasons
from .requisition_views import load_requisition, ta_only
from .schedule import ScheduleError, display_zone, ics_invitation, local_range
from .states import LABELS, TRANSITIONS

# One round of queries for the whole page, however many sessions the loop has.
LOOP_PAGE_LOADS = [
    selectinload(Loop.sessions)
    .selectinload(InterviewSession.seats)
    .options(joinedload(PanelSeat.interviewer), selectinload(PanelSeat.scorecard)),
    selectinload(Loop.sessions).selectinload(InterviewSession.competencies),
    joinedload(Loop.candidate),
    joinedload(Loop.requisition),
]

signed_in = role_required(
    Role.TALENT_ACQUISITION, Role.HIRING_MANAGER, Role.INTERVIEWER
)


def reloadable(view):
    """A form's POST address answers a GET (the refused form's page reloaded, or its
    address opened again) with the loop page instead of a 405; posting stays talent
    acquisition's."""

    @functools.wraps(view)
    def wrapper(loop_id: int, **kwargs):
        if request.method != "POST":
            loop = load_loop(loop_id)
            if "session_id" in kwargs:  # another loop's session, or none: not here
                _session_of(loop, kwargs["session_id"])
            return _loop_page(loop)
        if current_user.role != Role.TALENT_ACQUISITION:
            abort(403)
        return view(loop_id, **kwargs)

    return signed_in(wrapper)


def load_loop(loop_id: int) -> Loop:
    loop = db.session.get(Loop, loop_id, options=LOOP_PAGE_LOADS) or abort(404)
    if not can_view_loop(current_user, loop):
        abort(403)
    return loop


def _session_of(loop: Loop, session_id: int) -> InterviewSession:
    return next((s for s in loop.sessions if s.id == session_id), None) or abort(404)


@bp.route("/requisitions/<int:requisition_id>/loops/new", methods=["GET", "POST"])
@ta_only
def new_loop(requisition_id: int):
    """Start a loop for a candidate found by name or email: it copies the plan."""
    req = load_requisition(requisition_id)
    form = NewLoopForm(q=request.args.get("q", ""))
    candidate, duplicates = None, []
    if form.is_submitted() and form.search.data:  # searched again, nothing to save
        for field in refuse_control_characters(form):
            field.validate(form)  # the message next to the field, as on a save
        candidate = _chosen_before(form.candidate_id.data)
    elif form.validate_on_submit():
        # Locked: a second "Start another loop anyway" in flight waits for the
        # first, then sees its loop open and asks again.
        candidate = db.session.get(
            Candidate, int(form.candidate_id.data), with_for_update=True
        )
        if candidate is None:
            form.candidate_id.errors.append(
                "That candidate is no longer on file; search and choose again."
            )
        elif (duplicates := open_loops_of(req, candidate)) and not (
            form.again.data and form.confirmed.data == loop_ids(duplicates)
        ):
            pass  # shown with the page: start another only when these are confirmed
        else:
            try:
                loop = create_loop(current_user, req, candidate)
            except LoopError as exc:
                form.form_errors.append(str(exc))
            else:
                db.session.commit()
                flash(
                    f"Started the loop for {candidate.name}. Seat the panel next.",
                    "success",
                )
                return redirect(url_for(".loop", loop_id=loop.id))
    found = find_candidates("" if form.q.errors else form.q.data or "")
    # The one chosen stays in sight, marked, apart from the matches.
    kept = candidate if candidate not in found.results else None
    if kept is not None and kept.erased_at is not None:  # refused: not offered again
        kept = None
    status = 422 if form.errors or form.form_errors else (409 if duplicates else 200)
    page = render_template(
        "loops/new_loop.html",
        form=form,
        requisition=req,
        found=found,
        kept=kept,
        duplicates=duplicates,
        confirmed=loop_ids(duplicates),
        labels=LABELS,
    )
    return page, status


def loop_ids(loops: list[Loop]) -> str:
    """The open loops a confirmation covers, as its form carries them back."""
    return ",".join(str(lp.id) for lp in loops)


def _chosen_before(text: str | None) -> Candidate | None:
    """The candidate a search sent along as already chosen, if still on file and
    not erased (issue 13: an erased candidate is never offered)."""
    text = text or ""
    if text.isascii() and text.isdecimal() and len(text) < 10:
        candidate = db.session.get(Candidate, int(text))
        return candidate if candidate and candidate.erased_at is None else None
    return None


# After a session's time and place is saved the redirect to #session-N lands on
# that session, focused (tabindex -1 and autofocus, as the holds section does),
# so a keyboard or screen reader user continues where they were, not at the top.
SAVED_SESSION = "interview_saved_session"


@bp.route("/loops/<int:loop_id>")
@signed_in
def loop(loop_id: int):
    """The loop: plan, panel, coverage matrix, scorecards and who still owes one."""
    return _loop_page(load_loop(loop_id))


def _loop_page(loop: Loop, status: int = 200, **failed):
    """The loop page; ``failed`` holds a refused form (``reopen``, ``new_session``,
    ``schedule`` or ``shape`` keyed by session id) shown again with its text and
    errors, its section open, instead of a fresh one, or a step waiting for
    confirmation (``proposal``, ``confirm_debrief``: guard_views.py)."""
    rows = loop_coverage(loop)
    context = {
        "lp": loop,
        "rows": rows,
        "gaps": gaps(rows),
        "now": utcnow(),
        "active_seats": active_seats,
        "scorecard_status": scorecard_status,
        "local_range": local_range,
        "contact": can_see_contact_details(current_user),
        "panel_visible": can_view_panel_scorecards(current_user, loop),
        "scorecards_in": _any_submitted(loop),
        "my_seats": [
            seat
            for session in loop.sessions
            for seat in active_seats(session)
            if seat.interviewer_id == current_user.id
        ],
        "manage": current_user.role == Role.TALENT_ACQUISITION,
        # The session whose time and place was just saved takes the focus, once.
        "focus_session": cookie_session.pop(SAVED_SESSION, None),
        # A decided or withdrawn loop no longer changes: no forms that would refuse.
        "editable": current_user.role == Role.TALENT_ACQUISITION
        and loop.status not in (LoopStatus.DECIDED, LoopStatus.WITHDRAWN),
    }
    # Others' progress is part of the panel: an interviewer sees it once they may
    # read the panel (independence.py), their own seats always.
    context["progress_visible"] = (
        current_user.role != Role.INTERVIEWER or (context["panel_visible"])
    )
    # Issue 14: a panel proposal previewed before anyone is seated, a move to
    # debrief waiting for confirmation, and the reasons of the panel proposed last.
    context["proposal"] = failed.get("proposal")
    context["confirm_debrief"] = failed.get("confirm_debrief")
    context["confirm_key"] = failed.get("confirm_key", "")
    context["confirm_stale"] = failed.get("confirm_stale", False)
    # The reasons name colleagues' weekly load: talent acquisition's to read.
    context["proposal_reasons"] = stored_reasons(loop) if context["manage"] else []
    if context["manage"]:
        context.update(_management_forms(loop))
        context["reopen_form"] = failed.get("reopen") or ReopenForm(formdata=None)
        context["new_session_form"] = (
            failed.get("new_session") or context["new_session_form"]
        )
        context["schedule_forms"] |= failed.get("schedule", {})
        context["shape_forms"] |= failed.get("shape", {})
    return render_template("loops/loop.html", **context), status


def _any_submitted(loop: Loop) -> bool:
    """Whether the panel's scorecards and debrief have anything to show yet (a
    replaced seat's submitted scorecard counts, as it does in the debrief)."""
    return any(
        seat.scorecard is not None
        and seat.scorecard.status == ScorecardStatus.SUBMITTED
        for session in loop.sessions
        for seat in session.seats
    )


def _management_forms(loop: Loop) -> dict:
    seats = [seat for session in loop.sessions for seat in active_seats(session)]
    # A search typed into one seat's picker without JavaScript: ?seat=<id>&find=...
    searched = request.args.get("seat", type=int)
    seat_forms, seat_found = seat_pickers(seats, searched, request.args.get("find", ""))
    # Only the session opened for editing (?edit=<id>) gets its time-and-place form:
    # its zone select holds some 420 zones (46 KB), and one per session made most
    # of the page's weight. The others show their time and a link to this form.
    editing = request.args.get("edit", type=int)
    schedule_forms = {
        session.id: _schedule_form(session)
        for session in loop.sessions
        if session.id == editing
    }
    shape_forms = {}
    for session in loop.sessions:
        form = LoopSessionForm(prefix=f"shape-{session.id}", formdata=None, obj=session)
        form.competency_keys.choices = [
            SelectChoice(c.key, c.name) for c in loop.rubric_version.competencies
        ]
        form.competency_keys.data = [c.key for c in session.competencies]
        shape_forms[session.id] = form
    new_form = LoopSessionForm(prefix="new-session", formdata=None)
    new_form.competency_keys.choices = [
        SelectChoice(c.key, c.name) for c in loop.rubric_version.competencies
    ]
    status_form = StatusForm()
    status_form.status.choices = [
        SelectChoice(t, LABELS[t]) for t in TRANSITIONS[str(loop.status)]
    ]
    return {
        "seat_forms": seat_forms,
        "seat_found": seat_found,
        "schedule_forms": schedule_forms,
        "shape_forms": shape_forms,
        "new_session_form": new_form,
        "status_form": status_form,
    }


def _schedule_form(session: InterviewSession) -> ScheduleForm:
    """The session's time-and-place form as saved, its time in its own zone."""
    form = ScheduleForm(prefix=f"session-{session.id}", formdata=None, obj=session)
    if session.starts_at:
        local = session.starts_at.astimezone(display_zone(session.time_zone))
        form.starts_local.data = local.strftime("%Y-%m-%dT%H:%M")
        if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
            form.fold.data = str(local.fold)  # the hour that happens twice
    return form


def _load_seat(loop: Loop, seat_id: int, lock: bool = False) -> PanelSeat:
    seat = db.session.get(PanelSeat, seat_id, with_for_update=lock) or abort(404)
    if seat.session.loop_id != loop.id:
        abort(404)
    return seat


@bp.route("/loops/<int:loop_id>/seats/<int:seat_id>", methods=["POST"])
@ta_only
def seat(loop_id: int, seat_id: int):
    """Seat an interviewer (or nobody) in one seat of the panel."""
    loop = load_loop(loop_id)
    # Two administrators seating at once: the second waits, then sees the change.
    seat = _load_seat(loop, seat_id, lock=True)
    form = SeatForm(prefix=f"seat-{seat.id}")
    expected = form.current.data
    if seat.removed_at is not None or (
        expected is not None and expected != str(seat.interviewer_id or "")
    ):
        # A changed seat is retired and replaced: name who holds its successor.
        now = _successor(seat).interviewer if seat.removed_at else seat.interviewer
        flash(
            f"{seat.session.title}: someone changed this seat meanwhile (it now has "
            f"{now.name if now else 'nobody'}); nothing was changed. Choose again if "
            "needed.",
            "error",
        )
        return redirect(url_for(".loop", loop_id=loop.id))
    session_id = seat.session_id
    chosen = form.interviewer_id.data or ""
    if chosen and not (chosen.isascii() and chosen.isdecimal() and len(chosen) < 10):
        abort(400)
    interviewer = db.session.get(User, int(chosen)) if chosen else None
    if chosen and interviewer is None:
        abort(400)
    try:
        message = assign_seat(current_user, seat, interviewer)
    except LoopError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(message, "success")
    # Back to the session seated, not the top of a long page.
    return redirect(url_for(".loop", loop_id=loop.id, _anchor=f"session-{session_id}"))


def _successor(seat: PanelSeat) -> PanelSeat:
    """The active seat that took a retired seat's place (same session, discipline)."""
    same = [s for s in active_seats(seat.session) if s.discipline == seat.discipline]
    later = [s for s in same if s.created_at >= seat.removed_at]
    return (later or same or [seat])[0]


@bp.route(
    "/loops/<int:loop_id>/sessions/<int:session_id>/schedule", methods=["GET", "POST"]
)
@reloadable
def schedule(loop_id: int, session_id: int):
    """Set the time (in the session's own zone), length and place of a session."""
    loop = load_loop(loop_id)
    session = _session_of(loop, session_id)
    form = ScheduleForm(prefix=f"session-{session.id}")
    if form.validate():
        data = dict(form.data)
        data["fold"] = int(data["fold"]) if data.get("fold") in ("0", "1") else None
        try:
            schedule_session(current_user, session, data)
        except (ScheduleError, LoopError) as exc:
            db.session.rollback()
            flash(f"{session.title}: {exc}", "error")
        else:
            db.session.commit()
            flash(f"{session.title}: time and place saved.", "success")
            anchor = f"session-{session.id}"  # back to the session, not the top
            cookie_session[SAVED_SESSION] = session.id  # which takes the focus there
            return redirect(url_for(".loop", loop_id=loop.id, _anchor=anchor))
    else:
        _flash_errors(session.title, form)
    return _loop_page(loop, 422, schedule={session.id: form})


def _session_form(loop: Loop, session: InterviewSession | None) -> LoopSessionForm:
    prefix = f"shape-{session.id}" if session else "new-session"
    form = LoopSessionForm(prefix=prefix)
    form.competency_keys.choices = [
        SelectChoice(c.key, c.name) for c in loop.rubric_version.competencies
    ]
    return form


@bp.route("/loops/<int:loop_id>/sessions", methods=["GET", "POST"])
@reloadable
def add_loop_session(loop_id: int):
    """Add a session to this loop only."""
    loop = load_loop(loop_id)
    form = _session_form(loop, None)
    if form.validate():
        try:
            session = add_session(current_user, loop, form.data)
        except LoopError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(
                f"Added {session.title}. Seat its panel and give it a time.", "success"
            )
            return redirect(url_for(".loop", loop_id=loop.id))
    else:
        _flash_errors("New session", form)
    return _loop_page(loop, 422, new_session=form)


@bp.route(
    "/loops/<int:loop_id>/sessions/<int:session_id>/shape", methods=["GET", "POST"]
)
@reloadable
def shape_session(loop_id: int, session_id: int):
    """Change a session's title, length, competencies and seats for this loop."""
    loop = load_loop(loop_id)
    session = _session_of(loop, session_id)
    form = _session_form(loop, session)
    if form.validate():
        try:
            update_session(current_user, session, form.data)
        except LoopError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(f"Saved {session.title}.", "success")
            return redirect(url_for(".loop", loop_id=loop.id))
    else:
        _flash_errors(session.title, form)
    return _loop_page(loop, 422, shape={session.id: form})


@bp.route("/loops/<int:loop_id>/sessions/<int:session_id>/remove", methods=["POST"])
@ta_only
def remove_loop_session(loop_id: int, session_id: int):
    """Remove a session from this loop, unless someone wrote a scorecard for it."""
    loop = load_loop(loop_id)
    session = _session_of(loop, session_id)
    try:
        remove_session(current_user, session)
    except LoopError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(f"Removed {session.title} from this loop.", "success")
    return redirect(url_for(".loop", loop_id=loop.id))


def _flash_errors(where: str, form) -> None:
    for name, errors in form.errors.items():
        label = getattr(form, name).label.text if hasattr(form, name) else name
        flash(f"{where}, {label}: {' '.join(errors)}", "error")


@bp.route("/loops/<int:loop_id>/reopen", methods=["GET", "POST"])
@reloadable
def reopen(loop_id: int):
    """Reopen a decided loop so its scorecards can be amended; the reason is audited."""
    db.session.get(Loop, loop_id, with_for_update=True)  # one reopening at a time
    loop = load_loop(loop_id)
    form = ReopenForm()
    if form.validate_on_submit():
        try:
            reopen_loop(current_user, loop, form.reason.data)
        except LoopError as exc:
            db.session.rollback()
            form.reason.errors = [str(exc)]
        else:
            db.session.commit()
            flash(
                "The loop is back in debrief: scorecards can be amended, and the "
                "hiring manager records a new decision.",
                "success",
            )
            return redirect(url_for(".loop", loop_id=loop.id))
    return _loop_page(loop, 422, reopen=form)


@bp.route("/loops/<int:loop_id>/sessions/<int:session_id>/invite.ics")
@signed_in
def invitation(loop_id: int, session_id: int):
    """A calendar invitation for a scheduled session."""
    loop = load_loop(loop_id)
    session = _session_of(loop, session_id)
    if session.starts_at is None:
        abort(404)
    seated = [s.interviewer for s in active_seats(session) if s.interviewer]
    body = ics_invitation(
        uid=f"session-{session.id}@interview",
        title=f"Interview: {loop.candidate.name} — {session.title}",
        description=f"{loop.requisition.title}. Interview kit and scorecard in the platform.",
        start_utc=session.starts_at,
        end_utc=session.ends_at,
        location=session.location,
        url=session.video_url,
        attendee_emails=tuple(u.email for u in seated),
        stamp_utc=utcnow(),
        sequence=session.schedule_sequence,
        # Withdrawing raised the sequence (operations.change_status): this replaces
        # the invitation in the calendars that imported it.
        cancelled=loop.status == LoopStatus.WITHDRAWN,
    )
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="interview-{session.id}.ics"'
        },
    )
