"""Requisitions, plans, candidates and loops: every change audited, no commit here."""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ..auditing import record
from ..extensions import db
from ..models import (
    Candidate,
    Discipline,
    InterviewSession,
    Loop,
    LoopStatus,
    PanelSeat,
    PlanSession,
    Requisition,
    Role,
    Scorecard,
    ScorecardStatus,
    User,
)
from ..notify import triggers as notify
from ..rubrics.operations import latest_version_of
from ..timeutil import utcnow
from . import coverage as cov
from .schedule import session_window, to_utc, zone
from .states import transition_problem


class LoopError(ValueError):
    """A change that breaks a rule; the message is shown to the person."""


def save_requisition(
    actor: User, requisition: Requisition | None, data: dict
) -> Requisition:
    """Create or update a requisition from validated form data."""
    manager = db.session.get(User, int(data["hiring_manager_id"]))
    if manager is None or manager.role != Role.HIRING_MANAGER or not manager.is_active:
        raise LoopError("Choose an active hiring manager.")
    before = _requisition_snapshot(requisition) if requisition else None
    if requisition is None:
        requisition = Requisition()
        db.session.add(requisition)
    else:  # a form drawn before this save is stale (migration 0029)
        requisition.version = Requisition.version + 1
    requisition.title = data["title"].strip()
    requisition.discipline = Discipline(data["discipline"])
    requisition.hiring_manager_id = manager.id
    rubric_id = (
        int(data["default_rubric_id"]) if data.get("default_rubric_id") else None
    )
    requisition.default_rubric_id = rubric_id
    requisition.status = data.get("status") or requisition.status
    requisition.share_scores_after_submit = bool(data.get("share_scores_after_submit"))
    if "external_id" in data:  # issue 15: through the API only; the form keeps it
        requisition.external_id = data["external_id"] or None
    db.session.flush()
    record(
        actor,
        "requisition.save",
        requisition,
        before,
        _requisition_snapshot(requisition),
    )
    return requisition


def _requisition_snapshot(r: Requisition) -> dict:
    return {
        "title": r.title,
        "discipline": str(r.discipline),
        "hiring_manager_id": r.hiring_manager_id,
        "default_rubric_id": r.default_rubric_id,
        "status": str(r.status),
        # The independence flags read the setting's history from here.
        "share_scores_after_submit": bool(r.share_scores_after_submit),
        "external_id": r.external_id,
    }


def save_plan(actor: User, requisition: Requisition, sessions: list[dict]) -> None:
    """Replace the requisition's interview plan; loops already made keep their copy."""
    if not sessions:
        raise LoopError("A plan needs at least one session.")
    before = [_plan_row(p) for p in requisition.plan]
    requisition.plan_version = Requisition.plan_version + 1
    requisition.plan.clear()
    db.session.flush()
    for position, s in enumerate(sessions):
        requisition.plan.append(
            PlanSession(
                position=position,
                title=s["title"].strip(),
                duration_minutes=int(s["duration_minutes"]),
                competency_keys=list(s["competency_keys"]),
                clinical_seats=int(s["clinical_seats"]),
                technical_seats=int(s["technical_seats"]),
            )
        )
    db.session.flush()
    after = [_plan_row(p) for p in requisition.plan]
    record(actor, "requisition.plan", requisition, {"plan": before}, {"plan": after})


def _plan_row(p: PlanSession) -> dict:
    return {
        "title": p.title,
        "minutes": p.duration_minutes,
        "competencies": list(p.competency_keys),
        "seats": [p.clinical_seats, p.technical_seats],
    }


CANDIDATE_FIELDS = ("name", "email", "phone", "source", "notes")


