"""Scheduling helpers: local wall times in, aware UTC out; calendar invitations.

Everything stored is a timezone-aware UTC datetime. People type and read times
in their own IANA time zone (``Europe/Berlin``, ``America/Chicago``), so this
module converts between the two and writes iCalendar invitations. It is pure:
no Flask and no database, only ``zoneinfo``, ``datetime`` and ``icalendar``.

Daylight-saving policy
----------------------
A local wall time does not always name exactly one instant:

* **Gap** (clocks go forward): 02:30 on 8 March 2026 never happens in
  America/New_York. We *refuse* it with a :class:`ScheduleError` instead of
  silently moving it, because an interview an hour off is worse than a prompt
  to pick another time.
* **Fold** (clocks go back): 01:30 on 1 November 2026 happens twice in
  America/New_York, first in EDT (UTC-04:00), then in EST (UTC-05:00). We
  *refuse* it unless the caller says which one it means with ``fold=0``
  (the first, earlier instant) or ``fold=1`` (the second, later instant),
  as in :pep:`495`. The error message names both offsets so a form can offer
  the choice.

Both cases are detected by the standard round trip: attach the zone with
``fold=0`` and ``fold=1``; if the two give different UTC offsets the time is
either in a gap (converting to UTC and back does not reproduce the wall time)
or in a fold (it does).

Durations and ordering are always computed on UTC instants, so a session from
01:30 EDT to 01:15 EST lasts 45 minutes, as it does for the people in it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from icalendar import Calendar, Event, vCalAddress, vUri

from ..timeutil import DAY_NAMES, MONTH_NAMES

__all__ = [
    "MAX_SESSION_MINUTES",
    "PRODID",
    "ScheduleError",
    "display_zone",
    "ics_invitation",
    "local_display",
    "local_range",
    "localtime_filter",
    "session_window",
    "to_utc",
    "window_from_times",
    "zone",
]

PRODID = "-//Interview//Structured interviews//EN"
MIN_SESSION_MINUTES = 1
MAX_SESSION_MINUTES = 8 * 60
# The longest IANA names are about 30 characters; anything much longer is junk.
_MAX_ZONE_NAME = 64
_MAX_DATETIME_TEXT = 40


_LOCAL_TEXT = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?", re.ASCII
)
# Deliberately simple: one @, no spaces, no characters with meaning in a
# calendar address or a mail header. Real validation happens where the address
# is collected; this is a last guard before the address is written to a file.
_EMAIL = re.compile(
    r"[^@\s<>()\[\]\\,;:\"]+@[^@\s<>()\[\]\\,;:\"]+\.[^@\s<>()\[\]\\,;:\"]+"
)

MSG_UNKNOWN_ZONE = (
    "Unknown time zone '{name}'. Use a name like Europe/Berlin or America/Chicago."
)
MSG_NO_ZONE = "Choose a time zone, such as Europe/Berlin or America/Chicago."
MSG_BAD_DATETIME = "Enter the date and time as YYYY-MM-DD HH:MM."
MSG_GAP = (
    "{time} on {date} does not exist in {zone} (clocks go forward that night); "
    "choose another time."
)
MSG_FOLD = (
    "{time} on {date} happens twice in {zone} (clocks go back that night): "
    "choose the first ({first}) or second ({second})."
)
MSG_DURATION = "A session lasts between 1 minute and 8 hours."
MSG_YEAR = "Choose a date between the years 2000 and 2100."
# Interviews happen in this century; far dates overflow "ends + a day" arithmetic.
YEARS = range(2000, 2101)
MSG_ENDS_BEFORE_START = "The session ends before it starts."
MSG_BAD_EMAIL = "'{email}' is not an email address."


class ScheduleError(ValueError):
    """A scheduling input a person can fix; ``str(error)`` is a sentence for them."""


# --- time zones -------------------------------------------------------------


# Files some systems keep beside the real zones: the server's own zone and
# tzdata's placeholders. None of them is a zone a person lives in.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@functools.cache
def _known_zones() -> frozenset[str]:
    return (frozenset(available_timezones()) - _NOT_ZONES) | {"UTC"}


def _shown(text: str, limit: int = 40) -> str:
    """User input made safe to echo in a message: printable and short."""
    printable = "".join(ch if ch.isprintable() else "?" for ch in text)
    return printable if len(printable) <= limit else printable[: limit - 1] + "…"


def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA zone name, or ScheduleError for anything else.

    The name must be one of ``zoneinfo.available_timezones()`` (or "UTC") exactly,
    so path-like or absurd input never reaches the file system lookup.
    """
    text = name.strip() if isinstance(name, str) else ""
    if not text:
        raise ScheduleError(MSG_NO_ZONE)
    if len(text) > _MAX_ZONE_NAME or text not in _known_zones():
        raise ScheduleError(MSG_UNKNOWN_ZONE.format(name=_shown(text)))
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:  # pragma: no cover
        raise ScheduleError(MSG_UNKNOWN_ZONE.format(name=_shown(text))) from error


