"""Time helpers: everything stored is UTC and timezone-aware (display: loops/schedule.py)."""

from datetime import UTC, datetime

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
