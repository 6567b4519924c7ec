"""What queues a message: seating, scheduling, withdrawing, debrief and decisions
each queue exactly one message per person per event, in the change's transaction,
and no message carries evidence, ratings or a candidate's contact details."""

from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from interview.debrief.operations import record_decision
from interview.extensions import db
from interview.loops.operations import (
    LoopError,
    assign_seat,
    change_status,
    remove_session,
    reopen_loop,
    schedule_session,
    update_session,
)
from interview.models import (
    Discipline,
    InterviewSession,
    Loop,
    OutboxMessage,
    OutboxStatus,
    PanelSeat,
    PlanSession,
    Role,
    User,
)
from interview.notify.due import queue_due
from interview.notify.triggers import calendar_uid
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate
from interview.timeutil import utcnow

from .builders import add_scorecard, start_loop
from .rubric_samples import dump, rubric

NEXT_WEEK = (utcnow() + timedelta(days=7)).strftime("%Y-%m-%dT10:00")
LATER = (utcnow() + timedelta(days=8)).strftime("%Y-%m-%dT15:30")


@pytest.fixture
def team(app, make_user):
    ta = make_user(Role.TALENT_ACQUISITION, name="Tess Acquisition")
    ta2 = make_user(Role.TALENT_ACQUISITION, name="Tom Acquisition")
    make_user(Role.TALENT_ACQUISITION, name="Gone Away", is_active=False)
    manager = make_user(Role.HIRING_MANAGER, name="Mona Manager")
    clara = make_user(Role.INTERVIEWER, discipline=Discipline.CLINICAL, name="Clara")
    cleo = make_user(Role.INTERVIEWER, discipline=Discipline.CLINICAL, name="Cleo")
    theo = make_user(Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="Theo")
    with app.app_context():
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        keys = ["workflow", "privacy"]
        plan = [PlanSession(title="Workflow", competency_keys=keys)]
        loop = start_loop(manager.id, version.rubric_id, plan, candidate="Amara Nwosu")
        candidate = loop.candidate
        candidate.email = "amara.private@mail.example"
        candidate.phone = "+1 555 0142"
        db.session.commit()
        loop_id, session_id = loop.id, loop.sessions[0].id
    return {
        "ta": ta,
        "ta2": ta2,
        "manager": manager,
        "clara": clara,
        "cleo": cleo,
        "theo": theo,
        "loop_id": loop_id,
        "session_id": session_id,
    }


class Outbox:
    """What was queued since the last look."""

    def __init__(self):
        self.seen = 0

    def new(self) -> list[tuple[str, str, object]]:
        rows = db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.id > self.seen)
            .order_by(OutboxMessage.id)
        ).all()
        if rows:
            self.seen = rows[-1].id
        found = [
            (r.key, r.recipient, message_from_bytes(r.message, policy=policy.default))
            for r in rows
        ]
        # Outside a request the read began SQLite's write lock (db.py): let it go,
        # or a request made next waits out the busy timeout (a sign-in took 30 s).
        db.session.rollback()
        return found


@pytest.fixture
def outbox(app):
    with app.app_context():
        yield Outbox()


def _event(message):
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(part.get_content())
    (event,) = calendar.walk("VEVENT")
    return calendar["METHOD"], str(event["UID"]), event.decoded("SEQUENCE")


def _user(person) -> User:
    return db.session.get(User, person.id)


def _session(team) -> InterviewSession:
    return db.session.get(InterviewSession, team["session_id"])


def _seat(team, discipline: Discipline) -> PanelSeat:
    return next(
        s
        for s in _session(team).seats
        if s.discipline == discipline and s.removed_at is None
    )


def _schedule(team, when: str | None = NEXT_WEEK, minutes: int = 60) -> None:
    schedule_session(
        _user(team["ta"]),
        _session(team),
        {
            "time_zone": "Europe/Berlin",
            "starts_local": when or "",
            "duration_minutes": minutes,
            "location": "Room 4",
            "video_url": "",
        },
    )
    db.session.commit()


