"""Audit entries in words: what an action code means, what an object type is called,
and what an entry changed, as rows a person reads. Pure: plain values in and out.

Entries hold identifiers, field names and values (auditing.py); this module never
reads the database, so the page, an export and a test describe an entry alike.
"""

import json
from dataclasses import dataclass

# Every action the application records, in words, in the order the filter offers
# them. An entry whose code is not here (written by a newer release) is still shown,
# in a plain reading of its code.
ACTIONS = {
    "debrief.view": "Viewed a debrief",
    "debrief.packet": "Downloaded a debrief packet",
    "scorecards.panel": "Viewed a loop's submitted scorecards",
    "candidate.export": "Exported everything held about a candidate",
    "candidate.erased": "Erased a candidate",
    "candidate.save": "Saved a candidate",
    "candidate.conflict": "Recorded a conflict of interest",
    "hold.place": "Placed a legal hold",
    "hold.release": "Released a legal hold",
    "requisition.save": "Saved a requisition",
    "requisition.plan": "Changed a requisition's interview plan",
    "loop.create": "Started a loop",
    "loop.seat": "Changed a panel seat",
    "loop.schedule": "Scheduled a session",
    "loop.session.add": "Added a session",
    "loop.session.change": "Changed a session",
    "loop.session.remove": "Removed a session",
    "loop.status": "Changed a loop's status",
    "loop.decision": "Recorded a hiring decision",
    "loop.reopen": "Reopened a decided loop",
    "scorecard.submit": "Submitted a scorecard",
    "scorecard.amend": "Amended a scorecard",
    "rubric.version": "Saved a rubric version",
    "user.create": "Created an account",
    "user.update": "Changed an account",
    "user.deactivate": "Deactivated an account",
    "user.reactivate": "Reactivated an account",
}

# Object types by table name (AuditEntry.object_type), as a person names them.
OBJECT_TYPES = {
    "candidates": "Candidate",
    "loops": "Loop",
    "requisitions": "Requisition",
    "scorecards": "Scorecard",
    "rubric_versions": "Rubric version",
    "users": "Account",
    "legal_holds": "Legal hold",
}

# A value longer than this is cut on the page (the export keeps it whole).
SHOWN_CHARS = 500


def action_words(code: str) -> str:
    """ "Viewed a debrief" for "debrief.view"; an unknown code read plainly."""
    if code in ACTIONS:
        return ACTIONS[code]
    return code.replace(".", " ").replace("_", " ").capitalize()


def object_words(object_type: str, object_id: int | None) -> str:
    """ "Loop 12": the type's name and the id (no name: entries hold none)."""
    name = OBJECT_TYPES.get(object_type) or object_type.replace("_", " ").capitalize()
    return name if object_id is None else f"{name} {object_id}"


@dataclass(frozen=True)
class Change:
    """One field of an entry: its value before and after ("—" for none)."""

    field: str
    before: str
    after: str


def describe_change(before, after) -> list[Change]:
    """The fields an entry's ``before`` and ``after`` differ in, in their order.

    Nested objects are read field by field ("ratings › workflow › level"); a field
    present on one side only shows "—" on the other; a field equal on both sides is
    left out. Values are text, cut at ``SHOWN_CHARS``; the template escapes them.
    """
    old, new = _flat(before), _flat(after)
    fields = list(dict.fromkeys([*old, *new]))
    return [
        Change(field, _text(old.get(field)), _text(new.get(field)))
        for field in fields
        if old.get(field, _MISSING) != new.get(field, _MISSING)
    ]


_MISSING = object()


def _flat(value, prefix: str = "") -> dict:
    """A dict's leaves under "a › b" names; any other value under ``prefix``."""
    if isinstance(value, dict):
        flat = {}
        for key, inner in value.items():
            name = f"{prefix} › {_field(key)}" if prefix else _field(key)
            flat.update(_flat(inner, name))
        return flat
    if value is None and not prefix:
        return {}
    return {prefix or "value": value}


def _field(key) -> str:
    return str(key).replace("_", " ")


def _text(value) -> str:
    if value is None or value is _MISSING or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"
