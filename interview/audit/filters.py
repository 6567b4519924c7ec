"""The audit log page's filters read from its query string. Pure: plain arguments
in, the filters and what was wrong with them out, so no input reaches a query
unchecked and every problem is said in words.

Who: words of an actor's name or email (``who``), or one account by id (``actor``,
what an entry's link sets), or ``actor=system`` for the command line's entries.
What: one action code (words.ACTIONS). When: ``from`` and ``to``, dates in the
reader's time zone, both days included; a reversed range is read the way round it
was meant, and said so. Which object: a type (words.OBJECT_TYPES) and an id.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from ..search import MAX_QUERY

MAX_ID = 2**31 - 1
SYSTEM = "system"
SHOWN = 40  # characters of a refused value quoted back in a message


@dataclass(frozen=True)
class Filters:
    who: str = ""
    actor: int | None = None
    system: bool = False
    action: str = ""
    object_type: str = ""
    object_id: int | None = None
    start: datetime | None = None  # inclusive, aware
    end: datetime | None = None  # exclusive, aware
    dates: dict = field(default_factory=dict)  # as shown back: {"from": "2026-01-31"}


def read_filters(
    args: Mapping[str, str], zone: tzinfo, actions, object_types
) -> tuple[Filters, list[str]]:
    """The filters ``args`` ask for, and a message for each one left out."""
    problems: list[str] = []
    actor, system = _actor(args.get("actor", ""), problems)
    action = _choice(args.get("action", ""), actions, "action", problems)
    object_type = _choice(args.get("type", ""), object_types, "object type", problems)
    object_id = _id(args.get("id", ""), "object id", problems)
    if object_id is not None and not object_type:
        problems.append("An object id needs its type: choose one to find it.")
        object_id = None
    start, end, dates = _dates(args.get("from", ""), args.get("to", ""), zone, problems)
    found = Filters(
        who=" ".join(args.get("who", "")[:MAX_QUERY].split()),
        actor=actor,
        system=system,
        action=action,
        object_type=object_type,
        object_id=object_id,
        start=start,
        end=end,
        dates=dates,
    )
    return found, problems


def _quoted(text: str) -> str:
    return f"'{text[:SHOWN]}…'" if len(text) > SHOWN else f"'{text}'"


def _actor(text: str, problems: list[str]) -> tuple[int | None, bool]:
    text = text.strip()
    if text == SYSTEM:
        return None, True
    return _id(text, "account id", problems), False


def _id(text: str, what: str, problems: list[str]) -> int | None:
    text = text.strip()
    if not text:
        return None
    digits = text.isascii() and text.isdecimal() and len(text) <= 10
    if digits and 0 < int(text) <= MAX_ID:
        return int(text)
    problems.append(f"{_quoted(text)} is not an {what}; it was left out.")
    return None


def _choice(text: str, allowed, what: str, problems: list[str]) -> str:
    if not text or text in allowed:
        return text
    problems.append(f"There is no {what} {_quoted(text)}; every {what} is shown.")
    return ""


def _dates(first: str, last: str, zone: tzinfo, problems: list[str]):
    days = {}
    for name, text in (("from", first.strip()), ("to", last.strip())):
        if not text:
            continue
        try:
            days[name] = date.fromisoformat(text)
        except ValueError:
            problems.append(
                f"{_quoted(text)} is not a date (YYYY-MM-DD); it was left out."
            )
    if "from" in days and "to" in days and days["from"] > days["to"]:
        days = {"from": days["to"], "to": days["from"]}
        problems.append(
            f"'From' ({days['to']}) was after 'to' ({days['from']}): the entries "
            f"from {days['from']} to {days['to']} are shown."
        )
    start = _midnight(days.get("from"), zone)
    last = days.get("to")
    end = (
        _midnight(last + timedelta(days=1), zone) if last and last < date.max else None
    )
    return start, end, {name: day.isoformat() for name, day in days.items()}


# Days this near the calendar's ends bound nothing (no entry is that old or that
# new), and their midnight in a far zone would not convert to UTC.
OPEN_BEFORE = date(2, 1, 1)
OPEN_AFTER = date(9998, 12, 31)


def _midnight(day: date | None, zone: tzinfo) -> datetime | None:
    if day is None or not OPEN_BEFORE <= day <= OPEN_AFTER:
        return None
    return datetime.combine(day, time(), zone)
