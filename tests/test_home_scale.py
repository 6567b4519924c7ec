"""Ready for debrief at scale (issue 11): talent acquisition's queue reads the loops'
stored state (``loops.ready_for_debrief``, interview/home/readiness.py) instead of
probing every interviewing loop's seats, so that state must always equal the one
computed from the rows: after the app's own operations, under random sequences of
changes (a state machine), and when two interviewers submit a loop's last two
scorecards at the same moment on PostgreSQL."""

import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy.orm import Session

from interview.extensions import db
from interview.home import readiness
from interview.loops.operations import LoopError, assign_seat, change_status
from interview.models import (
    Discipline,
    InterviewSession,
    Loop,
    LoopStatus,
    PanelSeat,
    PlanSession,
    Role,
    Scorecard,
    ScorecardStatus,
    User,
)
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate

from .builders import start_loop
from .queries import counting_queries
from .rubric_samples import dump, rubric
from .tabs import Tab
from .test_home_queues import (
    FULL,
    PAST,
    D,
    S,
    candidates_in,
    home,
    make_loop,
    sections,
)


@pytest.fixture
def people(make_user):
    return {
        "ta": make_user(Role.TALENT_ACQUISITION),
        "manager": make_user(Role.HIRING_MANAGER, name="Mona Manager"),
        "clara": make_user(Role.INTERVIEWER, name="Clara Jensen"),
        "tom": make_user(
            Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="Tom Okafor"
        ),
        "rita": make_user(
            Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="Rita Former"
        ),
    }


@pytest.fixture
def rubric_id(app):
    with app.app_context():
        rubric_id = save_rubric(None, validate(dump(rubric())).rubric).version.rubric_id
        db.session.commit()
        return rubric_id


def stored_and_computed() -> dict[int, tuple[bool, bool]]:
    """Per loop: (its stored state, the state computed from its rows now)."""
    rows = db.session.execute(
        sa.select(Loop.id, Loop.ready_for_debrief, readiness.ready())
    ).all()
    return {loop_id: (bool(kept), bool(now)) for loop_id, kept, now in rows}


def assert_kept(app, loop_ids=None) -> None:
    with app.app_context():
        states = stored_and_computed()
        wrong = {
            i: s
            for i, s in states.items()
            if s[0] != s[1] and (loop_ids is None or i in loop_ids)
        }
        assert not wrong, f"(stored, computed) differ: {wrong}"


def ready_queue(client, auth, ta) -> set[str]:
    page = sections(home(client, auth, ta), "talent_acquisition")
    auth.logout()
    return candidates_in(page["Ready for debrief"])


def test_the_ready_queue_reads_the_stored_state_not_every_loops_seats(
    app, client, auth, people, rubric_id
):
    """One statement finds the queue's ids from loops alone (ix_loops_ready): it
    probed every interviewing loop's sessions, seats and scorecards before."""
    make_loop(
        app, people, rubric_id, "Dee Ready", LoopStatus.INTERVIEWING, [FULL_PAST] * 2
    )
    auth.login(people["ta"])
    with counting_queries(app) as log:
        page = client.get("/").get_data(as_text=True)
    assert candidates_in(sections(page, "talent_acquisition")["Ready for debrief"]) == {
        "Dee Ready"
    }
    ready = [s for s in log.statements if "WHERE loops.ready_for_debrief" in s]
    assert len(ready) == 1, log.statements
    assert "panel_seats" not in ready[0] and "scorecards" not in ready[0], ready


FULL_PAST = (PAST, *FULL)


def _seat_of(loop_id: int, session: int, discipline: Discipline) -> PanelSeat:
    loop = db.session.get(Loop, loop_id)
    return next(
        s
        for s in loop.sessions[session].seats
        if s.discipline == discipline and s.removed_at is None
    )


