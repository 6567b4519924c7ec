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
from interview.rubrics.operations import LIBRARY, save_rubric
from interview.rubrics.schema import raise_for, validate


def shipped_version(name: str = "core-cross-functional"):
    """A rubric of the shipped library saved (not committed); its first version."""
    raw = (LIBRARY / f"{name}.yaml").read_bytes()
    return save_rubric(None, raise_for(validate(raw))).version


def start_loop(
    manager_id: int,
    rubric_id: int,
    plan: list[PlanSession],
    candidate: str = "Priya Raman",
    title: str = "EHR analyst",
) -> Loop:
    """A requisition with this plan, a candidate, and a loop copying the plan (no commit)."""
    for position, session in enumerate(plan):  # as the plan form numbers them
        session.position = position
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


NAMES = [
    "Zoë Ångström",
    "José Núñez",
    "Siobhán O'Brien",
    "Łukasz Wójcik",
    "Amara Nwosu",
]


def populate(
    manager_id: int,
    rubric_id: int,
    interviewer_ids: tuple[int, int],
    n: int,
    *,
    start: int = 0,
    starts_at=None,
) -> list[int]:
    """``n`` candidates, each with a loop of the requisition's two-seat plan, both
    seats held by ``interviewer_ids`` (clinical, technical), the clinical scorecard
    submitted; sessions at ``starts_at`` (None: unscheduled). Returns the loop ids."""
    from interview.models import Requisition, ScorecardStatus

    requisition = Requisition(
        title=f"Requisition {start}",
        discipline=Discipline.CLINICAL,
        hiring_manager_id=manager_id,
        default_rubric_id=rubric_id,
        plan=[PlanSession(title="Case", competency_keys=["workflow", "privacy"])],
    )
    db.session.add(requisition)
    loops = []
    for i in range(start, start + n):
        name = f"{NAMES[i % len(NAMES)]} {i}"
        person = Candidate(name=name, email=f"person{i}@candidate.example")
        db.session.add(person)
        loop = create_loop(None, requisition, person)
        session = loop.sessions[0]
        session.starts_at = starts_at
        for seat in session.seats:
            clinical = seat.discipline == Discipline.CLINICAL
            seat.interviewer_id = interviewer_ids[0 if clinical else 1]
            seat.assigned_at = seat.created_at
            if clinical:
                seat.scorecard = Scorecard(
                    interviewer_id=seat.interviewer_id,
                    rubric_version_id=loop.rubric_version_id,
                    status=ScorecardStatus.SUBMITTED,
                    submitted_at=seat.created_at,
                    overall_recommendation=3,
                )
        loops.append(loop)
    db.session.commit()
    return [loop.id for loop in loops]
