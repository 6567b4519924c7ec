"""The review of email sending (issue 14), on what queues messages: saving a
session unchanged sends nothing, deactivated people get no invitations, and the
default sender is the invitations' ORGANIZER."""

from icalendar import Calendar

from interview.extensions import db
from interview.loops.operations import schedule_session
from interview.models import Discipline, User

from . import test_notify_triggers as triggers_tests
from .test_notify_triggers import (
    LATER,
    NEXT_WEEK,
    _event,
    _schedule,
    _seat_with,
    _session,
    _user,
)

team = triggers_tests.team  # the fixtures: a loop, its team, the new outbox rows
outbox = triggers_tests.outbox


def test_saving_the_same_time_again_sends_no_update(team, outbox):
    _seat_with(team, Discipline.CLINICAL, team["clara"])
    _schedule(team)
    assert len(outbox.new()) == 1
    _schedule(team)  # saved again unchanged
    schedule_session(  # the same wall time in a zone with the same offset
        _user(team["ta"]),
        _session(team),
        {
            "time_zone": "Europe/Paris",
            "starts_local": NEXT_WEEK,
            "duration_minutes": 60,
            "location": "Room 4",
            "video_url": "",
        },
    )
    db.session.commit()
    assert outbox.new() == []
    _schedule(team, LATER)  # a real move: one update, the next sequence
    [(_, _, moved)] = outbox.new()
    assert _event(moved)[::2] == ("REQUEST", 2)


def test_a_deactivated_interviewer_still_seated_gets_no_invitation(team, outbox):
    _seat_with(team, Discipline.CLINICAL, team["clara"])
    _seat_with(team, Discipline.TECHNICAL, team["theo"])
    db.session.get(User, team["clara"].id).is_active = False
    db.session.commit()
    _schedule(team)
    assert [to for _, to, _ in outbox.new()] == [team["theo"].email]


def test_the_default_sender_is_the_invitations_organizer(team, outbox):
    _seat_with(team, Discipline.CLINICAL, team["clara"])
    _schedule(team)
    [(_, _, message)] = outbox.new()
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    (event,) = Calendar.from_ical(part.get_content()).walk("VEVENT")
    assert str(event["ORGANIZER"]) == "mailto:interviews@localhost.localdomain"
