"""Erasures kept re-appliable across a backup restore.

A backup taken before an erasure still holds the candidate's personal data, and
restoring it brings them back. Before restoring, ``erasure ids`` lists the erased
candidates of the live database (ids, from the purge records: the audit log's
``candidate.erased`` entries, and the candidates marked erased); after it,
``erasure reapply`` erases each listed candidate again in the restored database.
Each is erased in a transaction of its own, as retention does, so an interrupted run
is finished by running it again; candidates already erased or missing are skipped.

Each id goes with its candidate's created_at (not personal data; an erased row keeps
it): after a restore, a candidate added later can get an erased one's id again (SQLite
reuses the highest ids, pg_restore sets the sequence back), and reapply erases the
candidate with that id only if it was added at that very time, never that newcomer.
"""

import dataclasses
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import AuditEntry, Candidate
from . import rules
from .erasure import ErasureRefused, erase_candidate, forget_text_index
from .holds import holds_over

HEADER = (
    "# interview: erased candidates, one a line: id and when the candidate was "
    "added (UTC; no personal data)"
)

# A listed candidate: their id and their created_at.
Listed = tuple[int, datetime]


class IdsFileError(ValueError):
    """A line of an ids file that is not an id and a created_at; the message says
    where."""


def erased_ids() -> tuple[list[Listed], list[int]]:
    """Every erased candidate's id and created_at, from the purge records and the
    erased marks; and the ids of purge records without a candidate row (no created_at
    to write; the app never deletes one, so none is expected)."""
    purged = set(
        db.session.scalars(
            sa.select(AuditEntry.object_id).where(
                AuditEntry.action == "candidate.erased",
                AuditEntry.object_type == "candidates",
                AuditEntry.object_id.is_not(None),
            )
        )
    )
    rows = db.session.execute(
        sa.select(Candidate.id, Candidate.created_at)
        .where(Candidate.erased_at.is_not(None) | Candidate.id.in_(purged))
        .order_by(Candidate.id)
    ).all()
    listed = [(row.id, row.created_at) for row in rows]
    return listed, sorted(purged - {candidate_id for candidate_id, _ in listed})


def ids_text(listed: Iterable[Listed]) -> str:
    """The ids file: a header line, then an id and its created_at per line."""
    lines = (f"{candidate_id} {_iso(added)}" for candidate_id, added in listed)
    return "".join(f"{line}\n" for line in (HEADER, *lines))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_ids(lines: Iterable[str]) -> list[Listed]:
    """The candidates an ids file lists, in order, each once; blank and # lines are
    skipped. A line without a created_at (written by hand) is refused: without it,
    a candidate who got the id after the restore cannot be told apart."""
    listed: dict[int, datetime] = {}
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        first, _, rest = text.partition(" ")
        if not first.isascii() or not first.isdigit() or len(first) > 10:
            raise IdsFileError(
                f"line {number} is not a candidate id (a whole number): {text[:20]!r}"
            )
        if not rest.strip():
            raise IdsFileError(
                f"line {number} lists #{first} without when the candidate was added; "
                "write the file with 'erasure ids' (each id with its created_at), "
                "so that a candidate who got the id since is never erased"
            )
        listed[int(first)] = _parsed_time(number, rest.strip())
    return list(listed.items())


def _parsed_time(number: int, text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise IdsFileError(
            f"line {number}: {text[:40]!r} is not a date and time with its UTC "
            "offset (as 'erasure ids' writes, e.g. 2026-11-30T10:00:00.000000+00:00)"
        )
    return moment.astimezone(UTC)


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What became of one listed candidate: ``erased``, ``already``, ``missing``,
    ``reused`` (another candidate, added at ``added``, has the id now), ``held``
    (``holds`` names the holds in force) or ``open`` (loops still open)."""

    candidate_id: int
    status: str
    holds: tuple[int, ...] = ()
    loops: tuple[int, ...] = ()
    added: datetime | None = None


def reapply(listed: Iterable[Listed]) -> Iterator[Outcome]:
    """Erase each listed candidate again, each in a transaction of its own."""
    for candidate_id, added in listed:
        try:
            outcome = _reapply_one(candidate_id, added)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        yield outcome
    forget_text_index()  # once, at the end (erasure.py says why)


def _reapply_one(candidate_id: int, added: datetime) -> Outcome:
    candidate = db.session.get(Candidate, candidate_id)
    if candidate is None:
        return Outcome(candidate_id, "missing")
    if candidate.created_at != added:
        return Outcome(candidate_id, "reused", added=candidate.created_at)
    if candidate.erased_at is not None:
        return Outcome(candidate_id, "already")
    try:
        erase_candidate(None, candidate, via="reapply")
    except ErasureRefused:
        db.session.rollback()
        return _refused(candidate_id)
    return Outcome(candidate_id, "erased")


def _refused(candidate_id: int) -> Outcome:
    """Why the restored database refuses the erasure, in ids: a hold in force there
    (released later in the live database), or a loop open there (closed later)."""
    candidate = db.session.get(Candidate, candidate_id)
    if candidate.erased_at is not None:  # erased meanwhile by someone else
        return Outcome(candidate_id, "already")
    if held := holds_over(candidate):
        return Outcome(candidate_id, "held", holds=tuple(h.id for h in held))
    open_loops = [x.id for x in candidate.loops if str(x.status) not in rules.CLOSED]
    return Outcome(candidate_id, "open", loops=tuple(open_loops))
