"""Retention: find the candidates whose personal data is due for erasure and erase
them, one per transaction. rules.py ``due_at`` is the rule; ``due_query`` selects
by the same rule in SQL, and each candidate is locked first, then checked again by
the rule itself on the locked rows, then erased (erase_if_due).
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import Candidate, LegalHold, Loop
from . import erasure, rules
from .erasure import erase_candidate, forget_text_index


def _held_ids() -> sa.CompoundSelect:
    """The ids of the candidates a hold in force covers: their own holds, and those
    on a requisition they have a loop on. Holds are few: read once, not per row."""
    on_them = sa.select(LegalHold.candidate_id).where(
        LegalHold.released_at.is_(None), LegalHold.candidate_id.is_not(None)
    )
    held_requisitions = sa.select(LegalHold.requisition_id).where(
        LegalHold.released_at.is_(None), LegalHold.requisition_id.is_not(None)
    )
    on_their_requisitions = sa.select(Loop.candidate_id).where(
        Loop.requisition_id.in_(held_requisitions)
    )
    return sa.union(on_them, on_their_requisitions)


def due_query(
    until: datetime,
    days: int,
    *,
    held: bool = False,
    limit: int | None = None,
    after: tuple[datetime, int] | None = None,
) -> sa.Select:
    """(candidate id, basis) of every candidate due by ``until`` (``basis`` plus
    ``days``), soonest first; ``held``: those who would be but for a legal hold;
    ``limit``: the first so many; ``after``: only those after this (basis, id) in
    that order, the last row of a page shown (a page further on starts where the
    last stopped in each index, not by skipping the rows before it).

    Two parts, each read in the order of its own index and stopped at ``limit``,
    merged: candidates never interviewed, by when their record last changed
    (ix_candidates_retention); and interviewed candidates, each once, at the loop
    that closed last, when no loop of theirs is open (ix_loops_closed_at). A loop
    closed exactly when ``closed_at`` is set (the Loop.status validator, migration
    0018's backfill). Computing every candidate's basis and sorting took 120-250 ms
    at 100,000 candidates for the next 30 days' first 200; read this way, 2-5 ms.
    """
    cutoff = until - timedelta(days=days)
    holds = _held_ids()
    never = sa.select(
        Candidate.id.label("id"), Candidate.updated_at.label("basis")
    ).where(
        Candidate.erased_at.is_(None),
        Candidate.updated_at <= cutoff,
        ~sa.exists().where(Loop.candidate_id == Candidate.id),
        Candidate.id.in_(holds) if held else Candidate.id.not_in(holds),
    )
    other = sa.orm.aliased(Loop)
    open_or_later = sa.exists().where(
        other.candidate_id == Loop.candidate_id,
        other.id != Loop.id,
        sa.or_(
            other.closed_at.is_(None),
            other.closed_at > Loop.closed_at,
            sa.and_(other.closed_at == Loop.closed_at, other.id > Loop.id),
        ),
    )
    # Erasure clears its loops' closed_at, so they leave the index; this probe
    # keeps out those of candidates erased before it did.
    erased = sa.exists().where(
        Candidate.id == Loop.candidate_id, Candidate.erased_at.is_not(None)
    )
    last_closed = sa.select(
        Loop.candidate_id.label("id"), Loop.closed_at.label("basis")
    ).where(
        Loop.closed_at.is_not(None),
        Loop.closed_at <= cutoff,
        ~open_or_later,
        ~erased,
        Loop.candidate_id.in_(holds) if held else Loop.candidate_id.not_in(holds),
    )
    if after is not None:
        basis, last = after
        # The first term bounds each index's range; the second drops the ties.
        never = never.where(
            Candidate.updated_at >= basis,
            sa.or_(Candidate.updated_at > basis, Candidate.id > last),
        )
        last_closed = last_closed.where(
            Loop.closed_at >= basis,
            sa.or_(Loop.closed_at > basis, Loop.candidate_id > last),
        )
    if limit is not None:
        never = never.order_by(Candidate.updated_at, Candidate.id).limit(limit)
        last_closed = last_closed.order_by(Loop.closed_at, Loop.candidate_id).limit(
            limit
        )
    both = sa.union_all(
        never.subquery().select(), last_closed.subquery().select()
    ).subquery()
    query = sa.select(both.c.id, both.c.basis).order_by(both.c.basis, both.c.id)
    return query if limit is None else query.limit(limit)


def due_ids(now: datetime, days: int) -> list[int]:
    """The ids of the candidates due for erasure at ``now``."""
    return [row.id for row in db.session.execute(due_query(now, days))]


def due_dates(now: datetime, days: int) -> list[tuple[int, datetime]]:
    """(candidate id, when they fell due) for each candidate due at ``now``."""
    return [
        (row.id, row.basis + timedelta(days=days))
        for row in db.session.execute(due_query(now, days))
    ]


def held_back(now: datetime, days: int) -> list[tuple[int, int]]:
    """(candidate id, hold id) for each candidate a legal hold keeps past their due
    date: the oldest hold in force over them. Ids only, no reason: a reason may name
    the candidate, and this goes to cron's mail and the journal."""
    from .holds import covering

    found = []
    for row in db.session.execute(due_query(now, days, held=True)):
        hold = db.session.scalars(covering([row.id]).limit(1)).first()
        found.append((row.id, hold.id))
    return found


def facts_of(
    candidate: Candidate, held: bool, loops: list[Loop] | None = None
) -> rules.CandidateFacts:
    """The plain facts rules.due_at decides on (``loops``: the candidate's, if read
    already)."""
    loops = tuple(
        rules.LoopFacts(status=str(loop.status), closed_at=loop.closed_at)
        for loop in (candidate.loops if loops is None else loops)
    )
    return rules.CandidateFacts(
        updated_at=candidate.updated_at,
        loops=loops,
        is_held=held,
        is_erased=candidate.erased_at is not None,
    )


def erase_if_due(candidate_id: int, now: datetime, days: int) -> bool:
    """Erase the candidate if the rule says they are due (no commit). The rule is
    applied to the rows read under the erasure's locks, not to the selection's: an
    edit, a new loop or a hold committed since the candidate was selected keeps
    them, and one that comes later waits for this transaction."""
    from .holds import holds_over

    candidate = db.session.get(Candidate, candidate_id)
    if candidate is None:
        return False
    candidate, loops = erasure.locked(candidate)
    facts = facts_of(candidate, held=bool(holds_over(candidate)), loops=loops)
    if not rules.is_due(facts, now, days):
        return False
    erase_candidate(None, candidate, via="retention")
    return True


def run(ids: Iterable[int], now: datetime, days: int) -> Iterable[bool]:
    """Erase each due candidate in a transaction of its own; yields whether each was
    erased. Interrupted, it leaves whole candidates behind: a re-run finishes."""
    for candidate_id in ids:
        try:
            erased = erase_if_due(candidate_id, now, days)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        yield erased


def merge_text_index() -> None:
    """Merge SQLite's candidate text index once after a run (erasure.py says why).
    Every run ends with it, even one that erased nobody: a run cut short, or an
    erasure whose merge did not finish, leaves its trigrams to the next one."""
    forget_text_index()
