"""The interview kit and scorecard: only the seat's own interviewer opens them."""

import secrets

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..loops.schedule import local_display
from ..models import Loop, PanelSeat, Role
from ..permissions import can_view_panel_scorecards, role_required
from .forms import attach, fill_from, form_answers, scorecard_form
from .operations import (
    AlreadySaved,
    Edit,
    Frozen,
    MissingVersion,
    ScorecardProblems,
    StaleScorecard,
    amend,
    frozen_message,
    save_draft,
    scorecard_for,
    submit,
)

bp = Blueprint("scorecards", __name__, url_prefix="/interviews")

interviewers = role_required(Role.INTERVIEWER)

STALE_MESSAGE = "Changed in another window: reload to compare before saving."


def load_own_seat(seat_id: int, lock: bool = False) -> PanelSeat:
    """The seat, if it is the signed-in interviewer's own; 403 for anyone else.

    Writers lock the seat row (PostgreSQL; SQLite's write lock is already taken at
    BEGIN), so two requests for one scorecard run one after the other and the second
    sees what the first stored.
    """
    seat = db.session.get(
        PanelSeat, seat_id, with_for_update=lock or None, populate_existing=lock
    )
    if seat is None:
        abort(404)
    if seat.interviewer_id != current_user.id or seat.removed_at is not None:
        abort(403)
    return seat


def _context(seat: PanelSeat):
    session = seat.session
    version = session.loop.rubric_version
    return session.competencies, version.levels


def _edit(form) -> Edit:
    return Edit.from_form(form.version.data, form.edit_token.data, form.edit_seq.data)


@bp.route("/<int:seat_id>", methods=["GET", "POST"])
@interviewers
def kit(seat_id: int):
    """The interview kit with the scorecard: save a draft, submit, or amend."""
    if request.method == "GET":
        seat = load_own_seat(seat_id)
        competencies, levels = _context(seat)
        form = scorecard_form(competencies, levels, formdata=None)
        form.version.data = "0"
        if seat.scorecard is not None:
            fill_from(form, seat.scorecard, {c.id: c.key for c in competencies})
        form.edit_token.data = secrets.token_urlsafe(16)
        form.edit_seq.data = "1"
        return _render(seat, form)
    seat = load_own_seat(seat_id, lock=True)
    competencies, levels = _context(seat)
    form = scorecard_form(competencies, levels)
    answers, recommendation, summary = form_answers(form, competencies, levels)
    card = scorecard_for(seat)
    try:
        edit = _edit(form)
        if form.amend.data:
            amend(
                current_user,
                card,
                answers,
                recommendation,
                summary,
                form.amend_reason.data or "",
                edit,
            )
            message = "Amendment submitted. The debrief shows that you amended it."
        elif form.submit.data:
            if card.is_submitted:
                flash("Your scorecard was already submitted; nothing changed.", "info")
                return redirect(url_for(".kit", seat_id=seat.id))
            submit(current_user, card, answers, recommendation, summary, edit)
            message = "Scorecard submitted. Thank you."
        else:
            save_draft(current_user, card, answers, recommendation, summary, edit)
            message = "Draft saved at {}."
        db.session.commit()
    except (MissingVersion, Frozen) as exc:
        db.session.rollback()
        status = 400 if isinstance(exc, MissingVersion) else 409
        return _render(seat, form, loose=[str(exc)], status=status)
    except AlreadySaved:
        db.session.rollback()
        flash("Already saved from this page; nothing changed.", "info")
        return redirect(url_for(".kit", seat_id=seat.id))
    except ScorecardProblems as exc:
        if exc.saved:
            db.session.commit()
            form.version.data = str(card.version)
        else:
            db.session.rollback()
        _next_request(form)
        loose = attach(form, exc.problems)
        return _render(seat, form, loose=loose, status=422, draft_kept=exc.saved)
    except StaleScorecard as exc:
        db.session.rollback()
        _next_request(form)
        return _render(seat, form, stale=exc.card, status=409)
    except (StaleDataError, IntegrityError):
        return _lost_race(seat_id, form)
    flash(
        message.format(local_display(card.updated_at, current_user.time_zone)),
        "success",
    )
    return redirect(url_for(".kit", seat_id=seat.id))


def _next_request(form) -> None:
    """A page shown again sends its next request with a higher number."""
    seq = (form.edit_seq.data or "").strip()
    form.edit_seq.data = str(int(seq) + 1 if seq.isdecimal() and seq.isascii() else 1)


def _lost_race(seat_id: int, form):
    """Another request wrote the scorecard between our read and our write."""
    db.session.rollback()
    seat = load_own_seat(seat_id)
    card = seat.scorecard
    if card is not None and card.is_submitted and form.submit.data:
        flash("Your scorecard was already submitted; nothing changed.", "info")
        return redirect(url_for(".kit", seat_id=seat.id))
    _next_request(form)
    return _render(seat, form, stale=card, status=409)


@bp.route("/<int:seat_id>/autosave", methods=["POST"])
@interviewers
def autosave(seat_id: int):
    """Save a draft from the page's script; answers in JSON so it can say what happened."""
    seat = load_own_seat(seat_id, lock=True)
    competencies, levels = _context(seat)
    form = scorecard_form(competencies, levels)
    answers, recommendation, summary = form_answers(form, competencies, levels)
    card = scorecard_for(seat)
    if card.is_submitted:
        return jsonify(ok=False, submitted=True, message="Already submitted."), 409
    try:
        save_draft(current_user, card, answers, recommendation, summary, _edit(form))
        db.session.commit()
    except MissingVersion as exc:
        db.session.rollback()
        return jsonify(ok=False, message=str(exc)), 400
    except Frozen as exc:
        db.session.rollback()
        return jsonify(ok=False, frozen=True, message=str(exc)), 409
    except AlreadySaved:
        db.session.rollback()
    except ScorecardProblems as exc:
        db.session.rollback()
        return jsonify(ok=False, problems=exc.problems), 422
    except (StaleScorecard, StaleDataError, IntegrityError):
        db.session.rollback()
        return jsonify(ok=False, stale=True, message=STALE_MESSAGE), 409
    card = load_own_seat(seat_id).scorecard
    return jsonify(ok=True, version=card.version, saved_at=card.updated_at.isoformat())


@bp.route("/loops/<int:loop_id>/scorecards")
@role_required(Role.TALENT_ACQUISITION, Role.HIRING_MANAGER, Role.INTERVIEWER)
def panel(loop_id: int):
    """The panel's submitted scorecards, for those the independence rule lets in."""
    loop = db.session.get(Loop, loop_id) or abort(404)
    if not can_view_panel_scorecards(current_user, loop):
        abort(403)
    seats = [
        seat
        for session in loop.sessions
        for seat in session.seats
        if seat.scorecard is not None and seat.scorecard.is_submitted
    ]
    labels = {lv.value: lv.label for lv in loop.rubric_version.levels}
    return render_template(
        "scorecards/panel.html", loop=loop, seats=seats, labels=labels
    )


def _render(seat, form, loose=(), stale=None, status=200, draft_kept=False):
    session = seat.session
    card = seat.scorecard if seat.scorecard is not None and seat.scorecard.id else None
    page = render_template(
        "scorecards/kit.html",
        seat=seat,
        session=session,
        loop=session.loop,
        card=card,
        form=form,
        loose=loose,
        stale=stale,
        frozen=frozen_message(seat),
        draft_kept=draft_kept,
        panel_open=can_view_panel_scorecards(current_user, session.loop),
    )
    return page, status
