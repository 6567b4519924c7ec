"""The interview kit and scorecard: only the seat's own interviewer opens them."""

import secrets

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..auditing import record_read
from ..extensions import db
from ..loops.drafts import drop_drafts
from ..loops.schedule import local_display
from ..models import (
    InterviewSession,
    Loop,
    PanelSeat,
    Rating,
    Role,
    RubricVersion,
    Scorecard,
)
from ..permissions import can_view_panel_scorecards, role_required
from . import drafts, widgets
from .forms import (
    PostedForm,
    attach,
    form_answers,
    saved_values,
    scorecard_form,
    scorecard_form_class,
)
from .kit_data import kit_page, rubric_kit, static_html
from .loading import seat_for_write
from .operations import (
    AlreadySaved,
    AlreadySubmitted,
    Edit,
    Frozen,
    MissingVersion,
    ScorecardProblems,
    StaleScorecard,
    amend,
    check_write,
    frozen_message,
    save_draft,
    scorecard_for,
    submit,
)
from .refusals import draft_name, keep_refused, kept_refusal, why_refused
from .rules import length_problems
from .shown import ShownForm

bp = Blueprint("scorecards", __name__, url_prefix="/interviews")

interviewers = role_required(Role.INTERVIEWER)

STALE_MESSAGE = "Changed in another window: reload to compare before saving."


def load_own_seat(seat_id: int, lock: bool = False) -> PanelSeat:
    """The seat, if it is the signed-in interviewer's own; 403 for anyone else.

    Writers lock the seat row, and share-lock its loop (PostgreSQL; SQLite's write
    lock is taken at BEGIN): two requests for one scorecard run one after the other
    and the second sees what the first stored, and a decision recorded meanwhile
    waits for the write or is seen by it. (Autosave reads the same way in Core
    statements: drafts.py.)
    """
    seat = seat_for_write(seat_id) if lock else kit_page(seat_id)
    if seat is None:
        abort(404)
    if seat.interviewer_id == current_user.id and seat.removed_at is not None:
        abort(_off_panel(seat.session.loop.id))
    if seat.interviewer_id != current_user.id or seat.removed_at is not None:
        abort(403)
    return seat


def _off_panel(loop_id: int):
    """403 for someone moved off this seat's panel who follows their old kit link:
    say so, and link the seats they still hold on the loop (their titles only:
    nothing of the interview they left, nor the candidate)."""
    held = db.session.execute(
        sa.select(PanelSeat.id, InterviewSession.title)
        .join(InterviewSession, PanelSeat.session_id == InterviewSession.id)
        .where(
            InterviewSession.loop_id == loop_id,
            PanelSeat.interviewer_id == current_user.id,
            PanelSeat.removed_at.is_(None),
        )
        .order_by(InterviewSession.position, PanelSeat.id)
    ).all()
    page = render_template("scorecards/off_panel.html", held=held)
    return make_response(page, 403)


def _posted(seat: PanelSeat, anchored: bool = True):
    """The posted scorecard form and what it says, as plain answers."""
    version = seat.session.loop.rubric_version
    kit = rubric_kit(version.id, version.created_at)
    competencies = [kit.competencies[c.id] for c in seat.session.competencies]
    form = scorecard_form(competencies, kit.levels, anchored=anchored, cache=kit.forms)
    return form, *form_answers(form, competencies, kit.levels)


def _write(form, card, answers, recommendation, summary) -> str:
    """Save, submit or amend as the form's button says; the message to show."""
    edit = Edit.from_form(form)
    if form.amend.data:
        reason = form.amend_reason.data or ""
        amend(current_user, card, answers, recommendation, summary, reason, edit)
        return "Amendment submitted. The debrief shows that you amended it."
    if form.submit.data:
        submit(current_user, card, answers, recommendation, summary, edit)
        return "Scorecard submitted. Thank you."
    save_draft(current_user, card, answers, recommendation, summary, edit)
    return "Draft saved at {}."


@bp.route("/<int:seat_id>", methods=["GET", "POST"])
@interviewers
def kit(seat_id: int):
    """The interview kit with the scorecard: save a draft, submit, or amend."""
    if request.method in ("GET", "HEAD"):
        seat = load_own_seat(seat_id)
        return _draft_page(seat) or _show(seat)
    seat = load_own_seat(seat_id, lock=True)
    form, answers, recommendation, summary = _posted(seat)
    card = scorecard_for(seat)
    try:
        message = _write(form, card, answers, recommendation, summary)
        db.session.commit()
    except (
        MissingVersion,
        Frozen,
        AlreadySaved,
        AlreadySubmitted,
        ScorecardProblems,
        StaleScorecard,
        StaleDataError,
    ) as exc:
        return _refused(seat_id, form, card, exc)
    drop_drafts(draft_name(seat_id))
    when = local_display(card.updated_at, current_user.time_zone)
    flash(message.format(when), "success")
    return redirect(url_for(".kit", seat_id=seat_id))


