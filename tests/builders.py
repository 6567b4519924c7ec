"""Builders for test data that several test modules need (call inside an app context)."""

from interview.extensions import db
from interview.loops.operations import create_loop
from interview.models import (
    Candidate,
    Discipline,
    Loop,
    PanelSeat,
    PlanSession,
    Requisition,
    Scorecard,
)


def start_loop(
    manager_id: int,
    rubric_id: int,
    plan: list[PlanSession],
    candidate: str = "Priya Raman",
    title: str = "EHR analyst",
) -> Loop:
    """A requisition with this plan, a candidate, and a loop copying the plan (no commit)."""
    requisition = Requisition(
        title=title,
        discipline=Discipline.CLINICAL,
        hiring_manager_id=manager_id,
        default_rubric_id=rubric_id,
        plan=plan,
    )
    person = Candidate(
        name=candidate, email=f"{candidate.split()[0].lower()}@candidate.example"
    )
    db.session.add_all([requisition, person])
    return create_loop(None, requisition, person)


def clinical_seat(loop: Loop, session: int = 0) -> PanelSeat:
    return next(
        s for s in loop.sessions[session].seats if s.discipline == Discipline.CLINICAL
    )


def add_scorecard(seat_id: int, interviewer_id: int, **fields) -> None:
    """A scorecard on a seat, written directly (and committed)."""
    seat = db.session.get(PanelSeat, seat_id)
    db.session.add(
        Scorecard(
            seat=seat,
            interviewer_id=interviewer_id,
            rubric_version_id=seat.session.loop.rubric_version_id,
            **fields,
        )
    )
    db.session.commit()