def save_candidate(actor: User, candidate: Candidate | None, data: dict) -> Candidate:
    """Create or update a candidate, audited field by field: every field on creation,
    each changed field's value before and after on an edit. The entry is about the
    candidate, so their erasure redacts it (lifecycle/erasure.py)."""
    old = None if candidate is None else _candidate_fields(candidate)
    if candidate is None:
        candidate = Candidate()
        db.session.add(candidate)
    else:
        candidate.version = Candidate.version + 1
    for name in ("name", "email", "phone", "source"):
        value = (data.get(name) or "").strip()
        setattr(candidate, name, value or (None if name != "name" else value))
    candidate.notes = (data.get("notes") or "").strip()
    # Issue 15: the tracking system's id, set through the API only (the form has
    # none, so a save from the page keeps it).
    fields = CANDIDATE_FIELDS
    if "external_id" in data:
        fields += ("external_id",)
        if old is not None:
            old["external_id"] = candidate.external_id
        candidate.external_id = data["external_id"] or None
    db.session.flush()
    new = _candidate_fields(candidate, fields)
    if old is None:
        record(actor, "candidate.save", candidate, after=new)
    else:
        changed = [field for field in fields if old[field] != new[field]]
        before, after = ({f: fields[f] for f in changed} for fields in (old, new))
        record(actor, "candidate.save", candidate, before, after)
    return candidate


def _candidate_fields(candidate: Candidate, fields=CANDIDATE_FIELDS) -> dict:
    return {field: getattr(candidate, field) for field in fields}


def open_loops_of(requisition: Requisition, candidate: Candidate) -> list[Loop]:
    """The candidate's loops on this requisition that are still open (not decided
    or withdrawn): a second one is started only when asked twice."""
    return list(
        db.session.scalars(
            sa.select(Loop)
            .where(
                Loop.requisition_id == requisition.id,
                Loop.candidate_id == candidate.id,
                Loop.status.not_in([LoopStatus.DECIDED, LoopStatus.WITHDRAWN]),
            )
            .order_by(Loop.id)
        )
    )


def create_loop(actor: User, requisition: Requisition, candidate: Candidate) -> Loop:
    """Start a loop: the requisition's rubric (latest version) and a copy of its plan."""
    db.session.flush()  # column defaults of a plan built in memory
    version = latest_version_of(requisition.default_rubric_id)
    if version is None:
        raise LoopError("Give the requisition a rubric before starting loops.")
    if not requisition.plan:
        raise LoopError("Give the requisition an interview plan before starting loops.")
    refuse_erased(candidate)
    by_key = {c.key: c for c in version.competencies}
    loop = Loop(candidate=candidate, requisition=requisition, rubric_version=version)
    for p in requisition.plan:
        session = InterviewSession(
            position=p.position,
            title=p.title,
            duration_minutes=p.duration_minutes,
            clinical_seats=p.clinical_seats,
            technical_seats=p.technical_seats,
            # dict.fromkeys: a plan saved before duplicates were refused.
            competencies=[
                by_key[k] for k in dict.fromkeys(p.competency_keys) if k in by_key
            ],
        )
        seats = [Discipline.CLINICAL] * p.clinical_seats + [
            Discipline.TECHNICAL
        ] * p.technical_seats
        session.seats = [PanelSeat(discipline=d) for d in seats]
        loop.sessions.append(session)
    db.session.add(loop)
    db.session.flush()
    record(
        actor,
        "loop.create",
        loop,
        after={"candidate": candidate.name, "rubric": version.id},
    )
    return loop


def active_seats(session: InterviewSession) -> list[PanelSeat]:
    return [s for s in session.seats if s.removed_at is None]


