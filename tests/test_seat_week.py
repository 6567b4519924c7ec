"""A seat's copy of its session's start (migration 0013), kept by the database on
every path, and the seat picker's calendar rules read from it: the people it offers
are exactly those assign_seat would accept."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interview.extensions import db
from interview.loops.operations import LoopError, _check_eligible, active_seats
from interview.loops.proposals import eligible_for_seat
from interview.models import (
    Discipline,
    InterviewSession,
    PanelSeat,
    PlanSession,
    Role,
    User,
)
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate
from interview.timeutil import utcnow

from .builders import start_loop
from .rubric_samples import dump, rubric

MONDAY_10 = datetime(2026, 3, 2, 10, tzinfo=UTC)
LOOPS, SESSIONS, PEOPLE = 3, 2, 3


def _loops(manager_id: int) -> list[int]:
    """Loops of two sessions (two clinical seats, one technical each), unscheduled."""
    version = save_rubric(None, validate(dump(rubric())).rubric).version
    plan = [
        PlanSession(title=f"S{i}", competency_keys=["workflow"], clinical_seats=2)
        for i in range(SESSIONS)
    ]
    names = ["Amara Nwosu", "Lukas Becker", "Mei Tanaka"]
    loops = [start_loop(manager_id, version.rubric_id, plan, name) for name in names]
    db.session.commit()
    return [s.id for loop in loops for s in loop.sessions]


def _starts(session_id: int) -> list:
    return db.session.scalars(
        sa.select(PanelSeat.starts_at).where(PanelSeat.session_id == session_id)
    ).all()


def test_seats_take_their_sessions_start_on_every_path(app, make_user):
    """ORM and Core inserts, ORM and Core reschedules, a stray write: the seat's
    start is its session's, None while unscheduled."""
    manager = make_user(Role.HIRING_MANAGER)
    with app.app_context():
        first, second, *_ = _loops(manager.id)
        assert _starts(first) == [None, None, None]
        session = db.session.get(InterviewSession, first)
        session.starts_at = MONDAY_10  # an ORM reschedule
        db.session.commit()
        assert _starts(first) == [MONDAY_10] * 3
        seat = PanelSeat(session=session, discipline=Discipline.CLINICAL)
        db.session.add(seat)  # an ORM insert
        db.session.flush()
        assert seat.starts_at == MONDAY_10
        db.session.execute(  # a Core insert, as the bench and the demo write
            sa.insert(PanelSeat),
            [{"session_id": first, "discipline": Discipline.TECHNICAL}] * 2,
        )
        later = MONDAY_10 + timedelta(days=6, hours=13)
        db.session.execute(  # a Core reschedule
            sa.update(InterviewSession)
            .where(InterviewSession.id == first)
            .values(starts_at=later)
        )
        assert _starts(first) == [later] * 6
        db.session.execute(  # a stray write is corrected
            sa.update(PanelSeat)
            .where(PanelSeat.session_id == first)
            .values(starts_at=MONDAY_10)
        )
        db.session.execute(  # and so is a seat moved to another session
            sa.update(PanelSeat)
            .where(PanelSeat.id == seat.id)
            .values(session_id=second)
        )
        db.session.commit()
        assert _starts(first) == [later] * 5
        assert _starts(second) == [None] * 4
        db.session.get(InterviewSession, second).starts_at = MONDAY_10
        db.session.get(InterviewSession, first).starts_at = None
        db.session.commit()
        assert _starts(second) == [MONDAY_10] * 4
        assert _starts(first) == [None] * 5
        db.session.expire_all()
        assert db.session.get(PanelSeat, seat.id).starts_at == MONDAY_10


