"""What each role's home page needs to say what to do next."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..listing import count
from ..loops.lists import STATUS_ORDER, loop_counts
from ..models import (
    Discipline,
    InterviewSession,
    Loop,
    LoopStatus,
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


HOME_LIMIT = 10


def requisitions_of(manager: User) -> dict:
    """The manager's first requisitions (open first) with their loops counted by
    status, and how many there are in all."""
    mine = sa.select(Requisition).where(Requisition.hiring_manager_id == manager.id)
    shown = db.session.scalars(
        mine.order_by(STATUS_ORDER, Requisition.search_key, Requisition.id).limit(
            HOME_LIMIT
        )
    ).all()
    return {
        "requisitions": shown,
        "requisition_total": count(mine),
        "loop_counts": loop_counts([r.id for r in shown]),
    }


def seats_of(interviewer: User) -> dict:
    """The interviewer's next sessions and the scorecards they still owe (the first
    few of each, and how many in all)."""
    now = utcnow()
    mine = (
        sa.select(InterviewSession)
        .join(PanelSeat, PanelSeat.session_id == InterviewSession.id)
        .where(
            PanelSeat.interviewer_id == interviewer.id, PanelSeat.removed_at.is_(None)
        )
        .options(
            joinedload(InterviewSession.loop).options(
                joinedload(Loop.candidate), joinedload(Loop.requisition)
            )
        )
    )
    # A withdrawn or decided loop's sessions will not happen (My interviews agrees).
    upcoming = mine.where(
        InterviewSession.starts_at >= now,
        InterviewSession.loop.has(
            Loop.status.not_in([LoopStatus.WITHDRAWN, LoopStatus.DECIDED])
        ),
    )
    owed = mine.outerjoin(Scorecard, Scorecard.seat_id == PanelSeat.id).where(
        InterviewSession.starts_at < now,
        sa.or_(Scorecard.id.is_(None), Scorecard.status != ScorecardStatus.SUBMITTED),
    )
    order = [InterviewSession.starts_at, InterviewSession.id]
    return {
        "upcoming": db.session.scalars(
            upcoming.order_by(*order).limit(HOME_LIMIT)
        ).all(),
        "upcoming_total": count(upcoming),
        "owed": db.session.scalars(owed.order_by(*order).limit(HOME_LIMIT)).all(),
        "owed_total": count(owed),
    }
