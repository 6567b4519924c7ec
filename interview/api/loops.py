"""Loops through the API: started by talent acquisition; read, with their sessions
and scorecards' states, by whoever may see them on the site; their decisions and
debrief summaries by whoever may read the panel (the independence rule)."""

from fractions import Fraction

from flask import request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from ..auditing import record_read
from ..candidate_search import candidate_matches
from ..debrief.packet import loop_synthesis
from ..debrief.synthesis.checks import ScaleError
from ..debrief.views import DEBRIEF_LOADS
from ..extensions import db
from ..listing import paginate
from ..loops.lists import LOOP_SORTS
from ..loops.operations import (
    LoopError,
    create_loop,
    loops_visible_to,
    open_loops_of,
    scorecard_status,
)
from ..models import (
    Candidate,
    HiringDecision,
    InterviewSession,
    Loop,
    LoopStatus,
    PanelSeat,
    Requisition,
    Role,
)
from ..paging import page_request
from ..permissions import (
    can_see_contact_details,
    can_view_loop,
    can_view_panel_scorecards,
)
from ..timeutil import utcnow
from . import schemas as s
from .io import answer, body, page_of, query_choice, query_id, query_text
from .problems import ApiError
from .spec import PAGING, Param, operation

STATUSES = [status.value for status in LoopStatus]
QUERY = (
    Param(
        "q",
        {"type": "string", "maxLength": 200},
        "Words in the candidate's name (talent acquisition: or email).",
    ),
    Param("status", {"type": "string", "enum": STATUSES}, "Only loops in this status."),
    Param(
        "requisition",
        {"type": "integer", "minimum": 1},
        "Only this requisition's loops.",
    ),
    Param(
        "candidate", {"type": "integer", "minimum": 1}, "Only this candidate's loops."
    ),
    Param("sort", {"type": "string", "enum": list(LOOP_SORTS)}, "Order (newest)."),
    *PAGING,
)
LIST_LOADS = (joinedload(Loop.candidate), joinedload(Loop.requisition))
LOOP_LOADS = (
    joinedload(Loop.candidate),
    joinedload(Loop.requisition),
    selectinload(Loop.sessions)
    .selectinload(InterviewSession.seats)
    .options(joinedload(PanelSeat.interviewer), selectinload(PanelSeat.scorecard)),
)


def _summary(loop: Loop) -> dict:
    return {
        "id": loop.id,
        "status": loop.status,
        "candidate": s.Ref(id=loop.candidate.id, name=loop.candidate.name),
        "requisition": s.RequisitionRef(
            id=loop.requisition.id, title=loop.requisition.title
        ),
        "created_at": loop.created_at,
        "updated_at": loop.updated_at,
    }


def _load(loop_id: int, options=LOOP_LOADS) -> Loop:
    loop = db.session.get(Loop, loop_id, options=options)
    if loop is None:
        raise ApiError(404, "not_found", f"No loop {loop_id}.")
    if not can_view_loop(current_user, loop):
        raise ApiError(403, "forbidden", "This loop is not yours to see.")
    return loop


@operation(
    "/loops",
    "GET",
    scope="loops:read",
    summary="List loops",
    response=s.Page[s.LoopSummary],
    query=QUERY,
)
def list_loops():
    """The loops you may see: all for talent acquisition, a manager's requisitions',
    an interviewer's panels."""
    sort = query_choice("sort", LOOP_SORTS) or "newest"
    query = loops_visible_to(current_user)
    if text := query_text("q"):
        name_only = not can_see_contact_details(current_user)
        query = query.where(
            candidate_matches(Loop.candidate_id, text, name_only=name_only)
        )
    if status := query_choice("status", STATUSES):
        query = query.where(Loop.status == status)
    if (requisition := query_id("requisition")) is not None:
        query = query.where(Loop.requisition_id == requisition)
    if (candidate := query_id("candidate")) is not None:
        query = query.where(Loop.candidate_id == candidate)
    page_req = page_request({**request.args, "sort": sort}, list(LOOP_SORTS))
    page = paginate(query, page_req, LOOP_SORTS[sort][1], LIST_LOADS)
    return answer(
        page_of(page, s.Page[s.LoopSummary], lambda lp: s.LoopSummary(**_summary(lp)))
    )