def _seat_with(team, discipline: Discipline, person) -> None:
    assign_seat(
        _user(team["ta"]),
        _seat(team, discipline),
        _user(person) if person else None,
    )
    db.session.commit()


def _mark_sent() -> None:
    """As notify run would leave what was queued."""
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.QUEUED)
        .values(status=OutboxStatus.SENT, sent_at=utcnow())
    )
    db.session.commit()


def _status(team, target: str) -> None:
    change_status(_user(team["ta"]), db.session.get(Loop, team["loop_id"]), target)
    db.session.commit()


def test_seating_an_unscheduled_session_sends_nothing(team, outbox):
    _seat_with(team, Discipline.CLINICAL, team["clara"])
    assert outbox.new() == []


def test_scheduling_invites_each_seated_interviewer_once(team, outbox):
    _seat_with(team, Discipline.CLINICAL, team["clara"])
    _seat_with(team, Discipline.TECHNICAL, team["theo"])
    _schedule(team)
    queued = outbox.new()
    assert sorted(to for _, to, _ in queued) == sorted(
        [team["clara"].email, team["theo"].email]
    )
    methods = {_event(message) for _, _, message in queued}
    uid = calendar_uid(team["session_id"])
    assert methods == {("REQUEST", uid, 1)}
    subjects = [m["Subject"].strip() for *_, m in queued]  # unfolded
    assert all(s.startswith("Interview: Amara Nwosu") for s in subjects), subjects

    _mark_sent()  # they went: a move is an update for their calendars
    _schedule(team, LATER)  # moved: one update each, same UID, higher sequence
    moved = outbox.new()
    assert len(moved) == 2
    assert {_event(m) for *_, m in moved} == {("REQUEST", uid, 2)}
    assert all(m["Subject"].strip().startswith("Updated interview:") for *_, m in moved)

    _schedule(team, None)  # no time any more: cancelled for both
    gone = outbox.new()
    assert len(gone) == 2
    assert {_event(m) for *_, m in gone} == {("CANCEL", uid, 3)}


def test_changing_a_seat_cancels_for_one_and_invites_the_other(team, outbox):
    _schedule(team)
    _seat_with(team, Discipline.CLINICAL, team["clara"])
    ((key, to, message),) = outbox.new()
    first_seat = _seat(team, Discipline.CLINICAL).id
    assert (key, to) == (f"invite:{first_seat}:2", team["clara"].email)
    assert _event(message)[0] == "REQUEST"
    assert f"/interviews/{first_seat}" in message.get_body(("plain",)).get_content()
    _seat_with(team, Discipline.CLINICAL, team["clara"])  # the same person: nothing
    assert outbox.new() == []

    _seat_with(team, Discipline.CLINICAL, team["cleo"])
    queued = outbox.new()
    assert [(to, _event(m)[0]) for _, to, m in queued] == [
        (team["clara"].email, "CANCEL"),
        (team["cleo"].email, "REQUEST"),
    ]
    sequences = {_event(m)[2] for *_, m in queued}
    assert sequences == {3}  # above Clara's invitation: her calendar drops it

    _seat_with(team, Discipline.CLINICAL, None)  # emptied: Cleo's is cancelled
    ((_, to, message),) = outbox.new()
    assert (to, _event(message)[0]) == (team["cleo"].email, "CANCEL")


def test_a_past_session_sends_no_calendar_message(team, outbox):
    _schedule(team, (utcnow() - timedelta(days=2)).strftime("%Y-%m-%dT10:00"))
    _seat_with(team, Discipline.CLINICAL, team["clara"])
    assert outbox.new() == []


def test_a_longer_session_updates_calendars(team, outbox):
    _seat_with(team, Discipline.CLINICAL, team["clara"])
    _schedule(team)
    outbox.new()
    update_session(
        _user(team["ta"]),
        _session(team),
        {
            "title": "Workflow",
            "competency_keys": ["workflow", "privacy"],
            "duration_minutes": 90,
            "clinical_seats": 1,
            "technical_seats": 1,
        },
    )
    db.session.commit()
    ((_, to, message),) = outbox.new()
    assert to == team["clara"].email
    assert _event(message) == ("REQUEST", calendar_uid(team["session_id"]), 2)


