"""Loops: start one, see its panel and coverage, seat, schedule, move it along."""

import functools

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as cookie_session
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from ..accounts.operations import default_time_zone
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
from ..notify import messages as notify_messages
from ..notify import triggers as notify_triggers
from ..permissions import (
    can_see_contact_details,
    can_view_loop,
    can_view_panel_scorecards,
    role_required,
)
from ..timeutil import utcnow
from .blueprint import bp
from .coverage import gaps
from .drafts import (
    changed_redirect,
    changed_since_confirmed,
    draft,
    drop_drafts,
    keep_draft,
    posted_pairs,
)
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
    check_open,
    check_removable,
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
from .schedule import (
    ScheduleError,
    display_zone,
    ics_invitation,
    local_range,
    session_window,
    to_utc,
)
from .states import LABELS, TRANSITIONS
from .told import Told, seated, to_be_told, told_key

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


def drafted(view):
    """``reloadable``, whose GET, for talent acquisition, goes to the view itself:
    a refused form redirects to its own address with ``?draft=<token>`` (issue 14:
    Back and Reload never send it again), which shows the form as typed."""
    reloaded = reloadable(view)

    @functools.wraps(view)
    def wrapper(loop_id: int, **kwargs):
        if request.method != "POST" and current_user.role == Role.TALENT_ACQUISITION:
            return view(loop_id, **kwargs)
        return reloaded(loop_id, **kwargs)

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
    candidate, duplicates, status = None, [], 200
    if not form.is_submitted() and "candidate" in request.args:
        # ?candidate=<id>&again=1: the POST that found an open loop redirected here,
        # so Reload and Back never send the form again (issue 14).
        candidate, status = _asked_about(form, request.args["candidate"])
        if candidate is not None and "again" in request.args:
            duplicates = open_loops_of(req, candidate)
    elif form.is_submitted() and (form.search.data or _enter_searches(form)):
        # Searched again, nothing to save.
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
            # Asked on a page of its own: start another only when these are confirmed.
            return redirect(
                url_for(
                    ".new_loop",
                    requisition_id=req.id,
                    candidate=candidate.id,
                    again=1,
                    q=form.q.data or None,
                ),
                303,
            )
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
    if form.is_submitted() and (form.errors or form.form_errors):
        status = 422
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


def _enter_searches(form: NewLoopForm) -> bool:
    """Whether Enter (the form's hidden first button) means Search: in the search
    box, its query changed since the list was drawn, or with nobody chosen. Enter on
    a radio button, the query as drawn, starts the loop (issue 14: it searched)."""
    if not form.enter.data:
        return False
    changed = (form.q.data or "") != (form.shown.data or "")
    return changed or not form.candidate_id.data


def loop_ids(loops: list[Loop]) -> str:
    """The open loops a confirmation covers, as its form carries them back."""
    return ",".join(str(lp.id) for lp in loops)


def _asked_about(form: NewLoopForm, text: str) -> tuple[Candidate | None, int]:
    """The candidate a confirmation's address names, chosen on the form; one
    malformed, unknown or erased is said so on the plain form (400 or 404)."""
    if not (text.isascii() and text.isdecimal() and len(text) < 10):
        form.form_errors.append(
            "That link does not name a candidate; search and choose one."
        )
        return None, 400
    candidate = _chosen_before(text)
    if candidate is None:
        form.form_errors.append(
            "That candidate is no longer on file; search and choose again."
        )
        return None, 404
    form.candidate_id.data = str(candidate.id)
    return candidate, 200


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
    loop = load_loop(loop_id)
    if "past" in request.args:  # ?edit=<session>&past=<draft>: schedule's question
        return _past_confirmation(loop)
    if "clear" in request.args:  # ?edit=<session>&clear=<draft>: its other question
        return _clear_confirmation(loop)
    return _loop_page(loop)


OPEN = (LoopStatus.PLANNED, LoopStatus.INTERVIEWING, LoopStatus.DEBRIEF)


