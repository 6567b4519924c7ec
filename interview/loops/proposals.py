"""Feed a loop and the interviewer pool to the pure pairing function, and apply its
answer. Other loops' sessions become the interviewers' busy times and weekly load."""

import json
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import (
    Conflict,
    InterviewSession,
    Loop,
    PanelSeat,
    Role,
    Training,
    User,
)
from ..search import matching
from . import pairing
from .operations import active_seats, assign_seat

# The longest session (the interview_sessions duration_range check): one starting
# this long before a week can still overlap a session in it.
LONGEST = timedelta(minutes=480)


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
    """Every active interviewer with their trainings, their weekly loads and the
    interviews that may clash with the loop's sessions, in three statements however
    many people there are: people, week loads (a row each) and clashes. A
    hospital's pool is thousands: their trainings loaded one account at a time made
    the proposal 1,900 statements, and read a row per training and per person and
    week, 16,500 rows; now about 2,400 (issue 11)."""
    # Only the trainings this loop's sessions can use: the rules weigh no other.
    keys = {c.key for s in loop.sessions for c in s.competencies}
    trained = (
        sa.select(
            Training.user_id,
            sa.func.aggregate_strings(Training.competency_key, " ").label("keys"),
        )
        .where(Training.competency_key.in_(keys))
        .group_by(Training.user_id)
        .subquery("trained")
    )
    timed = [s for s in loop.sessions if s.starts_at]
    mondays = sorted(
        {
            datetime.combine(t.date() - timedelta(days=t.weekday()), time(), UTC)
            for t in (s.starts_at.astimezone(UTC) for s in timed)
        }
    )
    people = db.session.execute(
        sa.select(
            User.id,
            User.name,
            User.discipline,
            User.weekly_interview_limit,
            trained.c["keys"],
        )
        .outerjoin(trained, trained.c.user_id == User.id)
        .where(User.role == Role.INTERVIEWER, User.is_active.is_(True))
        .order_by(User.id)
    ).all()
    counts = (
        {user_id: n for user_id, *n in db.session.execute(_week_loads(mondays))}
        if mondays
        else {}
    )
    # The week's counts include this loop's own seats (an index-only read) and the
    # interviews listed as busy items: less them, never below none (a page view's
    # statements each see the moment they run: a seat given up since the loop was
    # read is no longer counted).
    less: dict[tuple[int, tuple[int, int]], int] = {}
    for s in timed:
        week = s.starts_at.astimezone(UTC).isocalendar()[:2]
        for seat in active_seats(s):
            if seat.interviewer_id is not None:
                less[seat.interviewer_id, week] = (
                    less.get((seat.interviewer_id, week), 0) + 1
                )
    busy = _busy_near(loop, timed, less)
    iso = [monday.isocalendar()[:2] for monday in mondays]
    nothing = [0] * len(iso)
    conflicts = {c.user_id: c.reason for c in loop.candidate.conflicts}
    members = []
    for user_id, name, discipline, limit, held in people:
        load = tuple(
            (week, n - less.get((user_id, week), 0))
            for week, n in zip(iso, counts.get(user_id, nothing), strict=True)
            if n > less.get((user_id, week), 0)
        )
        members.append(
            pairing.PoolMember(
                id=user_id,
                name=name,
                discipline=str(discipline),
                trained=frozenset(held.split()) if held else frozenset(),
                weekly_limit=limit,
                busy=busy.get(user_id, ()),
                week_load=load,
                conflict=conflicts.get(user_id),
            )
        )
    return members


def _other_seats(loop: Loop) -> tuple:
    """Held seats of other loops' sessions: the seat's copy of its session's start
    (``PanelSeat.starts_at``) has an index holding only seated seats."""
    return (
        PanelSeat.session_id.not_in([s.id for s in loop.sessions]),
        PanelSeat.interviewer_id.is_not(None),
        PanelSeat.removed_at.is_(None),
    )


def _week_loads(mondays: list[datetime]):
    """Each interviewer's held seats starting in each ISO week (UTC) of ``mondays``,
    as ``user_id`` and a count per week in that order: a row per person, not per
    person and week (1,900 rows at scale instead of 4,700). One range of the seats'
    start index per week (an OR of ranges is a full scan on SQLite), read from the
    index alone: the loop's own seats are counted too, and taken out by the caller
    (leaving them out here read every seat's row for its session: 13 ms of SQLite's
    14 at scale). A statement of its own: joined to the people, SQLite scanned a
    week's counts once per person (170 ms at scale)."""
    # Grouped by the id plus 0: by the id alone SQLite walks the interviewer index
    # (it comes sorted) instead of the week's range of the start index.
    who = PanelSeat.interviewer_id + sa.literal_column("0")
    per_week = sa.union_all(
        *(
            sa.select(
                who.label("user_id"),
                sa.literal(n, sa.Integer).label("week"),
                sa.func.count().label("seats"),
            )
            .where(
                PanelSeat.interviewer_id.is_not(None),
                PanelSeat.removed_at.is_(None),
                PanelSeat.starts_at >= monday,
                PanelSeat.starts_at < monday + timedelta(days=7),
            )
            .group_by(who)
            for n, monday in enumerate(mondays)
        )
    ).subquery("per_week")
    return sa.select(
        per_week.c.user_id,
        *(
            # PostgreSQL sums counts as numeric: integers, as SQLite gives.
            sa.cast(
                sa.func.sum(sa.case((per_week.c.week == n, per_week.c.seats), else_=0)),
                sa.Integer,
            )
            for n in range(len(mondays))
        ),
    ).group_by(per_week.c.user_id)


def _busy_near(loop: Loop, timed: list, less: dict) -> dict:
    """Everyone's other interviews that overlap a session of this loop, as tuples of
    ``Busy`` items by interviewer, counted in ``less`` (they count toward their week
    as items). A hospital has thousands of interviews a week: built one object each
    they took most of a second (issue 11). One range of the seats' start index per
    session."""
    if not timed:
        return {}
    starts = PanelSeat.starts_at
    near = sa.union_all(
        *(
            sa.select(
                PanelSeat.id,
                PanelSeat.interviewer_id,
                InterviewSession.loop_id,
                InterviewSession.title,
                starts,
                InterviewSession.duration_minutes,
            )
            .join(InterviewSession, PanelSeat.session_id == InterviewSession.id)
            .where(
                *_other_seats(loop),
                starts > s.starts_at - LONGEST,
                starts < s.ends_at,
                # The session's own start too (the seat's copy of it): without it
                # PostgreSQL guessed a week of sessions might end after s.starts_at
                # and scanned them all in parallel workers (23 ms, now 7 ms).
                InterviewSession.starts_at > s.starts_at - LONGEST,
                InterviewSession.starts_at < s.ends_at,
                InterviewSession.ends_at > s.starts_at,
            )
            for s in timed
        )
    )
    busy: dict[int, tuple[pairing.Busy, ...]] = {}
    listed = set()
    for seat_id, user_id, loop_id, title, starts_at, minutes in db.session.execute(
        near
    ):
        if seat_id in listed:  # near two of this loop's sessions
            continue
        listed.add(seat_id)
        busy[user_id] = (
            *busy.get(user_id, ()),
            pairing.Busy(
                starts_at,
                starts_at + timedelta(minutes=minutes),
                f"loop {loop_id}: {title}",
            ),
        )
        week = (user_id, starts_at.isocalendar()[:2])
        less[week] = less.get(week, 0) + 1
    return busy


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
LONGEST = timedelta(minutes=480)  # no session is longer (a check constraint)


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