# --- formatting helpers -----------------------------------------------------


def _date_text(moment: datetime) -> str:
    """Like "Sun 8 Mar 2026", in English whatever the process locale."""
    weekday, month = DAY_NAMES[moment.weekday()], MONTH_NAMES[moment.month - 1]
    return f"{weekday} {moment.day} {month} {moment.year}"


def _offset_text(offset: timedelta | None) -> str:
    """Like "UTC-04:00" or "UTC+05:30"."""
    total = int((offset or timedelta(0)).total_seconds())
    sign = "-" if total < 0 else "+"
    hours, rest = divmod(abs(total), 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"UTC{sign}{hours:02d}:{minutes:02d}"
    return f"{text}:{seconds:02d}" if seconds else text


def _zone_label(moment: datetime) -> str:
    """The zone abbreviation ("CET", "EDT"), or "UTC+10:30" where tzdata has none."""
    abbreviation = moment.tzname()
    if not abbreviation or abbreviation[0] in "+-":
        return _offset_text(moment.utcoffset())
    return abbreviation


def _offset_choice(moment: datetime) -> str:
    """Like "EDT, UTC-04:00", or just "UTC+11:00" where tzdata has no letters."""
    label = _zone_label(moment)
    offset = _offset_text(moment.utcoffset())
    return offset if label == offset else f"{label}, {offset}"


def _require_aware(moment: datetime, what: str) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"{what} must be a datetime, not {type(moment).__name__}.")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (store times in UTC).")
    return moment.astimezone(UTC)


# --- local wall time to UTC -------------------------------------------------


def _parse_local(local: datetime | str) -> datetime:
    if isinstance(local, datetime):
        if local.tzinfo is not None:
            raise ValueError(
                "to_utc() takes a naive local wall time, not an aware datetime."
            )
        return local
    if not isinstance(local, str):
        raise TypeError(f"Expected a datetime or a string, not {type(local).__name__}.")
    text = local.strip()
    match = _LOCAL_TEXT.fullmatch(text) if len(text) <= _MAX_DATETIME_TEXT else None
    if match is None:
        raise ScheduleError(MSG_BAD_DATETIME)
    year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError as error:
        raise ScheduleError(MSG_BAD_DATETIME) from error


def to_utc(local: datetime | str, zone_name: str, fold: int | None = None) -> datetime:
    """Convert a naive local wall time in ``zone_name`` to an aware UTC datetime.

    ``local`` is a naive datetime or an HTML ``datetime-local`` value
    ("2026-03-08T02:30" or "2026-03-08T02:30:00"; a space instead of "T" is
    accepted). Times in a spring-forward gap are refused; times in a fall-back
    fold are refused unless ``fold`` is 0 (first occurrence) or 1 (second).
    """
    if fold not in (None, 0, 1):
        raise ValueError("fold must be None, 0 or 1.")
    tz = zone(zone_name)
    wall = _parse_local(local)
    if wall.year not in YEARS:
        raise ScheduleError(MSG_YEAR)
    first = wall.replace(tzinfo=tz, fold=0)
    second = wall.replace(tzinfo=tz, fold=1)
    try:
        first_utc = first.astimezone(UTC)
        second_utc = second.astimezone(UTC)
        round_trip = first_utc.astimezone(tz).replace(tzinfo=None, fold=0)
    except OverflowError as error:
        raise ScheduleError(MSG_BAD_DATETIME) from error

    if first.utcoffset() != second.utcoffset():
        where = {
            "time": f"{wall.hour}:{wall.minute:02d}",
            "date": _date_text(wall),
            "zone": tz.key,
        }
        if wall.second:
            where["time"] += f":{wall.second:02d}"
        if round_trip != wall:
            raise ScheduleError(MSG_GAP.format(**where))
        if fold is None:
            raise ScheduleError(
                MSG_FOLD.format(
                    **where, first=_offset_choice(first), second=_offset_choice(second)
                )
            )
        return second_utc if fold == 1 else first_utc
    return first_utc


