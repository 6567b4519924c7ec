"""The messages people get, parsed back as a mail client would: headers, the body's
links and times, and the attached calendar event read with icalendar."""

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
from icalendar import Calendar

from interview.loops.schedule import ics_invitation
from interview.notify import messages as m

SENDER = "Interviews <interviews@hospital.example>"
START = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
END = datetime(2026, 3, 3, 11, 0, tzinfo=UTC)
STAMP = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CLARA = m.Person("Clara Clinician", "clara@hospital.example", "Europe/Berlin")
KIT = "https://interviews.hospital.example/interviews/41"
UID = "session-7.0f1e2d3c4b5a69788796a5b4c3d2e1f0@interview"


def _session(**changes) -> m.SessionFacts:
    fields = {
        "session_id": 7,
        "sequence": 3,
        "title": "Clinical workflow",
        "candidate": "Zoë Ångström",
        "role": "EHR analyst",
        "start_utc": START,
        "end_utc": END,
        "location": "Room 4",
        "video_url": "https://video.example/abc",
        "uid": UID,
    }
    return m.SessionFacts(**{**fields, **changes})


def _parsed(message):
    """The message as it travels (bytes), read back by the standard parser."""
    return message_from_bytes(message.as_bytes(), policy=policy.default)


def _body(parsed) -> str:
    return parsed.get_body(preferencelist=("plain",)).get_content()


def _event(parsed):
    parts = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    calendar = Calendar.from_ical(parts[0].get_content())
    (event,) = calendar.walk("VEVENT")
    return parts[0], calendar, event


def test_the_invitation_carries_a_request_event_and_a_link_to_the_kit():
    parsed = _parsed(
        m.invitation(_session(), to=CLARA, sender=SENDER, kit_url=KIT, stamp_utc=STAMP)
    )
    assert parsed["To"].addresses[0].addr_spec == "clara@hospital.example"
    assert parsed["From"] == SENDER
    assert parsed["Subject"] == (
        "Interview: Zoë Ångström for EHR analyst, Tue 3 Mar 2026, 11:00-12:00 CET"
    )
    body = _body(parsed)
    assert KIT in body
    assert "When: Tue 3 Mar 2026, 11:00-12:00 CET" in body  # the reader's own zone
    assert "Role: EHR analyst" in body and "Where: Room 4" in body
    part, calendar, event = _event(parsed)
    assert part.get_param("method") == "REQUEST"
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == UID  # the download's UID too
    assert event.decoded("SEQUENCE") == 3
    assert str(event["ORGANIZER"]) == "mailto:interviews@hospital.example"
    assert str(event["ATTENDEE"]) == "mailto:clara@hospital.example"
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTSTART").utcoffset().total_seconds() == 0
    assert event["DTSTART"].to_ical() == b"20260303T100000Z"
    assert KIT in str(event["DESCRIPTION"])


def test_an_update_keeps_the_uid_with_a_higher_sequence():
    moved = _session(
        sequence=4,
        start_utc=datetime(2026, 3, 4, 14, tzinfo=UTC),
        end_utc=datetime(2026, 3, 4, 15, tzinfo=UTC),
    )
    parsed = _parsed(
        m.invitation(
            moved, to=CLARA, sender=SENDER, kit_url=KIT, stamp_utc=STAMP, update=True
        )
    )
    assert parsed["Subject"].startswith("Updated interview: Zoë Ångström")
    assert "The time or place of this interview changed" in _body(parsed)
    _, calendar, event = _event(parsed)
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == UID
    assert event.decoded("SEQUENCE") == 4
    assert event["DTSTART"].to_ical() == b"20260304T140000Z"


def test_the_cancellation_is_method_cancel():
    parsed = _parsed(
        m.cancellation(
            _session(sequence=5),
            to=CLARA,
            sender=SENDER,
            stamp_utc=STAMP,
            reason="The loop was withdrawn.",
        )
    )
    assert parsed["Subject"].startswith("Cancelled: interview Zoë Ångström")
    assert "The loop was withdrawn." in _body(parsed)
    part, calendar, event = _event(parsed)
    assert part.get_param("method") == "CANCEL"
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert str(event["UID"]) == UID
    assert event.decoded("SEQUENCE") == 5
    assert str(event["ORGANIZER"]) == "mailto:interviews@hospital.example"
    assert str(event["ATTENDEE"]) == "mailto:clara@hospital.example"


def test_the_download_stays_publish_and_request_is_asked_for():
    fields = {
        "uid": UID,
        "title": "Interview",
        "description": "",
        "start_utc": START,
        "end_utc": END,
        "stamp_utc": STAMP,
    }
    assert Calendar.from_ical(ics_invitation(**fields))["METHOD"] == "PUBLISH"
    request = ics_invitation(**fields, method="REQUEST")
    assert Calendar.from_ical(request)["METHOD"] == "REQUEST"
    with pytest.raises(ValueError):
        ics_invitation(**fields, method="REFRESH")