def assign_seat(actor: User, seat: PanelSeat, interviewer: User | None) -> str:
    """Seat an interviewer, or empty the seat; a scorecard already written is kept.

    A seat that has an interviewer is never handed on: it is marked removed (with its
    scorecard, if any) and a fresh seat takes its place, so each seat row records
    exactly who held it and when.
    """
    status = check_open(seat.session.loop)
    if interviewer is not None and seat.interviewer_id == interviewer.id:
        return f"{interviewer.name} already sits in this seat; nothing changed."
    if interviewer is None and seat.interviewer_id is None:
        return (
            f"{seat.session.title}: the {seat.discipline.value} seat is empty already;"
            " nothing changed. Choose an interviewer in its list, then Seat."
        )
    if interviewer is not None:
        _check_eligible(seat, interviewer)
    previous = seat.interviewer
    retired = seat if previous is not None else None
    message = ""
    now = utcnow()
    if seat.session.starts_at is not None:  # calendars follow the panel's changes
        seat.session.schedule_sequence = (seat.session.schedule_sequence or 0) + 1
    if previous is not None:
        seat.removed_at = now
        if seat.scorecard is not None:
            state = "submitted" if seat.scorecard.is_submitted else "draft"
            message = f" {previous.name}'s {state} scorecard is kept with the loop."
        seat = PanelSeat(session=seat.session, discipline=seat.discipline)
        db.session.add(seat)
    seat.interviewer = interviewer
    seat.assigned_at = now if interviewer is not None else None
    db.session.flush()
    check_no_gaps_while_interviewing(seat.session.loop, status)
    notify.seat_changed(retired, previous, seat)  # issue 14: email
    record(
        actor,
        "loop.seat",
        seat.session.loop,
        {"seat": seat.id, "interviewer": previous.id if previous else None},
        {"seat": seat.id, "interviewer": interviewer.id if interviewer else None},
    )
    who = interviewer.name if interviewer else "nobody"
    return f"{seat.session.title}: {seat.discipline.value} seat now {who}.{message}"


def _check_eligible(seat: PanelSeat, user: User) -> None:
    if user.role != Role.INTERVIEWER or not user.is_active:
        raise LoopError(f"{user.name} is not an active interviewer.")
    if user.discipline != seat.discipline:
        raise LoopError(
            f"{user.name} is a {user.discipline.value} interviewer; this seat is "
            f"for a {seat.discipline.value} interviewer."
        )
    others = [s for s in active_seats(seat.session) if s.id != seat.id]
    if any(s.interviewer_id == user.id for s in others):
        raise LoopError(f"{user.name} already sits on this session.")
    candidate = seat.session.loop.candidate
    conflict = next((c for c in candidate.conflicts if c.user_id == user.id), None)
    if conflict is not None:
        raise LoopError(f"{user.name} cannot sit on this panel: {conflict.reason}.")
    if problem := calendar_problem(user, seat.session):
        raise LoopError(problem)


def calendar_problem(user: User, session: InterviewSession) -> str | None:
    """Whether seating ``user`` on ``session`` double-books them or breaks their
    weekly limit (the same rules the proposal keeps), in a sentence."""
    start, end = session.starts_at, session.ends_at
    if start is None:
        return None
    others = db.session.scalars(
        sa.select(InterviewSession)
        .join(PanelSeat, PanelSeat.session_id == InterviewSession.id)
        .where(
            PanelSeat.interviewer_id == user.id,
            PanelSeat.removed_at.is_(None),
            InterviewSession.id != session.id,
            InterviewSession.starts_at.is_not(None),
            InterviewSession.starts_at < start + timedelta(days=8),
            InterviewSession.starts_at > start - timedelta(days=8),
        )
    ).all()
    for other in others:
        if other.starts_at < end and start < other.ends_at:
            return (
                f"{user.name} is already interviewing then: {other.title} "
                f"(loop {other.loop_id}) overlaps this session."
            )
    week = start.isocalendar()[:2]
    load = sum(1 for o in others if o.starts_at.isocalendar()[:2] == week)
    if load >= user.weekly_interview_limit:
        return (
            f"{user.name} already has {load} interview{'s' if load != 1 else ''} that "
            f"week, their limit is {user.weekly_interview_limit}."
        )
    return None


def check_open(loop: Loop) -> LoopStatus:
    """A decided or withdrawn loop no longer changes. The status is read afresh
    with the loop's row locked (FOR NO KEY UPDATE, as readiness and the kit lock
    it: it waits for a decision or withdrawal in flight, which updates the row,
    but not for the KEY SHARE lock a seat or session insert holds), so a change
    committed meanwhile is seen and the save is refused. Return that status: the
    loaded ``loop.status`` may be older, and rules that depend on the status (the
    interviewing loop's coverage) are judged by this one."""
    status = loop.status
    if loop.id is not None:
        status = db.session.execute(
            sa.select(Loop.status)
            .where(Loop.id == loop.id)
            .with_for_update(key_share=True)
        ).scalar_one()
    status = LoopStatus(status)
    if status in (LoopStatus.DECIDED, LoopStatus.WITHDRAWN):
        raise LoopError(f"This loop is {status.value}; it can no longer change.")
    return status


