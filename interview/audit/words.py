"""Audit entries in words: what an action code means, what an object type is called,
and what an entry changed, as rows a person reads. Pure: plain values in and out.

Entries hold identifiers, field names and values (auditing.py); this module never
reads the database, so the page, an export and a test describe an entry alike.

What the page prints of a change (``describe_change``)
------------------------------------------------------
The log names every field a change touched. Numbers, booleans, nulls and dates are
printed as they are (levels, recommendations, ids, minutes, seat counts). Text is
printed only where it is a code or a label nobody types about a person; any other
text field is listed with ``NOT_SHOWN`` for its value ("—" where it was empty), so a
reader sees that a candidate's email or a card's evidence changed, never what it
says. Text shown, by object type:

- every type: codes (``CODES``: a status, outcome, discipline, role, time zone, a
  packet's size, a start time, competency and rubric keys);
- accounts: the colleague's name and email (what the accounts pages show);
- requisitions: the job title and the plan's session titles;
- rubric versions: the rubric's title;
- candidates: nothing (name, email, phone, source, notes: the person's details);
- scorecards: no value at all but the status (``SCORES_HIDDEN``): evidence, notes
  and summary are an interviewer's judgement, and levels, "not assessed" and the
  recommendation their scores, which a reader holding an unsubmitted seat on the
  loop may not see (the independence rule); the loop's pages show them to those who
  may read them;
- loops: nothing (the candidate's name at a loop's start, a session's title or
  place, which may name the candidate);
- legal holds and any type not listed: nothing.

An entry's reason (a decision's rationale, why a loop was reopened or a scorecard
amended) is typed text about the candidate too: the page says that one was given,
and the loop's own pages show it to those who may read it.
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
    "loop.session.cancel": "Cancelled a session (a decision came before it)",
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
    "user.sso_unlink": "Unlinked an account from single sign-on",
    "token.create": "Made an API token",
    "token.revoke": "Revoked an API token",
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
    "api_tokens": "API token",
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


# Codes any entry may show: chosen from a list, never typed about a person.
CODES = frozenset(
    {
        "status",
        "outcome",
        "discipline",
        "role",
        "time_zone",
        "via",
        "size",
        "starts_at",
        "competencies",
        "trained",
        "key",
        "password",  # "changed" (accounts.operations), never the password
        "scopes",  # an API token's (issue 15)
        "expires_at",
    }
)

# Labels shown for one object type besides the codes (the module docstring says why).
LABELS = {
    "users": frozenset({"name", "email"}),
    "requisitions": frozenset({"title"}),
    "rubric_versions": frozenset({"title"}),
}

NOT_SHOWN = "(text, not shown)"
SCORE_NOT_SHOWN = "(not shown)"

# Object types whose values the log never prints, numbers included, but its codes
# (a scorecard's status): scores an interviewer still to submit may not see.
SCORES_HIDDEN = frozenset({"scorecards"})


@dataclass(frozen=True)
class Change:
    """One field of an entry: its value before and after ("—" for none)."""

    field: str
    before: str
    after: str


# Actions whose ``after`` names the object's subject, for the queries that find
# the entries about a candidate or requisition (holds.py _subject), and changes
# nothing of it: releasing a hold does not move it to a candidate.
SUBJECT_ONLY = frozenset({"hold.release"})


def describe_change(
    object_type: str, before, after, action: str | None = None
) -> list[Change]:
    """The fields an entry's ``before`` and ``after`` differ in, in their order.

    Nested objects are read field by field ("ratings › workflow › level"), lists of
    objects item by item ("plan › 2 › title"); a field present on one side only
    shows "—" on the other; a field equal on both sides is left out, and so is one
    empty on both (absent on one, null on the other), and every field of an action
    in ``SUBJECT_ONLY``. Text the
    object type may not show (module docstring) reads ``NOT_SHOWN``; shown values
    are cut at ``SHOWN_CHARS``; the template escapes them.
    """
    if action in SUBJECT_ONLY:
        return []
    old, new = _flat(before), _flat(after)
    shown = CODES | LABELS.get(object_type, frozenset())
    text = _score if object_type in SCORES_HIDDEN else _text
    paths = list(dict.fromkeys([*old, *new]))
    return [
        Change(
            _name(path),
            text(old.get(path), _leaf(path) in shown),
            text(new.get(path), _leaf(path) in shown),
        )
        for path in paths
        if old.get(path, _MISSING) != new.get(path, _MISSING)
        and not (old.get(path) is None and new.get(path) is None)
    ]


_MISSING = object()


def _flat(value, path: tuple = ()) -> dict:
    """A dict's leaves, and a list of dicts' items, under their paths of keys and
    positions; any other value under ``path``."""
    if isinstance(value, dict):
        flat = {}
        for key, inner in value.items():
            flat.update(_flat(inner, (*path, str(key))))
        return flat
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        flat = {}
        for position, inner in enumerate(value, 1):
            flat.update(_flat(inner, (*path, position)))
        return flat
    if value is None and not path:
        return {}
    return {path or ("value",): value}


def _name(path: tuple) -> str:
    return " › ".join(
        str(part) if isinstance(part, int) else part.replace("_", " ") for part in path
    )


def _leaf(path: tuple) -> str:
    """The field's own name: its last key (a list item's position is not one)."""
    return next((part for part in reversed(path) if isinstance(part, str)), "")


def _has_text(value) -> bool:
    if isinstance(value, str):
        return True
    if isinstance(value, dict):
        return any(_has_text(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_text(v) for v in value)
    return False


def _score(value, shown: bool) -> str:
    """A scorecard's value: its codes as they are, anything else only as there."""
    if shown or value is None or value is _MISSING or value == "":
        return _text(value, shown)
    return SCORE_NOT_SHOWN


def _text(value, shown: bool = True) -> str:
    if value is None or value is _MISSING or value == "":
        return "—"
    if not shown and _has_text(value):
        return NOT_SHOWN
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"
