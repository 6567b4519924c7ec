"""Scheduling helpers: zones, DST gaps and folds, display, iCalendar invitations."""

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from interview.loops.schedule import (
    PRODID,
    ScheduleError,
    ics_invitation,
    local_display,
    local_range,
    session_window,
    to_utc,
    window_from_times,
    zone,
)

UNKNOWN_ZONE = (
    "Unknown time zone '{}'. Use a name like Europe/Berlin or America/Chicago."
)
BAD_DATETIME = "Enter the date and time as YYYY-MM-DD HH:MM."
DURATION = "A session lasts between 1 minute and 8 hours."
ENDS_BEFORE = "The session ends before it starts."


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- zone() -----------------------------------------------------------------


def test_zone_accepts_iana_names_and_utc():
    assert zone("Europe/Berlin").key == "Europe/Berlin"
    assert zone("  America/Chicago ").key == "America/Chicago"
    assert zone("UTC").key == "UTC"


def test_zone_rejects_unknown_with_a_helpful_sentence():
    with pytest.raises(ScheduleError) as caught:
        zone("Mars/Olympus")
    assert str(caught.value) == UNKNOWN_ZONE.format("Mars/Olympus")


@pytest.mark.parametrize("name", ["", "   ", None])
def test_zone_rejects_empty(name):
    with pytest.raises(ScheduleError, match="Choose a time zone"):
        zone(name)


@pytest.mark.parametrize(
    "name",
    [
        "../etc/passwd",
        "/etc/localtime",
        "/usr/share/zoneinfo/Europe/Berlin",
        "Europe/../Europe/Berlin",
        "Europe/Berlin\x00",
        "europe/berlin",
        "localtime",
        "Factory",
        "C:\\Windows",
        "Europe/Berlin" * 40,
        "x" * 500,
    ],
)
def test_zone_rejects_path_like_and_absurd_input(name):
    with pytest.raises(ScheduleError, match="^Unknown time zone") as caught:
        zone(name)
    message = str(caught.value)
    assert len(message) < 150
    assert "\x00" not in message


# --- to_utc(): ordinary conversions -----------------------------------------


@pytest.mark.parametrize(
    ("local", "zone_name", "expected"),
    [
        ("2026-03-03T10:00", "Europe/Berlin", utc(2026, 3, 3, 9, 0)),  # CET +01:00
        ("2026-07-03T10:00", "Europe/Berlin", utc(2026, 7, 3, 8, 0)),  # CEST +02:00
        ("2026-01-15T09:30", "America/Chicago", utc(2026, 1, 15, 15, 30)),  # CST
        ("2026-06-15T09:30", "America/Chicago", utc(2026, 6, 15, 14, 30)),  # CDT
        ("2026-03-03T10:00", "Asia/Kolkata", utc(2026, 3, 3, 4, 30)),  # +05:30
        ("2026-01-15T10:00", "Australia/Lord_Howe", utc(2026, 1, 14, 23, 0)),  # +11
        ("2026-07-15T10:00", "Australia/Lord_Howe", utc(2026, 7, 14, 23, 30)),  # +10:30
        ("2026-03-03T10:00", "UTC", utc(2026, 3, 3, 10, 0)),
        ("2026-03-03T10:00:45", "Europe/Berlin", utc(2026, 3, 3, 9, 0, 45)),
        ("2026-03-03 10:00", "Europe/Berlin", utc(2026, 3, 3, 9, 0)),
        (" 2026-03-03T10:00 ", "Europe/Berlin", utc(2026, 3, 3, 9, 0)),
        (datetime(2026, 3, 3, 10, 0), "Europe/Berlin", utc(2026, 3, 3, 9, 0)),
    ],
)
def test_to_utc_converts_local_wall_times(local, zone_name, expected):
    result = to_utc(local, zone_name)
    assert result == expected
    assert result.tzinfo is UTC