# Times either side of two Monday midnights (UTC), so sessions fall in three ISO weeks.
DAYS = [-1, 0, 2, 7]
TIMES = st.sampled_from(
    [None]
    + [
        MONDAY_10.replace(hour=hour, minute=minute) + timedelta(days=day)
        for day in DAYS
        for hour in (9, 10, 23)
        for minute in (0, 30)
    ]
)
SEAT = st.tuples(
    st.just("seat"), st.integers(0, LOOPS * SESSIONS - 1), st.integers(0, 9)
)
STEPS = st.lists(
    st.one_of(
        SEAT,
        SEAT,
        st.tuples(
            st.just("schedule"),
            st.integers(0, LOOPS * SESSIONS - 1),
            TIMES,
            st.sampled_from([30, 60, 120]),
            st.booleans(),  # through Core rather than the ORM
        ),
        st.tuples(
            st.just("unseat"), st.integers(0, LOOPS * SESSIONS - 1), st.integers(0, 9)
        ),
        st.tuples(st.just("limit"), st.integers(0, PEOPLE - 1), st.integers(0, 3)),
    ),
    min_size=5,
    max_size=40,
)


def _apply(step, sessions: list[int], people: list[int]) -> None:
    kind, *args = step
    if kind == "schedule":
        index, starts_at, minutes, core = args
        if core:
            db.session.execute(
                sa.update(InterviewSession)
                .where(InterviewSession.id == sessions[index])
                .values(starts_at=starts_at, duration_minutes=minutes)
            )
            db.session.expire_all()
        else:
            session = db.session.get(InterviewSession, sessions[index])
            session.starts_at, session.duration_minutes = starts_at, minutes
    elif kind == "seat":  # any seat, any limit: the rules are not asked here
        index, person = args
        session = db.session.get(InterviewSession, sessions[index])
        seats = active_seats(session)
        empty = [s for s in seats if s.interviewer_id is None]
        who = people[person % len(people)]
        if empty and all(s.interviewer_id != who for s in seats):
            empty[0].interviewer_id, empty[0].assigned_at = who, utcnow()
    elif kind == "unseat":
        index, which = args
        held = [
            s
            for s in active_seats(db.session.get(InterviewSession, sessions[index]))
            if s.interviewer_id is not None
        ]
        if held:  # as assign_seat does: the seat is closed, a fresh one opened
            seat = held[which % len(held)]
            seat.removed_at = utcnow()
            db.session.add(PanelSeat(session=seat.session, discipline=seat.discipline))
    else:
        person, limit = args
        db.session.get(User, people[person]).weekly_interview_limit = limit
    db.session.flush()


def _accepted(seat: PanelSeat) -> set[int]:
    """Whom assign_seat would seat here (its holder already sits there)."""
    accepted = set()
    for user in db.session.scalars(
        sa.select(User).where(User.role == Role.INTERVIEWER)
    ):
        if user.id == seat.interviewer_id:
            continue
        try:
            _check_eligible(seat, user)
        except LoopError:
            continue
        accepted.add(user.id)
    return accepted


@pytest.fixture
def calendar(app, make_user) -> tuple[list[int], list[int]]:
    """Six unscheduled sessions of three loops, and three clinical interviewers."""
    people = [make_user(name=f"Nurse {i}").id for i in range(PEOPLE)]
    manager = make_user(Role.HIRING_MANAGER)
    with app.app_context():
        db.session.execute(sa.update(User).values(weekly_interview_limit=2))
        return _loops(manager.id), people


