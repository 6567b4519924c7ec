"""Issue 14, review R1: races around the outbox. A calendar message put back in
the queue by a temporary failure (or requeued) is sent after the seat's newer
state; an erasure meets a notify run claiming the same row; a decision meets a
time-and-place save; ``notify requeue`` meets a run that finished the message."""

from datetime import timedelta
from email import policy
from email.parser import BytesParser

import pytest
import sqlalchemy as sa

from interview.debrief.operations import record_decision
from interview.extensions import db
from interview.lifecycle.erasure import erase_candidate
from interview.loops.operations import LoopError, change_status, schedule_session
from interview.models import (
    Candidate,
    Discipline,
    InterviewSession,
    Loop,
    LoopStatus,
    OutboxMessage,
    OutboxStatus,
    User,
)
from interview.notify import cli as notify_cli
from interview.notify import forget
from interview.timeutil import utcnow

from . import test_notify_erasure as er
from . import test_notify_triggers as t
from .test_notify_sending import notify, queue

team = t.team
outbox = t.outbox
er_team = er.team
outbox_dir = er.outbox_dir


def _set(key, **values):
    db.session.execute(
        sa.update(OutboxMessage).where(OutboxMessage.key == key).values(**values)
    )
    db.session.commit()


def _sent_files(folder):
    """(subject, (METHOD, SEQUENCE)) of each file written, oldest first."""
    out = []
    for p in sorted(folder.iterdir()):
        m = BytesParser(policy=policy.default).parsebytes(p.read_bytes())
        out.append((m["Subject"].strip(), t._event(m)[::2]))
    return out


def _directory(app, tmp_path):
    folder = tmp_path / "o"
    app.config.update(MAIL_TRANSPORT="directory", MAIL_OUTBOX_DIR=str(folder))
    return folder


def test_a_retried_old_invitation_is_not_sent_after_the_update(
    app, runner, team, tmp_path
):
    folder = _directory(app, tmp_path)
    with app.app_context():
        t._seat_with(team, Discipline.CLINICAL, team["clara"])
        t._schedule(team)  # invite:<seat>:1 queued
        seat = t._seat(team, Discipline.CLINICAL).id
        # a run claimed it
        _set(f"invite:{seat}:1", status=OutboxStatus.SENDING, claimed_at=utcnow())
        t._schedule(team, t.LATER)  # moved while it was being sent: update at 2
        # the send of #1 failed for a while (4xx): put back, retried later
        _set(
            f"invite:{seat}:1",
            status=OutboxStatus.QUEUED,
            not_before=utcnow() + timedelta(minutes=5),
        )
    assert notify(runner, "run").exit_code == 0  # sends the update (seq 2)
    with app.app_context():  # 5 minutes later
        _set(f"invite:{seat}:1", not_before=utcnow() - timedelta(seconds=1))
    notify(runner, "run")
    sent = _sent_files(folder)
    # the last thing Clara reads must be the seat's latest state (sequence 2)
    assert sent[-1][1] == ("REQUEST", 2), sent
    assert len(sent) == 1, sent


def test_a_retried_cancellation_is_not_sent_after_the_new_invitation(
    app, runner, team, tmp_path
):
    folder = _directory(app, tmp_path)
    with app.app_context():
        t._seat_with(team, Discipline.CLINICAL, team["clara"])
        t._schedule(team)
        t._mark_sent()  # invitation went (seq 1)
        seat = t._seat(team, Discipline.CLINICAL).id
        t._status(team, "withdrawn")  # cancel:<seat>:2
        _set(f"cancel:{seat}:2", status=OutboxStatus.SENDING, claimed_at=utcnow())
        t._status(team, "planned")  # invite:<seat>:3
        _set(
            f"cancel:{seat}:2",
            status=OutboxStatus.QUEUED,
            not_before=utcnow() + timedelta(minutes=5),
        )
    assert notify(runner, "run").exit_code == 0
    with app.app_context():
        _set(f"cancel:{seat}:2", not_before=utcnow() - timedelta(seconds=1))
    result = notify(runner, "run")
    sent = _sent_files(folder)
    assert sent[-1][1] == ("REQUEST", 3), sent
    assert f"(invite:{seat}:3) replaces it" in result.output