# --- sessions ---------------------------------------------------------------


def _check_length(length: timedelta) -> None:
    if length <= timedelta(0):
        raise ScheduleError(MSG_ENDS_BEFORE_START)
    if (
        not timedelta(minutes=MIN_SESSION_MINUTES)
        <= length
        <= timedelta(minutes=MAX_SESSION_MINUTES)
    ):
        raise ScheduleError(MSG_DURATION)


def session_window(
    starts_at_utc: datetime, duration_minutes: int
) -> tuple[datetime, datetime]:
    """(start, end) in UTC for a session of 1 to 480 minutes."""
    start = _require_aware(starts_at_utc, "starts_at_utc")
    if (
        isinstance(duration_minutes, bool)
        or not isinstance(duration_minutes, int)
        or not MIN_SESSION_MINUTES <= duration_minutes <= MAX_SESSION_MINUTES
    ):
        raise ScheduleError(MSG_DURATION)
    return start, start + timedelta(minutes=duration_minutes)


def window_from_times(
    start_local: datetime | str,
    end_local: datetime | str,
    zone_name: str,
    *,
    start_fold: int | None = None,
    end_fold: int | None = None,
) -> tuple[datetime, datetime]:
    """(start, end) in UTC from two local wall times in one zone.

    Refuses an end at or before the start and sessions shorter than a minute or
    longer than 8 hours. Gaps and folds are handled as in :func:`to_utc`.
    """
    start = to_utc(start_local, zone_name, fold=start_fold)
    end = to_utc(end_local, zone_name, fold=end_fold)
    _check_length(end - start)
    return start, end


# --- display ----------------------------------------------------------------


def display_zone(zone_name: str) -> tzinfo:
    try:
        return zone(zone_name)
    except ScheduleError:
        return UTC


def local_display(moment_utc: datetime, zone_name: str) -> str:
    """Like "Tue 3 Mar 2026, 10:00 CET" in ``zone_name`` (UTC if it is unknown)."""
    local = _require_aware(moment_utc, "moment_utc").astimezone(display_zone(zone_name))
    return f"{_date_text(local)}, {local:%H:%M} {_zone_label(local)}"


def local_range(start_utc: datetime, end_utc: datetime, zone_name: str) -> str:
    """A session as the reader sees it, e.g. "Tue 3 Mar 2026, 10:00-11:00 CET".

    Both dates are shown when the session crosses local midnight; both zone
    labels when they differ (a DST change during the session), with a note.
    """
    tz = display_zone(zone_name)
    start = _require_aware(start_utc, "start_utc").astimezone(tz)
    end = _require_aware(end_utc, "end_utc").astimezone(tz)
    start_label, end_label = _zone_label(start), _zone_label(end)
    same_day = start.date() == end.date()
    start_text = f"{_date_text(start)}, {start:%H:%M}"
    end_text = f"{end:%H:%M}" if same_day else f"{_date_text(end)}, {end:%H:%M}"
    if start_label == end_label:
        separator = "-" if same_day else " - "
        text = f"{start_text}{separator}{end_text} {end_label}"
    else:
        text = f"{start_text} {start_label} - {end_text} {end_label}"
    if start.utcoffset() != end.utcoffset():
        text += " (clocks change during the session)"
    return text


# --- iCalendar --------------------------------------------------------------

_LINE_BREAKS = re.compile(r"\r\n|[\r\u2028\u2029\x85\x0b\x0c]")


def _clean_text(value: str) -> str:
    """Text for a TEXT property: keep tabs and line feeds, drop other controls.

    Escaping (commas, semicolons, backslashes, newlines) and line folding are
    left to icalendar; this only removes characters that RFC 5545 does not
    allow in TEXT or that some parsers treat as line breaks.
    """
    if not isinstance(value, str):
        raise TypeError(f"Expected text, not {type(value).__name__}.")
    value = _LINE_BREAKS.sub("\n", value)
    return "".join(
        ch for ch in value if ch in "\t\n" or unicodedata.category(ch) != "Cc"
    )


def _web_url(url: str) -> str | None:
    """The URL if it is a plain http(s) URL, else None (it is then left out)."""
    text = (url or "").strip()
    if not text or any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return text


