"""The review of email sending (issue 14): a refused sender keeps the queue, a
message the world has overtaken is cancelled unsent, and a blanked message cannot
be requeued (test_notify_review_triggers.py: what queues the messages)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.models import OutboxMessage, OutboxStatus, ScorecardStatus
from interview.notify.sender import forget_bodies, send_due
from interview.notify.settings import mail_settings
from interview.notify.transports import DirectoryTransport
from interview.timeutil import utcnow

from . import test_notify_due as due_tests
from . import test_notify_sending as sending_tests
from .builders import add_scorecard
from .test_notify_due import ENDED, _queue
from .test_notify_sending import notify, queue, row

# The fixtures these tests share: an SMTP server on loopback, the app sending
# through it, and a seat held by Clara whose session ended at ENDED.
smtp = sending_tests.smtp
app_config = sending_tests.app_config
seated = due_tests.seated


@pytest.mark.parametrize(
    "reply",
    [
        "553 5.7.1 Sender address rejected: not owned by user",
        "530 5.7.0 Authentication required",
    ],
)
def test_a_refused_sender_stops_the_run_and_keeps_every_message(
    app, runner, smtp, reply
):
    async def handle_MAIL(server, session, envelope, address, options):
        return reply

    smtp.handle_MAIL = handle_MAIL
    for n in range(3):
        queue(app, f"invite:{n}:0", to=f"p{n}@example.org")

    result = notify(runner, "run")

    assert result.exit_code == 1, result.output
    code = reply.split()[0]
    assert (
        f"Stopped: the server refused the sender interviews@hospital.example or its"
        f" login: {code}" in result.output
    )
    assert "check the MAIL_* settings" in result.output
    for n in range(3):
        kept = row(app, f"invite:{n}:0")
        assert kept.status == OutboxStatus.QUEUED
        assert kept.attempts == 0  # no try spent: the next run sends them all
    assert smtp.received == []


def _send(app, tmp_path, now):
    with app.app_context():
        settings = mail_settings(app.config, app.instance_path)
        lines = []
        summary = send_due(
            DirectoryTransport(str(tmp_path / "outbox")),
            settings,
            lines.append,
            limit=10,
            clock=lambda: now,
        )
    return summary, lines


@pytest.mark.parametrize("submitted", [False, True])
def test_a_waiting_reminder_is_cancelled_once_the_scorecard_is_in(
    app, seated, tmp_path, submitted
):
    assert _queue(app, ENDED + timedelta(hours=1)) == 1
    with app.app_context():  # queued back then, held for a retry since
        db.session.execute(
            sa.update(OutboxMessage).values(not_before=ENDED + timedelta(hours=1))
        )
        db.session.commit()
    if submitted:
        with app.app_context():
            add_scorecard(
                seated["seat_id"],
                seated["clara"].id,
                status=ScorecardStatus.SUBMITTED,
                submitted_at=ENDED,
            )

    summary, lines = _send(app, tmp_path, ENDED + timedelta(hours=1, minutes=5))

    key = f"reminder:{seated['seat_id']}:1"
    if not submitted:  # still due five minutes later: it goes
        assert summary.counts["sent"] == 1, lines
        assert row(app, key).status == OutboxStatus.SENT
        return
    assert summary.counts["sent"] == 0
    assert row(app, key).status == OutboxStatus.CANCELLED
    assert "the scorecard was submitted" in lines[0]
    assert not (tmp_path / "outbox").exists()


def test_an_old_calendar_message_is_dropped_after_the_seat_s_newer_state(
    app, runner, smtp
):
    queue(app, "invite:5:1", to="late@example.org")  # held back, then retried
    queue(app, "cancel:5:2", to="late@example.org")
    queue(app, "invite:6:3", to="kept@example.org")  # invited again after a cancel
    queue(app, "cancel:6:2", to="kept@example.org")  # the cancel, retried: too late

    result = notify(runner, "run")

    assert result.exit_code == 0, result.output
    assert row(app, "invite:5:1").status == OutboxStatus.CANCELLED
    assert "a later state of this interview (cancel:5:2) replaces it" in result.output
    assert row(app, "invite:6:3").status == OutboxStatus.SENT
    # sent after the invitation, the old cancellation would remove the event
    assert row(app, "cancel:6:2").status == OutboxStatus.CANCELLED
    assert "a later state of this interview (invite:6:3) replaces it" in result.output
    sent = sorted(to[0] for to, _ in smtp.received)
    assert sent == ["kept@example.org", "late@example.org"]


def test_requeueing_a_blanked_message_is_refused(app, runner, smtp):
    smtp.refuse["nobody@example.org"] = "550 5.1.1 no such user"
    queue(app, "invite:2:0", to="nobody@example.org")
    notify(runner, "run")
    with app.app_context():
        assert forget_bodies(utcnow() + timedelta(days=31), 30) == 1

    result = notify(runner, "requeue", "1")

    assert result.exit_code == 1
    assert "Nothing queued again:\n  #1: its text was blanked" in result.output
    assert row(app, "invite:2:0").status == OutboxStatus.FAILED