def test_to_utc_refuses_an_unknown_zone():
    with pytest.raises(ScheduleError, match="^Unknown time zone 'Mars/Olympus'"):
        to_utc("2026-03-03T10:00", "Mars/Olympus")


def test_to_utc_refuses_aware_datetimes():
    with pytest.raises(ValueError, match="naive"):
        to_utc(utc(2026, 3, 3, 10, 0), "Europe/Berlin")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "tomorrow",
        "2026-03-03",
        "10:00",
        "2026-3-3T10:00",
        "2026-03-03T10",
        "2026-03-03T10:00+01:00",
        "2026-03-03T10:00Z",
        "2026-03-03T10:00:00.5",
        "2026-02-30T10:00",
        "2026-13-01T10:00",
        "2026-03-03T24:00",
        "2026-03-03T10:60",
        "\uff12\uff10\uff12\uff16-03-03T10:00",  # full-width digits
        "2026-03-03T10:00\nATTENDEE",
        "2026-03-03T10:00" + "0" * 500,
    ],
)
def test_to_utc_refuses_bad_strings(text):
    with pytest.raises(ScheduleError) as caught:
        # Year 1 east of Greenwich and year 9999 west of it overflow in UTC.
        to_utc(text, "Asia/Kolkata" if text.startswith("0001") else "America/Chicago")
    assert str(caught.value) == BAD_DATETIME


# --- to_utc(): daylight saving ----------------------------------------------


def test_spring_forward_gap_is_refused():
    with pytest.raises(ScheduleError) as caught:
        to_utc("2026-03-08T02:30", "America/New_York")
    assert str(caught.value) == (
        "2:30 on Sun 8 Mar 2026 does not exist in America/New_York "
        "(clocks go forward that night); choose another time."
    )


@pytest.mark.parametrize("fold", [0, 1])
def test_gap_is_refused_even_with_an_explicit_fold(fold):
    with pytest.raises(ScheduleError, match="does not exist"):
        to_utc("2026-03-08T02:30", "America/New_York", fold=fold)


def test_gap_with_a_thirty_minute_shift():
    # Lord Howe Island goes from 02:00 to 02:30 on the first Sunday of October.
    with pytest.raises(ScheduleError, match="^2:15 on Sun 4 Oct 2026 does not exist"):
        to_utc("2026-10-04T02:15", "Australia/Lord_Howe")
    assert to_utc("2026-10-04T02:30", "Australia/Lord_Howe") == utc(2026, 10, 3, 15, 30)


def test_times_beside_the_gap_are_fine():
    assert to_utc("2026-03-08T01:59", "America/New_York") == utc(2026, 3, 8, 6, 59)
    assert to_utc("2026-03-08T03:00", "America/New_York") == utc(2026, 3, 8, 7, 0)


def test_fall_back_fold_is_refused_naming_both_offsets():
    with pytest.raises(ScheduleError) as caught:
        to_utc("2026-11-01T01:30", "America/New_York")
    assert str(caught.value) == (
        "1:30 on Sun 1 Nov 2026 happens twice in America/New_York "
        "(clocks go back that night): "
        "choose the first (EDT, UTC-04:00) or second (EST, UTC-05:00)."
    )


def test_explicit_fold_picks_one_of_two_instants_an_hour_apart():
    first = to_utc("2026-11-01T01:30", "America/New_York", fold=0)
    second = to_utc("2026-11-01T01:30", "America/New_York", fold=1)
    assert first == utc(2026, 11, 1, 5, 30)
    assert second == utc(2026, 11, 1, 6, 30)
    assert second - first == timedelta(hours=1)


def test_fold_in_europe_and_with_a_thirty_minute_shift():
    with pytest.raises(
        ScheduleError, match=r"\(CEST, UTC\+02:00\) or second \(CET, UTC\+01:00\)"
    ):
        to_utc("2026-10-25T02:30", "Europe/Berlin")
    # Lord Howe has no letters for its zone; the offsets stand alone.
    with pytest.raises(ScheduleError) as caught:
        to_utc("2026-04-05T01:45", "Australia/Lord_Howe")
    assert str(caught.value).endswith(
        "choose the first (UTC+11:00) or second (UTC+10:30)."
    )
    first = to_utc("2026-04-05T01:45", "Australia/Lord_Howe", fold=0)
    second = to_utc("2026-04-05T01:45", "Australia/Lord_Howe", fold=1)
    assert second - first == timedelta(minutes=30)


