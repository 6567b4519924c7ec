"""Which scorecards the debrief waits for (issue 14): a seat whose interview a
decision cancelled, or one after a withdrawal, is not a scorecard "missing"; the
page and the packet count the same way (the pure rule, synthesis/expected.py)."""

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa

from interview.debrief.documents import packet_html
from interview.debrief.synthesis import SeatIn, count_expected, is_expected
from interview.extensions import db
from interview.loops.operations import (
    assign_seat,
    change_status,
    reopen_loop,
    schedule_session,
)
from interview.models import (
    Discipline,
    InterviewSession,
    Loop,
    LoopStatus,
    OutboxMessage,
    PlanSession,
    Role,
    ScorecardStatus,
    User,
)
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate
from interview.timeutil import utcnow

from .builders import add_scorecard, start_loop
from .rubric_samples import dump, rubric

T = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_the_rule_waits_for_held_seats_whose_interview_happened_or_is_due():
    past = SeatIn(held=True, submitted=False, starts_at=T - HOUR)
    later = SeatIn(held=True, submitted=False, starts_at=T + HOUR)
    untimed = SeatIn(held=True, submitted=False, starts_at=None)
    done = SeatIn(held=True, submitted=True, starts_at=None)
    retired = SeatIn(held=False, submitted=False, starts_at=T - HOUR)
    retired_done = SeatIn(held=False, submitted=True, starts_at=T - HOUR)
    # Open, never decided: everything held is waited on, unscheduled included.
    assert [is_expected(s) for s in (past, later, untimed, done)] == [True] * 4
    assert not is_expected(retired) and not is_expected(retired_done)
    # Decided at T: the cancelled session (its time cleared) is not waited on.
    assert [is_expected(s, T, True) for s in (past, untimed, done)] == [
        True,
        False,
        True,
    ]
    # Withdrawn at T: a session set after it will not take place.
    assert not is_expected(later, T)
    assert is_expected(past, T)
    # Reopened (open again, a decision on record): a cancelled session stays so.
    assert not is_expected(untimed, None, True)
    assert is_expected(later, None, True)
    seats = [past, later, untimed, done, retired, retired_done]
    assert count_expected(seats) == 4
    assert count_expected(seats, T, True) == 2


NEXT_WEEK = (utcnow() + timedelta(days=7)).strftime("%Y-%m-%dT10:00")
LAST_WEEK = (utcnow() - timedelta(days=7)).strftime("%Y-%m-%dT10:00")
RATIONALE = "Strong on every competency the panel heard so far."


@pytest.fixture
def team(app, make_user):
    """A loop in debrief: Workflow last week (both submitted), Privacy next week
    (Clara and Theo seated, Clara's draft begun)."""
    ta = make_user(Role.TALENT_ACQUISITION, name="Tess Acquisition")
    manager = make_user(Role.HIRING_MANAGER, name="Mona Manager")
    clara = make_user(Role.INTERVIEWER, discipline=Discipline.CLINICAL, name="Clara")
    theo = make_user(Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="Theo")
    with app.app_context():
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        keys = ["workflow", "privacy"]
        plan = [
            PlanSession(title="Workflow", competency_keys=keys),
            PlanSession(title="Privacy review", competency_keys=keys, position=1),
        ]
        loop = start_loop(manager.id, version.rubric_id, plan, candidate="Amara Nwosu")
        db.session.commit()
        actor = db.session.get(User, ta.id)
        for session, when in zip(loop.sessions, (LAST_WEEK, NEXT_WEEK), strict=True):
            for seat in list(session.seats):
                person = clara if seat.discipline == Discipline.CLINICAL else theo
                assign_seat(actor, seat, db.session.get(User, person.id))
            schedule_session(
                actor,
                session,
                {
                    "time_zone": "Europe/Berlin",
                    "starts_local": when,
                    "duration_minutes": 60,
                    "location": "Room 4",
                    "video_url": "",
                },
            )
        db.session.commit()
        past, future = loop.sessions
        for seat in _held(past):
            add_scorecard(
                seat.id,
                seat.interviewer_id,
                status=ScorecardStatus.SUBMITTED,
                submitted_at=utcnow() - timedelta(days=6),
            )
        seat = next(s for s in _held(future) if s.interviewer_id == clara.id)
        add_scorecard(seat.id, clara.id, summary="DRAFT-STAYS")
        for target in ("interviewing", "debrief"):
            change_status(actor, db.session.get(Loop, loop.id), target)
        db.session.commit()
        return {"ta": ta, "manager": manager, "loop": loop.id, "future": future.id}