def check_no_gaps_while_interviewing(loop: Loop, status: LoopStatus) -> None:
    """An interviewing loop must keep every competency covered; ``status`` is the
    one check_open read under the lock, not the one loaded before it."""
    if status != LoopStatus.INTERVIEWING:
        return
    if found := cov.gaps(loop_coverage(loop)):
        raise LoopError(
            "The loop is interviewing, and this change would leave a gap ("
            + "; ".join(found)
            + "). Move the loop back to planned first."
        )


def schedule_session(actor: User, session: InterviewSession, data: dict) -> None:
    """Set a session's time (typed in its own zone), length and place."""
    zone(data["time_zone"])  # refuses unknown zones with a clear message
    starts_at = None
    if (data.get("starts_local") or "").strip():
        starts_at = to_utc(
            data["starts_local"], data["time_zone"], fold=data.get("fold")
        )
        session_window(starts_at, int(data["duration_minutes"]))
    check_open(session.loop)
    before = {"starts_at": _iso(session.starts_at), "minutes": session.duration_minutes}
    was = (session.starts_at, session.ends_at) if session.starts_at else None
    held_before = _calendar_facts(session)
    session.starts_at = starts_at
    session.time_zone = data["time_zone"].strip()
    session.duration_minutes = int(data["duration_minutes"])
    session.location = (data.get("location") or "").strip()
    session.video_url = (data.get("video_url") or "").strip()
    changed = _calendar_facts(session) != held_before
    if changed:
        session.schedule_sequence = (session.schedule_sequence or 0) + 1
    db.session.flush()
    for seat in active_seats(session):
        if seat.interviewer and (
            problem := calendar_problem(seat.interviewer, session)
        ):
            raise LoopError(f"{session.title} cannot move there: {problem}")
    if changed:  # issue 14: email, only when calendars would show a difference
        notify.session_rescheduled(session, was=was)
    record(
        actor,
        "loop.schedule",
        session.loop,
        before,
        {"starts_at": _iso(starts_at), "minutes": session.duration_minutes},
    )


def _calendar_facts(session: InterviewSession) -> tuple:
    """What an invitation shows: saved again unchanged (or only the zone's name
    changed for the same instant), nobody needs an update."""
    return (
        session.starts_at,
        session.ends_at,
        session.location or "",
        session.video_url or "",
        session.title,
    )


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def loop_coverage(loop: Loop) -> list[cov.Row]:
    """The coverage matrix of a loop, from its sessions and seated interviewers."""
    competencies = [
        (c.key, c.name, str(c.assessed_by)) for c in loop.rubric_version.competencies
    ]
    sessions = {s.id: tuple(c.key for c in s.competencies) for s in loop.sessions}
    seats = [
        cov.Seat(
            s.session_id,
            str(s.discipline),
            s.interviewer.name if s.interviewer else None,
        )
        for session in loop.sessions
        for s in active_seats(session)
    ]
    return cov.coverage(competencies, sessions, seats)


def refuse_erased(candidate: Candidate) -> None:
    """Issue 13, data lifecycle: nothing new is written about an erased candidate
    (no new loop, none opened again), so erasure stays complete."""
    if candidate.erased_at is not None:
        raise LoopError(
            "This candidate's personal data was erased: their loops stay closed and "
            "no new loop is started for them."
        )


def change_status(actor: User, loop: Loop, target: str) -> None:
    """Move the loop to another status if the rules allow it."""
    refuse_erased(loop.candidate)
    problem = transition_problem(
        str(loop.status), target, cov.gaps(loop_coverage(loop))
    )
    if problem:
        raise LoopError(problem)
    before = str(loop.status)
    loop.status = LoopStatus(target)
    if LoopStatus.WITHDRAWN.value in (before, target):
        # Withdrawn, the invitations become cancellations; planned again, they are
        # invitations again: each replaces the last only with a higher sequence.
        for session in loop.sessions:
            session.schedule_sequence = (session.schedule_sequence or 0) + 1
    _notify_status(loop, before, target)  # issue 14: email
    record(actor, "loop.status", loop, {"status": before}, {"status": target})