@operation(
    "/loops/<int:loop_id>",
    "GET",
    scope="loops:read",
    summary="Read a loop: its status, sessions, panel and scorecards' states",
    response=s.Loop,
    errors=(404,),
)
def get_loop(loop_id: int):
    """A seat's scorecard state is null where you may not see it yet: an interviewer
    sees their own, and the rest once they may read the panel."""
    loop = _load(loop_id)
    return answer(_loop_out(loop), version=loop.version)


def _loop_out(loop: Loop) -> s.Loop:
    progress = can_view_panel_scorecards(current_user, loop)
    now = utcnow()
    sessions = [
        s.Session(
            id=session.id,
            title=session.title,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            duration_minutes=session.duration_minutes,
            seats=[
                s.Seat(
                    id=seat.id,
                    discipline=seat.discipline,
                    interviewer=s.Person(
                        id=seat.interviewer.id, name=seat.interviewer.name
                    )
                    if seat.interviewer is not None
                    else None,
                    removed=seat.removed_at is not None,
                    scorecard=scorecard_status(seat, now)
                    if seat.interviewer_id is not None
                    and (progress or seat.interviewer_id == current_user.id)
                    else None,
                )
                for seat in session.seats
                if seat.removed_at is None or seat.scorecard is not None
            ],
        )
        for session in loop.sessions
    ]
    return s.Loop(**_summary(loop), closed_at=loop.closed_at, sessions=sessions)


@operation(
    "/loops",
    "POST",
    scope="loops:write",
    summary="Start a loop",
    body=s.LoopIn,
    response=s.Loop,
    status=201,
    errors=(409,),
)
def start_loop():
    """The requisition's rubric (latest version) and a copy of its interview plan.
    A candidate with an open loop on the requisition is refused (409
    loop_already_open, the open ones in details) unless allow_another is true; a
    requisition without a rubric or plan, 409 not_ready."""
    if current_user.role != Role.TALENT_ACQUISITION:
        raise ApiError(403, "forbidden", "Loops are started by talent acquisition.")
    data = body(s.LoopIn)
    requisition = db.session.get(Requisition, data.requisition_id)
    # Locked: a second start in flight waits for this one, then sees its loop open.
    candidate = db.session.get(Candidate, data.candidate_id, with_for_update=True)
    refused = [
        {"field": name, "message": f"no such {noun}"}
        for name, noun, found in (
            ("requisition_id", "requisition", requisition),
            ("candidate_id", "candidate", candidate),
        )
        if found is None
    ]
    if refused:
        raise ApiError(
            422,
            "validation_failed",
            "Nothing was started: "
            + "; ".join(f"{d['field']}: {d['message']}" for d in refused)
            + ".",
            refused,
        )
    if candidate.erased_at is not None:
        raise ApiError(
            409,
            "erased",
            "This candidate's personal data was erased: no loop is started for them.",
        )
    if (open_ones := open_loops_of(requisition, candidate)) and not data.allow_another:
        error = ApiError(
            409,
            "loop_already_open",
            f"{candidate.name} has an open loop on this requisition already; send "
            "allow_another: true to start another anyway.",
            [{"field": "loop", "message": f"open: loop {lp.id}"} for lp in open_ones],
        )
        error.headers["Location"] = url_for("api.get_loop", loop_id=open_ones[0].id)
        raise error
    try:
        loop = create_loop(current_user, requisition, candidate)
    except LoopError as exc:
        db.session.rollback()
        raise ApiError(409, "not_ready", f"{exc} Nothing was started.") from None
    db.session.commit()
    loop = _load(loop.id)
    return answer(
        _loop_out(loop), 201, loop.version, url_for("api.get_loop", loop_id=loop.id)
    )


