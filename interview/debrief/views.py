"""The debrief page: the panel's findings, and the hiring manager's decision."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload
from wtforms import RadioField, SelectChoice, SubmitField, TextAreaField
from wtforms.validators import DataRequired, ValidationError

from ..auditing import record_read
from ..extensions import db
from ..forms import Form
from ..models import (
    DecisionOutcome,
    HiringDecision,
    InterviewSession,
    Loop,
    PanelSeat,
    Role,
    RubricVersion,
    Scorecard,
)
from ..permissions import can_view_panel_scorecards, role_required
from .across_loops import across_loops
from .documents import kept_packet_pdf, packet_filename
from .numbers import fmt, plain
from .operations import MIN_RATIONALE, DecisionError, record_decision
from .packet import (
    bars,
    decision_history,
    evidence_by_competency,
    loop_synthesis,
    note_reader,
    page_size,
    panel_rows,
)
from .renderer import RenderError
from .synthesis import ScaleError

bp = Blueprint("debrief", __name__, url_prefix="/loops")


@bp.app_template_filter("number")
def number_filter(value, places: int = 2) -> str:
    """Print a score or mean by the synthesis's one rule (half up); "—" for none."""
    return "—" if value is None else fmt(value, places)


@bp.app_template_filter("plain_number")
def plain_number_filter(value) -> str:
    """Print a weight or level as written ("1.5", "2"), as the formula does."""
    return "—" if value is None else plain(value)


OUTCOMES = [
    SelectChoice(DecisionOutcome.HIRE.value, "Hire"),
    SelectChoice(DecisionOutcome.NO_HIRE.value, "No hire"),
    SelectChoice(DecisionOutcome.HOLD.value, "Hold"),
]


class DecisionForm(Form):
    """Every field is checked on one submit, so the manager sees all that is missing
    at once (issue 14), not the outcome first and the rationale on the next try."""

    outcome = RadioField(
        "Decision",
        choices=OUTCOMES,
        # No choice at all is "not a valid choice" to WTForms: say what to do.
        invalid_choice_message="Choose hire, no hire or hold.",
    )
    rationale = TextAreaField(
        "Rationale: why, in the light of the evidence",
        validators=[DataRequired("Write the rationale behind the decision.")],
    )
    submit = SubmitField("Record the decision")

    def validate_rationale(self, field):
        """As long as record_decision asks, counted without surrounding spaces."""
        if len(field.data.strip()) < MIN_RATIONALE:
            raise ValidationError(
                f"Write the rationale behind the decision (at least {MIN_RATIONALE} "
                "characters); your text is kept here."
            )


# The whole panel in a fixed number of statements, however many sessions and
# scorecards the loop has.
DEBRIEF_LOADS = (
    joinedload(Loop.requisition),
    joinedload(Loop.candidate),
    joinedload(Loop.rubric_version).options(
        selectinload(RubricVersion.levels), selectinload(RubricVersion.competencies)
    ),
    selectinload(Loop.sessions).options(
        selectinload(InterviewSession.competencies),
        selectinload(InterviewSession.seats).options(
            joinedload(PanelSeat.interviewer),
            selectinload(PanelSeat.scorecard).options(
                joinedload(Scorecard.interviewer), selectinload(Scorecard.ratings)
            ),
        ),
    ),
    selectinload(Loop.decisions).joinedload(HiringDecision.decided_by),
)


def _load(loop_id: int, lock: bool = False) -> Loop:
    """The loop, if the reader may see its debrief; a writer locks its row, so a
    decision and a scorecard write (or a second decision) go one after the other."""
    if lock:
        db.session.get(Loop, loop_id, with_for_update=True) or abort(404)
    loop = db.session.get(Loop, loop_id, options=DEBRIEF_LOADS, populate_existing=lock)
    if loop is None:
        abort(404)
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
    return _render(_load(loop_id), DecisionForm())


def _render(loop: Loop, form: DecisionForm, status: int = 200):
    """The debrief page, recorded as read (issue 13) whichever view shows it: the
    page itself, or a refused decision shown again with the panel's findings."""
    try:
        result = loop_synthesis(loop)
    except ScaleError as exc:
        return _cannot_combine(loop, exc)  # no findings shown, so no read
    found = across_loops(loop, only_interviewer=note_reader(current_user))
    page = render_template(
        "debrief/show.html",
        loop=loop,
        result=result,
        bars=bars(result),
        evidence=evidence_by_competency(loop),
        panel=panel_rows(loop, found.notes),
        reliability=found.reliability,
        history=decision_history(loop),
        levels=loop.rubric_version.levels,
        form=form,
        may_decide=_may_decide(loop),
    )
    # Once rendered, before it is served: a read that cannot be recorded is not.
    record_read(current_user, "debrief.view", loop)
    return page, status


def _cannot_combine(loop: Loop, exc: ScaleError):
    """A rubric version saved before scales had to be consecutive: say so, no 500."""
    page = render_template("debrief/cannot_combine.html", loop=loop, reason=str(exc))
    return page, 409


@bp.route("/<int:loop_id>/debrief.pdf")
@role_required(Role.TALENT_ACQUISITION, Role.HIRING_MANAGER, Role.INTERVIEWER)
def packet(loop_id: int):
    """The debrief packet as a PDF, for the same readers as the debrief page; a
    packet rendered before for the same reader, unchanged since, is served as kept."""
    loop = _load(loop_id)
    archival = request.args.get("archival") == "1"
    size = page_size(request.args.get("size"), current_app.config["DEBRIEF_PAGE_SIZE"])
    try:
        pdf = kept_packet_pdf(
            loop,
            archival=archival,
            reader=current_user.name,
            zone=current_user.time_zone,
            size=size,
            only_interviewer=note_reader(current_user),
        )
    except RenderError as exc:
        page = render_template("debrief/packet_failed.html", loop=loop, reason=str(exc))
        return page, 503
    except ScaleError as exc:
        return _cannot_combine(loop, exc)
    # Read audit (issue 13): recorded once the packet is ready, before it is served.
    record_read(
        current_user, "debrief.packet", loop, {"size": size, "archival": archival}
    )
    response = Response(pdf, mimetype="application/pdf")
    # Inline, so a tablet shows it; the name is what "save" offers, one per size
    # and variant.
    name = packet_filename(loop, size=size, archival=archival)
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@bp.route("/<int:loop_id>/decision", methods=["GET", "POST"])
@role_required(Role.TALENT_ACQUISITION, Role.HIRING_MANAGER, Role.INTERVIEWER)
def decide(loop_id: int):
    """Record the hiring manager's decision with its rationale. A GET (the refused
    form's address reloaded) shows the debrief page with its form, not a 405."""
    if request.method != "POST":
        return show(loop_id)
    if current_user.role != Role.HIRING_MANAGER:
        abort(403)
    loop = _load(loop_id, lock=True)
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
