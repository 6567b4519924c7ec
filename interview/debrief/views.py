"""The debrief page: the panel's findings, and the hiring manager's decision."""

from typing import NamedTuple
from urllib.parse import quote

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
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm import joinedload, selectinload
from wtforms import RadioField, SelectChoice, SubmitField, TextAreaField
from wtforms.validators import DataRequired, ValidationError

from ..auditing import record_read
from ..errors import CSRF_MESSAGE, render_error
from ..extensions import db
from ..forms import Form
from ..loops.drafts import draft, drop_drafts, keep_draft, posted_pairs
from ..loops.schedule import local_range
from ..models import (
    DecisionOutcome,
    HiringDecision,
    InterviewSession,
    Loop,
    LoopStatus,
    PanelSeat,
    Role,
    RubricVersion,
    Scorecard,
)
from ..notify import triggers as notify_triggers
from ..permissions import can_view_panel_scorecards, role_required
from .across_loops import across_loops
from .documents import kept_packet_pdf, packet_filename
from .numbers import fmt, plain
from .operations import (
    MIN_RATIONALE,
    DecisionError,
    cancelled_by_decision,
    record_decision,
    sessions_to_come,
    to_come_key,
)
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


@bp.app_template_global("decision_cancellations")
def decision_cancellations(loop: Loop) -> dict:
    """For the loop page: the sessions a decision cancelled, with the time they had."""
    return cancelled_by_decision(loop)


@bp.app_template_global("planned_range")
def planned_range(was: tuple, zone: str) -> str:
    """The time a cancelled session had, as the loop page prints a session's time
    (the loop page and the packet say it in the same words: debrief/_macros.html)."""
    return local_range(was[0], was[1], zone)


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


def _render(
    loop: Loop,
    form: DecisionForm,
    status: int = 200,
    confirm: str = "",
    unrecorded: dict | None = None,
):
    """The debrief page, recorded as read (issue 13) whichever view shows it: the
    page itself, or a refused decision shown again with the panel's findings.
    ``confirm``: "ask" or "stale" when the decision waits for the manager to confirm
    that the sessions still to come are cancelled. ``unrecorded``: a decision the
    loop no longer takes, its text shown to copy (``_unrecorded``)."""
    try:
        result = loop_synthesis(loop)
    except ScaleError as exc:
        return _cannot_combine(loop, exc)  # no findings shown, so no read
    found = across_loops(loop, only_interviewer=note_reader(current_user))
    to_come, key = _to_come(loop)
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
        to_come=to_come,
        to_come_key=key,
        confirm=confirm,
        unrecorded=unrecorded,
    )
    # Once rendered, before it is served: a read that cannot be recorded is not.
    record_read(current_user, "debrief.view", loop)
    return page, status


class ToCome(NamedTuple):
    """A session a decision now would cancel, as the decision form lists it."""

    title: str
    when: str  # in the reader's zone
    seated: list[str]
    told: list[str]  # who is sent a calendar cancellation (notify's rule)

    @property
    def outcome(self) -> str:
        """What a decision now does to this session, as it will happen (issue 14):
        nobody is promised a cancellation on a session where nobody is told."""
        if self.told:
            names = _and_list(self.told)
            verb = "is" if len(self.told) == 1 else "are"
            return f"{names} {verb} sent a calendar cancellation"
        if self.seated:
            return "nobody is told (no active interviewer is seated); it loses its time"
        return "nobody is seated, so nobody is told; it loses its time"


def _and_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _to_come(loop: Loop) -> tuple[list[ToCome], str]:
    """The sessions still to come, for the manager about to decide, and their key
    (what a confirmation carries back); none when there is no decision to record."""
    if not (_may_decide(loop) and loop.status == LoopStatus.DEBRIEF):
        return [], ""
    sessions = sessions_to_come(loop)
    zone = current_user.time_zone
    rows = [
        ToCome(
            s.title,
            local_range(s.starts_at, s.ends_at, zone),
            [p.interviewer.name for p in s.seats if not p.removed_at and p.interviewer],
            [p.interviewer.name for p in notify_triggers.held(s)],
        )
        for s in sessions
    ]
    return rows, to_come_key(sessions)


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
    own = quote(packet_filename(loop, size=size, archival=archival, utf8=True))
    response.headers["Content-Disposition"] = (
        f"inline; filename=\"{name}\"; filename*=UTF-8''{own}"  # RFC 6266
    )
    return response


