"""The second review of email (issue 14): requeue names an id it cannot take, the
.eml files of two databases never overwrite each other, an erased candidate's
queued cancellations still go without their name, and an unsent invitation is
replaced by the seat's newer message (test_notify_ids.py: ids never reused)."""

import email.policy
from datetime import UTC, datetime, timedelta
from email.parser import BytesParser

import sqlalchemy as sa

from interview.extensions import db
from interview.models import Discipline, OutboxMessage, OutboxStatus
from interview.notify import transports
from interview.notify.transports import DirectoryTransport, Outgoing
from interview.timeutil import utcnow

from . import test_notify_triggers as triggers_tests
from .test_notify_sending import notify, queue, row


def test_requeue_names_an_id_that_is_no_failed_message_and_changes_nothing(app, runner):
    app.config.update(MAIL_TRANSPORT="directory")
    queue(app, "invite:1:0")
    queue(app, "invite:2:0")
    with app.app_context():
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.key == "invite:1:0")
            .values(status=OutboxStatus.FAILED, attempts=3)
        )
        db.session.commit()

    result = notify(runner, "requeue", "1", "999999")

    assert result.exit_code == 1, result.output
    assert "#999999: no such message in the outbox" in result.output
    assert row(app, "invite:1:0").status == OutboxStatus.FAILED  # nothing changed

    result = notify(runner, "requeue", "2")

    assert result.exit_code == 1, result.output
    assert "#2 is queued: only failed or interrupted messages" in result.output

    result = notify(runner, "requeue", "1")

    assert result.exit_code == 0, result.output
    assert "Queued again: 1 message of 1." in result.output
    assert row(app, "invite:1:0").status == OutboxStatus.QUEUED
    assert row(app, "invite:1:0").attempts == 0


def test_requeue_of_a_message_still_being_sent_says_to_wait(app, runner):
    app.config.update(MAIL_TRANSPORT="directory")
    queue(app, "invite:1:0")
    with app.app_context():
        db.session.execute(
            sa.update(OutboxMessage).values(
                status=OutboxStatus.SENDING, claimed_at=utcnow() - timedelta(seconds=1)
            )
        )
        db.session.commit()

    result = notify(runner, "requeue", "1")

    assert result.exit_code == 1, result.output
    assert "#1 is being sent (claimed" in result.output
    assert row(app, "invite:1:0").status == OutboxStatus.SENDING


def _parsed(path):
    return BytesParser(policy=email.policy.default).parsebytes(path.read_bytes())


def test_eml_files_of_two_databases_never_overwrite_each_other(tmp_path, monkeypatch):
    """Two databases sharing a folder both have a message #1 invite:1:0, written
    in the same microsecond; the random part of the name collides once too."""
    moment = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    tokens = iter(["aaaaaaaa", "aaaaaaaa", "bbbbbbbb"])
    monkeypatch.setattr(transports.secrets, "token_hex", lambda _n: next(tokens))
    folder = tmp_path / "outbox"
    transport = DirectoryTransport(str(folder), clock=lambda: moment)
    first = Outgoing(
        1, "invite:1:0", "clara@x.example", b"Subject: laptop\r\n\r\nA\r\n"
    )
    other = Outgoing(1, "invite:1:0", "theo@x.example", b"Subject: tests\r\n\r\nB\r\n")

    transport.send(first)
    transport.send(other)

    files = sorted(folder.iterdir())
    assert [p.name for p in files] == [
        "20261202T093000000000Z-1-invite-1-0-aaaaaaaa.eml",
        "20261202T093000000000Z-1-invite-1-0-bbbbbbbb.eml",
    ]
    assert [_parsed(p)["Subject"] for p in files] == ["laptop", "tests"]
    assert not [p for p in folder.iterdir() if p.name.startswith(".sending-")]


# An unsent calendar message is replaced by the seat's newer one.

team = triggers_tests.team
outbox = triggers_tests.outbox


def _calendar_rows(seat_id: int) -> list[tuple[str, OutboxStatus, str | None]]:
    rows = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.key.like(f"%:{seat_id}:%"))
        .order_by(OutboxMessage.id)
    )
    return [(r.key, r.status, r.last_error) for r in rows]


def test_a_move_before_the_invitation_went_sends_one_invitation_at_the_new_time(
    app, runner, team, tmp_path
):
    app.config.update(MAIL_TRANSPORT="directory", MAIL_OUTBOX_DIR=str(tmp_path / "o"))
    with app.app_context():
        triggers_tests._seat_with(team, Discipline.CLINICAL, team["clara"])
        triggers_tests._schedule(team)  # invitation queued at sequence 1
        triggers_tests._schedule(team, triggers_tests.LATER)  # moved: sequence 2
        seat = triggers_tests._seat(team, Discipline.CLINICAL).id
        assert _calendar_rows(seat) == [
            (
                f"invite:{seat}:1",
                OutboxStatus.CANCELLED,
                f"replaced by invite:{seat}:2 before it was sent",
            ),
            (f"invite:{seat}:2", OutboxStatus.QUEUED, None),
        ]

    result = notify(runner, "run")

    assert result.exit_code == 0, result.output
    [path] = (tmp_path / "o").iterdir()
    message = _parsed(path)
    assert (
        message["Subject"].strip().startswith("Interview: Amara Nwosu")
    )  # not Updated
    body = message.get_body(("plain",)).get_content()
    assert "You are on the interview panel" in body
    assert triggers_tests._event(message)[::2] == ("REQUEST", 2)


def test_a_move_after_the_invitation_went_is_an_update_and_a_cancel_replaces_it(
    app, team, outbox
):
    triggers_tests._seat_with(team, Discipline.CLINICAL, team["clara"])
    triggers_tests._schedule(team)
    triggers_tests._mark_sent()
    outbox.new()
    triggers_tests._schedule(team, triggers_tests.LATER)
    ((_, _, update),) = outbox.new()
    assert update["Subject"].strip().startswith("Updated interview:")
    triggers_tests._schedule(team, None)  # no time any more, before the update went
    seat = triggers_tests._seat(team, Discipline.CLINICAL).id
    assert _calendar_rows(seat) == [
        (f"invite:{seat}:1", OutboxStatus.SENT, None),
        (
            f"invite:{seat}:2",
            OutboxStatus.CANCELLED,
            f"replaced by cancel:{seat}:3 before it was sent",
        ),
        (f"cancel:{seat}:3", OutboxStatus.QUEUED, None),  # her calendar has it
    ]


def test_a_seat_changed_before_its_invitation_went_tells_the_first_nothing(
    app, team, outbox
):
    triggers_tests._schedule(team)
    triggers_tests._seat_with(team, Discipline.CLINICAL, team["clara"])
    first = triggers_tests._seat(team, Discipline.CLINICAL).id
    triggers_tests._seat_with(team, Discipline.CLINICAL, team["cleo"])
    second = triggers_tests._seat(team, Discipline.CLINICAL).id
    assert _calendar_rows(first) == [
        (
            f"invite:{first}:2",
            OutboxStatus.CANCELLED,
            f"replaced by cancel:{first}:3 before it was sent",
        ),
        (
            f"cancel:{first}:3",
            OutboxStatus.CANCELLED,
            "no invitation for this seat was sent, so there is nothing to cancel",
        ),
    ]
    assert _calendar_rows(second) == [(f"invite:{second}:3", OutboxStatus.QUEUED, None)]
