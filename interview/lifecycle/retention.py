"""Retention: find the candidates whose personal data is due for erasure and erase
them, one per transaction. rules.py ``due_at`` is the rule; ``due_query`` selects
by the same rule in SQL, and each candidate is locked first, then checked again by
the rule itself on the locked rows, then erased (erase_if_due).
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import Candidate, HiringDecision, LegalHold, Loop, LoopStatus
from . import erasure, rules
from .erasure import erase_candidate, forget_text_index

CLOSED = [LoopStatus.DECIDED, LoopStatus.WITHDRAWN]


def _closing():
    """When a loop closed (rules.closed_at), NULL while open: the moment recorded,
    else (a row written around the application) as before migration 0018."""
    latest = (
        sa.select(sa.func.max(HiringDecision.decided_at))
        .where(HiringDecision.loop_id == Loop.id)
        .scalar_subquery()
    )
    return sa.case(
        (
            Loop.status == LoopStatus.DECIDED,
            sa.func.coalesce(Loop.closed_at, latest, Loop.updated_at),
        ),
        (
            Loop.status == LoopStatus.WITHDRAWN,
            sa.func.coalesce(Loop.closed_at, Loop.updated_at),
        ),
        else_=sa.null(),
    )


def _held():
    """A hold in force over the candidate of the outer query."""
    their_requisitions = (
        sa.select(Loop.requisition_id)
        .where(Loop.candidate_id == Candidate.id)
        .correlate(Candidate)  # two levels down: say so
    )
    return (
        sa.select(LegalHold.id)
        .where(
            LegalHold.released_at.is_(None),
            sa.or_(
                LegalHold.candidate_id == Candidate.id,
                LegalHold.requisition_id.in_(their_requisitions),
            ),
        )
        .exists()
    )


def due_query(until: datetime, days: int, *, held: bool = False) -> sa.Select:
    """(candidate id, basis) of every candidate due by ``until`` (``basis`` plus
    ``days``), soonest first; ``held``: those who would be but for a legal hold."""
    per_candidate = (
        sa.select(
            Loop.candidate_id,
            sa.func.max(_closing()).label("closed_at"),
            sa.func.sum(sa.case((Loop.status.not_in(CLOSED), 1), else_=0)).label(
                "open"
            ),
        )
        .group_by(Loop.candidate_id)
        .subquery()
    )
    basis = sa.func.coalesce(per_candidate.c.closed_at, Candidate.updated_at)
    return (
        sa.select(Candidate.id, basis.label("basis"))
        .outerjoin(per_candidate, per_candidate.c.candidate_id == Candidate.id)
        .where(
            Candidate.erased_at.is_(None),
            sa.func.coalesce(per_candidate.c.open, 0) == 0,
            basis <= until - timedelta(days=days),
            _held() if held else ~_held(),
        )
        .order_by(basis, Candidate.id)
    )


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
        rules.LoopFacts(
            status=str(loop.status),
            last_decided_at=max((d.decided_at for d in loop.decisions), default=None),
            updated_at=loop.updated_at,
            closed_at=loop.closed_at,
        )
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
    erase_candidate(None, candidate, via="retention", merge_index=False)
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
    """Merge SQLite's candidate text index once after a run (erasure.py says why); a
    run cut short leaves it to the next run's end."""
    forget_text_index()
    db.session.commit()
