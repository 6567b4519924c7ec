"""The data lifecycle's rules, as plain functions of plain values (no Flask, no
database): when a candidate falls due for retention, and what erasure keeps.

When a candidate is due (``due_at``)
------------------------------------
A candidate's personal data is kept ``RETENTION_DAYS`` after their last loop closed,
and never while a loop is open or a legal hold is in force:

- erased already, or under a hold (on them or on a requisition they have a loop on):
  never due (None);
- any loop not decided or withdrawn (planned, interviewing, debrief): not due (None);
- every loop decided or withdrawn: due ``days`` after the latest closing, the moment
  recorded when the loop became decided or withdrawn (``loops.closed_at``, migration
  0018), which no later edit of the loop moves; a closed loop without one (written
  around the application) closed at its latest decision if decided, else at its
  last change;
- no loop at all (added, never interviewed): due ``days`` after the record was last
  changed, so a candidate kept "on file" is asked about again by being edited.

``due_at(...) <= now`` is the test; a candidate due today stays due until erased.

What erasure keeps (``redact_json``, ``scrub_text``)
---------------------------------------------------
Numbers stay (levels, recommendations, ids, counts), and so do dates, disciplines
and the shape of every loop: calibration's figures do not change. Free text goes: an
audit entry's JSON keeps its keys, numbers, booleans and nulls and has every string
replaced by ``MARKER`` (migration 0014 checks exactly this in the database); text
that is not the candidate's own but may name them (a session's title or place) has
each mention of their name, email or phone replaced by ``MARKER``.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

MARKER = "[erased]"
CLOSED = frozenset({"decided", "withdrawn"})


def erased_name(candidate_id: int) -> str:
    """The name an erased candidate carries from then on."""
    return f"Erased candidate #{candidate_id}"


@dataclass(frozen=True)
class LoopFacts:
    status: str  # a LoopStatus value
    last_decided_at: datetime | None  # its latest decision, if any
    updated_at: datetime  # its last change
    closed_at: datetime | None = None  # when it became decided or withdrawn


@dataclass(frozen=True)
class CandidateFacts:
    updated_at: datetime
    loops: tuple[LoopFacts, ...] = ()
    is_held: bool = False
    is_erased: bool = False


def closed_at(loop: LoopFacts) -> datetime | None:
    """When the loop closed, or None while it is open."""
    if loop.status not in CLOSED:
        return None
    if loop.closed_at is not None:
        return loop.closed_at
    if loop.status == "decided" and loop.last_decided_at is not None:
        return loop.last_decided_at
    return loop.updated_at


def due_at(facts: CandidateFacts, days: int) -> datetime | None:
    """When the candidate's personal data falls due for erasure (module docstring)."""
    if facts.is_erased or facts.is_held:
        return None
    if not facts.loops:
        return facts.updated_at + timedelta(days=days)
    closings = [closed_at(loop) for loop in facts.loops]
    if any(c is None for c in closings):
        return None
    return max(closings) + timedelta(days=days)


def is_due(facts: CandidateFacts, now: datetime, days: int) -> bool:
    """Whether retention erases the candidate at ``now``."""
    when = due_at(facts, days)
    return when is not None and when <= now


def redact_json(value):
    """The value with every string replaced by ``MARKER``; keys, numbers, booleans
    and nulls kept (the database's check in migration 0014 computes the same)."""
    if isinstance(value, str):
        return MARKER
    if isinstance(value, dict):
        return {key: redact_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_json(item) for item in value]
    return value


NAME_PART_MIN = 2


def mentions(name: str | None, email: str | None, phone: str | None) -> list[str]:
    """What to look for in text that may mention the candidate: the full name, each
    word of it, the email, its local part, the phone (longest first)."""
    found = {t.strip() for t in (name, email, phone) if t and t.strip()}
    found |= {w for w in re.findall(r"\w+", name or "") if len(w) >= NAME_PART_MIN}
    if email and "@" in email:
        found.add(email.split("@", 1)[0])
    return sorted(found, key=lambda t: (-len(t), t))


def scrub_text(text: str | None, needles: list[str]) -> str | None:
    """The text with every mention (case-insensitive, as a whole word) replaced by
    ``MARKER``; None stays None."""
    if not text or not needles:
        return text
    words = "|".join(re.escape(n) for n in needles)
    return re.sub(rf"(?<!\w)(?:{words})(?!\w)", MARKER, text, flags=re.IGNORECASE)