def test_removing_the_session_cancels_it(team, outbox):
    _seat_with(team, Discipline.CLINICAL, team["clara"])
    _schedule(team)
    outbox.new()
    remove_session(_user(team["ta"]), _session(team))
    db.session.commit()
    ((_, to, message),) = outbox.new()
    assert (to, _event(message)[0]) == (team["clara"].email, "CANCEL")


def test_withdrawing_cancels_and_planning_again_invites(team, outbox):
    _seat_with(team, Discipline.CLINICAL, team["clara"])
    _seat_with(team, Discipline.TECHNICAL, team["theo"])
    _schedule(team)
    outbox.new()
    _status(team, "withdrawn")
    cancelled = outbox.new()
    assert len(cancelled) == 2
    assert {_event(m)[0] for *_, m in cancelled} == {"CANCEL"}
    assert all(
        "The loop was withdrawn." in m.get_body(("plain",)).get_content()
        for *_, m in cancelled
    )
    _status(team, "planned")
    again = outbox.new()
    assert len(again) == 2
    assert {_event(m)[::2] for *_, m in again} == {("REQUEST", 3)}


def test_a_refused_change_queues_nothing(team, outbox):
    _seat_with(team, Discipline.CLINICAL, team["clara"])
    _seat_with(team, Discipline.TECHNICAL, team["theo"])
    _schedule(team)
    _status(team, "interviewing")
    outbox.new()
    # Its cancellations are queued, then the gap it leaves refuses the removal.
    with pytest.raises(LoopError, match="gap"):
        remove_session(_user(team["ta"]), _session(team))
    db.session.rollback()
    assert outbox.new() == []


def test_debrief_tells_the_manager_once_per_move(team, outbox):
    _seat_with(team, Discipline.CLINICAL, team["clara"])
    _seat_with(team, Discipline.TECHNICAL, team["theo"])
    _status(team, "interviewing")
    assert outbox.new() == []
    _status(team, "debrief")
    ((key, to, message),) = outbox.new()
    assert to == team["manager"].email
    # Issue 14, fresh-user test: moved with no scorecard in, it said "ready".
    assert message["Subject"].strip() == (
        "In debrief, 2 of 2 scorecards missing: Amara Nwosu for EHR analyst"
    )
    body = message.get_body(("plain",)).get_content()
    assert "ready" not in body
    assert "moved to debrief with 0 of 2 scorecards submitted; 2 are missing" in (
        " ".join(body.split())
    )
    assert f"http://127.0.0.1:5000/loops/{team['loop_id']}/debrief" in body
    _status(team, "interviewing")
    assert outbox.new() == []
    _status(team, "debrief")
    ((again, to, _),) = outbox.new()
    assert to == team["manager"].email and again != key


def test_a_decision_tells_each_active_talent_acquisition_member(team, outbox):
    _seat_with(team, Discipline.CLINICAL, team["clara"])
    _seat_with(team, Discipline.TECHNICAL, team["theo"])
    _status(team, "interviewing")
    _status(team, "debrief")
    outbox.new()
    loop = db.session.get(Loop, team["loop_id"])
    record_decision(
        _user(team["manager"]), loop, "hire", "Strong on every competency we heard."
    )
    db.session.commit()
    queued = outbox.new()
    assert sorted(to for _, to, _ in queued) == sorted(
        [team["ta"].email, team["ta2"].email]
    )
    for *_, message in queued:
        assert message["Subject"].strip() == (
            "Decision recorded: Amara Nwosu for EHR analyst"
        )
        body = message.get_body(("plain",)).get_content()
        assert "Mona Manager recorded a decision" in body
        assert "hire" not in body.lower().replace("hiring", "")
    reopen_loop(_user(team["ta"]), loop, "New information from the references.")
    db.session.commit()
    ((_, to, _),) = outbox.new()
    assert to == team["manager"].email  # back in debrief: the manager is told again


