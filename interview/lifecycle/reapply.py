"""Erasures kept re-appliable across a backup restore.

A backup taken before an erasure still holds the candidate's personal data, and
restoring it brings them back. Before restoring, ``erasure ids`` lists the erased
candidates of the live database (ids only, from the purge records: the audit log's
``candidate.erased`` entries, and the candidates marked erased); after it,
``erasure reapply`` erases each listed candidate again in the restored database.
Each is erased in a transaction of its own, as retention does, so an interrupted run
is finished by running it again; candidates already erased or missing are skipped.
"""

import dataclasses
from collections.abc import Iterable, Iterator

import sqlalchemy as sa

from ..extensions import db
from ..models import AuditEntry, Candidate
from . import rules
from .erasure import ErasureRefused, erase_candidate, forget_text_index
from .holds import holds_over

HEADER = "# interview: ids of erased candidates (no personal data), one per line"


class IdsFileError(ValueError):
    """A line of an ids file that is not a candidate id; the message says where."""


def erased_ids() -> list[int]:
    """Every erased candidate's id, from the purge records and the erased marks."""
    purged = sa.select(AuditEntry.object_id).where(
        AuditEntry.action == "candidate.erased",
        AuditEntry.object_type == "candidates",
        AuditEntry.object_id.is_not(None),
    )
    marked = sa.select(Candidate.id).where(Candidate.erased_at.is_not(None))
    return sorted(set(db.session.scalars(purged)) | set(db.session.scalars(marked)))


def ids_text(ids: Iterable[int]) -> str:
    """The ids file: a header line, then one id per line."""
    return "".join(f"{line}\n" for line in (HEADER, *ids))


def parse_ids(lines: Iterable[str]) -> list[int]:
    """The ids in an ids file, in order, each once; blank and # lines are skipped."""
    ids: dict[int, None] = {}
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if not text.isascii() or not text.isdigit() or len(text) > 10:
            raise IdsFileError(
                f"line {number} is not a candidate id (a whole number): {text[:20]!r}"
            )
        ids[int(text)] = None
    return list(ids)


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What became of one listed candidate: ``erased``, ``already``, ``missing``,
    ``held`` (``holds`` names the holds in force) or ``open`` (loops still open)."""

    candidate_id: int
    status: str
    holds: tuple[int, ...] = ()
    loops: tuple[int, ...] = ()


def reapply(ids: Iterable[int]) -> Iterator[Outcome]:
    """Erase each listed candidate again, each in a transaction of its own."""
    for candidate_id in ids:
        try:
            outcome = _reapply_one(candidate_id)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        yield outcome
    forget_text_index()  # once, at the end (erasure.py says why)
    db.session.commit()


def _reapply_one(candidate_id: int) -> Outcome:
    candidate = db.session.get(Candidate, candidate_id)
    if candidate is None:
        return Outcome(candidate_id, "missing")
    if candidate.erased_at is not None:
        return Outcome(candidate_id, "already")
    try:
        erase_candidate(None, candidate, via="reapply", merge_index=False)
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
