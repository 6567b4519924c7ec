"""Feedback reminders: the rule over many end times, zones and settings
(Hypothesis), and queue_due on the database: once per reminder, never for
submitted scorecards, given-up seats, closed loops or people who opted out."""

import itertools
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from interview.extensions import db
from interview.models import (
    Discipline,
    Loop,
    LoopStatus,
    OutboxMessage,
    PanelSeat,
    PlanSession,
    Role,
    ScorecardStatus,
    User,
)
from interview.notify.due import due_reminder, queue_due, reminder_times
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate
from interview.timeutil import utcnow

from .builders import add_scorecard, clinical_seat, start_loop
from .queries import counting_queries
from .rubric_samples import dump, rubric

ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/St_Johns",
    "Asia/Kathmandu",
    "Pacific/Kiritimati",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
]
ends = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31)
).map(lambda d: d.replace(tzinfo=UTC))


def _local(moment: datetime, zone: str) -> datetime:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(zone))


@settings(max_examples=300)
@given(ended=ends, zone=st.sampled_from(ZONES), days=st.integers(0, 12))
def test_one_an_hour_after_then_one_each_working_day(ended, zone, days):
    times = reminder_times(ended, zone, days)
    assert len(times) == days + 1
    assert times[0] == ended + timedelta(hours=1)
    assert all(a < b for a, b in itertools.pairwise(times))
    dates = [_local(t, zone).date() for t in times]
    for before, after in itertools.pairwise(dates):
        assert after.weekday() < 5  # Monday to Friday in the interviewer's zone
        skipped = [before + timedelta(days=n) for n in range(1, (after - before).days)]
        assert all(day.weekday() >= 5 for day in skipped)  # no working day missed
    first_wall = _local(times[0], zone).replace(tzinfo=None).time()
    for moment in times[1:]:
        wall = _local(moment, zone)
        # The same time of day, unless that day's clock change skips it.
        assert (
            wall.time() == first_wall
            or wall.utcoffset() != _local(moment - timedelta(hours=3), zone).utcoffset()
        )


@settings(max_examples=60)
@given(ended=ends, zone=st.sampled_from(ZONES), days=st.integers(0, 5))
def test_an_hourly_run_sends_each_reminder_once_soon_after_its_time(ended, zone, days):
    times = reminder_times(ended, zone, days)
    first_seen: dict[int, datetime] = {}
    now = ended
    while now < times[-1] + timedelta(days=2):
        number = due_reminder(ended, zone, days, now)
        if number is not None:
            first_seen.setdefault(number, now)
        now += timedelta(hours=1)
    assert sorted(first_seen) == list(range(1, days + 2))
    for number, seen in first_seen.items():
        assert timedelta(0) <= seen - times[number - 1] < timedelta(hours=1)


@given(ended=ends, zone=st.sampled_from(ZONES), days=st.integers(0, 5))
def test_nothing_is_due_before_the_first_or_a_day_after_the_last(ended, zone, days):
    times = reminder_times(ended, zone, days)
    assert due_reminder(ended, zone, days, times[0] - timedelta(seconds=1)) is None
    assert due_reminder(ended, zone, days, times[0]) == 1
    assert due_reminder(ended, zone, days, times[-1]) == days + 1
    assert due_reminder(ended, zone, days, times[-1] + timedelta(days=1)) is None


def test_a_paused_run_sends_the_latest_reminder_only():
    ended = datetime(2026, 3, 6, 16, tzinfo=UTC)  # a Friday, 17:00 in Berlin
    times = reminder_times(ended, "Europe/Berlin", 3)
    assert [t.strftime("%a %H:%M") for t in times] == [
        "Fri 17:00",
        "Mon 17:00",
        "Tue 17:00",
        "Wed 17:00",
    ]
    assert due_reminder(ended, "Europe/Berlin", 3, times[2] + timedelta(hours=2)) == 3


# --- queue_due on the database ----------------------------------------------

ENDED = datetime(2026, 3, 3, 11, tzinfo=UTC)  # a Tuesday; the session starts at 10


@pytest.fixture
def seated(app, make_user):
    """A loop interviewing, its clinical seat held by Clara (Berlin); the session
    ended at ENDED."""
    manager = make_user(Role.HIRING_MANAGER)
    clara = make_user(Role.INTERVIEWER, discipline=Discipline.CLINICAL, name="Clara")
    with app.app_context():
        db.session.get(User, clara.id).time_zone = "Europe/Berlin"
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        plan = [PlanSession(title="Workflow", competency_keys=["workflow"])]
        loop = start_loop(manager.id, version.rubric_id, plan, candidate="Amara Nwosu")
        loop.sessions[0].starts_at = ENDED - timedelta(hours=1)
        seat = clinical_seat(loop)
        seat.interviewer_id = clara.id
        loop.status = LoopStatus.INTERVIEWING
        db.session.commit()
        return {"loop_id": loop.id, "seat_id": seat.id, "clara": clara}


def _queued(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))
        return [(r.key, r.recipient, r.message) for r in rows]


def _queue(app, now: datetime) -> int:
    with app.app_context():
        return queue_due(now)


