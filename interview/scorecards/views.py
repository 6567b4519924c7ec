"""The interview kit and scorecard: only the seat's own interviewer opens them."""

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

from ..extensions import db
from ..models import Loop, PanelSeat, Role
from ..permissions import can_view_panel_scorecards, role_required
from .forms import attach, fill_from, form_answers, scorecard_form
from .operations import (
    ScorecardProblems,
    StaleScorecard,
    amend,
    save_draft,
    scorecard_for,
    submit,
)

bp = Blueprint("scorecards", __name__, url_prefix="/interviews")

interviewers = role_required(Role.INTERVIEWER)


def load_own_seat(seat_id: int) -> PanelSeat:
    """The seat, if it is the signed-in interviewer's own; 403 for anyone else."""
    seat = db.session.get(PanelSeat, seat_id) or abort(404)
    if seat.interviewer_id != current_user.id or seat.removed_at is not None:
        abort(403)
    return seat


def _context(seat: PanelSeat):
    session = seat.session
    version = session.loop.rubric_version
    return session.competencies, version.levels


@bp.route("/<int:seat_id>", methods=["GET", "POST"])
@interviewers
def kit(seat_id: int):
    """The interview kit with the scorecard: save a draft, submit, or amend."""
    seat = load_own_seat(seat_id)
    competencies, levels = _context(seat)
    keys = {c.id: c.key for c in competencies}
    if request.method == "GET":
        form = scorecard_form(competencies, levels, formdata=None)
        form.version.data = "0"
        if seat.scorecard is not None:
            fill_from(form, seat.scorecard, keys)
        return _render(seat, form)
    form = scorecard_form(competencies, levels)
    answers, recommendation, summary = form_answers(form, competencies, levels)
    expected = int(form.version.data) if (form.version.data or "").isdecimal() else None
    card = scorecard_for(seat)
    try:
        if form.amend.data:
            amend(
                current_user,
                card,
                answers,
                recommendation,
                summary,
                form.amend_reason.data or "",
                expected,
            )
            message = "Amendment submitted. The debrief shows that you amended it."
        elif form.submit.data:
            if card.is_submitted:
                flash("Your scorecard was already submitted; nothing changed.", "info")
                return redirect(url_for(".kit", seat_id=seat.id))
            submit(current_user, card, answers, recommendation, summary, expected)
            message = "Scorecard submitted. Thank you."
        else:
            save_draft(current_user, card, answers, recommendation, summary, expected)
            message = f"Draft saved at {card.updated_at:%H:%M} UTC."
    except ScorecardProblems as exc:
        db.session.rollback()
        loose = attach(form, exc.problems)
        return _render(seat, form, loose=loose, status=422)
    except StaleScorecard as exc:
        db.session.rollback()
        return _render(seat, form, stale=exc.card, status=409)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".kit", seat_id=seat.id))


@bp.route("/<int:seat_id>/autosave", methods=["POST"])
@interviewers
def autosave(seat_id: int):
    """Save a draft from the page's script; answers in JSON so it can say what happened."""
    seat = load_own_seat(seat_id)
    competencies, levels = _context(seat)
    form = scorecard_form(competencies, levels)
    answers, recommendation, summary = form_answers(form, competencies, levels)
    expected = int(form.version.data) if (form.version.data or "").isdecimal() else None
    card = scorecard_for(seat)
    if card.is_submitted:
        return jsonify(ok=False, submitted=True, message="Already submitted."), 409
    try:
        save_draft(current_user, card, answers, recommendation, summary, expected)
    except ScorecardProblems as exc:
        db.session.rollback()
        return jsonify(ok=False, problems=exc.problems), 422
    except StaleScorecard:
        db.session.rollback()
        message = "Changed in another window: reload to compare before saving."
        return jsonify(ok=False, stale=True, message=message), 409
    db.session.commit()
    return jsonify(ok=True, version=card.version, saved_at=card.updated_at.isoformat())


@bp.route("/loops/<int:loop_id>/scorecards")
@role_required(Role.TALENT_ACQUISITION, Role.HIRING_MANAGER, Role.INTERVIEWER)
def panel(loop_id: int):
    """The panel's submitted scorecards, for those the independence rule lets in."""
    loop = db.session.get(Loop, loop_id) or abort(404)
    if not can_view_panel_scorecards(current_user, loop):
        abort(403)
    cards = [
        seat.scorecard
        for session in loop.sessions
        for seat in session.seats
        if seat.scorecard is not None and seat.scorecard.is_submitted
    ]
    labels = {lv.value: lv.label for lv in loop.rubric_version.levels}
    return render_template(
        "scorecards/panel.html", loop=loop, cards=cards, labels=labels
    )


def _render(seat, form, loose=(), stale=None, status=200):
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
    )
    return page, status