def _unconfirmed(loop: Loop) -> str:
    """Whether the decision waits for the manager to confirm the cancellation of the
    sessions still to come: "ask" the first time, "stale" when the confirmation
    covered other sessions (moved, re-seated or ended since); "" when it may go."""
    sessions = sessions_to_come(loop) if loop.status == LoopStatus.DEBRIEF else []
    if not sessions:
        return ""  # nothing to cancel, or record_decision refuses and says why
    if request.form.get("confirm") != "y":
        return "ask"
    return "" if request.form.get("sessions") == to_come_key(sessions) else "stale"


def _cancelled_message(sessions: list[InterviewSession]) -> str:
    titles = ", ".join(s.title for s in sessions)
    many = len(sessions) != 1
    return (
        f"{len(sessions)} interview{'s' if many else ''} still to come "
        f"{'were' if many else 'was'} cancelled ({titles}); "
        "their interviewers are sent a calendar cancellation."
    )


@bp.route("/<int:loop_id>/decision", methods=["GET", "POST"])
@role_required(Role.TALENT_ACQUISITION, Role.HIRING_MANAGER, Role.INTERVIEWER)
def decide(loop_id: int):
    """Record the hiring manager's decision with its rationale. A GET (the refused
    form's address reloaded) shows the debrief page with its form, not a 405."""
    if request.method != "POST":
        if "draft" in request.args:
            return _confirmation(loop_id, request.args["draft"])
        return show(loop_id)
    if current_user.role != Role.HIRING_MANAGER:
        abort(403)
    loop = _load(loop_id, lock=True)
    if not _may_decide(loop):
        abort(403)
    form = DecisionForm()
    valid = form.validate_on_submit()
    if loop.status != LoopStatus.DEBRIEF:  # decided meanwhile (another tab), or not yet
        return _too_late(loop, form, valid)
    if not valid:
        return _refused(loop, form)
    if ask := _unconfirmed(loop):
        # Issue 14: the question is a page of its own, reached by a redirect, so
        # Back and Reload never send the decision again; what was typed is kept
        # as a draft in this browser (drafts.py). Too long to keep: answered here.
        token = keep_draft(_draft_name(loop), _typed(), confirm=ask)
        if token is None:
            return _render(loop, form, 409, confirm=ask)
        db.session.rollback()  # nothing written; the row lock goes
        # No #decision: a fragment would stop the browser's autofocus on the
        # confirmation's heading, which brings it into view anyway.
        return redirect(url_for(".decide", loop_id=loop.id, draft=token))
    to_cancel = sessions_to_come(loop)
    try:
        record_decision(
            current_user, loop, form.outcome.data, form.rationale.data or ""
        )
    except DecisionError as exc:
        return _refused(loop, form, f"{exc} Your decision was not recorded.")
    db.session.commit()
    drop_drafts(_draft_name(loop))
    flash("Decision recorded; the loop is decided.", "success")
    if cancelled := [s for s in to_cancel if s.starts_at is None]:
        flash(_cancelled_message(cancelled), "success")
    return redirect(url_for(".show", loop_id=loop.id))


def _too_late(loop: Loop, form: DecisionForm, valid: bool):
    """A decision posted to a loop no longer (or not yet) in debrief: the same
    decision sent twice (a double click) is recorded once and said so; any other is
    refused with who decided meanwhile, the text kept to copy."""
    if valid and _sent_twice(loop, form):
        db.session.rollback()
        drop_drafts(_draft_name(loop))
        flash("Your decision was already recorded; it was sent twice.", "success")
        return redirect(url_for(".show", loop_id=loop.id))
    return _refused(loop, form, _not_recorded(loop))


def _typed() -> list[list[str]]:
    """The decision form as posted, without its token and buttons."""
    return posted_pairs(skip=("csrf_token", "confirm", "sessions", "submit"))


def _refused(loop: Loop, form: DecisionForm, message: str = ""):
    """A refused decision (issue 14): every field typed kept as a draft, and a
    redirect to the page showing every error at once, so Reload and Back
    never post it again. Too large to keep in the cookie: answered here (422), the
    text on the page, as before."""
    db.session.rollback()  # nothing written; the row lock goes
    token = keep_draft(_draft_name(loop), _typed(), refused=message)
    if token is None:
        unrecorded = _unrecorded(loop, form, message)
        if message and not unrecorded:
            form.rationale.errors = [*form.rationale.errors, message]
        return _render(loop, form, 422, unrecorded=unrecorded)
    return redirect(url_for(".decide", loop_id=loop.id, draft=token))


