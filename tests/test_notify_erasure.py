"""Erasing a candidate reaches the outbox: their queued emails are never sent and
every email about them loses its subject and text, keeping its key and delivery
record; notify run never sends a blanked row (notify/outbox.py, sender.py)."""

import email.policy
from datetime import timedelta
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from interview.extensions import db
from interview.lifecycle.erasure import erase_candidate
from interview.loops.operations import assign_seat, change_status, schedule_session
from interview.models import (
    Candidate,
    Discipline,
    Loop,
    OutboxMessage,
    OutboxStatus,
    PlanSession,
    Role,
    User,
)
from interview.notify.outbox import blank, enqueue
from interview.notify.triggers import calendar_uid
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate
from interview.timeutil import utcnow

from .builders import start_loop
from .rubric_samples import dump, rubric

NEXT_WEEK = (utcnow() + timedelta(days=7)).strftime("%Y-%m-%dT10:00")
LATER = (utcnow() + timedelta(days=8)).strftime("%Y-%m-%dT15:30")


@pytest.fixture
def outbox_dir(app, tmp_path):
    folder = tmp_path / "sent"
    app.config.update(MAIL_TRANSPORT="directory", MAIL_OUTBOX_DIR=str(folder))
    return folder


@pytest.fixture
def team(app, make_user):
    people = {
        "ta": make_user(Role.TALENT_ACQUISITION, name="Tess Acquisition"),
        "manager": make_user(Role.HIRING_MANAGER, name="Mona Manager"),
        "clara": make_user(Role.INTERVIEWER, name="Clara", email="clara@x.example"),
        "theo": make_user(
            Role.INTERVIEWER,
            discipline=Discipline.TECHNICAL,
            name="Theo",
            email="theo@x.example",
        ),
    }
    with app.app_context():
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        plan = [PlanSession(title="Workflow", competency_keys=["workflow", "privacy"])]
        loops = {
            name: start_loop(people["manager"].id, version.rubric_id, plan, name).id
            for name in ("Amara Nwosu", "Bruno Keller")
        }
        db.session.commit()
    return people | {"loops": loops}


def _seat_and_schedule(
    team, candidate: str, discipline: Discipline, person, when: str = NEXT_WEEK
) -> None:
    """Seat PERSON on the loop's first session and give it a time (an invitation)."""
    ta = db.session.get(User, team["ta"].id)
    session = db.session.get(Loop, team["loops"][candidate]).sessions[0]
    seat = next(s for s in session.seats if s.discipline == discipline)
    assign_seat(ta, seat, db.session.get(User, team[person].id))
    if session.starts_at is None:
        schedule_session(
            ta,
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


def _delivered(folder) -> list[tuple[str, str]]:
    """(To, Subject) of every message the directory transport wrote, in order."""
    parser = BytesParser(policy=email.policy.default)
    found = sorted(folder.iterdir())  # named by the time written, first
    messages = [parser.parsebytes(path.read_bytes()) for path in found]
    return [(str(m["To"]), str(m["Subject"])) for m in messages]


def _rows(key_prefix: str) -> list[OutboxMessage]:
    return db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.key.startswith(key_prefix))
        .order_by(OutboxMessage.id)
    ).all()


def test_an_erased_candidates_queued_invitation_is_never_sent_and_the_sent_blanked(
    app, runner, team, outbox_dir
):
    """Clara's calendar holds the interview: its cancellation still goes, naming
    nobody; Theo's invitation never went, so he is told nothing."""
    with app.app_context():
        _seat_and_schedule(team, "Amara Nwosu", Discipline.CLINICAL, "clara")
        assert runner.invoke(args=["notify", "run"]).exit_code == 0
        [(to, subject)] = _delivered(outbox_dir)
        assert to.endswith("<clara@x.example>") and "Amara Nwosu" in subject
        # Theo's invitation is queued; then the loop is withdrawn (cancellations
        # queued) and the candidate erased before the next run.
        _seat_and_schedule(team, "Amara Nwosu", Discipline.TECHNICAL, "theo")
        _seat_and_schedule(team, "Bruno Keller", Discipline.TECHNICAL, "theo", LATER)
        ta = db.session.get(User, team["ta"].id)
        loop = db.session.get(Loop, team["loops"]["Amara Nwosu"])
        uid = calendar_uid(loop.sessions[0].id)
        change_status(ta, loop, "withdrawn")
        db.session.commit()
        candidate_id = loop.candidate_id
        erase_candidate(ta, db.session.get(Candidate, candidate_id))
        db.session.commit()

        result = runner.invoke(args=["notify", "run"])

        assert result.exit_code == 0, result.output
        assert "Sent 2, to retry 0, failed 0" in result.output
        delivered = _delivered(outbox_dir)
        assert len(delivered) == 3  # Clara's invitation, Bruno's, Clara's cancel
        assert delivered[1][0].endswith("<theo@x.example>")
        assert "Bruno Keller" in delivered[1][1]
        about = db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.candidate_id == candidate_id)
            .order_by(OutboxMessage.id)
        ).all()
        assert [(r.recipient, r.key.split(":")[0], r.status) for r in about] == [
            ("clara@x.example", "invite", OutboxStatus.SENT),
            ("theo@x.example", "invite", OutboxStatus.CANCELLED),
            ("theo@x.example", "cancel", OutboxStatus.CANCELLED),
        ]
        assert all((r.subject, r.message) == ("", b"") for r in about)
        assert about[0].sent_at is not None and about[0].attempts == 1
        [bruno] = _rows("invite:")[2:]
        assert "Bruno Keller" in bruno.subject and bruno.status == OutboxStatus.SENT
        [cancelled] = [r for r in _rows("cancel:") if r.recipient == "clara@x.example"]
        assert (cancelled.status, cancelled.candidate_id) == (OutboxStatus.SENT, None)
    _check_anonymous(sorted(outbox_dir.iterdir())[2], uid, 3)