def test_fold_is_ignored_when_the_time_is_unambiguous():
    assert to_utc("2026-03-03T10:00", "Europe/Berlin", fold=1) == utc(2026, 3, 3, 9, 0)


def test_fold_must_be_zero_or_one():
    with pytest.raises(ValueError, match="fold"):
        to_utc("2026-11-01T01:30", "America/New_York", fold=2)


def test_zones_without_dst_have_no_gap_or_fold():
    assert to_utc("2026-03-08T02:30", "Asia/Kolkata") == utc(2026, 3, 7, 21, 0)
    assert to_utc("2026-11-01T01:30", "Asia/Kolkata") == utc(2026, 10, 31, 20, 0)


# --- sessions ---------------------------------------------------------------


def test_session_window():
    start = utc(2026, 3, 3, 9, 0)
    assert session_window(start, 45) == (start, utc(2026, 3, 3, 9, 45))
    assert session_window(start, 480)[1] == utc(2026, 3, 3, 17, 0)


@pytest.mark.parametrize("minutes", [0, -30, 481, 10_000, True, 1.5, "60"])
def test_session_window_refuses_odd_durations(minutes):
    with pytest.raises(ScheduleError) as caught:
        session_window(utc(2026, 3, 3, 9, 0), minutes)
    assert str(caught.value) == DURATION


def test_session_window_needs_an_aware_start():
    with pytest.raises(ValueError, match="timezone-aware"):
        session_window(datetime(2026, 3, 3, 9, 0), 60)


def test_window_from_times():
    assert window_from_times(
        "2026-03-03T10:00", "2026-03-03T11:30", "Europe/Berlin"
    ) == (
        utc(2026, 3, 3, 9, 0),
        utc(2026, 3, 3, 10, 30),
    )


@pytest.mark.parametrize("end", ["2026-03-03T09:00", "2026-03-03T10:00"])
def test_window_from_times_refuses_end_before_start(end):
    with pytest.raises(ScheduleError) as caught:
        window_from_times("2026-03-03T10:00", end, "Europe/Berlin")
    assert str(caught.value) == ENDS_BEFORE


@pytest.mark.parametrize(
    "end", ["2026-03-03T18:01", "2026-03-04T10:00", "2026-03-03T10:00:30"]
)
def test_window_from_times_refuses_odd_lengths(end):
    with pytest.raises(ScheduleError) as caught:
        window_from_times("2026-03-03T10:00", end, "Europe/Berlin")
    assert str(caught.value) == DURATION


def test_window_lengths_are_measured_in_real_time_across_fall_back():
    # 01:30 EDT to 01:15 EST is 45 minutes, though the wall clock went backwards.
    start, end = window_from_times(
        "2026-11-01T01:30",
        "2026-11-01T01:15",
        "America/New_York",
        start_fold=0,
        end_fold=1,
    )
    assert end - start == timedelta(minutes=45)
    # Across spring forward, 01:30 to 03:30 on the wall is one real hour.
    start, end = window_from_times(
        "2026-03-08T01:30", "2026-03-08T03:30", "America/New_York"
    )
    assert end - start == timedelta(hours=1)


def test_window_from_times_refuses_a_folded_end_without_a_choice():
    with pytest.raises(ScheduleError, match="happens twice"):
        window_from_times("2026-11-01T00:30", "2026-11-01T01:30", "America/New_York")


# --- display ----------------------------------------------------------------