def _form_class(seat: PanelSeat):
    return scorecard_form_class(
        seat.session.competencies, seat.kit.levels, cache=seat.kit.forms
    )


def _show(seat: PanelSeat):
    """The kit as a new page: the saved scorecard, a new edit token (shown.py: no
    WTForms fields are built to show a form)."""
    values = {"version": "0"}
    if seat.scorecard is not None:
        keys = {c.id: c.key for c in seat.session.competencies}
        values.update(saved_values(seat.scorecard, keys))
    values["edit_token"] = secrets.token_urlsafe(16)
    values["edit_seq"] = "1"
    return _render(seat, ShownForm(_form_class(seat), values))


def _draft_page(seat: PanelSeat):
    """The page of a refused write kept under the address's ?draft= token (the
    text typed, or saved, with the same messages and status), or None."""
    kept = kept_refusal(seat, _form_class(seat), request.args.get("draft"))
    if kept is None:
        return None
    return _render(seat, **kept)


def _refused(seat_id: int, form, card, exc):
    """Answer a refused write with a redirect to the kit's ?draft= address, which
    shows it again (refusals.py); the page itself when it is too large to keep
    there, and a plain redirect for a repeated request of the same page."""
    saved = isinstance(exc, ScorecardProblems) and exc.saved
    if saved:
        db.session.commit()
        form.version.data = str(card.version)
    else:
        db.session.rollback()
    if isinstance(exc, AlreadySaved | AlreadySubmitted):
        done = "submitted" if isinstance(exc, AlreadySubmitted) else "saved"
        flash(f"Already {done} from this page; nothing changed.", "info")
        return redirect(url_for(".kit", seat_id=seat_id))
    why = why_refused(exc)
    token = keep_refused(seat_id, form, card, why, saved)
    if token is not None:
        return redirect(url_for(".kit", seat_id=seat_id, draft=token))
    seat = load_own_seat(seat_id)
    _next_request(form)
    loose = [*why.get("loose", ()), *attach(form, why.get("problems", {}))]
    return _render(
        seat,
        form,
        loose=loose,
        stale=seat.scorecard if why.get("stale") else None,
        status=why["status"],
        draft_kept=saved,
        submitted_elsewhere=why.get("submitted_elsewhere", False),
        reopen=why.get("reopen", False),
    )


def _next_request(form) -> None:
    """A page shown again sends its next request with a higher number."""
    seq = (form.edit_seq.data or "").strip()
    number = int(seq) if seq.isascii() and seq.isdecimal() and len(seq) < 10 else 0
    form.edit_seq.data = str(number + 1)


@bp.route("/<int:seat_id>/autosave", methods=["POST"])
@interviewers
def autosave(seat_id: int):
    """Save a draft from the page's script; answers in JSON so it can say what happened.

    Read and written in Core statements (drafts.py) under the rules every write
    follows (operations.check_write, rules.length_problems): a save is most of what
    the kit's server does, and the ORM's bookkeeping was most of a save's time.
    """
    known = drafts.shapes().peek(seat_id)
    posted = _posted_draft(known) if known else None  # read before the lock
    seat, card = drafts.locked_seat(seat_id) or abort(404)
    if seat.interviewer_id != current_user.id or seat.removed_at is not None:
        abort(403)
    shape = drafts.remember(seat)
    if shape != known:
        posted = _posted_draft(shape)
    seat.competency_ids = [c.id for c in posted[0]]
    try:
        try:
            version, saved_at = _autosave(seat, card, *posted)
        except drafts.Unconfirmed:  # read before the lock was held: again, under it
            card = drafts.stored_draft(seat_id)
            version, saved_at = _autosave(seat, card, *posted)
    except Submitted:
        db.session.rollback()
        return jsonify(ok=False, submitted=True, message="Already submitted."), 409
    except MissingVersion as exc:
        db.session.rollback()
        return jsonify(ok=False, message=str(exc)), 400
    except Frozen as exc:
        db.session.rollback()
        return jsonify(ok=False, frozen=True, message=str(exc)), 409
    except ScorecardProblems as exc:
        db.session.rollback()
        return jsonify(ok=False, problems=exc.problems), 422
    except (StaleScorecard, drafts.Stale):
        db.session.rollback()
        return jsonify(ok=False, stale=True, message=STALE_MESSAGE), 409
    zone = current_user.time_zone  # read before the commit expires the user
    db.session.commit()
    return jsonify(
        ok=True,
        version=version,
        saved_at=saved_at.isoformat(),
        # The server's time in the reader's zone, as every page shows times.
        saved_label=local_display(saved_at, zone),
    )