def _sent_twice(loop: Loop, form: DecisionForm) -> bool:
    """The same decision already recorded by this manager (a double submit): the
    loop is decided by this very decision, as typed."""
    last = loop.decisions[-1] if loop.decisions else None
    return (
        loop.status == LoopStatus.DECIDED
        and last is not None
        and last.decided_by_id == current_user.id
        and last.outcome.value == form.outcome.data
        and last.rationale == (form.rationale.data or "").strip()
    )


def _not_recorded(loop: Loop) -> str:
    """Why a decision for a loop not in debrief was not recorded, naming the
    decision recorded meanwhile (in another tab or by another manager)."""
    last = loop.decisions[-1] if loop.decisions else None
    if loop.status == LoopStatus.DECIDED and last is not None:
        if last.decided_by_id == current_user.id:
            who = "you, in another tab or on another device,"
        else:
            who = last.decided_by.name if last.decided_by else "someone else"
        return (
            f"A decision ({_outcome_label(last.outcome.value)}) was recorded "
            f"meanwhile by {who} so this one was not recorded."
        )
    return (
        f"The loop is {loop.status.value}; a decision is recorded once it is in "
        "debrief. Yours was not recorded."
    )


def _outcome_label(value: str | None) -> str:
    return next((c.label for c in OUTCOMES if c.value == value), "none chosen")


def _unrecorded(loop: Loop, form: DecisionForm, message: str) -> dict | None:
    """What was typed, shown to copy, when the loop no longer takes a decision (so
    no form is shown to hold it); None while the form holds it."""
    if _may_decide(loop) and loop.status == LoopStatus.DEBRIEF:
        return None
    return {
        # A draft refused for a missing field, or waiting for its confirmation,
        # says why now: the loop was decided (or moved) since it was kept.
        "message": message or _not_recorded(loop),
        "outcome": _outcome_label(form.outcome.data),
        "rationale": form.rationale.data or "",
    }


def _draft_name(loop: Loop) -> str:
    """The decision drafts of this loop (each also bound to the account typing)."""
    return f"decision:{loop.id}"


def _confirmation(loop_id: int, token: str):
    """The page a decision kept as a draft redirects to, with what was typed: a
    refused one with every error at once (its summary focused), or one waiting for
    confirmation of the sessions still to come. The question is asked from the loop
    as it is now (sessions moved or ended since are listed as they are; none left,
    the form is shown filled in, with nothing to confirm). A draft no longer kept
    (another browser, another account, another loop, or pushed out by newer ones)
    says so and shows the form empty."""
    loop = _load(loop_id)
    kept = draft(_draft_name(loop), token) if _may_decide(loop) else None
    if kept is None:
        if _may_decide(loop) and loop.status == LoopStatus.DEBRIEF:
            flash(
                "This decision draft is no longer kept in this browser (it was "
                "recorded, replaced by a newer one, or typed elsewhere): write the "
                "decision again below.",
                "warning",
            )
        return _render(loop, DecisionForm(formdata=None))
    form = DecisionForm(formdata=kept["formdata"], meta={"csrf": False})
    if "refused" in kept:
        return _refused_again(loop, form, kept["refused"])
    if unrecorded := _unrecorded(loop, form, ""):
        return _render(loop, DecisionForm(formdata=None), unrecorded=unrecorded)
    confirm = kept.get("confirm", "ask") if _to_come(loop)[0] else ""
    return _render(loop, form, confirm=confirm)


def _refused_again(loop: Loop, form: DecisionForm, message: str):
    """A refused decision's draft shown: every field's error found again, or the
    reason it was not recorded with the text to copy."""
    form.validate()
    # 422, as the page answered before the redirect (its status says "refused").
    if unrecorded := _unrecorded(loop, form, message):
        return _render(loop, DecisionForm(formdata=None), 422, unrecorded=unrecorded)
    if message:
        form.rationale.errors = [*form.rationale.errors, message]
    return _render(loop, form, 422)


@bp.errorhandler(CSRFError)
def _csrf_refused(exc: CSRFError):
    """A decision posted after the session ended (its token gone with the cookie):
    nothing is recorded, and the text typed is shown to copy rather than lost; the
    site's own page otherwise (errors.py)."""
    if request.endpoint != "debrief.decide" or request.method != "POST":
        return render_error(400, CSRF_MESSAGE)
    page = render_template(
        "debrief/decision_not_sent.html",
        loop_id=request.view_args.get("loop_id") if request.view_args else None,
        outcome=_outcome_label(request.form.get("outcome")),
        rationale=request.form.get("rationale", ""),
    )
    return page, 400