def _load_panel(loop_id: int) -> Loop:
    """The loop, for a reader of its panel (the debrief page's rule)."""
    loop = db.session.get(Loop, loop_id, options=(*DEBRIEF_LOADS,))
    if loop is None:
        raise ApiError(404, "not_found", f"No loop {loop_id}.")
    if not can_view_panel_scorecards(current_user, loop):
        seated = current_user.role == Role.INTERVIEWER and can_view_loop(
            current_user, loop
        )
        raise ApiError(
            403,
            "forbidden",
            "You may not read this loop's panel yet: an interviewer reads it once "
            "their own scorecards on it are submitted, where the requisition shares "
            "them."
            if seated
            else "This loop is not yours to see.",
        )
    return loop


def _decision(d: HiringDecision) -> s.Decision:
    return s.Decision(
        outcome=d.outcome,
        rationale=d.rationale,
        decided_by=s.Person(id=d.decided_by.id, name=d.decided_by.name),
        decided_at=d.decided_at,
    )


@operation(
    "/loops/<int:loop_id>/decision",
    "GET",
    scope="debrief:read",
    summary="Read a loop's hiring decision",
    response=s.Decisions,
    errors=(404,),
)
def get_decision(loop_id: int):
    """The decision in force (null until one is recorded, and after a reopening),
    and every decision taken, oldest first."""
    loop = _load_panel(loop_id)
    history = sorted(loop.decisions, key=lambda d: (d.decided_at, d.id))
    current = history[-1] if history and loop.status == LoopStatus.DECIDED else None
    out = s.Decisions(
        loop_id=loop.id,
        status=loop.status,
        decision=_decision(current) if current is not None else None,
        history=[_decision(d) for d in history],
    )
    # The rationale is read on the debrief page on the site: recorded as its read.
    record_read(current_user, "debrief.view", loop, {"via": "api"})
    return answer(out)


def _number(value: Fraction | None) -> float | None:
    return None if value is None else round(float(value), 2)


@operation(
    "/loops/<int:loop_id>/debrief",
    "GET",
    scope="debrief:read",
    summary="Read a loop's debrief summary",
    response=s.Debrief,
    errors=(404, 409),
)
def get_debrief(loop_id: int):
    """The submitted scorecards combined as the debrief page combines them: each
    competency's ratings, clinical and technical means, the overall score with its
    band, the flags (where the panel disagrees), the recommendations. Recorded in
    the audit log as a read of the debrief."""
    loop = _load_panel(loop_id)
    try:
        result = loop_synthesis(loop)
    except ScaleError as exc:
        raise ApiError(
            409, "not_ready", f"The scorecards cannot be combined: {exc}"
        ) from None
    band = result.overall.band
    out = s.Debrief(
        loop_id=loop.id,
        status=loop.status,
        submitted=result.submitted,
        expected=result.expected,
        missing=result.missing,
        overall=s.Overall(
            score=_number(result.overall.score),
            low=_number(band.low) if band else None,
            high=_number(band.high) if band else None,
            headline=result.overall.headline,
        ),
        competencies=[
            s.CompetencySummary(
                key=c.key,
                name=c.name,
                weight=_number(c.weight),
                ratings=c.count,
                mean=_number(c.mean),
                median=_number(c.median),
                minimum=c.minimum,
                maximum=c.maximum,
                clinical_mean=_number(c.clinical.mean),
                technical_mean=_number(c.technical.mean),
                min_level=c.min_level,
            )
            for c in result.competencies
        ],
        flags=[
            s.FlagOut(
                kind=str(f.kind),
                label=f.kind.label,
                sentence=f.sentence,
                competency=f.competency,
            )
            for f in result.flags
        ],
        recommendations=[
            s.Recommendation(value=t.value, label=t.label, count=t.count)
            for t in result.tally
        ],
    )
    record_read(current_user, "debrief.view", loop, {"via": "api"})
    return answer(out)