def _posted_draft(shape: drafts.Shape):
    """The posted answers, read with the form of the seat's competencies (in the
    rubric's order) and their ratings' rules."""
    version_id, created_at, competency_ids = shape
    kit = rubric_kit(version_id, created_at)
    order = list(kit.competencies)
    competencies = [
        kit.competencies[cid] for cid in sorted(competency_ids, key=order.index)
    ]
    # Read, never shown or validated (CSRFProtect has checked the request's token
    # before this view): the posted values as the form's fields would hold them.
    form = PostedForm(request.form)
    return competencies, form, *form_answers(form, competencies, kit.levels)


class Submitted(Exception):
    """The scorecard was submitted: an autosave has nothing left to write."""


def _autosave(seat, card, competencies, form, answers, recommendation, summary):
    """Check and write one autosave; the version and time stored afterwards (what
    is stored when a newer request of the same page got there first). Each answer
    but a written one stands only on a scorecard read under the lock (``confirm``)."""
    if card.is_submitted:
        card.confirm()
        raise Submitted()
    edit = Edit.from_form(form)
    try:
        check_write(card, edit, seat.loop_status, seat.candidate_erased)
    except AlreadySaved:  # a newer request of this page is stored: say which
        card.confirm()
        return card.version, card.updated_at
    except StaleScorecard:
        card.confirm()
        raise
    if problems := length_problems(answers, summary):
        card.confirm()  # stale, submitted or already saved come first, as on SQLite
        raise ScorecardProblems(problems)
    keys = {c.id: c.key for c in competencies}
    written = {"edit_token": edit.token, "edit_seq": edit.seq if edit.token else 0}
    return drafts.write_draft(
        seat, card, keys, answers, recommendation, summary, written
    )


# The whole panel in a fixed number of statements, however many sessions, seats and
# scorecards the loop has (the independence rule reads the same seats in memory).
PANEL_LOADS = (
    joinedload(Loop.requisition),
    joinedload(Loop.candidate),
    joinedload(Loop.rubric_version).selectinload(RubricVersion.levels),
    selectinload(Loop.sessions)
    .selectinload(InterviewSession.seats)
    .selectinload(PanelSeat.scorecard)
    .options(
        joinedload(Scorecard.interviewer),
        selectinload(Scorecard.ratings).joinedload(Rating.competency),
    ),
)


@bp.route("/loops/<int:loop_id>/scorecards")
@role_required(Role.TALENT_ACQUISITION, Role.HIRING_MANAGER, Role.INTERVIEWER)
def panel(loop_id: int):
    """The panel's submitted scorecards, for those the independence rule lets in."""
    loop = db.session.get(Loop, loop_id, options=PANEL_LOADS) or abort(404)
    if not can_view_panel_scorecards(current_user, loop):
        abort(403)
    seats = [
        seat
        for session in loop.sessions
        for seat in session.seats
        if seat.scorecard is not None and seat.scorecard.is_submitted
    ]
    labels = {lv.value: lv.label for lv in loop.rubric_version.levels}
    page = render_template(
        "scorecards/panel.html", loop=loop, seats=seats, labels=labels
    )
    record_read(current_user, "scorecards.panel", loop)  # read audit (issue 13)
    return page


def _render(seat, form, loose=(), stale=None, status=200, posted=None, **flags):
    """The kit's page; ``posted``: it shows a write refused (a POST, or the ?draft=
    address showing one again)."""
    session = seat.session
    card = seat.scorecard if seat.scorecard is not None and seat.scorecard.id else None
    in_session = {c.id for c in session.competencies}
    submitted = card is not None and card.is_submitted
    page = render_template(
        "scorecards/kit.html",
        static_html=static_html,
        textarea=widgets.textarea,
        radios=widgets.radios,
        hidden=widgets.hidden,
        button=widgets.button,
        seat=seat,
        session=session,
        loop=session.loop,
        card=card,
        form=form,
        loose=loose,
        stale=stale,
        frozen=frozen_message(seat),
        posted=request.method == "POST" if posted is None else posted,
        # Shown with a submitted scorecard only: no need to read the panel otherwise.
        panel_open=submitted and can_view_panel_scorecards(current_user, session.loop),
        # Ratings kept for competencies taken out of the session since.
        kept_ratings=[r for r in card.ratings if r.competency_id not in in_session]
        if card
        else [],
        draft_kept=flags.get("draft_kept", False),
        submitted_elsewhere=flags.get("submitted_elsewhere", False),
        reopen=flags.get("reopen", False),
    )
    return page, status
