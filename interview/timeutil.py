"""Time helpers: everything stored is UTC and timezone-aware; shown in the reader's zone."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


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
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"