def test_an_erased_candidates_queued_update_becomes_an_anonymous_cancellation(
    app, runner, team, outbox_dir
):
    """An update still queued for a calendar holding the event (its loop closed
    without cancellations, as before they were sent on a decision): the event
    is cancelled at the update's sequence rather than left in the calendar."""
    with app.app_context():
        _seat_and_schedule(team, "Amara Nwosu", Discipline.CLINICAL, "clara")
        assert runner.invoke(args=["notify", "run"]).exit_code == 0
        loop = db.session.get(Loop, team["loops"]["Amara Nwosu"])
        uid, candidate_id = calendar_uid(loop.sessions[0].id), loop.candidate_id
        schedule_session(
            db.session.get(User, team["ta"].id),
            loop.sessions[0],
            {
                "time_zone": "Europe/Berlin",
                "starts_local": LATER,
                "duration_minutes": 60,
                "location": "Room 4",
                "video_url": "",
            },
        )
        db.session.execute(
            sa.update(Loop).where(Loop.id == loop.id).values(status="withdrawn")
        )
        db.session.commit()
        [update] = [r for r in _rows("invite:") if r.status == OutboxStatus.QUEUED]
        erase_candidate(None, db.session.get(Candidate, candidate_id))
        db.session.commit()
        seat = update.key.split(":")[1]

        result = runner.invoke(args=["notify", "run"])

        assert result.exit_code == 0, result.output
        assert f"sent    #3 cancel:{seat}:2 to clara@x.example" in result.output
        assert "Sent 1," in result.output
        db.session.refresh(update)
        assert (update.status, update.subject) == (OutboxStatus.CANCELLED, "")
    _check_anonymous(sorted(outbox_dir.iterdir())[1], uid, 2)


def _check_anonymous(path, uid: str, sequence: int) -> None:
    """A cancellation naming nobody but its reader, for the calendar's event."""
    raw = path.read_bytes()
    message = BytesParser(policy=email.policy.default).parsebytes(raw)
    assert str(message["To"]) == "Clara <clara@x.example>"
    assert str(message["Subject"]).startswith("Cancelled: interview, ")
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    event = Calendar.from_ical(part.get_content()).walk("VEVENT")[0]
    calendar = Calendar.from_ical(part.get_content())
    assert calendar["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED"
    assert str(event["UID"]) == uid  # the event's, as sent
    assert event.decoded("SEQUENCE") == sequence
    assert str(event["SUMMARY"]) == "Interview (cancelled)"
    text = raw.decode() + "".join(
        str(p.get_content()) for p in message.walk() if not p.is_multipart()
    )
    for word in ("Amara", "Nwosu", "Workflow", "Room 4", "EHR analyst"):
        assert word not in text


def test_notify_run_never_claims_a_blanked_row(app, runner, outbox_dir):
    with app.app_context():
        for key in ("invite:1:0", "invite:2:0"):
            msg = EmailMessage()
            msg["To"] = "clara@x.example"
            msg["Subject"] = f"Interview {key}"
            msg.set_content("Your interview kit.\n")
            enqueue(key, msg)
        # Blanked while still queued (as an erasure in flight would leave it).
        blank(OutboxMessage.key == "invite:1:0")
        db.session.commit()

        result = runner.invoke(args=["notify", "run"])

        assert result.exit_code == 0, result.output
        assert _delivered(outbox_dir) == [("clara@x.example", "Interview invite:2:0")]
        [blanked, sent] = _rows("invite:")
        assert (blanked.status, blanked.attempts) == (OutboxStatus.QUEUED, 0)
        assert sent.status == OutboxStatus.SENT