def test_opted_out_people_still_get_invitations(team, outbox):
    db.session.get(User, team["clara"].id).wants_reminders = False
    db.session.commit()
    _schedule(team)
    _seat_with(team, Discipline.CLINICAL, team["clara"])
    ((_, to, message),) = outbox.new()
    assert to == team["clara"].email and _event(message)[0] == "REQUEST"


SECRETS = (
    "amara.private@mail.example",
    "555 0142",
    "EVIDENCE-SHE-DESCRIBED",
    "SUMMARY-OF-THE-PANEL",
)


def _text(message) -> str:
    parts = [message.get_content()] if not message.is_multipart() else []
    for part in message.walk():
        if not part.is_multipart():
            content = part.get_content()
            parts.append(content.decode() if isinstance(content, bytes) else content)
    return str(message) + "".join(parts)


def test_no_message_carries_evidence_ratings_or_contact_details(team, outbox):
    _seat_with(team, Discipline.CLINICAL, team["clara"])
    _seat_with(team, Discipline.TECHNICAL, team["theo"])
    ended = utcnow() - timedelta(hours=2)
    _schedule(team, (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT10:00"))
    _status(team, "interviewing")
    clara_seat = _seat(team, Discipline.CLINICAL).id
    add_scorecard(
        clara_seat,
        team["clara"].id,
        summary="SUMMARY-OF-THE-PANEL",
    )
    _session(team).starts_at = ended - timedelta(hours=1)  # it took place
    db.session.commit()
    queue_due(utcnow())
    _status(team, "debrief")
    loop = db.session.get(Loop, team["loop_id"])
    record_decision(_user(team["manager"]), loop, "hire", "EVIDENCE-SHE-DESCRIBED " * 3)
    db.session.commit()
    queued = outbox.new()
    kinds = {key.split(":")[0] for key, _, _ in queued}
    assert kinds == {"invite", "reminder", "debrief", "decision"}
    for _, _, message in queued:
        text = _text(message)
        assert "Amara Nwosu" in text
        for secret in SECRETS:
            assert secret not in text


def _line(message, label: str) -> str:
    body = message.get_body(("plain",)).get_content()
    (line,) = [x for x in body.splitlines() if x.startswith(label)]
    return line.removeprefix(label)


@pytest.mark.parametrize("how", ["unscheduled", "removed", "reseated"])
def test_a_cancellation_quotes_the_time_its_reader_received(team, outbox, how):
    """Issue 14, fresh-user test: invited for one time, moved (the update still
    queued when the next change replaced it), then cancelled: "Was:" quoted the
    move nobody received."""
    _seat_with(team, Discipline.CLINICAL, team["clara"])
    _schedule(team)
    ((_, _, invitation),) = outbox.new()
    _mark_sent()
    _schedule(team, LATER)  # queued, never sent
    outbox.new()
    if how == "unscheduled":
        _schedule(team, None)
    elif how == "removed":
        remove_session(_user(team["ta"]), _session(team))
        db.session.commit()
    else:
        _seat_with(team, Discipline.CLINICAL, team["cleo"])
    (cancellation,) = [m for _, to, m in outbox.new() if to == team["clara"].email]
    assert _event(cancellation)[0] == "CANCEL"
    assert _line(cancellation, "Was: ") == _line(invitation, "When: ")
    assert _line(invitation, "When: ") in cancellation["Subject"]


def test_a_cancellation_falls_back_to_the_sessions_time(team, outbox):
    """Nothing was sent (its text blanked): the session's current time is said."""
    _seat_with(team, Discipline.CLINICAL, team["clara"])
    _schedule(team)
    outbox.new()
    _mark_sent()
    db.session.execute(sa.update(OutboxMessage).values(message=b"", subject=""))
    db.session.commit()
    _schedule(team, LATER)
    ((_, _, update),) = outbox.new()
    _mark_sent()
    db.session.execute(sa.update(OutboxMessage).values(message=b"", subject=""))
    db.session.commit()
    remove_session(_user(team["ta"]), _session(team))
    db.session.commit()
    ((_, _, cancellation),) = outbox.new()
    assert _line(cancellation, "Was: ") == _line(update, "When: ")
