"""Feed a loop and the interviewer pool to the pure pairing function, and apply its
answer. Other loops' sessions become the interviewers' busy times and weekly load."""

from datetime import timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import Conflict, InterviewSession, Loop, PanelSeat, Role, User
from ..search import matching
from . import pairing
from .operations import active_seats, assign_seat

# Other interviews count toward load and clashes if they fall within this distance.
HORIZON = timedelta(days=21)


def propose_for(loop: Loop) -> pairing.Proposal:
    """Propose interviewers for the loop's empty seats."""
    sessions = [
        pairing.SessionNeed(
            id=s.id,
            title=s.title,
            starts_at=s.starts_at,
            duration_minutes=s.duration_minutes,
            competencies=tuple(c.key for c in s.competencies),
            clinical_seats=sum(
                1 for x in active_seats(s) if x.discipline == "clinical"
            ),
            technical_seats=sum(
                1 for x in active_seats(s) if x.discipline == "technical"
            ),
        )
        for s in loop.sessions
    ]
    competencies = [
        pairing.CompetencyNeed(c.key, c.name, str(c.assessed_by))
        for c in loop.rubric_version.competencies
    ]
    existing = [
        pairing.Assignment(
            s.id, seat.interviewer_id, str(seat.discipline), "chosen by a person"
        )
        for s in loop.sessions
        for seat in active_seats(s)
        if seat.interviewer_id is not None
    ]
    return pairing.propose_panel(sessions, competencies, _pool(loop), existing)


def _pool(loop: Loop) -> list[pairing.PoolMember]:
    people = db.session.scalars(
        sa.select(User).where(User.role == Role.INTERVIEWER, User.is_active.is_(True))
    ).all()
    busy = _busy_elsewhere(loop)
    conflicts = {c.user_id: c.reason for c in loop.candidate.conflicts}
    return [
        pairing.PoolMember(
            id=u.id,
            name=u.name,
            discipline=str(u.discipline),
            trained=u.trained_keys,
            weekly_limit=u.weekly_interview_limit,
            busy=tuple(busy.get(u.id, ())),
            conflict=conflicts.get(u.id),
        )
        for u in people
    ]


def _busy_elsewhere(loop: Loop) -> dict[int, list[pairing.Busy]]:
    times = [s.starts_at for s in loop.sessions if s.starts_at]
    if not times:
        return {}
    rows = db.session.execute(
        sa.select(PanelSeat.interviewer_id, InterviewSession)
        .join(InterviewSession, PanelSeat.session_id == InterviewSession.id)
        .where(
            InterviewSession.loop_id != loop.id,
            PanelSeat.interviewer_id.is_not(None),
            PanelSeat.removed_at.is_(None),
            InterviewSession.starts_at.between(
                min(times) - HORIZON, max(times) + HORIZON
            ),
        )
    ).all()
    busy: dict[int, list[pairing.Busy]] = {}
    for user_id, session in rows:
        label = f"loop {session.loop_id}: {session.title}"
        busy.setdefault(user_id, []).append(
            pairing.Busy(session.starts_at, session.ends_at, label)
        )
    return busy


def apply_proposal(actor: User, loop: Loop, proposal: pairing.Proposal) -> list[str]:
    """Seat the proposed interviewers in the empty seats; return the reasons given."""
    reasons = []
    seated = {
        (s.id, seat.interviewer_id) for s in loop.sessions for seat in active_seats(s)
    }
    for assignment in proposal.assignments:
        if (assignment.session_id, assignment.interviewer_id) in seated:
            continue
        session = next(s for s in loop.sessions if s.id == assignment.session_id)
        seat = next(
            s
            for s in active_seats(session)
            if s.interviewer_id is None and str(s.discipline) == assignment.discipline
        )
        assign_seat(actor, seat, db.session.get(User, assignment.interviewer_id))
        reasons.append(assignment.reason)
    return reasons


# The seat picker (loop page and its search): never more than this many people.
SEAT_CHOICES = 20


def eligible_for_seat(seat: PanelSeat, query: str = "", limit: int = SEAT_CHOICES):
    """The people ``assign_seat`` would accept in this seat, found by ``query``, by
    name: active interviewers of the seat's discipline, without a recorded conflict
    with the candidate, not already on the session, and (for a scheduled session) free
    then and under their weekly limit; the same rules as operations._check_eligible and
    calendar_problem, asked of the database. Rows are (seat id, user id, name, email,
    total matching); at most ``limit`` + 1, so a caller can tell there are more."""
    session = seat.session
    seated = [s.interviewer_id for s in active_seats(session) if s.interviewer_id]
    conditions = [
        User.role == Role.INTERVIEWER,
        User.is_active.is_(True),
        User.discipline == seat.discipline,
        ~sa.exists().where(
            Conflict.user_id == User.id,
            Conflict.candidate_id == session.loop.candidate_id,
        ),
        *matching(User.search_key, query),
    ]
    if seated:
        conditions.append(User.id.not_in(seated))
    if session.starts_at is not None:
        conditions += _free_then(session)
    return (
        sa.select(
            sa.literal(seat.id).label("seat_id"),
            User.id,
            User.name,
            User.email,
            sa.func.count().over().label("total"),
        )
        .where(*conditions)
        .order_by(User.name, User.id)
        .limit(limit + 1)
    )


def _free_then(session: InterviewSession) -> list:
    """No other interview overlapping the session; fewer than their weekly limit in
    its ISO week (UTC), as calendar_problem counts them."""
    start, end = session.starts_at, session.ends_at
    monday = (start - timedelta(days=start.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )

    def others(*where):
        return (
            sa.select(sa.func.count())
            .select_from(PanelSeat)
            .join(InterviewSession, PanelSeat.session_id == InterviewSession.id)
            .where(
                PanelSeat.interviewer_id == User.id,
                PanelSeat.removed_at.is_(None),
                InterviewSession.id != session.id,
                *where,
            )
            .scalar_subquery()
        )

    longest = timedelta(minutes=480)  # no session is longer (a check constraint)
    overlapping = others(
        InterviewSession.starts_at < end,
        InterviewSession.starts_at > start - longest,
        InterviewSession.ends_at > start,
    )
    that_week = others(
        InterviewSession.starts_at >= monday,
        InterviewSession.starts_at < monday + timedelta(days=7),
    )
    return [overlapping == 0, that_week < User.weekly_interview_limit]


def seat_choices(seats: list[PanelSeat], queries: dict[int, str]) -> dict[int, list]:
    """The eligible people of several seats in one statement: {seat id: rows}."""
    if not seats:
        return {}
    parts = [
        sa.select(eligible_for_seat(s, queries.get(s.id, "")).subquery()) for s in seats
    ]
    rows = db.session.execute(sa.union_all(*parts)).all()
    found: dict[int, list] = {s.id: [] for s in seats}
    for row in sorted(rows, key=lambda r: (r.name, r.id)):
        found[row.seat_id].append(row)
    return found