def test_local_display_in_several_zones():
    moment = utc(2026, 3, 3, 9, 0)
    assert local_display(moment, "Europe/Berlin") == "Tue 3 Mar 2026, 10:00 CET"
    assert local_display(moment, "America/Chicago") == "Tue 3 Mar 2026, 03:00 CST"
    assert local_display(moment, "Asia/Kolkata") == "Tue 3 Mar 2026, 14:30 IST"
    assert (
        local_display(moment, "Australia/Lord_Howe")
        == "Tue 3 Mar 2026, 20:00 UTC+11:00"
    )
    assert (
        local_display(utc(2026, 7, 3, 9, 0), "Europe/Berlin")
        == "Fri 3 Jul 2026, 11:00 CEST"
    )


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../etc/passwd"])
def test_local_display_falls_back_to_utc(name):
    assert local_display(utc(2026, 3, 3, 9, 0), name) == "Tue 3 Mar 2026, 09:00 UTC"


def test_local_display_converts_other_aware_zones_first():
    berlin = to_utc("2026-03-03T10:00", "Europe/Berlin").astimezone(
        zone("Europe/Berlin")
    )
    assert local_display(berlin, "America/Chicago") == "Tue 3 Mar 2026, 03:00 CST"


def test_local_display_tells_the_two_one_thirties_apart():
    first = to_utc("2026-11-01T01:30", "America/New_York", fold=0)
    second = to_utc("2026-11-01T01:30", "America/New_York", fold=1)
    assert local_display(first, "America/New_York") == "Sun 1 Nov 2026, 01:30 EDT"
    assert local_display(second, "America/New_York") == "Sun 1 Nov 2026, 01:30 EST"


def test_local_range_same_day():
    start, end = session_window(utc(2026, 3, 3, 9, 0), 60)
    assert local_range(start, end, "Europe/Berlin") == "Tue 3 Mar 2026, 10:00-11:00 CET"
    assert local_range(start, end, "Asia/Kolkata") == "Tue 3 Mar 2026, 14:30-15:30 IST"


def test_local_range_across_local_midnight_shows_both_dates():
    start, end = session_window(utc(2026, 3, 3, 22, 30), 60)
    assert local_range(start, end, "Europe/Berlin") == (
        "Tue 3 Mar 2026, 23:30 - Wed 4 Mar 2026, 00:30 CET"
    )
    # The same session is within one day in Chicago.
    assert (
        local_range(start, end, "America/Chicago") == "Tue 3 Mar 2026, 16:30-17:30 CST"
    )


def test_local_range_notes_a_clock_change_during_the_session():
    start, end = session_window(utc(2026, 11, 1, 5, 30), 45)
    assert local_range(start, end, "America/New_York") == (
        "Sun 1 Nov 2026, 01:30 EDT - 01:15 EST (clocks change during the session)"
    )
    start, end = session_window(utc(2026, 3, 29, 0, 30), 60)
    assert local_range(start, end, "Europe/Berlin") == (
        "Sun 29 Mar 2026, 01:30 CET - 03:30 CEST (clocks change during the session)"
    )


def test_local_range_across_midnight_and_a_clock_change():
    start, end = session_window(utc(2026, 11, 1, 3, 30), 180)
    assert local_range(start, end, "America/New_York") == (
        "Sat 31 Oct 2026, 23:30 EDT - Sun 1 Nov 2026, 01:30 EST "
        "(clocks change during the session)"
    )


def test_local_range_falls_back_to_utc():
    start, end = session_window(utc(2026, 3, 3, 9, 0), 30)
    assert (
        local_range(start, end, "Nowhere/Special") == "Tue 3 Mar 2026, 09:00-09:30 UTC"
    )


# --- iCalendar --------------------------------------------------------------

STAMP = utc(2026, 2, 20, 8, 0)


def invitation(**overrides) -> bytes:
    fields = {
        "uid": "loop-42-session-3@interview.example.org",
        "title": "Structured interview: Clinical data engineer",
        "description": "Panel: systems design.",
        "start_utc": utc(2026, 3, 3, 9, 0),
        "end_utc": utc(2026, 3, 3, 10, 0),
        "stamp_utc": STAMP,
    }
    fields.update(overrides)
    return ics_invitation(**fields)


