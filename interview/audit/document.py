"""The subject access export as data: everything held about one candidate, nested
the way a reader follows it (loop, session, seat, scorecard, rating), and the zip
that carries it with the loops' debrief packets. Pure: plain rows in, a dict and
bytes out (gathering.py reads the rows).

What goes in is what the organisation holds as records: the candidate's details,
each loop (its requisition, rubric, sessions and times, panel seats with their
interviewers and disciplines), every scorecard (levels, evidence, notes,
summaries), hiring decisions with their rationale, conflicts of interest, legal
holds, and the audit log's entries about the candidate, their loops and their
scorecards (reads included: who opened what, when). Draft scorecards are held about
the candidate too, so they are in, each marked ``"status": "draft"``: unfinished,
still open to change, and read by no decision. Because the file shows every
interviewer's draft and scores, a reader who holds a seat on one of the candidate's
loops without a submitted scorecard may not export it (export.py, the independence
rule). ``ABOUT`` says so in the file itself.
"""

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum

import orjson

FORMAT = "interview-subject-access/1"
ABOUT = (
    "Everything this organisation holds as records about the candidate named below: "
    "their details; each interview loop with its requisition, rubric, sessions and "
    "times, and the panel's seats with the interviewers' names and disciplines; "
    "every scorecard with its levels, evidence, notes and summary; the hiring "
    "decisions with their rationale; conflicts of interest recorded; legal holds "
    "on the candidate or on a requisition they were interviewed for, with who "
    "placed and released them and when (a hold's reason is withheld: it is "
    "legally privileged); "
    "and the audit log's entries about the candidate, their loops and scorecards, "
    "including who viewed or downloaded them and when. Draft scorecards are "
    'included and marked "status": "draft": an interviewer\'s unfinished work, '
    "which may still change and was not part of any decision (each loop says how "
    "many it has). Each loop's debrief packet, made from submitted scorecards "
    "only, is included as a PDF where one could be rendered. Times are UTC (ISO "
    "8601). The file also names staff and holds their assessments: review it "
    "before sending."
)


@dataclass
class Held:
    """The rows gathered about one candidate, each a plain dict; child rows carry
    their parent's id (``loop_id``, ``session_id``, ``seat_id``, ``scorecard_id``)."""

    candidate: dict
    loops: list[dict] = field(default_factory=list)
    sessions: list[dict] = field(default_factory=list)
    seats: list[dict] = field(default_factory=list)
    scorecards: list[dict] = field(default_factory=list)  # drafts too, by status
    ratings: list[dict] = field(default_factory=list)
    decisions: list[dict] = field(default_factory=list)
    drafts: dict[int, int] = field(default_factory=dict)  # loop id: its drafts
    conflicts: list[dict] = field(default_factory=list)
    holds: list[dict] | None = None  # None: this installation keeps no holds
    audit: list[dict] = field(default_factory=list)


def document(
    held: Held, packets: dict[int, dict], exported_at: datetime, exported_by: str
) -> dict:
    """The export's JSON document; ``packets``: per loop id, {"file": name} or
    {"not_included": why}."""
    cards = _children(held.ratings, "scorecard_id", "ratings", held.scorecards)
    seats = _children(cards, "seat_id", "scorecard", held.seats, one=True)
    sessions = _children(seats, "session_id", "seats", held.sessions)
    loops = _children(sessions, "loop_id", "sessions", held.loops)
    loops = _children(held.decisions, "loop_id", "decisions", loops)
    for loop in loops:
        loop["draft_scorecards"] = held.drafts.get(loop["id"], 0)
        loop["packet"] = packets.get(loop["id"], {"not_included": "not rendered"})
    return {
        "format": FORMAT,
        "about": ABOUT,
        "exported_at": exported_at,
        "exported_by": exported_by,
        "candidate": dict(held.candidate),
        "loops": loops,
        "conflicts_of_interest": held.conflicts,
        "legal_holds": held.holds,
        "audit_log": held.audit,
    }


def _children(
    rows: list[dict], key: str, name: str, parents: list[dict], one: bool = False
) -> list[dict]:
    """Copies of ``parents``, each with its ``rows`` (matched by ``key``) under
    ``name``, the key itself left out of the children; ``one``: a single child or
    None."""
    by_parent: dict = {}
    for row in rows:
        child = {k: v for k, v in row.items() if k != key}
        by_parent.setdefault(row[key], []).append(child)
    out = []
    for parent in parents:
        found = by_parent.get(parent["id"], [])
        value = (found[0] if found else None) if one else found
        out.append({**parent, name: value})
    return out


def to_json(doc: dict) -> bytes:
    """UTF-8 JSON, indented for reading; times in ISO 8601. Written by orjson: the
    standard library's text (a float's exponent aside: 1e-7, not 1e-07), but the
    standard library indents in Python (5 ms of a 50 ms export at scale, issue 11)."""
    return orjson.dumps(doc, default=_plain, option=orjson.OPT_INDENT_2) + b"\n"


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    raise TypeError(f"{type(value).__name__} is not exported")


def archive(files: list[tuple[str, bytes]], when: datetime) -> bytes:
    """A zip of ``files`` (name, bytes), each dated ``when``; PDFs stored as they
    are (already compressed), the rest deflated."""
    buffer = io.BytesIO()
    stamp = when.timetuple()[:6]
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=stamp)
            pdf = name.endswith(".pdf")
            info.compress_type = zipfile.ZIP_STORED if pdf else zipfile.ZIP_DEFLATED
            zipped.writestr(info, data)
    return buffer.getvalue()


def names(candidate_id: int, loop_ids: list[int]) -> tuple[str, dict[int, str]]:
    """The JSON file's name and each loop's packet name in the zip: ids only, so a
    name never turns up in a file listing or a header."""
    return (
        f"candidate-{candidate_id}.json",
        {loop_id: f"packets/debrief-{loop_id}.pdf" for loop_id in loop_ids},
    )
