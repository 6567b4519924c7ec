"""Time helpers: everything stored is UTC and timezone-aware; shown in the reader's zone."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Written out, not taken from the process locale, so pages, PDFs and messages read
# the same on every server.
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_NAMES = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_zone(moment: datetime, zone_name: str) -> datetime:
    """Convert an aware datetime to a named zone, falling back to UTC for bad names."""
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    return moment.astimezone(zone)


def format_local(moment: datetime | None, zone_name: str) -> str:
    """Format like "Tue 3 Mar 2026, 10:00 CET" in the reader's own time zone."""
    if moment is None:
        return "not scheduled"
    local = to_zone(moment, zone_name)
    day, month = DAY_NAMES[local.weekday()], MONTH_NAMES[local.month - 1]
    return f"{day} {local.day} {month} {local.year}, {local:%H:%M} {local.tzname()}"
