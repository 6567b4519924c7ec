"""The debrief page: the panel's findings, and the hiring manager's decision."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SubmitField, TextAreaField

from ..extensions import db
from ..models import DecisionOutcome, Loop, Role
from ..permissions import can_view_panel_scorecards, role_required
from .documents import packet_filename, packet_pdf
from .operations import DecisionError, record_decision
from .packet import bars, evidence_by_competency, loop_synthesis
from .renderer import RenderError

bp = Blueprint("debrief", __name__, url_prefix="/loops")

OUTCOMES = [
    SelectChoice(DecisionOutcome.HIRE.value, "Hire"),
    SelectChoice(DecisionOutcome.NO_HIRE.value, "No hire"),
    SelectChoice(DecisionOutcome.HOLD.value, "Hold"),
]


class DecisionForm(FlaskForm):
    outcome = RadioField("Decision", choices=OUTCOMES)
    rationale = TextAreaField("Rationale: why, in the light of the evidence")
    submit = SubmitField("Record the decision")


def _load(loop_id: int) -> Loop:
    loop = db.session.get(Loop, loop_id) or abort(404)
    if not can_view_panel_scorecards(current_user, loop):
        abort(403)
    return loop


def _may_decide(loop: Loop) -> bool:
    return (
        current_user.role == Role.HIRING_MANAGER
        and loop.requisition.hiring_manager_id == current_user.id
    )


@bp.route("/<int:loop_id>/debrief")
@role_required(Role.TALENT_ACQUISITION, Role.HIRING_MANAGER, Role.INTERVIEWER)
def show(loop_id: int):
    """Where the panel agrees and where it does not, with the evidence behind it."""
    loop = _load(loop_id)
    return _render(loop, DecisionForm())


def _render(loop: Loop, form: DecisionForm, status: int = 200):
    result = loop_synthesis(loop)
    page = render_template(
        "debrief/show.html",
        loop=loop,
        result=result,
        bars=bars(result),
        evidence=evidence_by_competency(loop),
        levels=loop.rubric_version.levels,
        form=form,
        may_decide=_may_decide(loop),
    )
    return page, status


@bp.route("/<int:loop_id>/debrief.pdf")
@role_required(Role.TALENT_ACQUISITION, Role.HIRING_MANAGER, Role.INTERVIEWER)
def packet(loop_id: int):
    """The debrief packet as a PDF, for the same readers as the debrief page."""
    loop = _load(loop_id)
    try:
        pdf = packet_pdf(
            loop,
            archival=request.args.get("archival") == "1",
            reader=current_user.name,
            zone=current_user.time_zone,
            size=request.args.get("size"),
        )
    except RenderError as exc:
        page = render_template("debrief/packet_failed.html", loop=loop, reason=str(exc))
        return page, 503
    response = Response(pdf, mimetype="application/pdf")
    # Inline, so a tablet shows it; the name is what "save" offers.
    response.headers["Content-Disposition"] = (
        f'inline; filename="{packet_filename(loop)}"'
    )
    return response


@bp.route("/<int:loop_id>/decision", methods=["POST"])
@role_required(Role.HIRING_MANAGER)
def decide(loop_id: int):
    """Record the hiring manager's decision with its rationale."""
    loop = _load(loop_id)
    if not _may_decide(loop):
        abort(403)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            record_decision(
                current_user, loop, form.outcome.data, form.rationale.data or ""
            )
        except DecisionError as exc:
            db.session.rollback()
            form.rationale.errors = [str(exc)]
            flash(str(exc), "error")  # visible even when the form is not shown
            return _render(loop, form, 422)
        db.session.commit()
        flash("Decision recorded; the loop is decided.", "success")
        return redirect(url_for(".show", loop_id=loop.id))
    return _render(loop, form, 422)
