"""Loops with gaps and overdue feedback, stored (issues 14 and 11).

Talent acquisition's "Loops with gaps" names coverage gaps too (a competency of the
loop's rubric that no session covers with a seat of a discipline it needs), as the
plan editor does, and links to the loop. Both that queue and "Overdue feedback" read
each loop's stored state (``loops.has_gaps``, ``loops.feedback_owed_since``:
interview/home/gaps.py, kept by readiness.py's mechanism, migration 0026), which
must always equal what the pure coverage rule and the rows say: after the app's own
operations, under random sequences of changes (a state machine), and after the
migration's backfill."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule, run_state_machine_as_test

from interview.extensions import db
from interview.loops.coverage import plan_gaps
from interview.models import (
    Competency,
    Discipline,
    InterviewSession,
    Loop,
    LoopStatus,
    PanelSeat,
    PlanSession,
    Role,
    Scorecard,
    ScorecardStatus,
)
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate
from interview.timeutil import utcnow

from .builders import start_loop
from .queries import counting_queries
from .rubric_samples import competency, dump, rubric
from .test_home_queues import candidates_in, home, sections
from .test_home_scale import ReadinessMachine

OPEN = (LoopStatus.PLANNED, LoopStatus.INTERVIEWING, LoopStatus.DEBRIEF)
THREE = [
    competency("workflow"),
    competency("privacy", min_level=3),
    competency("regulatory", name="Regulatory navigation"),
]


def _rubric_id() -> int:
    data = rubric(competencies=THREE)
    return save_rubric(None, validate(dump(data)).rubric).version.rubric_id


def _people(make_user) -> dict:
    return {
        "ta": make_user(Role.TALENT_ACQUISITION),
        "manager": make_user(Role.HIRING_MANAGER, name="Mona Manager"),
        "clara": make_user(Role.INTERVIEWER, name="Clara Jensen"),
        "tom": make_user(
            Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="Tom Okafor"
        ),
    }


def _full_loop(people, rubric_id, name, plan, status=LoopStatus.PLANNED) -> int:
    """A loop of ``plan`` with every seat held and every session next week."""
    loop = start_loop(people["manager"].id, rubric_id, plan, name, f"Req {name}")
    for session in loop.sessions:
        session.starts_at = utcnow() + timedelta(days=7)
        for seat in session.seats:
            clinical = seat.discipline == Discipline.CLINICAL
            seat.interviewer_id = people["clara" if clinical else "tom"].id
            seat.assigned_at = utcnow()
    loop.status = status
    db.session.commit()
    return loop.id


def _gaps_queue(client, auth, ta) -> str:
    page = sections(home(client, auth, ta), "talent_acquisition")
    auth.logout()
    return page["Loops with gaps"]


def test_a_competency_no_session_covers_puts_the_loop_in_the_gaps_queue(
    app, client, auth, make_user
):
    """Every seat held and every session timed, but Regulatory navigation heard by
    nobody (Una), or Privacy and Regulatory navigation by no technical interviewer
    (Tess): each is listed with what is not covered, linking to the loop. Cal, who
    has every competency covered, is not. Before, the queue saw only empty seats
    and sessions without a time."""
    people = _people(make_user)
    with app.app_context():
        rubric_id = _rubric_id()
        una = _full_loop(
            people,
            rubric_id,
            "Una Uncovered",
            [PlanSession(title="Case", competency_keys=["workflow", "privacy"])],
        )
        tess = _full_loop(
            people,
            rubric_id,
            "Tess Technical",
            [
                PlanSession(
                    title="Ward round",
                    competency_keys=["workflow", "privacy", "regulatory"],
                    technical_seats=0,
                ),
                PlanSession(
                    title="Systems",
                    competency_keys=["workflow"],
                    clinical_seats=0,
                ),
            ],
        )
        _full_loop(
            people,
            rubric_id,
            "Cal Covered",
            [
                PlanSession(
                    title="All", competency_keys=["workflow", "privacy", "regulatory"]
                )
            ],
        )
    gaps = _gaps_queue(client, auth, people["ta"])
    assert candidates_in(gaps) == {"Una Uncovered", "Tess Technical"}
    assert "2 open loops have an empty seat, a session without a time or a " in gaps
    assert re.search(
        rf'<a href="/loops/{una}">Una Uncovered — Req Una Uncovered</a>\s*'
        r"\(planned\): not covered: Regulatory navigation \(no session covers it\)"
        r"</li>",
        gaps,
    ), gaps
    assert re.search(
        rf'<a href="/loops/{tess}">Tess Technical — Req Tess Technical</a>\s*'
        r"\(planned\): not covered: Privacy \(no technical interviewer\); "
        r"Regulatory navigation \(no technical interviewer\)</li>",
        gaps,
    ), gaps


def test_covering_the_competency_on_the_loop_takes_it_off_the_queue(
    app, client, auth, make_user
):
    """Talent acquisition adds Regulatory navigation to Una's session on the loop
    page: the queue, which read the loop's stored state, says no gap is left. An
    empty seat that also leaves a competency unheard is counted, not named twice."""
    people = _people(make_user)
    with app.app_context():
        rubric_id = _rubric_id()
        plan = [PlanSession(title="Case", competency_keys=["workflow", "privacy"])]
        una = _full_loop(people, rubric_id, "Una Uncovered", plan)
        session_id = db.session.get(Loop, una).sessions[0].id
    assert "Una Uncovered" in _gaps_queue(client, auth, people["ta"])
    auth.login(people["ta"])
    prefix = f"shape-{session_id}-"
    fields = {
        "title": "Case",
        "duration_minutes": "60",
        "competency_keys": ["workflow", "privacy", "regulatory"],
        "clinical_seats": "1",
        "technical_seats": "2",
        "version": "1",  # the session's counter, as its form is drawn (issue 14)
    }
    answer = client.submit(
        f"/loops/{una}/sessions/{session_id}/shape",
        {prefix + k: v for k, v in fields.items()},
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    auth.logout()
    gaps = _gaps_queue(client, auth, people["ta"])
    assert re.search(r"\(planned\):\s*1 empty seat</li>", gaps), gaps
    assert "not covered" not in gaps
    theo = make_user(Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="Theo")
    with app.app_context():  # the new technical seat taken: no gap at all
        seat = next(
            s
            for s in db.session.get(Loop, una).sessions[0].seats
            if s.interviewer_id is None
        )
        seat.interviewer_id = theo.id
        db.session.commit()
    assert "No open loop has a gap" in _gaps_queue(client, auth, people["ta"])


def test_both_queues_find_their_loops_from_loops_alone(app, client, auth, make_user):
    """The statements that find the overdue and the gap queues' loops read the
    stored states (partial indexes on loops), not every open loop's sessions,
    seats and scorecards (5,600 and 10,500 buffers at scale before)."""
    people = _people(make_user)
    with app.app_context():
        rubric_id = _rubric_id()
        plan = [PlanSession(title="Case", competency_keys=["workflow", "privacy"])]
        late = _full_loop(people, rubric_id, "Lou Late", plan, LoopStatus.INTERVIEWING)
        db.session.get(Loop, late).sessions[0].starts_at = utcnow() - timedelta(days=3)
        db.session.commit()
    auth.login(people["ta"])
    with counting_queries(app) as log:
        page = client.get("/").get_data(as_text=True)
    queues = sections(page, "talent_acquisition")
    assert candidates_in(queues["Overdue feedback"]) == {"Lou Late"}
    assert "not covered: Regulatory navigation" in queues["Loops with gaps"]
    finds = [
        s
        for s in log.statements
        if s.startswith("SELECT loops.id \nFROM loops")
        and ("feedback_owed_since" in s or "has_gaps" in s)
    ]
    assert len(finds) == 2, log.statements
    for statement in finds:
        assert "interview_sessions" not in statement, statement
        assert "panel_seats" not in statement and "scorecards" not in statement


# --- the stored state equals the pure rule's, whatever happens ----------------------


def computed(loop: Loop) -> tuple[bool, object]:
    """(has gaps, owes feedback since) from the loop's rows, through the pure
    coverage rule (coverage.plan_gaps), without the SQL of gaps.py."""
    is_open = loop.status in OPEN
    seats = {
        s.id: [seat for seat in s.seats if seat.removed_at is None]
        for s in loop.sessions
    }
    plan = [
        (
            tuple(c.key for c in s.competencies),
            sum(seat.discipline == Discipline.CLINICAL for seat in seats[s.id]),
            sum(seat.discipline == Discipline.TECHNICAL for seat in seats[s.id]),
        )
        for s in loop.sessions
    ]
    competencies = [
        (c.key, c.name, str(c.assessed_by)) for c in loop.rubric_version.competencies
    ]
    gap = (
        any(s.starts_at is None for s in loop.sessions)
        or any(seat.interviewer_id is None for held in seats.values() for seat in held)
        or bool(plan_gaps(competencies, plan))
    )
    owed = [
        s.ends_at
        for s in loop.sessions
        if s.starts_at is not None
        for seat in seats[s.id]
        if seat.interviewer_id is not None
        and not (seat.scorecard and seat.scorecard.status == ScorecardStatus.SUBMITTED)
    ]
    return is_open and gap, (min(owed) if is_open and owed else None)


def assert_gaps_kept(app, loop_ids=None) -> None:
    with app.app_context():
        loops = db.session.scalars(sa.select(Loop).order_by(Loop.id)).all()
        wrong = {
            loop.id: ((loop.has_gaps, loop.feedback_owed_since), computed(loop))
            for loop in loops
            if (loop_ids is None or loop.id in loop_ids)
            and (loop.has_gaps, loop.feedback_owed_since) != computed(loop)
        }
        assert not wrong, f"(stored, computed) differ: {wrong}"


def _shift(session, **delta):
    session.starts_at += timedelta(**delta)


def _empty(session):
    for seat in session.seats:
        seat.interviewer_id = None


CHANGES = {
    "unscheduled": lambda s: setattr(s, "starts_at", None),
    "moved earlier": lambda s: _shift(s, days=-1),
    "made longer": lambda s: setattr(s, "duration_minutes", 90),
    "two competencies dropped": lambda s: setattr(
        s, "competencies", s.competencies[:1]
    ),
    "seats emptied in place": _empty,
}


@pytest.mark.parametrize("change", CHANGES)
def test_each_change_the_states_read_is_kept(app, make_user, change):
    """A loop with every seat held and every competency covered, whose first
    session ended three days ago (feedback owed since then). One change to that
    session at a time, each moving what is stored: the stored state follows it."""
    people = _people(make_user)
    with app.app_context():
        plan = [
            PlanSession(
                title="Past",
                competency_keys=["workflow", "privacy", "regulatory"],
                position=0,
            ),
            PlanSession(title="Next", competency_keys=["workflow"], position=1),
        ]
        loop_id = _full_loop(
            people, _rubric_id(), "Pat Past", plan, LoopStatus.INTERVIEWING
        )
        past = db.session.get(Loop, loop_id).sessions[0]
        past.starts_at = utcnow() - timedelta(days=3)
        db.session.commit()
        loop = db.session.get(Loop, loop_id)
        before = (loop.has_gaps, loop.feedback_owed_since)
        assert before == computed(loop) == (False, past.ends_at)
        CHANGES[change](loop.sessions[0])
        db.session.commit()
        loop = db.session.get(Loop, loop_id)
        assert computed(loop) != before
    assert_gaps_kept(app)


class GapsMachine(ReadinessMachine):
    """The readiness machine's changes (seats added, removed, reseated, deleted;
    scorecards; sessions deleted; statuses) and the ones gaps and owed feedback
    read besides: a session's time, length and competencies, a seat taken or
    emptied in place. The stored gaps and owed feedback must equal the pure rule's
    (and ready for debrief its own)."""

    WHEN = (None, timedelta(days=-3), timedelta(hours=-2), timedelta(days=2))

    def _session(self, loop, session):
        return self._pick(db.session.get(Loop, self.loop_ids[loop]).sessions, session)

    @rule(
        loop=st.integers(0, 1),
        session=st.integers(0, 5),
        when=st.sampled_from(WHEN),
        commit=st.booleans(),
    )
    def set_time(self, loop, session, when, commit):
        from .test_home_scale import NOW

        with self.app.app_context():
            if target := self._session(loop, session):
                target.starts_at = None if when is None else NOW + when
            self._finish(commit)

    @rule(loop=st.integers(0, 1), session=st.integers(0, 5))
    def set_length(self, loop, session):
        with self.app.app_context():
            if target := self._session(loop, session):
                target.duration_minutes = 150 - target.duration_minutes
            db.session.commit()

    @rule(
        loop=st.integers(0, 1),
        session=st.integers(0, 5),
        keys=st.sets(st.sampled_from(["workflow", "privacy"])),
        commit=st.booleans(),
    )
    def set_competencies(self, loop, session, keys, commit):
        with self.app.app_context():
            if target := self._session(loop, session):
                version = target.loop.rubric_version_id
                target.competencies = db.session.scalars(
                    sa.select(Competency).where(
                        Competency.rubric_version_id == version,
                        Competency.key.in_(keys),
                    )
                ).all()
            self._finish(commit)

    @rule(loop=st.integers(0, 1), seat=st.integers(0, 9), holder=st.booleans())
    def hold_in_place(self, loop, seat, holder):
        with self.app.app_context():
            clara = self.people["clara"].id
            if target := self._pick(self._seats(loop), seat):
                seated = {s.interviewer_id for s in self._seats(loop)}
                if not holder:
                    target.interviewer_id = None
                elif clara not in seated:  # once per session: one on the loop
                    target.interviewer_id = clara
            db.session.commit()

    @rule(loop=st.integers(0, 1), session=st.integers(0, 5))
    def add_technical_seat(self, loop, session):
        with self.app.app_context():
            if target := self._session(loop, session):
                target.seats.append(PanelSeat(discipline=Discipline.TECHNICAL))
            db.session.commit()

    @invariant()
    def gaps_equal_computed(self):
        assert_gaps_kept(self.app, self.loop_ids)


def test_any_sequence_of_changes_keeps_gaps_and_owed_feedback_exact(app, make_user):
    GapsMachine.app = app
    GapsMachine.people = {
        **_people(make_user),
        "rita": make_user(Role.INTERVIEWER, name="Rita Former"),
    }
    run_state_machine_as_test(
        GapsMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


# --- the migration's backfill ---------------------------------------------------------


def test_the_migration_backfills_what_the_app_keeps(empty_app):
    """0026 computes every loop's gaps and owed feedback from its rows, as the app
    keeps them: downgraded and upgraded again, the same states, which equal the
    pure rule's."""
    from flask_migrate import downgrade, upgrade

    from interview.models import User

    with empty_app.app_context():
        upgrade()
        people = {}
        for key, role, discipline in (
            ("manager", Role.HIRING_MANAGER, None),
            ("clara", Role.INTERVIEWER, Discipline.CLINICAL),
            ("tom", Role.INTERVIEWER, Discipline.TECHNICAL),
        ):
            people[key] = User(
                email=f"{key}@example.org",
                name=key.title(),
                role=role,
                discipline=discipline,
                password_hash="x",
            )
        db.session.add_all(people.values())
        db.session.flush()
        rubric_id = _rubric_id()
        every = ["workflow", "privacy", "regulatory"]
        some = ["workflow", "privacy"]
        shapes = [  # (name, competencies, status, sessions ago, a card submitted)
            ("Ann Covered", every, LoopStatus.INTERVIEWING, 3, False),
            ("Ben Uncovered", some, LoopStatus.PLANNED, None, False),
            ("Cat Done", every, LoopStatus.DEBRIEF, 3, True),
            ("Dan Decided", some, LoopStatus.DECIDED, 3, False),
            ("Eve Soon", every, LoopStatus.INTERVIEWING, -2, False),
        ]
        loops = []
        for name, keys, status, ago, card in shapes:
            plan = [PlanSession(title="Case", competency_keys=keys)]
            loop = db.session.get(
                Loop, _full_loop(people, rubric_id, name, plan, status)
            )
            loops.append(loop)
            if ago is not None:
                loop.sessions[0].starts_at = utcnow() - timedelta(days=ago)
            for seat in loop.sessions[0].seats if card else []:
                seat.scorecard = Scorecard(
                    interviewer_id=seat.interviewer_id,
                    rubric_version_id=loop.rubric_version_id,
                    status=ScorecardStatus.SUBMITTED,
                    submitted_at=utcnow(),
                )
        # A session without a time on Ann's loop.
        loops[0].sessions.append(InterviewSession(title="Later", position=1))
        db.session.commit()
        assert_gaps_kept(empty_app)
        columns = (Loop.id, Loop.has_gaps, Loop.feedback_owed_since)
        kept = db.session.execute(sa.select(*columns).order_by(Loop.id)).all()
        assert [r[1] for r in kept] == [True, True, False, False, False]
        # Owed from the session's end, past or to come; none once in or closed.
        assert [r[2] is not None for r in kept] == [True, True, False, False, True]
        db.session.remove()
        downgrade(revision="0025_loop_readiness")
        names = [c["name"] for c in sa.inspect(db.engine).get_columns("loops")]
        assert "has_gaps" not in names and "feedback_owed_since" not in names
        upgrade()
        assert db.session.execute(sa.select(*columns).order_by(Loop.id)).all() == kept
        db.session.remove()