def test_the_queue_follows_the_apps_own_operations(
    app, client, auth, people, rubric_id
):
    """Submitting the last scorecard (the kit), reseating a seat, moving the loop on
    and back: the queue says what the rows say after each."""
    almost = [FULL_PAST, (PAST, ("clara", D), ("tom", S))]
    loop_id = make_loop(
        app, people, rubric_id, "Ivy Almost", LoopStatus.INTERVIEWING, almost
    )
    ta = people["ta"]
    assert ready_queue(client, auth, ta) == set()
    with app.app_context():
        seat_id = _seat_of(loop_id, 1, Discipline.CLINICAL).id
    auth.login(people["clara"])
    submitted = Tab(client, seat_id).post(submit="y")
    assert submitted.status_code == 302, submitted.get_data(as_text=True)
    auth.logout()
    assert ready_queue(client, auth, ta) == {"Ivy Almost"}
    assert_kept(app)

    with app.app_context():  # Tom's seat goes to Rita: a fresh seat, no scorecard
        actor = db.session.get(User, ta.id)
        seat = _seat_of(loop_id, 0, Discipline.TECHNICAL)
        assign_seat(actor, seat, db.session.get(User, people["rita"].id))
        db.session.commit()
    assert ready_queue(client, auth, ta) == set()
    assert_kept(app)

    with app.app_context():  # Rita's seat emptied again: still one to come
        actor = db.session.get(User, ta.id)
        assign_seat(actor, _seat_of(loop_id, 0, Discipline.TECHNICAL), None)
        db.session.commit()
    assert ready_queue(client, auth, ta) == set()
    assert_kept(app)


def test_a_status_change_moves_a_loop_out_of_the_queue_and_back(
    app, client, auth, people, rubric_id
):
    loop_id = make_loop(
        app, people, rubric_id, "Dee Ready", LoopStatus.INTERVIEWING, [FULL_PAST] * 2
    )
    ta = people["ta"]
    assert ready_queue(client, auth, ta) == {"Dee Ready"}
    for target, expected in (
        (LoopStatus.DEBRIEF, set()),
        (LoopStatus.INTERVIEWING, {"Dee Ready"}),
    ):
        with app.app_context():
            actor = db.session.get(User, ta.id)
            change_status(actor, db.session.get(Loop, loop_id), target.value)
            db.session.commit()
        assert ready_queue(client, auth, ta) == expected
        assert_kept(app)


def test_a_rolled_back_change_leaves_the_state_as_committed(app, people, rubric_id):
    loop_id = make_loop(
        app, people, rubric_id, "Dee Ready", LoopStatus.INTERVIEWING, [FULL_PAST] * 2
    )
    with app.app_context():
        seat = _seat_of(loop_id, 0, Discipline.CLINICAL)
        seat.scorecard.status = ScorecardStatus.DRAFT
        db.session.flush()
        db.session.rollback()
        db.session.get(Loop, loop_id).status = LoopStatus.INTERVIEWING  # no change
        db.session.commit()
        assert db.session.get(Loop, loop_id).ready_for_debrief
    assert_kept(app)


def test_rebuild_puts_right_what_a_core_write_went_around(app, people, rubric_id):
    """bench/scale_data.py writes rows with Core, as a restore of rows would: the
    rebuild (which it runs after its load) computes every loop again."""
    loop_id = make_loop(
        app, people, rubric_id, "Dee Ready", LoopStatus.INTERVIEWING, [FULL_PAST] * 2
    )
    with app.app_context():
        session_id = db.session.get(Loop, loop_id).sessions[0].id
        db.session.execute(
            sa.insert(PanelSeat).values(
                session_id=session_id, discipline=Discipline.CLINICAL
            )
        )
        db.session.commit()
        assert stored_and_computed()[loop_id] == (True, False)
        readiness.rebuild(db.session)
        db.session.commit()
    assert_kept(app)


# --- random sequences of changes ------------------------------------------------------

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
STATUSES = list(LoopStatus)


