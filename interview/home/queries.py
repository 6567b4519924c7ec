"""What each role's home page needs to say what to do next."""

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    Discipline,
    InterviewSession,
    Loop,
    PanelSeat,
    Requisition,
    RequisitionStatus,
    Role,
    Rubric,
    Scorecard,
    ScorecardStatus,
    User,
)
from ..timeutil import utcnow


def talent_acquisition_overview() -> dict:
    """Counts of accounts by role and discipline, open requisitions and loops."""
    active = sa.select(User.role, User.discipline, sa.func.count()).where(
        User.is_active.is_(True)
    )
    counts = db.session.execute(active.group_by(User.role, User.discipline)).all()
    by_key: dict[str, int] = {}
    for role, discipline, n in counts:
        key = f"{role}:{discipline}" if role == Role.INTERVIEWER else str(role)
        by_key[key] = by_key.get(key, 0) + n
    open_reqs = db.session.scalar(
        sa.select(sa.func.count(Requisition.id)).where(
            Requisition.status == RequisitionStatus.OPEN
        )
    )
    return {
        "clinical_interviewers": by_key.get(f"interviewer:{Discipline.CLINICAL}", 0),
        "technical_interviewers": by_key.get(f"interviewer:{Discipline.TECHNICAL}", 0),
        "hiring_managers": by_key.get(str(Role.HIRING_MANAGER), 0),
        "open_requisitions": open_reqs,
        "loops": db.session.scalar(sa.select(sa.func.count(Loop.id))),
        "rubrics": db.session.scalar(sa.select(sa.func.count(Rubric.id))),
    }


def requisitions_of(manager: User) -> list[Requisition]:
    return db.session.scalars(
        sa.select(Requisition)
        .where(Requisition.hiring_manager_id == manager.id)
        .order_by(Requisition.status, Requisition.title)
    ).all()


def seats_of(interviewer: User) -> dict:
    """The interviewer's upcoming sessions and the scorecards they still owe."""
    now = utcnow()
    rows = db.session.execute(
        sa.select(PanelSeat, InterviewSession, Scorecard)
        .join(InterviewSession, PanelSeat.session_id == InterviewSession.id)
        .outerjoin(Scorecard, Scorecard.seat_id == PanelSeat.id)
        .where(
            PanelSeat.interviewer_id == interviewer.id, PanelSeat.removed_at.is_(None)
        )
        .order_by(InterviewSession.starts_at)
    ).all()
    upcoming = [s for _, s, _ in rows if s.starts_at and s.starts_at >= now]
    owed = [
        s
        for _, s, card in rows
        if s.starts_at
        and s.starts_at < now
        and (card is None or card.status != ScorecardStatus.SUBMITTED)
    ]
    return {"upcoming": upcoming, "owed": owed}