def _notify_status(loop: Loop, before: str, target: str) -> None:
    if target == LoopStatus.WITHDRAWN.value:
        notify.loop_withdrawn(loop)
    elif before == LoopStatus.WITHDRAWN.value:
        notify.loop_planned_again(loop)
    elif target == LoopStatus.DEBRIEF.value:
        notify.debrief_ready(loop)


def reopen_loop(actor: User, loop: Loop, reason: str) -> None:
    """Take a decided loop back to debrief so scorecards can be amended again.

    The decision stays on record (a later one is added after it); the reopening is
    audited with who, when, why and the decision that stood.
    """
    if loop.status != LoopStatus.DECIDED:
        raise LoopError(
            f"This loop is {loop.status.value}; only a decided loop is reopened."
        )
    refuse_erased(loop.candidate)
    reason = reason.strip()
    if len(reason) < 10:
        raise LoopError("Say why the loop is reopened (at least 10 characters).")
    standing = loop.decisions[-1] if loop.decisions else None
    notify.debrief_ready(loop)  # issue 14: before the flush moves loop.version
    loop.status = LoopStatus.DEBRIEF
    db.session.flush()
    record(
        actor,
        "loop.reopen",
        loop,
        {
            "status": "decided",
            "outcome": str(standing.outcome) if standing else None,
            "decision": standing.id if standing else None,
        },
        {"status": "debrief"},
        reason=reason,
    )


def scorecard_status(seat: PanelSeat, now=None) -> str:
    """not started, draft, submitted or overdue (not submitted a day after the end)."""
    card: Scorecard | None = seat.scorecard
    if card is not None and card.status == ScorecardStatus.SUBMITTED:
        return "submitted"
    ends = seat.session.ends_at
    hours = current_app.config["FEEDBACK_DUE_HOURS"]
    if ends is not None and (now or utcnow()) > ends + timedelta(hours=hours):
        return "overdue"
    return "draft" if card is not None else "not started"


def requisitions_of(manager_id: int) -> sa.Select:
    return sa.select(Requisition.id).where(Requisition.hiring_manager_id == manager_id)


def loops_visible_to(user: User):
    """A query of the loops this person may see (of the loops table alone, so that
    counting it joins nothing)."""
    query = sa.select(Loop)
    if user.role == Role.TALENT_ACQUISITION:
        return query
    if user.role == Role.HIRING_MANAGER:
        return query.where(Loop.requisition_id.in_(requisitions_of(user.id)))
    seated = (
        sa.select(InterviewSession.loop_id)
        .join(PanelSeat, PanelSeat.session_id == InterviewSession.id)
        .where(PanelSeat.interviewer_id == user.id, PanelSeat.removed_at.is_(None))
    )
    return query.where(Loop.id.in_(seated))


def add_session(actor: User, loop: Loop, data: dict) -> InterviewSession:
    """Add a session to this loop only; the requisition's plan stays as it was."""
    check_open(loop)
    session = InterviewSession(position=len(loop.sessions), title=data["title"].strip())
    loop.sessions.append(session)
    _shape_session(session, data)
    db.session.flush()
    record(
        actor,
        "loop.session.add",
        loop,
        after={"session": session.id, "title": session.title},
    )
    return session


