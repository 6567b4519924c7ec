"""Feed a loop and the interviewer pool (pool.py) to the pure pairing function, and
apply its answer; and the seat picker's choices."""

import json
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import (
    Conflict,
    InterviewSession,
    Loop,
    PanelSeat,
    Role,
    User,
)
from ..search import matching
from . import pairing, pool
from .operations import active_seats, assign_seat
from .pool import LONGEST


def propose_for(loop: Loop) -> pairing.Proposal:
    """Propose interviewers for the loop's empty seats: from the lightest people of
    each week read in full (pool.py), or from everyone when those do not answer."""
    sessions, competencies, existing = needs(loop)
    known = pool.calendars(loop)
    lightest = known.lightest(pool.LIGHTEST)
    shortlisted = True
    if lightest is not None:
        answer = pairing.propose_from_lightest(
            sessions,
            competencies,
            pool.members(loop, known, lightest),
            existing,
            pool.LIGHTEST,
        )
        if isinstance(answer, pairing.Proposal):
            return answer
        # The whole pool's shortlist would be the one that just failed.
        shortlisted = answer != pairing.SHORTLIST_FAILED
    everyone = pool.members(loop, known, None)
    return pairing.propose_panel(
        sessions, competencies, everyone, existing, shortlisted=shortlisted
    )


def needs(
    loop: Loop,
) -> tuple[
    list[pairing.SessionNeed], list[pairing.CompetencyNeed], list[pairing.Assignment]
]:
    """The loop as the pairing rules see it: its sessions' seats, its rubric's
    competencies and the seats people already hold."""
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
    return sessions, competencies, existing


def fresh_assignments(
    loop: Loop, proposal: pairing.Proposal
) -> list[pairing.Assignment]:
    """The proposal's choices for seats nobody holds yet: what seating it changes."""
    seated = {
        (s.id, seat.interviewer_id) for s in loop.sessions for seat in active_seats(s)
    }
    return [
        a
        for a in proposal.assignments
        if (a.session_id, a.interviewer_id) not in seated
    ]


def proposal_key(assignments: list[pairing.Assignment]) -> str:
    """The previewed panel as its confirmation sends it back, to seat only that."""
    return ",".join(
        f"{a.session_id}:{a.interviewer_id}:{a.discipline}" for a in assignments
    )


def apply_proposal(actor: User, loop: Loop, proposal: pairing.Proposal) -> list[str]:
    """Seat the proposed interviewers in the empty seats and keep their reasons on
    the loop (replacing those of seats since changed); return the reasons given."""
    kept = [r for r in _records(loop) if _still_seated(loop, r)]
    records = []
    for assignment in fresh_assignments(loop, proposal):
        session = next(s for s in loop.sessions if s.id == assignment.session_id)
        seat = next(
            s
            for s in active_seats(session)
            if s.interviewer_id is None and str(s.discipline) == assignment.discipline
        )
        interviewer = db.session.get(User, assignment.interviewer_id)
        assign_seat(actor, seat, interviewer)
        records.append(
            {
                "session_id": session.id,
                "interviewer_id": interviewer.id,
                "discipline": str(assignment.discipline),
                "reason": assignment.reason,
            }
        )
    if records:
        loop.proposal_reasons = json.dumps(kept + records)
    return [r["reason"] for r in records]


def _records(loop: Loop) -> list[dict]:
    try:
        records = json.loads(loop.proposal_reasons or "[]")
    except ValueError:
        return []
    return records if isinstance(records, list) else []


def _still_seated(loop: Loop, record: dict) -> bool:
    return any(
        seat.interviewer_id == record.get("interviewer_id")
        for session in loop.sessions
        if session.id == record.get("session_id")
        for seat in active_seats(session)
    )


def stored_reasons(loop: Loop) -> list[dict]:
    """The reasons of the panel proposed last that still describe the loop, for its
    page. A removed session's are left out (the audit log keeps the removal); a seat
    changed by hand since keeps its line, saying so, but not its reason: that names
    someone who no longer sits there."""
    titles = {s.id: s.title for s in loop.sessions}
    shown = []
    for r in _records(loop):
        if r.get("session_id") not in titles:
            continue
        changed = not _still_seated(loop, r)
        shown.append(
            {
                "session": titles[r["session_id"]],
                "session_id": r["session_id"],
                "discipline": str(r.get("discipline", "")).capitalize(),
                "reason": "" if changed else str(r.get("reason", "")),
                "changed": changed,
            }
        )
    return shown