def _loop_page(loop: Loop, status: int = 200, **failed):
    """The loop page; ``failed`` holds a refused form (``reopen``, ``new_session``,
    ``schedule`` or ``shape`` keyed by session id) shown again with its text and
    errors, its section open, instead of a fresh one, or a step waiting for
    confirmation (``proposal``, ``confirm_debrief``: guard_views.py)."""
    rows = loop_coverage(loop)
    context = {
        "lp": loop,
        "rows": rows,
        # Open loops only (home/gaps.py's OPEN): a decided or withdrawn loop's
        # gaps are no longer anyone's to close.
        "gaps": gaps(rows) if loop.status in OPEN else [],
        "now": utcnow(),
        "active_seats": active_seats,
        "scorecard_status": scorecard_status,
        "local_range": local_range,
        "planning_zone": planning_zone,
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
    context["confirm_interviewing"] = failed.get("confirm_interviewing")  # no time
    context["confirm_withdraw"] = failed.get("confirm_withdraw")  # who will be told
    context["confirm_remove"] = failed.get("confirm_remove")  # ...of this session
    context["confirm_plan_again"] = failed.get("confirm_plan_again")  # re-invited
    context["confirm_key"] = failed.get("confirm_key", "")
    context["confirm_stale"] = failed.get("confirm_stale", False)
    context["confirm_past"] = failed.get("confirm_past")  # a time already ended
    context["confirm_clear"] = failed.get("confirm_clear")  # a time cleared
    # The reasons name colleagues' weekly load: talent acquisition's to read.
    context["proposal_reasons"] = _reasons_now(loop) if context["manage"] else []
    if context["manage"]:
        context.update(_management_forms(loop))
        context["reopen_form"] = failed.get("reopen") or ReopenForm(formdata=None)
        context["new_session_form"] = (
            failed.get("new_session") or context["new_session_form"]
        )
        context["schedule_forms"] |= failed.get("schedule", {})
        context["shape_forms"] |= failed.get("shape", {})
    return render_template("loops/loop.html", **context), status


# How a proposal's reason (pairing.py) says its session had no time then.
NOT_SCHEDULED = "; the session is not scheduled yet"


def _reasons_now(loop: Loop) -> list[dict]:
    """The panel proposed last's reasons (proposals.py); one given while its session
    had no time says so in the past once the session has one (issue 14: it still
    said "not scheduled yet" beside a scheduled session)."""
    timed = {s.id for s in loop.sessions if s.starts_at is not None}
    reasons = stored_reasons(loop)
    for r in reasons:
        if r["session_id"] in timed:
            then = "; the session had no time yet when the panel was proposed"
            r["reason"] = r["reason"].replace(NOT_SCHEDULED, then)
    return reasons


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


# The zone a session is created with (the column's default): nobody chose it yet.
UNCHOSEN_ZONE = InterviewSession.__table__.c.time_zone.default.arg


def planning_zone(session: InterviewSession) -> str:
    """The zone a session's time is typed in: the one chosen for it, or, for a
    session never scheduled (no time, never changed, zone as created), the reader's
    own (their profile's, else DEFAULT_TIMEZONE), so 10:00 means 10:00 to them."""
    if (
        session.starts_at is None
        and not session.schedule_sequence
        and session.time_zone == UNCHOSEN_ZONE
    ):
        return current_user.time_zone or default_time_zone()
    return session.time_zone


def _schedule_form(session: InterviewSession) -> ScheduleForm:
    """The session's time-and-place form as saved, its time in its own zone."""
    form = ScheduleForm(prefix=f"session-{session.id}", formdata=None, obj=session)
    form.time_zone.data = planning_zone(session)
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
@drafted
def schedule(loop_id: int, session_id: int):
    """Set the time (in the session's own zone), length and place of a session."""
    loop = load_loop(loop_id)
    session = _session_of(loop, session_id)
    if request.method != "POST":
        return _schedule_draft_page(loop, session)
    form = ScheduleForm(prefix=f"session-{session.id}")
    message = ""
    if form.validate():
        data = _schedule_data(form)
        try:
            if question := _question(session, data):
                # Issue 14: whatever would refuse the save (a weekly limit, a time
                # that does not exist) is said before asking, never after.
                _refusal_first(session, data)
                ask, about = question
                if ask == "clear" and "confirm_clear" in request.form:
                    changed = f"{session.title}: who is seated changed; check again."
                    flash(changed, "warning")
                return _ask_first(loop, session, form, ask, **about)
            schedule_session(current_user, session, data)
        except (ScheduleError, LoopError) as exc:
            # A LoopError names the session itself ("Workflow cannot move there:
            # ..."); a time refused does not.
            message = (
                str(exc) if isinstance(exc, LoopError) else f"{session.title}: {exc}"
            )
        else:
            db.session.commit()
            drop_drafts(_schedule_draft(session))
            flash(f"{session.title}: time and place saved.", "success")
            anchor = f"session-{session.id}"  # back to the session, not the top
            cookie_session[SAVED_SESSION] = session.id  # which takes the focus there
            return redirect(url_for(".loop", loop_id=loop.id, _anchor=anchor))
    return _schedule_refused(loop, session, form, message)


def _question(session: InterviewSession, data: dict) -> tuple | None:
    """What saving the typed time asks first, as ``_ask_first``'s arguments: a time
    cleared (or half typed: browsers send it empty) takes the session off calendars,
    so it names who is told, and a confirmation naming others (seats changed
    meanwhile) asks again; a time already over sends nobody an invitation."""
    told = _clearing(session, data)
    if told and request.form.get("confirm_clear") != told_key(told):
        return "clear", {"told": told}
    if request.form.get("confirm_past") != "y" and (when := _past_time(session, data)):
        return "past", {"when": when}
    return None


def _refusal_first(session: InterviewSession, data: dict) -> None:
    """Save the typed time in a savepoint and undo it: raise what the save would be
    refused for (ScheduleError, LoopError), so a question is never answered only
    to be refused for something it could have said first."""
    savepoint = db.session.begin_nested()
    try:
        schedule_session(current_user, session, data)
    finally:
        savepoint.rollback()


def _schedule_refused(loop: Loop, session: InterviewSession, form, message: str):
    """A refused time-and-place form, kept as a draft, and a redirect to its address
    with the draft's token (issue 14: Reload and Back never post it again); too
    large to keep, the loop page at once (422)."""
    db.session.rollback()  # nothing written
    typed = posted_pairs(skip=("csrf_token", *SCHEDULE_QUESTIONS, form.submit.name))
    token = keep_draft(_schedule_draft(session), typed, refused=message)
    if token is not None:
        where = {"loop_id": loop.id, "session_id": session.id, "draft": token}
        return redirect(url_for(".schedule", **where))
    if message:
        flash(message, "error")
    _flash_errors(session.title, form)
    if message:  # said inside the time-and-place form too
        form.form_errors.append(message)
    return _loop_page(loop, 422, schedule={session.id: form})


def _schedule_draft_page(loop: Loop, session: InterviewSession):
    """The loop page with a refused time-and-place form as typed, its errors found
    again and the message it was refused with (422), however often reloaded; the
    loop page as it is when no such draft is kept. It never writes."""
    kept = draft(_schedule_draft(session), request.args.get("draft"))
    if kept is None:
        return _loop_page(loop)
    form = ScheduleForm(
        prefix=f"session-{session.id}", formdata=kept["formdata"], meta={"csrf": False}
    )
    form.validate()
    if kept.get("refused"):
        flash(kept["refused"], "error")
    _flash_errors(session.title, form)
    if kept.get("refused"):  # said inside the time-and-place form too
        form.form_errors.append(kept["refused"])
    return _loop_page(loop, 422, schedule={session.id: form})


SCHEDULE_QUESTIONS = ("confirm_past", "confirm_clear")


def _ask_first(
    loop: Loop, session: InterviewSession, form: ScheduleForm, ask: str, **about
):
    """Ask about the typed time (``ask``: "past" or "clear") by a redirect (Back and
    Reload never post again) to the loop page with the form as typed, kept as a
    draft; when too large to keep, that page at once (409)."""
    typed = posted_pairs(skip=("csrf_token", *SCHEDULE_QUESTIONS, form.submit.name))
    token = keep_draft(_schedule_draft(session), typed)
    if token is not None:
        where = {ask: token}
        return redirect(url_for(".loop", loop_id=loop.id, edit=session.id, **where))
    question = {"session": session, "pairs": typed, **about}
    if ask == "clear":
        question["key"] = told_key(about["told"])
    return _loop_page(
        loop, 409, schedule={session.id: form}, **{f"confirm_{ask}": question}
    )


def _clearing(session: InterviewSession, data: dict) -> list[Told]:
    """Who clearing the session's time sends a cancellation (issue 14): its seated
    interviewers, when no time is typed and the saved one is on their calendars."""
    if (data.get("starts_local") or "").strip() or session.starts_at is None:
        return []
    return to_be_told([session])


def _schedule_data(form: ScheduleForm) -> dict:
    data = dict(form.data)
    data["fold"] = int(data["fold"]) if data.get("fold") in ("0", "1") else None
    return data


def _schedule_draft(session: InterviewSession) -> str:
    """The name of a session's kept time-and-place drafts (drafts.py)."""
    return f"schedule:{session.id}"


def _past_time(session: InterviewSession, data: dict) -> str | None:
    """The typed time, as "Mon 4 Mar 2024, 10:00-10:45 CET" in the zone it was typed
    in, when it has already ended (its end in UTC before now) and differs from the
    time saved (a past session's place corrected asks nothing); else None, a time
    refused anyway included (schedule_session then says why)."""
    if not (data.get("starts_local") or "").strip():
        return None
    try:
        start = to_utc(data["starts_local"], data["time_zone"], fold=data["fold"])
        start, end = session_window(start, int(data["duration_minutes"]))
    except (ScheduleError, TypeError, ValueError):
        return None
    if end > utcnow() or (
        session.starts_at == start
        and session.duration_minutes == data["duration_minutes"]
    ):
        return None
    return local_range(start, end, data["time_zone"])


def _kept_schedule(loop: Loop, ask: str):
    """The session and its time-and-place form as typed, kept under the token in
    ``?<ask>=``; or the loop page itself (None, response). A draft no longer kept
    (saved, pushed out by newer ones, typed in another browser or by another
    account) says so and shows the time as saved."""
    editing = request.args.get("edit", type=int)
    session = next((s for s in loop.sessions if s.id == editing), None)
    if session is None or current_user.role != Role.TALENT_ACQUISITION:
        return None, _loop_page(loop)
    kept = draft(_schedule_draft(session), request.args.get(ask))
    if kept is None:
        flash(
            f"{session.title}: the time you typed is no longer kept in this browser "
            "(it was saved, replaced by a newer one, or typed elsewhere); the form "
            "shows the time as saved.",
            "warning",
        )
        return None, _loop_page(loop)
    form = ScheduleForm(prefix=f"session-{session.id}", formdata=kept["formdata"])
    return (session, form, kept["pairs"]), None


def _past_confirmation(loop: Loop):
    """A time already over, waiting for confirmation, with the form as typed: the
    page a past time redirects to."""
    kept, page = _kept_schedule(loop, "past")
    if kept is None:
        return page
    session, form, pairs = kept
    when = _past_time(session, _schedule_data(form))
    past = {"session": session, "when": when, "pairs": pairs} if when else None
    return _loop_page(loop, schedule={session.id: form}, confirm_past=past)


def _clear_confirmation(loop: Loop):
    """A time cleared, waiting for confirmation (issue 14), naming who is sent a
    cancellation, with the form as typed: the page clearing it redirects to. Asked
    again (reloaded, or seats changed), it names who is told now; nobody left on a
    calendar, it asks nothing and shows the form as typed."""
    kept, page = _kept_schedule(loop, "clear")
    if kept is None:
        return page
    session, form, pairs = kept
    told = _clearing(session, _schedule_data(form))
    clear = (
        {"session": session, "told": told, "key": told_key(told), "pairs": pairs}
        if told
        else None
    )
    return _loop_page(loop, schedule={session.id: form}, confirm_clear=clear)


def _session_form(
    loop: Loop, session: InterviewSession | None, formdata=None
) -> LoopSessionForm:
    """A session's form as posted, or as kept in a draft (``formdata``)."""
    prefix = f"shape-{session.id}" if session else "new-session"
    if formdata is None:
        form = LoopSessionForm(prefix=prefix)
    else:
        form = LoopSessionForm(prefix=prefix, formdata=formdata, meta={"csrf": False})
    form.competency_keys.choices = [
        SelectChoice(c.key, c.name) for c in loop.rubric_version.competencies
    ]
    return form


def _session_refused(
    loop: Loop, name: str, where: str, form, message: str = "", **extra
):
    """A refused session form: kept as a draft and redirected to its address with
    the draft's token; too large to keep, answered here as before (422)."""
    db.session.rollback()  # nothing written
    prefix = form._prefix
    skip = ("csrf_token", f"{prefix}csrf_token", f"{prefix}submit")
    token = keep_draft(name, posted_pairs(skip=skip), refused=message, **extra)
    if token is not None:
        return redirect(url_for(request.endpoint, **request.view_args, draft=token))
    if message:
        flash(message, "error")
    _flash_errors(where, form)
    return None


def _session_draft(loop: Loop, session: InterviewSession | None, name: str):
    """The loop page with a refused session form's draft (every error found again,
    the message it was refused with), or as it is when no such draft is kept. It
    never writes."""
    kept = draft(name, request.args.get("draft"))
    if kept is None:
        return None
    form = _session_form(loop, session, kept["formdata"])
    form.validate()
    if kept.get("refused"):
        flash(kept["refused"], "error")
    _flash_errors(session.title if session else "New session", form)
    if kept.get("refused"):
        # Issue 14: a refusal by the rules (a gap, a closed loop) is the form's
        # error too, so its section opens on it, as a field's error opens it.
        form.form_errors.append(kept["refused"])
    if kept.get("stale") and session is not None:
        _stale_shape(form, session)
    return form


STALE_SESSION = (
    "Someone else changed this session while you were editing. Your changes are "
    "still in the form; compare them with the saved values and save again."
)


def _changed_since_drawn(session: InterviewSession, form: LoopSessionForm) -> bool:
    """Whether the session was saved since its form was drawn (issue 14: a second
    tab's save silently undid the first's). Its counter is read with its row locked,
    after the loop's (check_open), the order update_session and a decision take
    them; a form without a counter, or a garbled one, is never saved blind."""
    check_open(session.loop)
    db.session.get(
        InterviewSession, session.id, with_for_update=True, populate_existing=True
    )
    return form.version.data != str(session.version)


def _stale_shape(form: LoopSessionForm, session: InterviewSession) -> None:
    """Keep what was typed, show what is saved now beside it (``form.saved``), and
    carry the saved counter so the next save goes through."""
    form.version.data = str(session.version)
    form.saved = [
        (form.title.label.text, session.title),
        (form.duration_minutes.label.text, session.duration_minutes),
        (
            form.competency_keys.label.text,
            ", ".join(c.name for c in session.competencies) or "none",
        ),
        (form.clinical_seats.label.text, session.clinical_seats),
        (form.technical_seats.label.text, session.technical_seats),
    ]


@bp.route("/loops/<int:loop_id>/sessions", methods=["GET", "POST"])
@drafted
def add_loop_session(loop_id: int):
    """Add a session to this loop only."""
    loop = load_loop(loop_id)
    name = f"new-session:{loop.id}"
    if request.method != "POST":
        form = _session_draft(loop, None, name)
        return _loop_page(loop, 422, new_session=form) if form else _loop_page(loop)
    form = _session_form(loop, None)
    message = ""
    if form.validate():
        try:
            session = add_session(current_user, loop, form.data)
        except LoopError as exc:
            message = str(exc)
        else:
            db.session.commit()
            drop_drafts(name)
            flash(
                f"Added {session.title}. Seat its panel and give it a time.", "success"
            )
            return redirect(url_for(".loop", loop_id=loop.id))
    refused = _session_refused(loop, name, "New session", form, message)
    return refused or _loop_page(loop, 422, new_session=form)


@bp.route(
    "/loops/<int:loop_id>/sessions/<int:session_id>/shape", methods=["GET", "POST"]
)
@drafted
def shape_session(loop_id: int, session_id: int):
    """Change a session's title, length, competencies and seats for this loop."""
    loop = load_loop(loop_id)
    session = _session_of(loop, session_id)
    name = f"shape:{session.id}"
    if request.method != "POST":
        form = _session_draft(loop, session, name)
        shape = {session.id: form} if form else {}
        return _loop_page(loop, 422 if form else 200, shape=shape)
    form = _session_form(loop, session)
    message, stale = "", False
    if form.validate():
        try:
            if _changed_since_drawn(session, form):
                message, stale = STALE_SESSION, True
            else:
                update_session(current_user, session, form.data)
        except LoopError as exc:
            message = str(exc)
        else:
            if not stale:
                db.session.commit()
                drop_drafts(name)
                flash(f"Saved {session.title}.", "success")
                return redirect(url_for(".loop", loop_id=loop.id))
    refused = _session_refused(loop, name, session.title, form, message, stale=stale)
    if refused:
        return refused
    if stale:  # too large to keep as a draft: answered here
        form.form_errors.append(message)
        _stale_shape(form, session)
    return _loop_page(loop, 422, shape={session.id: form})


@bp.route(
    "/loops/<int:loop_id>/sessions/<int:session_id>/remove", methods=["GET", "POST"]
)
@reloadable
def remove_loop_session(loop_id: int, session_id: int):
    """Remove a session from this loop, unless someone wrote a scorecard for it."""
    loop = load_loop(loop_id)
    session = _session_of(loop, session_id)
    try:
        check_removable(session)
    except LoopError as exc:  # refused before any question about who is told
        flash(str(exc), "error")
        return redirect(url_for(".loop", loop_id=loop.id))
    told = seated([session])  # issue 14: anyone seated, told or not, asks first
    if told and not (
        request.form.get("confirm") == "y"
        and request.form.get("told") == told_key(told)
    ):  # issue 14: interviewers would get a cancellation; ask first, naming them,
        # on a page of its own (a redirect: Back and Reload never post again); a
        # stale confirmation says so there once (a note in the cookie: drafts.py)
        ask = url_for(".confirm_removal", loop_id=loop.id, session_id=session.id)
        stale = request.form.get("confirm") == "y"
        return changed_redirect(ask) if stale else redirect(ask)
    try:
        remove_session(current_user, session)
    except LoopError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(f"Removed {session.title} from this loop.", "success")
    return redirect(url_for(".loop", loop_id=loop.id))


@bp.route("/loops/<int:loop_id>/sessions/<int:session_id>/removal")
@ta_only
def confirm_removal(loop_id: int, session_id: int):
    """Who removing the session tells, and the button that removes it (a GET: the
    removal's redirect lands here; reloaded or opened again, it asks anew)."""
    loop = load_loop(loop_id)
    session = _session_of(loop, session_id)
    if loop.status not in OPEN:  # issue 14: a withdrawn or decided loop refuses it
        from .guard_views import _nothing_to_confirm  # (guard_views imports this)

        return _nothing_to_confirm(loop, f"removing {session.title}")
    try:
        check_removable(session)
    except LoopError as exc:
        flash(str(exc), "error")
        return _loop_page(loop)
    told = seated([session])
    if not told:
        flash(
            f"Nothing to confirm for removing {session.title} now: nobody is "
            "seated; the page below shows the loop as it is.",
            "warning",
        )
        return _loop_page(loop)
    return _loop_page(
        loop,
        confirm_remove=session,
        confirm_withdraw=told,
        confirm_key=told_key(told),
        confirm_stale=changed_since_confirmed(),
    )


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
    # The emailed invitation's organizer too: an event without one is not valid
    # (RFC 5546), and a calendar holding both sees the same event.
    organizer, names = notify_messages.calendar_organizer(
        current_app.config["MAIL_FROM"]
    )
    body = ics_invitation(
        # The emails' UID: either replaces the other.
        uid=notify_triggers.calendar_uid(session.id),
        title=f"Interview: {loop.candidate.name} — {session.title}",
        description=f"{loop.requisition.title}. Interview kit and scorecard in the platform.",
        start_utc=session.starts_at,
        end_utc=session.ends_at,
        location=session.location,
        url=session.video_url,
        organizer_email=organizer,
        attendee_emails=tuple(u.email for u in seated),
        names={**names, **{u.email: u.name for u in seated}},
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