def update_session(actor: User, session: InterviewSession, data: dict) -> None:
    """Change a session's title, competencies and seats; occupied seats stay.

    The loop is locked first (check_open), as every other edit does: a decided or
    withdrawn loop is refused, and the lock order (loop, then session) is the
    decision's, which clears its future sessions' times with the loop locked."""
    status = check_open(session.loop)
    before = {
        "title": session.title,
        "competencies": [c.key for c in session.competencies],
    }
    moved = (session.title, session.duration_minutes)
    session.version = InterviewSession.version + 1
    session.title = data["title"].strip()
    _shape_session(session, data)
    db.session.flush()
    check_no_gaps_while_interviewing(session.loop, status)
    if session.starts_at is not None and moved != (
        session.title,
        session.duration_minutes,
    ):  # the calendar entry's title or end changed
        session.schedule_sequence = (session.schedule_sequence or 0) + 1
        notify.session_rescheduled(session, was=(session.starts_at, session.ends_at))
    after = {
        "title": session.title,
        "competencies": [c.key for c in session.competencies],
    }
    record(actor, "loop.session.change", session.loop, before, after)


def _shape_session(session: InterviewSession, data: dict) -> None:
    by_key = {c.key: c for c in session.loop.rubric_version.competencies}
    keys = dict.fromkeys(data["competency_keys"])  # each once, in the order given
    session.competencies = [by_key[k] for k in keys if k in by_key]
    session.duration_minutes = int(data["duration_minutes"])
    for discipline, wanted in (
        (Discipline.CLINICAL, int(data["clinical_seats"])),
        (Discipline.TECHNICAL, int(data["technical_seats"])),
    ):
        seats = [s for s in active_seats(session) if s.discipline == discipline]
        for _ in range(wanted - len(seats)):
            session.seats.append(PanelSeat(discipline=discipline))
        surplus = len(seats) - wanted
        empty = [s for s in seats if s.interviewer_id is None and s.scorecard is None]
        if surplus > len(empty):
            raise LoopError(
                f"{session.title} has {len(seats)} {discipline.value} interviewers seated or "
                f"with scorecards; empty a seat before asking for {wanted}."
            )
        for seat in empty[: max(surplus, 0)]:
            session.seats.remove(seat)
            db.session.delete(seat)
    session.clinical_seats = int(data["clinical_seats"])
    session.technical_seats = int(data["technical_seats"])


def check_removable(session: InterviewSession) -> None:
    """Refuse removing a session someone wrote a scorecard for (asked before the
    removal's confirmation too: nobody confirms a removal that will be refused)."""
    written = [s for s in session.seats if s.scorecard is not None]
    if written:
        names = ", ".join(s.interviewer.name for s in written)
        raise LoopError(
            f"{session.title} cannot be removed: {names} wrote a scorecard for it, and "
            "nothing written is ever deleted by a change of plan."
        )


def remove_session(actor: User, session: InterviewSession) -> None:
    """Remove a session from this loop, unless a scorecard was written for it."""
    status = check_open(session.loop)
    check_removable(session)
    loop = session.loop
    session.schedule_sequence = (session.schedule_sequence or 0) + 1
    notify.session_removed(session)  # issue 14: email
    for seat in list(session.seats):
        db.session.delete(seat)
    loop.sessions.remove(session)
    db.session.delete(session)
    db.session.flush()
    check_no_gaps_while_interviewing(loop, status)
    record(actor, "loop.session.remove", loop, before={"title": session.title})


def add_conflict(
    actor: User, candidate: Candidate, interviewer: User, reason: str
) -> None:
    """Record why an interviewer must not sit on this candidate's panels."""
    from ..models import Conflict

    refuse_erased(candidate)
    if any(c.user_id == interviewer.id for c in candidate.conflicts):
        raise LoopError(f"{interviewer.name} already has a recorded conflict.")
    held = [
        f"{session.title} ({loop.requisition.title})"
        for loop in candidate.loops
        if loop.status not in (LoopStatus.DECIDED, LoopStatus.WITHDRAWN)
        for session in loop.sessions
        for seat in active_seats(session)
        if seat.interviewer_id == interviewer.id
    ]
    if held:
        raise LoopError(
            f"{interviewer.name} sits on {candidate.name}'s panel in "
            + ", ".join(held)
            + ". Give those seats to someone else, then record the conflict."
        )
    candidate.conflicts.append(Conflict(user_id=interviewer.id, reason=reason.strip()))
    db.session.flush()
    record(
        actor, "candidate.conflict", candidate, after={"interviewer": interviewer.id}
    )