class ReadinessMachine(RuleBasedStateMachine):
    """Two loops of two sessions each; every rule changes rows through the ORM as
    the app's operations do (seats added, removed, emptied, deleted; scorecards
    written, submitted, taken back, deleted; sessions deleted; statuses changed),
    commits or rolls back, and the stored state must equal the computed one."""

    app = None
    people = None

    @initialize()
    def make_loops(self):
        with self.app.app_context():
            version = save_rubric(None, validate(dump(rubric())).rubric).version
            self.loop_ids = []
            for n in range(2):
                plan = [
                    PlanSession(title="One", competency_keys=["workflow"]),
                    PlanSession(title="Two", competency_keys=["privacy"]),
                ]
                loop = start_loop(
                    self.people["manager"].id,
                    version.rubric_id,
                    plan,
                    candidate=f"Cand {n}idate",
                    title=f"Req {n}",
                )
                loop.status = LoopStatus.INTERVIEWING
                for session in loop.sessions:
                    session.starts_at = NOW
                db.session.commit()
                self.loop_ids.append(loop.id)

    # --- helpers ------------------------------------------------------------------

    def _seats(self, loop_n: int, active=True) -> list[PanelSeat]:
        query = (
            sa.select(PanelSeat)
            .join(InterviewSession)
            .where(InterviewSession.loop_id == self.loop_ids[loop_n])
            .order_by(PanelSeat.id)
        )
        if active:
            query = query.where(PanelSeat.removed_at.is_(None))
        return db.session.scalars(query).all()

    def _pick(self, items, i):
        return items[i % len(items)] if items else None

    def _finish(self, commit: bool) -> None:
        if commit:
            db.session.commit()
        else:
            db.session.rollback()

    # --- rules --------------------------------------------------------------------

    @rule(loop=st.integers(0, 1), session=st.integers(0, 5), commit=st.booleans())
    def add_seat(self, loop, session, commit):
        with self.app.app_context():
            sessions = db.session.get(Loop, self.loop_ids[loop]).sessions
            if target := self._pick(sessions, session):
                target.seats.append(PanelSeat(discipline=Discipline.CLINICAL))
            self._finish(commit)

    @rule(loop=st.integers(0, 1), seat=st.integers(0, 9), commit=st.booleans())
    def remove_seat(self, loop, seat, commit):
        with self.app.app_context():
            if target := self._pick(self._seats(loop), seat):
                target.removed_at = NOW
            self._finish(commit)

    @rule(loop=st.integers(0, 1), seat=st.integers(0, 9), holder=st.booleans())
    def reseat(self, loop, seat, holder):
        """The app's reseating: the seat is marked removed and a fresh one opens."""
        with self.app.app_context():
            if target := self._pick(self._seats(loop), seat):
                actor = db.session.get(User, self.people["ta"].id)
                who = db.session.get(User, self.people["clara"].id) if holder else None
                try:
                    assign_seat(actor, target, who)
                except LoopError:  # refused: a closed loop, the other discipline
                    db.session.rollback()
                    return
            db.session.commit()

    @rule(loop=st.integers(0, 1), seat=st.integers(0, 9))
    def delete_empty_seat(self, loop, seat):
        with self.app.app_context():
            seats = [s for s in self._seats(loop) if s.scorecard is None]
            if target := self._pick(seats, seat):
                target.session.seats.remove(target)
                db.session.delete(target)
            db.session.commit()

    @rule(
        loop=st.integers(0, 1),
        seat=st.integers(0, 9),
        status=st.sampled_from([ScorecardStatus.DRAFT, ScorecardStatus.SUBMITTED]),
        commit=st.booleans(),
    )
    def write_scorecard(self, loop, seat, status, commit):
        with self.app.app_context():
            seats = [s for s in self._seats(loop, active=False) if s.scorecard is None]
            if target := self._pick(seats, seat):
                db.session.add(
                    Scorecard(
                        seat=target,
                        interviewer_id=self.people["clara"].id,
                        rubric_version_id=target.session.loop.rubric_version_id,
                        status=status,
                        submitted_at=NOW,
                    )
                )
            self._finish(commit)

    @rule(loop=st.integers(0, 1), commit=st.booleans())
    def submit_every_scorecard(self, loop, commit):
        """Every active seat's scorecard in (written if missing): the loop becomes
        ready if interviewing, which the other rules then undo in their ways."""
        with self.app.app_context():
            for seat in self._seats(loop):
                if seat.scorecard is None:
                    seat.scorecard = Scorecard(
                        interviewer_id=self.people["clara"].id,
                        rubric_version_id=seat.session.loop.rubric_version_id,
                    )
                seat.scorecard.status = ScorecardStatus.SUBMITTED
                seat.scorecard.submitted_at = NOW
            self._finish(commit)

    @rule(loop=st.integers(0, 1), seat=st.integers(0, 9), commit=st.booleans())
    def toggle_scorecard(self, loop, seat, commit):
        """Submitted, or taken back to draft (a reopened or corrected scorecard)."""
        with self.app.app_context():
            seats = [s for s in self._seats(loop, active=False) if s.scorecard]
            if target := self._pick(seats, seat):
                card = target.scorecard
                card.submitted_at = NOW
                card.status = (
                    ScorecardStatus.DRAFT
                    if card.status == ScorecardStatus.SUBMITTED
                    else ScorecardStatus.SUBMITTED
                )
            self._finish(commit)

    @rule(loop=st.integers(0, 1), seat=st.integers(0, 9))
    def delete_scorecard(self, loop, seat):
        with self.app.app_context():
            seats = [s for s in self._seats(loop, active=False) if s.scorecard]
            if target := self._pick(seats, seat):
                db.session.delete(target.scorecard)
            db.session.commit()

    @rule(loop=st.integers(0, 1), session=st.integers(0, 5))
    def delete_session(self, loop, session):
        """As remove_session does: its seats, then the session (scorecards first
        here, which the app refuses to lose, to reach every shape)."""
        with self.app.app_context():
            owner = db.session.get(Loop, self.loop_ids[loop])
            if target := self._pick(owner.sessions, session):
                for seat in list(target.seats):
                    if seat.scorecard is not None:
                        db.session.delete(seat.scorecard)
                    db.session.delete(seat)
                owner.sessions.remove(target)
                db.session.delete(target)
            db.session.commit()

    @rule(loop=st.integers(0, 1), status=st.sampled_from(STATUSES))
    def set_status(self, loop, status):
        with self.app.app_context():
            db.session.get(Loop, self.loop_ids[loop]).status = status
            db.session.commit()

    @rule(loop=st.integers(0, 1), seat=st.integers(0, 9), other=st.integers(0, 9))
    def two_changes_in_one_commit(self, loop, seat, other):
        """A submission and a seat added elsewhere, flushed apart, one commit."""
        with self.app.app_context():
            seats = [s for s in self._seats(loop) if s.scorecard]
            if target := self._pick(seats, seat):
                target.scorecard.submitted_at = NOW
                target.scorecard.status = ScorecardStatus.SUBMITTED
                db.session.flush()
            sessions = db.session.get(Loop, self.loop_ids[1 - loop]).sessions
            if session := self._pick(sessions, other):
                session.seats.append(PanelSeat(discipline=Discipline.TECHNICAL))
            db.session.commit()

    @invariant()
    def stored_equals_computed(self):
        assert_kept(self.app, self.loop_ids)