def only_event(data: bytes):
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def content_lines(data: bytes) -> list[str]:
    """Unfolded content lines, as a calendar client reads them."""
    return data.decode("utf-8").replace("\r\n ", "").split("\r\n")


def test_ics_round_trip():
    data = invitation(
        location="Room 4",
        url="https://interview.example.org/loops/42",
        organizer_email="ta@example.org",
        attendee_emails=("ana@example.org", "ben@example.com", "ANA@example.org"),
        sequence=2,
    )
    assert isinstance(data, bytes)
    assert data.startswith(b"BEGIN:VCALENDAR\r\n")
    calendar, event = only_event(data)
    assert (
        str(calendar["PRODID"]) == PRODID == "-//Interview//Structured interviews//EN"
    )
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(event["UID"]) == "loop-42-session-3@interview.example.org"
    assert event.decoded("DTSTAMP") == STAMP
    assert event.decoded("DTSTART") == utc(2026, 3, 3, 9, 0)
    assert event.decoded("DTEND") == utc(2026, 3, 3, 10, 0)
    assert str(event["SUMMARY"]) == "Structured interview: Clinical data engineer"
    assert str(event["DESCRIPTION"]) == "Panel: systems design."
    assert str(event["LOCATION"]) == "Room 4"
    assert str(event["URL"]) == "https://interview.example.org/loops/42"
    assert event.decoded("SEQUENCE") == 2
    assert str(event["ORGANIZER"]) == "mailto:ta@example.org"
    assert [str(a) for a in event["ATTENDEE"]] == [
        "mailto:ana@example.org",
        "mailto:ben@example.com",
    ]


def test_ics_times_are_written_in_utc():
    start = to_utc("2026-03-03T10:00", "Europe/Berlin").astimezone(
        zone("Europe/Berlin")
    )
    data = invitation(start_utc=start, end_utc=start + timedelta(hours=1))
    lines = content_lines(data)
    assert "DTSTART:20260303T090000Z" in lines
    assert "DTEND:20260303T100000Z" in lines
    assert "DTSTAMP:20260220T080000Z" in lines
    assert b"VTIMEZONE" not in data
    assert b"TZID" not in data


def test_ics_optional_fields_are_left_out_when_empty():
    lines = content_lines(invitation(description=""))
    names = {line.split(":", 1)[0].split(";", 1)[0] for line in lines if line}
    assert {"LOCATION", "URL", "ORGANIZER", "ATTENDEE", "DESCRIPTION"}.isdisjoint(names)
    assert "SEQUENCE:0" in lines


def test_ics_escapes_user_text():
    title = "Interview; round 2, panel \\ B 🩺 مقابلة שלום"
    description = "Line one\nLine two; with, punctuation\r\nLine three"
    location = "Building 3, Floor 2; Room 4 — דלת\nSide entrance"
    data = invitation(title=title, description=description, location=location)
    lines = content_lines(data)
    assert r"SUMMARY:Interview\; round 2\, panel \\ B 🩺 مقابلة שלום" in lines
    assert r"LOCATION:Building 3\, Floor 2\; Room 4 — דלת\nSide entrance" in lines
    _, event = only_event(data)
    assert str(event["SUMMARY"]) == title
    assert (
        str(event["DESCRIPTION"]) == "Line one\nLine two; with, punctuation\nLine three"
    )
    assert str(event["LOCATION"]) == location


def test_ics_folds_long_lines_without_breaking_characters():
    title = "Entretien structuré 🩺 " * 20
    data = invitation(title=title)
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    _, event = only_event(data)
    assert str(event["SUMMARY"]) == title