def test_a_reminder_links_the_kit_and_the_preferences():
    parsed = _parsed(
        m.feedback_reminder(
            to=CLARA,
            sender=SENDER,
            candidate="Zoë Ångström",
            role="EHR analyst",
            session_title="Clinical workflow",
            ended_utc=END,
            kit_url=KIT,
            number=2,
            of=4,
        )
    )
    assert parsed["Subject"] == "Feedback reminder: Zoë Ångström for EHR analyst"
    body = _body(parsed)
    assert KIT in body
    assert "https://interviews.hospital.example/account/notifications" in body
    assert "ended Tue 3 Mar 2026, 12:00 CET" in body
    assert "Reminder 2 of 4" in body
    assert not [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]


def test_the_manager_and_talent_acquisition_get_links():
    manager = m.Person("Mona Manager", "mona@hospital.example")
    ready = _parsed(
        m.debrief_ready(
            to=manager,
            sender=SENDER,
            candidate="Zoë Ångström",
            role="EHR analyst",
            debrief_url="https://i.example/loops/3/debrief",
        )
    )
    assert ready["Subject"] == "Ready for debrief: Zoë Ångström for EHR analyst"
    assert "https://i.example/loops/3/debrief" in _body(ready)
    decided = _parsed(
        m.decision_recorded(
            to=m.Person("Tess", "tess@hospital.example"),
            sender=SENDER,
            candidate="Zoë Ångström",
            role="EHR analyst",
            decided_by="Mona Manager",
            loop_url="https://i.example/loops/3",
        )
    )
    assert decided["Subject"] == "Decision recorded: Zoë Ångström for EHR analyst"
    assert "Mona Manager recorded a decision" in _body(decided)
    assert "https://i.example/loops/3" in _body(decided)


def test_the_debrief_message_says_how_many_scorecards_are_in():
    """Issue 14, fresh-user test: moved to debrief with scorecards missing, the
    manager was told the loop was ready and to read the panel's scorecards."""
    manager = m.Person("Mona Manager", "mona@hospital.example")
    ready = {
        "to": manager,
        "sender": SENDER,
        "candidate": "Zoë Ångström",
        "role": "EHR analyst",
        "debrief_url": "https://i.example/loops/3/debrief",
    }
    short = _parsed(m.debrief_ready(**ready, submitted=2, seats=6))
    assert short["Subject"] == (
        "In debrief, 4 of 6 scorecards missing: Zoë Ångström for EHR analyst"
    )
    body = " ".join(_body(short).split())
    assert "ready" not in body
    assert "moved to debrief with 2 of 6 scorecards submitted; 4 are missing" in body
    assert "https://i.example/loops/3/debrief" in body
    one = " ".join(
        _body(_parsed(m.debrief_ready(**ready, submitted=0, seats=1))).split()
    )
    assert "with 0 of 1 scorecard submitted; 1 is missing" in one
    # Issue 14: nothing is in, so there is nothing to read.
    assert "that are in" not in one and "that is in" not in one
    assert (
        "No scorecard is in yet: ask talent acquisition about the missing one " in one
    )
    assert (
        "Read the scorecards that are in, and ask talent acquisition about the missing ones"
        in body
    )
    single = " ".join(
        _body(_parsed(m.debrief_ready(**ready, submitted=1, seats=3))).split()
    )
    assert "with 1 of 3 scorecards submitted; 2 are missing" in single
    assert (
        "Read the scorecard that is in, and ask talent acquisition about the missing ones"
        in single
    )
    full = _parsed(m.debrief_ready(**ready, submitted=6, seats=6))
    assert full["Subject"] == "Ready for debrief: Zoë Ångström for EHR analyst"
    assert "is ready for debrief" in " ".join(_body(full).split())


def test_a_name_with_line_breaks_adds_no_header():
    sneaky = "Zoë\r\nBcc: spy@evil.example\r\nX-Injected: 1"
    for message in (
        m.invitation(
            _session(candidate=sneaky, title="Work\nflow"),
            to=m.Person("Clara\r\nBcc: spy@evil.example", "clara@hospital.example"),
            sender=SENDER,
            kit_url=KIT,
            stamp_utc=STAMP,
        ),
        m.debrief_ready(
            to=m.Person("Mona", "mona@hospital.example"),
            sender=SENDER,
            candidate=sneaky,
            role="EHR\r\nX-Injected: 2",
            debrief_url=KIT,
        ),
    ):
        parsed = _parsed(message)
        assert parsed["Bcc"] is None and parsed["X-Injected"] is None
        assert "\n" not in parsed["Subject"] and "\r" not in parsed["Subject"]
        assert "Zoë Bcc: spy@evil.example X-Injected: 1" in parsed["Subject"]
        assert [a.addr_spec for a in parsed["To"].addresses] == [
            message["To"].addresses[0].addr_spec
        ]