# The seat picker: never more than this many people.
SEAT_CHOICES = 20


def eligible_for_seat(seat: PanelSeat, query: str = "", limit: int = SEAT_CHOICES):
    """The people ``assign_seat`` would accept in this seat, found by ``query``, by
    name: active interviewers of the seat's discipline, without a recorded conflict
    with the candidate, not already on the session, and (for a scheduled session) free
    then and under their weekly limit; the same rules as operations._check_eligible and
    calendar_problem, asked of the database. Rows are (user id, name, email, total
    matching); at most ``limit`` + 1, so a caller can tell there are more."""
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
        conditions += [User.id.not_in(busy) for busy in _busy_then(session)]
    return (
        sa.select(User.id, User.name, User.email, sa.func.count().over().label("total"))
        .where(*conditions)
        .order_by(User.search_key, User.id)
        .limit(limit + 1)
    )


# The week's seats grouped by "+interviewer_id", not the column itself: grouping by
# the column let SQLite walk every seat on file in ix_panel_seats_interviewer_id to
# skip a sort of one week's seats. It did so on the statistics its bounded ANALYZE
# writes (db.ANALYSIS_LIMIT), which put the week's partial index at 3.6 times its
# size: 440 ms against 18 ms for the scale database's picker. The unary plus is a
# no-op for the value on both databases; an expression no index holds leaves the
# start-time range as SQLite's only way in.
HELD_BY = sa.literal_column("+panel_seats.interviewer_id", sa.Integer)


def _busy_then(session: InterviewSession) -> tuple:
    """Who may not take a seat on ``session`` for their calendar, as two selects of
    user ids: those with another interview overlapping it, and those who reached
    their weekly limit in its ISO week (UTC), as calendar_problem counts them.

    Both are computed once as sets, never per person, from ranges of an index on
    start times: the cost follows that week's interviews (at most the pool's weekly
    capacity), not the years of interviews on file. The week's count reads the held
    seats by their own copy of the session's start (``ix_panel_seats_starts_at``,
    migration 0013) and counts them per interviewer before looking up the limits: no
    session is read. It includes this session, which only adds to the people already
    on it, who are left out anyway."""
    start, end = session.starts_at, session.ends_at
    monday = (start - timedelta(days=start.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    overlapping = _seated_between(start - LONGEST, end).where(
        InterviewSession.starts_at > start - LONGEST,
        InterviewSession.ends_at > start,
        InterviewSession.id != session.id,
    )
    load = (
        sa.select(HELD_BY.label("interviewer_id"), sa.func.count().label("seats"))
        .where(
            PanelSeat.interviewer_id.is_not(None),
            PanelSeat.removed_at.is_(None),
            PanelSeat.starts_at >= monday,
            PanelSeat.starts_at < monday + timedelta(days=7),
        )
        .group_by(HELD_BY)
        .subquery("load")
    )
    person = aliased(User, name="person")
    full_week = (
        sa.select(load.c.interviewer_id)
        .join(person, person.id == load.c.interviewer_id)
        .where(load.c.seats >= person.weekly_interview_limit)
    )
    # Someone who agreed to no interviews at all has a full week with no seat in it.
    no_interviews = sa.select(User.id).where(User.weekly_interview_limit <= 0)
    return overlapping, sa.union(full_week, no_interviews)


def _seated_between(start, end):
    """Who holds a seat on a session starting in [start, end): a user id per seat."""
    return (
        sa.select(PanelSeat.interviewer_id)
        .join(InterviewSession, PanelSeat.session_id == InterviewSession.id)
        .where(
            PanelSeat.interviewer_id.is_not(None),
            PanelSeat.removed_at.is_(None),
            InterviewSession.starts_at >= start,
            InterviewSession.starts_at < end,
        )
    )