@pytest.mark.parametrize(
    "field",
    ["title", "description", "location", "uid"],
)
@pytest.mark.parametrize(
    "attack",
    [
        "Interview\r\nATTENDEE:mailto:evil@example.org",
        "Interview\nATTENDEE:mailto:evil@example.org",
        "Interview\rATTENDEE:mailto:evil@example.org",
        "Interview\u2028ATTENDEE:mailto:evil@example.org",
        "Interview\x85ATTENDEE:mailto:evil@example.org",
        "Interview\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:Second",
    ],
)
def test_ics_line_breaks_cannot_inject_properties(field, attack):
    data = invitation(**{field: attack})
    lines = content_lines(data)
    assert not any(line.startswith(("ATTENDEE", "SUMMARY:Second")) for line in lines)
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 1
    assert not any(ch in data.decode("utf-8") for ch in "\u2028\x85")
    _, event = only_event(data)
    assert "ATTENDEE" not in event


def test_ics_drops_other_control_characters():
    _, event = only_event(invitation(title="Inter\x00view\x1b[31m\tpanel"))
    assert str(event["SUMMARY"]) == "Interview[31m\tpanel"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<b>hi</b>",
        "file:///etc/passwd",
        "ftp://example.org/x",
        "mailto:someone@example.org",
        "//example.org/no-scheme",
        "https://",
        "https://example.org/\r\nATTENDEE:mailto:evil@example.org",
        "https://example.org/a b",
        "   ",
    ],
)
def test_ics_writes_only_http_urls(url):
    data = invitation(url=url)
    assert not any(line.startswith(("URL", "ATTENDEE")) for line in content_lines(data))


def test_ics_keeps_http_and_https_urls():
    for url in ("http://example.org/x", "HTTPS://example.org/a?b=1,2;c"):
        _, event = only_event(invitation(url=f"  {url} "))
        assert str(event["URL"]) == url


@pytest.mark.parametrize(
    "email",
    [
        "",
        "not-an-email",
        "a@b",
        "evil@example.org\r\nATTENDEE:mailto:x@example.org",
        "a@example.org;RSVP=TRUE",
        "a b@example.org",
        "a@example.org:x",
    ],
)
def test_ics_refuses_bad_addresses(email):
    with pytest.raises(ScheduleError, match="is not an email address") as caught:
        invitation(attendee_emails=(email,))
    assert "\n" not in str(caught.value)
    with pytest.raises(ScheduleError, match="is not an email address"):
        invitation(organizer_email=email)


def test_ics_refuses_end_before_start_and_naive_times():
    with pytest.raises(ScheduleError) as caught:
        invitation(end_utc=utc(2026, 3, 3, 8, 0))
    assert str(caught.value) == ENDS_BEFORE
    with pytest.raises(ValueError, match="timezone-aware"):
        invitation(start_utc=datetime(2026, 3, 3, 9, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        invitation(stamp_utc=datetime(2026, 3, 3, 9, 0))


@pytest.mark.parametrize("uid", ["", "  ", "\r\n"])
def test_ics_needs_a_uid(uid):
    with pytest.raises(ValueError, match="uid"):
        invitation(uid=uid)


@pytest.mark.parametrize("sequence", [-1, True, 1.0])
def test_ics_sequence_is_a_non_negative_integer(sequence):
    with pytest.raises(ValueError, match="sequence"):
        invitation(sequence=sequence)


@pytest.mark.parametrize(
    "text",
    ["0001-01-01T00:00", "1999-12-31T23:59", "2101-01-01T00:00", "9999-12-31T23:59"],
)
def test_to_utc_refuses_dates_outside_this_century(text):
    """Far dates would overflow 'end of interview + one day' on the loop page."""
    with pytest.raises(
        ScheduleError, match="Choose a date between the years 2000 and 2100."
    ):
        to_utc(text, "Europe/Berlin")


def test_ics_a_cancelled_session_is_a_cancellation():
    """A withdrawn loop's session: calendars that imported the invitation drop it."""
    calendar, event = only_event(invitation(sequence=3, cancelled=True))
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert event.decoded("SEQUENCE") == 3
    calendar, event = only_event(invitation(sequence=3))
    assert str(calendar["METHOD"]) == "PUBLISH" and "STATUS" not in event