@settings(
    max_examples=100,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    times=st.lists(TIMES, min_size=LOOPS * SESSIONS, max_size=LOOPS * SESSIONS),
    seating=st.lists(
        st.integers(0, PEOPLE),
        min_size=3 * LOOPS * SESSIONS,
        max_size=3 * LOOPS * SESSIONS,
    ),
    limits=st.lists(st.integers(0, 3), min_size=PEOPLE, max_size=PEOPLE),
    steps=STEPS,
)
def test_the_picker_offers_whom_assign_seat_accepts(
    app, calendar, times, seating, limits, steps
):
    """Random schedules, seatings (regardless of the rules) and limits, then random
    reschedules, seatings, removals and limit changes: for every clinical seat, the
    picker's people are those assign_seat's rules accept."""
    sessions, people = calendar
    start = [("schedule", i, when, 60, i % 2 == 0) for i, when in enumerate(times)] + [
        ("seat", i // 3, who) for i, who in enumerate(seating) if who < PEOPLE
    ]
    start += [("limit", i, limit) for i, limit in enumerate(limits)]
    with app.app_context():
        try:
            for step in start + steps:
                _apply(step, sessions, people)
            for session_id in sessions:
                session = db.session.get(InterviewSession, session_id)
                assert set(_starts(session_id)) == {session.starts_at}
                for seat in active_seats(session):
                    if seat.discipline != Discipline.CLINICAL:
                        continue
                    offered = db.session.execute(eligible_for_seat(seat, limit=99))
                    assert {row.id for row in offered} == _accepted(seat), steps
        finally:
            db.session.rollback()


def test_a_seat_added_while_its_session_moves_takes_the_new_start(app, make_user):
    """PostgreSQL: one transaction adds a seat to a session while another moves the
    session; whichever commits first, the seat ends with the session's start."""
    manager = make_user(Role.HIRING_MANAGER)
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite runs one writer at a time")
        first, *_ = _loops(manager.id)
        engine = db.engine
    later = MONDAY_10 + timedelta(days=7)
    with engine.connect() as adding, engine.connect() as moving:
        adding.execute(  # the seat's trigger reads the session: its lock is held
            sa.insert(PanelSeat).values(
                session_id=first, discipline=Discipline.CLINICAL
            )
        )
        moving.execute(sa.text("SET lock_timeout = '200ms'"))
        with pytest.raises(sa.exc.OperationalError):  # the move waits for the seat
            moving.execute(
                sa.update(InterviewSession)
                .where(InterviewSession.id == first)
                .values(starts_at=MONDAY_10)
            )
        moving.rollback()
        adding.commit()
        moving.execute(
            sa.update(InterviewSession)
            .where(InterviewSession.id == first)
            .values(starts_at=later)
        )
        moving.commit()
    with app.app_context():
        assert _starts(first) == [later] * 4


# What SQLite's bounded ANALYZE (db.ANALYSIS_LIMIT) wrote for these tables on the
# scale database (bench/scale_data.py: 178,809 seats, 86,319 sessions, 2,065 people):
# the partial index of held seats at 619,837 rows, 3.6 times its size.
SCALE_STATISTICS = [
    ("interview_sessions", "ix_interview_sessions_loop_id", "105060 5"),
    ("interview_sessions", "ix_interview_sessions_starts_at", "341824 2"),
    ("panel_seats", "ix_panel_seats_interviewer_id", "115101 189"),
    ("panel_seats", "ix_panel_seats_session_id", "166740 3"),
    ("panel_seats", "ix_panel_seats_starts_at", "619837 3 2"),
    ("panel_seats", "uq_panel_seats_active_interviewer", "188190 2 1"),
    ("users", "ix_users_listing", "2065 1033 517 1 1"),  # 0030: id added
    ("users", "ix_users_order", "2065 1 1"),
]


def test_the_weeks_load_reads_one_week_of_seats_whatever_the_statistics(
    app, databases, calendar
):
    """SQLite's plan for the picker under the statistics it wrote at scale: the
    week's held seats come from the start-time index, never a walk of every seat in
    interviewer order (440 ms on the scale database, 18 ms by start time)."""
    if databases.name != "sqlite":
        pytest.skip("SQLite's EXPLAIN QUERY PLAN")
    sessions, _ = calendar
    with app.app_context():
        session = db.session.get(InterviewSession, sessions[0])
        session.starts_at = MONDAY_10
        db.session.flush()
        seat = active_seats(session)[0]
        compiled = eligible_for_seat(seat).compile(db.engine)
        params = tuple(
            str(v) if isinstance(v, datetime) else v
            for v in (compiled.params[name] for name in compiled.positiontup)
        )
        connection = db.session.connection()
        connection.exec_driver_sql("ANALYZE")
        connection.exec_driver_sql("DELETE FROM sqlite_stat1")
        for row in SCALE_STATISTICS:
            connection.exec_driver_sql("INSERT INTO sqlite_stat1 VALUES (?, ?, ?)", row)
        connection.exec_driver_sql("ANALYZE sqlite_schema")  # reload them
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params)
        details = " | ".join(row[-1] for row in plan.all())
        db.session.rollback()
    assert "panel_seats USING INDEX ix_panel_seats_starts_at" in details, details
    assert "ix_panel_seats_interviewer_id" not in details, details
