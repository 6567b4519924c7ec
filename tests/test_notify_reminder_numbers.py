"""Issue 14: a feedback reminder's "Reminder n of N" counts what the interviewer
got. After a pause (notify run did not run for a day), one reminder goes, not a
burst of the missed ones, and it says it is the first, of those still to come;
sent through a real SMTP server on loopback (aiosmtpd), as notify run sends."""

import functools
from datetime import UTC, datetime, timedelta

import pytest

from interview.extensions import db
from interview.models import Discipline, LoopStatus, PlanSession, Role, User
from interview.notify import cli as notify_cli
from interview.notify import sender
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate

from . import test_notify_sending as sending
from .builders import clinical_seat, start_loop
from .rubric_samples import dump, rubric

smtp = sending.smtp
app_config = sending.app_config

# A Tuesday to come (notify run queues with the real clock: the times it is run
# at must lie ahead of it). Clara is in Berlin: the interview ended at 12:00 CET,
# reminders are due at 13:00 CET that day and on the next three working days.
ENDED = datetime(2030, 3, 5, 11, tzinfo=UTC)


@pytest.fixture
def seat(app, make_user):
    manager = make_user(Role.HIRING_MANAGER)
    clara = make_user(Role.INTERVIEWER, discipline=Discipline.CLINICAL, name="Clara")
    with app.app_context():
        db.session.get(User, clara.id).time_zone = "Europe/Berlin"
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        plan = [PlanSession(title="Workflow", competency_keys=["workflow"])]
        loop = start_loop(manager.id, version.rubric_id, plan, candidate="Amara Nwosu")
        loop.sessions[0].starts_at = ENDED - timedelta(hours=1)
        loop.sessions[0].duration_minutes = 60
        seat = clinical_seat(loop)
        seat.interviewer_id = clara.id
        loop.status = LoopStatus.INTERVIEWING
        db.session.commit()
        return seat.id


def _run_at(runner, monkeypatch, moment: datetime):
    """notify run as if the clock said MOMENT."""
    monkeypatch.setattr(notify_cli, "utcnow", lambda: moment)
    monkeypatch.setattr(
        notify_cli, "send_due", functools.partial(sender.send_due, clock=lambda: moment)
    )
    result = runner.invoke(args=["notify", "run"])
    assert result.exit_code == 0, result.output
    return result


def _reminder_lines(smtp) -> list[str]:
    lines = []
    for message in smtp.messages():
        body = message.get_body(preferencelist=("plain",)).get_content()
        lines += [line for line in body.splitlines() if line.startswith("Reminder ")]
    return lines


def test_after_a_pause_one_reminder_goes_numbered_by_what_was_sent(
    app, runner, smtp, seat, monkeypatch
):
    # notify run did not run on Tuesday: the first it sends is Wednesday's
    wednesday = ENDED + timedelta(days=1, hours=1, minutes=5)
    result = _run_at(runner, monkeypatch, wednesday)
    assert "Queued 1 feedback reminder." in result.output
    assert len(smtp.received) == 1  # one reminder, not the missed one too
    assert _reminder_lines(smtp) == [
        "Reminder 1 of 3. To stop feedback reminders, turn them off at"
    ]
    _run_at(runner, monkeypatch, wednesday + timedelta(hours=2))  # nothing new
    _run_at(runner, monkeypatch, wednesday + timedelta(days=1))  # Thursday
    _run_at(runner, monkeypatch, wednesday + timedelta(days=2))  # Friday
    assert [line.split(".")[0] for line in _reminder_lines(smtp)] == [
        "Reminder 1 of 3",
        "Reminder 2 of 3",
        "Reminder 3 of 3",
    ]


def test_without_a_pause_the_reminders_count_to_four(
    app, runner, smtp, seat, monkeypatch
):
    """Guard: every run on time, "Reminder 1 of 4" to "4 of 4"."""
    first = ENDED + timedelta(hours=1, minutes=5)
    for day in (0, 1, 2, 3):
        _run_at(runner, monkeypatch, first + timedelta(days=day))
    assert [line.split(".")[0] for line in _reminder_lines(smtp)] == [
        "Reminder 1 of 4",
        "Reminder 2 of 4",
        "Reminder 3 of 4",
        "Reminder 4 of 4",
    ]