def calendar_address_ok(email: str) -> bool:
    """Whether ``ics_invitation`` takes this address as an organizer or attendee."""
    text = email.strip() if isinstance(email, str) else ""
    return bool(_EMAIL.fullmatch(text)) and text.isprintable()


def _mailto(email: str) -> vCalAddress:
    text = email.strip() if isinstance(email, str) else ""
    if not _EMAIL.fullmatch(text) or not text.isprintable():
        raise ScheduleError(MSG_BAD_EMAIL.format(email=_shown(text)))
    return vCalAddress(f"mailto:{text}")


def _named(address: vCalAddress, names: Mapping[str, str], email: str):
    """The address with its person's name as CN, on one line, if there is one."""
    name = " ".join(_clean_text(names.get(email, "")).split())
    if name:
        address.params["CN"] = name
    return address


def ics_invitation(
    *,
    uid: str,
    title: str,
    description: str,
    start_utc: datetime,
    end_utc: datetime,
    location: str = "",
    url: str = "",
    organizer_email: str | None = None,
    attendee_emails: tuple[str, ...] = (),
    names: Mapping[str, str] | None = None,
    stamp_utc: datetime,
    sequence: int = 0,
    cancelled: bool = False,
    method: str = "PUBLISH",
) -> bytes:
    """An RFC 5545 VCALENDAR (METHOD:PUBLISH) with one VEVENT, as bytes.

    All user text goes through icalendar's own escaping; times are written in
    UTC ("...Z"). A URL that is not http(s) is left out. Raise ``sequence``
    each time a published session changes, keeping the same ``uid``.
    ``cancelled``: the session will not happen (its loop was withdrawn), so the
    file is METHOD:CANCEL with STATUS:CANCELLED, and its ``sequence`` must be
    above the last invitation's for calendars to drop the event.
    ``method``: PUBLISH for a file someone imports, REQUEST for an invitation
    sent by email (RFC 5546: calendars then offer to accept it, and a later
    REQUEST or CANCEL with the same ``uid`` replaces it).
    ``names``: people's names by address, written as the organizer's and each
    attendee's CN (icalendar quotes them, RFC 6868 escapes a double quote). In a
    REQUEST each attendee is also asked to answer: ROLE=REQ-PARTICIPANT,
    PARTSTAT=NEEDS-ACTION, RSVP=TRUE (RFC 5546 3.2.2).
    """
    if method not in ("PUBLISH", "REQUEST"):
        raise ValueError("method must be PUBLISH or REQUEST.")
    start = _require_aware(start_utc, "start_utc")
    end = _require_aware(end_utc, "end_utc")
    stamp = _require_aware(stamp_utc, "stamp_utc")
    if end <= start:
        raise ScheduleError(MSG_ENDS_BEFORE_START)
    uid_text = _clean_text(uid).strip()
    if not uid_text:
        raise ValueError("uid must not be empty.")
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 0:
        raise ValueError("sequence must be a non-negative integer.")

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else method)

    event = Event()
    event.add("uid", uid_text)
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("sequence", sequence)
    if cancelled:
        event.add("status", "CANCELLED")
    event.add("summary", _clean_text(title))
    description_text = _clean_text(description)
    if description_text:
        event.add("description", description_text)
    location_text = _clean_text(location)
    if location_text:
        event.add("location", location_text)
    web = _web_url(url)
    if web is not None:
        event.add("url", vUri(web))
    names = names or {}
    if organizer_email is not None:
        event.add("organizer", _named(_mailto(organizer_email), names, organizer_email))
    asked = method == "REQUEST" and not cancelled
    seen: set[str] = set()
    for email in attendee_emails:
        address = _named(_mailto(email), names, email)
        if address.lower() in seen:
            continue
        seen.add(address.lower())
        if asked:
            address.params["ROLE"] = "REQ-PARTICIPANT"
            address.params["PARTSTAT"] = "NEEDS-ACTION"
            address.params["RSVP"] = "TRUE"
        event.add("attendee", address)
    calendar.add_component(event)
    return calendar.to_ical()


def localtime_filter(moment_utc: datetime | None, zone_name: str) -> str:
    """The ``localtime`` template filter: ``local_display``, or "not scheduled"."""
    return (
        "not scheduled" if moment_utc is None else local_display(moment_utc, zone_name)
    )