def _held(session):
    return [s for s in session.seats if s.removed_at is None and s.interviewer_id]


def _counts(app, client, loop_id) -> tuple[str, str]:
    """The debrief page's count line and the packet cover's Scorecards entry."""
    page = client.get(f"/loops/{loop_id}/debrief").get_data(as_text=True)
    line = page.split('id="loop-status"')[1].split("</p>")[0]
    with app.app_context():
        html = packet_html(db.session.get(Loop, loop_id))
    cover = html.split("<dt>Scorecards</dt><dd>")[1].split("</dd>")[0]
    return " ".join(line.split()), cover


def test_a_session_the_decision_cancelled_is_not_a_missing_scorecard(
    app, client, auth, team
):
    auth.login(team["manager"])
    line, cover = _counts(app, client, team["loop"])
    # Before the decision the interview next week is due: its two are missing.
    assert "2 of 4 scorecards submitted, 2 missing" in line
    assert cover == "2 of 4 submitted, 2 missing"
    with app.app_context():
        sequence = db.session.get(InterviewSession, team["future"]).schedule_sequence
    decided = client.submit(
        f"/loops/{team['loop']}/decision",
        {
            "outcome": "hire",
            "rationale": RATIONALE,
            "confirm": "y",
            "sessions": f"{team['future']}:{sequence}",
        },
    )
    assert decided.status_code == 302
    with app.app_context():
        loop = db.session.get(Loop, team["loop"])
        assert loop.status == LoopStatus.DECIDED
        assert db.session.get(InterviewSession, team["future"]).starts_at is None
    line, cover = _counts(app, client, team["loop"])
    assert "2 of 2 scorecards submitted" in line and "missing" not in line
    assert cover == "2 of 2 submitted"


def test_reopened_the_manager_is_told_the_scorecards_are_in(app, client, auth, team):
    """The debrief-ready email of a reopened loop counts as the page does: the
    session the decision cancelled is not two scorecards missing."""
    auth.login(team["manager"])
    with app.app_context():
        sequence = db.session.get(InterviewSession, team["future"]).schedule_sequence
    client.submit(
        f"/loops/{team['loop']}/decision",
        {
            "outcome": "hold",
            "rationale": RATIONALE,
            "confirm": "y",
            "sessions": f"{team['future']}:{sequence}",
        },
    )
    with app.app_context():
        loop = db.session.get(Loop, team["loop"])
        assert loop.status == LoopStatus.DECIDED
        reopen_loop(db.session.get(User, team["ta"].id), loop, "References came in.")
        db.session.commit()
        row = db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.key.like(f"debrief:{team['loop']}:%"))
            .order_by(OutboxMessage.id.desc())
        ).first()
        message = message_from_bytes(row.message, policy=policy.default)
    assert (
        message["Subject"].strip() == "Ready for debrief: Amara Nwosu for EHR analyst"
    )
    line, cover = _counts(app, client, team["loop"])
    assert "2 of 2 scorecards submitted" in line and "missing" not in line
    assert cover == "2 of 2 submitted"


def test_a_withdrawn_loop_does_not_wait_for_interviews_after_it(
    app, client, auth, team
):
    with app.app_context():
        actor = db.session.get(User, team["ta"].id)
        change_status(actor, db.session.get(Loop, team["loop"]), "withdrawn")
        db.session.commit()
    auth.login(team["ta"])
    line, cover = _counts(app, client, team["loop"])
    assert "2 of 2 scorecards submitted" in line and "missing" not in line
    assert cover == "2 of 2 submitted"