def test_a_requeued_failed_invitation_is_not_sent_after_the_seat_changed(
    app, runner, team, tmp_path
):
    folder = _directory(app, tmp_path)
    with app.app_context():
        t._schedule(team)
        t._seat_with(team, Discipline.CLINICAL, team["clara"])
        first = t._seat(team, Discipline.CLINICAL).id
        [invite] = db.session.scalars(
            sa.select(OutboxMessage.key).where(
                OutboxMessage.key.like(f"invite:{first}:%")
            )
        ).all()
        _set(invite, status=OutboxStatus.FAILED, last_error="550 mailbox full")
        t._seat_with(team, Discipline.CLINICAL, team["cleo"])  # Clara off the panel
        rid = db.session.scalar(
            sa.select(OutboxMessage.id).where(OutboxMessage.key == invite)
        )
        t._mark_sent()  # Cleo's invitation went
    assert notify(runner, "requeue", str(rid)).exit_code == 0  # mailbox emptied
    result = notify(runner, "run")
    sent = _sent_files(folder) if folder.exists() else []
    # Clara is no longer on the panel: she must not be invited now
    assert sent == [], (result.output, sent)


def test_requeue_leaves_a_message_a_run_finished_meanwhile(
    app, runner, tmp_path, monkeypatch
):
    _directory(app, tmp_path)
    queue(app, "invite:9:0")
    with app.app_context():  # claimed an hour ago by a run that looks stopped
        _set(
            "invite:9:0",
            status=OutboxStatus.SENDING,
            claimed_at=utcnow() - timedelta(hours=1),
        )
    real = notify_cli._requeue_problem

    def sent_meanwhile(number, row, stuck):
        # the run was only slow: it records the message sent after requeue
        # read it as interrupted, before requeue's UPDATE (on SQLite, in the
        # command's own transaction: a second writer would wait for it)
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.key == "invite:9:0")
            .values(status=OutboxStatus.SENT)
        )
        return real(number, row, stuck)

    monkeypatch.setattr(notify_cli, "_requeue_problem", sent_meanwhile)
    result = notify(runner, "requeue", "1")

    assert "Queued again: 0 messages of 1" in result.output, result.output
    with app.app_context():
        status = db.session.scalar(
            sa.select(OutboxMessage.status).where(OutboxMessage.key == "invite:9:0")
        )
    assert status == OutboxStatus.SENT  # not queued to go a second time


def test_erasure_does_not_requeue_a_cancellation_a_run_claimed_meanwhile(
    app, runner, er_team, outbox_dir, monkeypatch
):
    team = er_team
    with app.app_context():
        er._seat_and_schedule(team, "Amara Nwosu", Discipline.CLINICAL, "clara")
        assert runner.invoke(args=["notify", "run"]).exit_code == 0
        ta = db.session.get(User, team["ta"].id)
        loop = db.session.get(Loop, team["loops"]["Amara Nwosu"])
        change_status(ta, loop, "withdrawn")
        db.session.commit()
        [cancel] = er._rows("cancel:")
        real = forget._calendar_needs

        def claimed_meanwhile(key):
            # notify run (another process) claims the row right after the
            # erasure read the queued rows: it is now being sent, name and all
            db.session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.key == key)
                .values(status=OutboxStatus.SENDING, claimed_at=utcnow())
            )
            return real(key)

        monkeypatch.setattr(forget, "_calendar_needs", claimed_meanwhile)
        erase_candidate(ta, db.session.get(Candidate, loop.candidate_id))
        db.session.commit()
        status = db.session.get(OutboxMessage, cancel.id).status
        # the run is sending it: the erasure must not queue it a second time
        assert status == OutboxStatus.SENDING, status


def test_a_decision_racing_a_schedule_save_leaves_no_session_on_calendars(app, team):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite runs one writer at a time")
        t._seat_with(team, Discipline.CLINICAL, team["clara"])
        t._seat_with(team, Discipline.TECHNICAL, team["theo"])
        t._schedule(team)
        t._mark_sent()
        t._status(team, "interviewing")
        t._status(team, "debrief")
    refused = None
    with app.app_context():  # the TA's request: loop page loaded, form posted
        ta_session = db.session.get(InterviewSession, team["session_id"])
        assert ta_session.loop.status == LoopStatus.DEBRIEF
        with app.app_context():  # the manager's request, meanwhile
            loop = db.session.get(Loop, team["loop_id"], with_for_update=True)
            record_decision(
                t._user(team["manager"]),
                loop,
                "hire",
                "Strong on every competency we heard.",
            )
            db.session.commit()
        try:
            schedule_session(  # the TA's save goes on
                t._user(team["ta"]),
                ta_session,
                {
                    "time_zone": "Europe/Berlin",
                    "starts_local": t.LATER,
                    "duration_minutes": 60,
                    "location": "Room 4",
                    "video_url": "",
                },
            )
            db.session.commit()
        except LoopError as error:  # refused, with the view's clear message
            refused = str(error)
            db.session.rollback()
    with app.app_context():
        session = db.session.get(InterviewSession, team["session_id"])
        assert session.loop.status == LoopStatus.DECIDED
        # a decided loop's session must not be back on the calendars
        assert session.starts_at is None, (session.starts_at, refused)
    assert refused == "This loop is decided; it can no longer change."