def test_any_sequence_of_changes_keeps_the_stored_state_exact(app, people):
    ReadinessMachine.app = app
    ReadinessMachine.people = people
    run_state_machine_as_test(
        ReadinessMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


# --- two last scorecards at once -----------------------------------------------------


def test_the_last_two_scorecards_submitted_at_once_leave_the_loop_ready(
    app, people, rubric_id, monkeypatch
):
    """READ COMMITTED: each transaction computes the loop without the other's
    uncommitted scorecard. The first holds its loop's lock until it commits (slowed
    here between its computation and its commit); the second waits for it, then
    reads both. Without the lock both would store "not ready"."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite runs one writer at a time")
        engine = db.engine
    both_drafts = [(PAST, ("clara", D), ("tom", S)), (PAST, ("clara", S), ("tom", D))]
    loop_id = make_loop(
        app, people, rubric_id, "Two Last", LoopStatus.INTERVIEWING, both_drafts
    )
    with app.app_context():
        cards = [
            _seat_of(loop_id, 0, Discipline.CLINICAL).scorecard.id,
            _seat_of(loop_id, 1, Discipline.TECHNICAL).scorecard.id,
        ]
    first, second = Session(engine), Session(engine)
    computed = threading.Event()
    refresh = readiness.refresh

    def slow_refresh(session, loop_ids=None):
        refresh(session, loop_ids)
        if session is first:
            computed.set()
            threading.Event().wait(0.5)

    monkeypatch.setattr(readiness, "refresh", slow_refresh)
    try:
        for session, card_id in zip((first, second), cards, strict=True):
            card = session.get(Scorecard, card_id)
            card.status, card.submitted_at = ScorecardStatus.SUBMITTED, NOW
            session.flush()  # both submitted, neither committed
        committing = threading.Thread(target=first.commit)
        committing.start()
        assert computed.wait(10)
        second.commit()
        committing.join(10)
    finally:
        first.close()
        second.close()
    with app.app_context():
        assert stored_and_computed()[loop_id] == (True, True)