def test_each_reminder_is_queued_once(app, seated):
    seat = seated["seat_id"]
    assert _queue(app, ENDED + timedelta(minutes=59)) == 0
    assert _queue(app, ENDED + timedelta(hours=1)) == 1
    assert _queue(app, ENDED + timedelta(hours=1, minutes=5)) == 0  # run again
    assert _queue(app, ENDED + timedelta(hours=6)) == 0
    assert _queue(app, ENDED + timedelta(days=1, hours=1)) == 1  # Wednesday
    assert _queue(app, ENDED + timedelta(days=1, hours=2)) == 0
    queued = _queued(app)
    assert [key for key, _, _ in queued] == [f"reminder:{seat}:1", f"reminder:{seat}:2"]
    assert {to for _, to, _ in queued} == {seated["clara"].email}
    message = message_from_bytes(queued[0][2], policy=policy.default)
    assert (
        message["Subject"].strip() == "Feedback reminder: Amara Nwosu for EHR analyst"
    )
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert f"http://127.0.0.1:5000/interviews/{seat}" in body
    assert "ended Tue 3 Mar 2026, 12:00 CET" in body  # Clara's zone


def _set(app, change) -> None:
    with app.app_context():
        change()
        db.session.commit()


def test_no_reminder_once_submitted(app, seated):
    with app.app_context():
        add_scorecard(
            seated["seat_id"],
            seated["clara"].id,
            status=ScorecardStatus.SUBMITTED,
            submitted_at=ENDED,
        )
    assert _queue(app, ENDED + timedelta(hours=1)) == 0


def test_a_draft_is_still_reminded(app, seated):
    with app.app_context():
        add_scorecard(seated["seat_id"], seated["clara"].id)
    assert _queue(app, ENDED + timedelta(hours=1)) == 1


def test_no_reminder_for_a_seat_given_up(app, seated):
    def remove():
        db.session.get(PanelSeat, seated["seat_id"]).removed_at = ENDED

    _set(app, remove)
    assert _queue(app, ENDED + timedelta(hours=1)) == 0


@pytest.mark.parametrize(
    "status, expected",
    [
        (LoopStatus.PLANNED, 0),
        (LoopStatus.DEBRIEF, 1),
        (LoopStatus.DECIDED, 0),
        (LoopStatus.WITHDRAWN, 0),
    ],
)
def test_only_loops_interviewing_or_in_debrief(app, seated, status, expected):
    def move():
        db.session.get(Loop, seated["loop_id"]).status = status

    _set(app, move)
    assert _queue(app, ENDED + timedelta(hours=1)) == expected


def test_no_reminder_for_someone_who_turned_them_off(app, seated):
    def opt_out():
        db.session.get(User, seated["clara"].id).wants_reminders = False

    _set(app, opt_out)
    assert _queue(app, ENDED + timedelta(hours=1)) == 0
    assert _queue(app, ENDED + timedelta(days=1, hours=1)) == 0
    assert _queued(app) == []


def test_the_setting_sets_how_many_days(app, seated):
    app.config["REMINDER_WORKING_DAYS"] = 0
    assert _queue(app, ENDED + timedelta(hours=1)) == 1
    assert _queue(app, ENDED + timedelta(days=1, hours=1)) == 0


def test_queue_due_sends_the_same_statements_for_many_seats(app, make_user, seated):
    # Warm up (the first run reads the schema's metadata on some drivers).
    _queue(app, ENDED + timedelta(minutes=30))
    with counting_queries(app) as few:
        _queue(app, ENDED + timedelta(hours=1))
    manager = make_user(Role.HIRING_MANAGER)
    people = [
        make_user(Role.INTERVIEWER, discipline=Discipline.CLINICAL) for _ in range(6)
    ]
    with app.app_context():
        version_id = db.session.get(Loop, seated["loop_id"]).rubric_version_id
        from interview.models import RubricVersion

        rubric_id = db.session.get(RubricVersion, version_id).rubric_id
        for n, person in enumerate(people):
            plan = [PlanSession(title="Workflow", competency_keys=["workflow"])]
            loop = start_loop(manager.id, rubric_id, plan, candidate=f"Cand {n}")
            loop.sessions[0].starts_at = ENDED - timedelta(hours=1)
            clinical_seat(loop).interviewer_id = person.id
            loop.status = LoopStatus.INTERVIEWING
        db.session.commit()
    with counting_queries(app) as many:
        assert _queue(app, ENDED + timedelta(days=1, hours=1)) == 7
    # One selection, one look-up of keys, one insert per new reminder, the commit.
    assert len(many) - 7 == len(few) - 1, str(many)


def test_notify_run_queues_the_due_reminders_then_sends_them(
    app, runner, seated, tmp_path
):
    app.config.update(MAIL_TRANSPORT="directory", MAIL_OUTBOX_DIR=str(tmp_path / "o"))
    with app.app_context():  # the interview ended two hours ago
        seat = db.session.get(PanelSeat, seated["seat_id"])
        seat.session.starts_at = utcnow() - timedelta(hours=3)
        db.session.commit()
    first = runner.invoke(args=["notify", "run"])
    assert first.exit_code == 0, first.output
    assert "Queued 1 feedback reminder." in first.output
    assert "Sent 1," in first.output
    (written,) = (tmp_path / "o").iterdir()
    assert b"Feedback reminder: Amara Nwosu" in written.read_bytes()
    again = runner.invoke(args=["notify", "run"])
    assert "Queued" not in again.output and "Nothing due" in again.output
    assert [key for key, _, _ in _queued(app)] == [f"reminder:{seated['seat_id']}:1"]


@pytest.mark.parametrize("value", ["3", -1, 2.5, True])
def test_a_bad_reminder_setting_stops_start_up(tmp_path, capsys, value):
    from interview import create_app

    from .conftest import BASE_CONFIG

    with pytest.raises(SystemExit):
        create_app({**BASE_CONFIG, "REMINDER_WORKING_DAYS": value})
    assert f"REMINDER_WORKING_DAYS is {value!r}" in capsys.readouterr().err