def test_a_newer_invitation_that_failed_does_not_stop_the_cancellation(
    app, runner, team, tmp_path
):
    """Withdrawn, planned again, withdrawn again while the first cancellation was
    being sent: the new invitation failed for good (never on the calendar) and
    the second cancellation was withdrawn, counting on the first. The first,
    retried after a 4xx, must still go: the loop is withdrawn and Clara's
    calendar holds the event from her invitation."""
    folder = _directory(app, tmp_path)
    with app.app_context():
        t._seat_with(team, Discipline.CLINICAL, team["clara"])
        t._schedule(team)
        t._mark_sent()  # invitation went (seq 1)
        seat = t._seat(team, Discipline.CLINICAL).id
        t._status(team, "withdrawn")  # cancel:<seat>:2
        _set(f"cancel:{seat}:2", status=OutboxStatus.SENDING, claimed_at=utcnow())
        t._status(team, "planned")  # invite:<seat>:3
        _set(f"invite:{seat}:3", status=OutboxStatus.FAILED, last_error="550 full")
        t._status(team, "withdrawn")  # cancel:<seat>:4: nothing more to cancel
        assert (
            db.session.scalar(
                sa.select(OutboxMessage.status).where(
                    OutboxMessage.key == f"cancel:{seat}:4"
                )
            )
            == OutboxStatus.CANCELLED
        )
        # the first cancellation's send met a 4xx: back in the queue, due now
        _set(
            f"cancel:{seat}:2",
            status=OutboxStatus.QUEUED,
            not_before=utcnow() - timedelta(seconds=1),
        )
    result = notify(runner, "run")
    assert result.exit_code == 0, result.output
    sent = _sent_files(folder) if folder.exists() else []
    assert [event for _, event in sent] == [("CANCEL", 2)], (result.output, sent)


def test_a_failed_cancellation_still_stops_an_older_invitation(
    app, runner, team, tmp_path
):
    """Guard: a newer cancellation that failed still says the seat's latest state
    (Clara off the panel), so her retried update is not sent."""
    folder = _directory(app, tmp_path)
    with app.app_context():
        t._seat_with(team, Discipline.CLINICAL, team["clara"])
        t._schedule(team)
        t._mark_sent()  # invitation went (seq 1)
        seat = t._seat(team, Discipline.CLINICAL).id
        t._schedule(team, t.LATER)  # invite:<seat>:2, the update
        _set(f"invite:{seat}:2", status=OutboxStatus.SENDING, claimed_at=utcnow())
        t._seat_with(team, Discipline.CLINICAL, team["cleo"])  # cancel:<seat>:3
        _set(f"cancel:{seat}:3", status=OutboxStatus.FAILED, last_error="550 full")
        t._mark_sent()  # Cleo's invitation went
        _set(
            f"invite:{seat}:2",
            status=OutboxStatus.QUEUED,
            not_before=utcnow() - timedelta(seconds=1),
        )
    result = notify(runner, "run")
    sent = _sent_files(folder) if folder.exists() else []
    assert sent == [], (result.output, sent)
    assert f"(cancel:{seat}:3) replaces it" in result.output


def test_an_old_invitation_is_not_sent_when_its_update_failed(
    app, runner, team, tmp_path
):
    """Clara's invitation was being sent when the session moved; the update with
    the new time failed for good (550) and the invitation, retried after a 4xx,
    is due again. It carries the old time: sending it would put the interview on
    her calendar at a time it no longer has, so it is dropped (the failed update
    shows in `notify status`; requeued, it sends the new time)."""
    folder = _directory(app, tmp_path)
    with app.app_context():
        t._seat_with(team, Discipline.CLINICAL, team["clara"])
        t._schedule(team)  # invite:<seat>:1, the old time
        seat = t._seat(team, Discipline.CLINICAL).id
        _set(f"invite:{seat}:1", status=OutboxStatus.SENDING, claimed_at=utcnow())
        t._schedule(team, t.LATER)  # invite:<seat>:2, the update with the new time
        _set(f"invite:{seat}:2", status=OutboxStatus.FAILED, last_error="550 full")
        # the invitation's send met a 4xx: back in the queue, due now
        _set(
            f"invite:{seat}:1",
            status=OutboxStatus.QUEUED,
            not_before=utcnow() - timedelta(seconds=1),
        )
    result = notify(runner, "run")
    assert result.exit_code == 0, result.output
    sent = _sent_files(folder) if folder.exists() else []
    assert sent == [], (result.output, sent)
    assert f"(invite:{seat}:2) replaces it" in result.output
    with app.app_context():
        status = db.session.scalar(
            sa.select(OutboxMessage.status).where(
                OutboxMessage.key == f"invite:{seat}:1"
            )
        )
    assert status == OutboxStatus.CANCELLED
