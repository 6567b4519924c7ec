"""Loading a seat with everything its kit or its save reads, in a fixed few queries.

The kit page reads the seat, its session, loop, requisition, candidate and scorecard,
the rubric version's scale, the session's competencies with their anchors and
questions, and the scorecard's ratings. Loaded one relationship at a time that was
24 to 30 queries, growing with the competencies; here it is five whatever the size
of the rubric or of the database (seat bundle with the scale, competencies with
their questions, anchors, ratings).

A save locks the seat (and, on PostgreSQL, its loop FOR NO KEY UPDATE) in the
statement that reads them, then reads the scorecard and its ratings in a second statement:
on PostgreSQL a statement sees rows as they were when it began, and only the locked
rows are re-read at their newest after waiting for a lock, so the scorecard is read
after the lock is held, never with it.
"""

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import (
    Competency,
    InterviewSession,
    Loop,
    PanelSeat,
    RubricVersion,
    Scorecard,
)


def _seat_statement():
    """Seat, session, loop and the rubric version's scale, joined in one statement."""
    return (
        sa.select(PanelSeat)
        .join(PanelSeat.session)
        .join(InterviewSession.loop)
        .options(
            contains_eager(PanelSeat.session)
            .contains_eager(InterviewSession.loop)
            .joinedload(Loop.rubric_version, innerjoin=True)
            .load_only(RubricVersion.id, RubricVersion.created_at)
            .joinedload(RubricVersion.levels),
        )
    )


def seat_for_write(seat_id: int) -> PanelSeat | None:
    """The seat locked for a write, with its scorecard and ratings read after the lock.

    Two queries: the seat FOR UPDATE (its loop FOR NO KEY UPDATE on PostgreSQL;
    SQLite's write lock is taken at BEGIN IMMEDIATE) with the session's competencies
    and the scale, then the scorecard with its ratings. The loop's lock is the one
    readiness.py takes at commit: held from the start, two kit writes to one loop go
    one after the other, where two share locks each waiting to be raised at commit
    deadlocked (issue 11). NO KEY: a seat or session inserted meanwhile (a foreign
    key's KEY SHARE on the loop) neither waits for it nor is waited for.
    """
    competencies = (
        contains_eager(PanelSeat.session)
        .joinedload(InterviewSession.competencies)
        .load_only(
            Competency.id, Competency.key, Competency.name, Competency.rubric_version_id
        )
    )
    statement = (
        _seat_statement()
        .where(PanelSeat.id == seat_id)
        .options(competencies)
        .with_for_update(of=PanelSeat.__table__)
        .suffix_with(f"FOR NO KEY UPDATE OF {Loop.__tablename__}", dialect="postgresql")
        .execution_options(populate_existing=True)
    )
    seat = db.session.scalars(statement).unique().one_or_none()
    if seat is None:
        return None
    card = (
        db.session.scalars(
            sa.select(Scorecard)
            .where(Scorecard.seat_id == seat.id)
            .options(joinedload(Scorecard.ratings))
            .execution_options(populate_existing=True)
        )
        .unique()
        .one_or_none()
    )
    set_committed_value(seat, "scorecard", card)
    if card is not None:
        set_committed_value(card, "seat", seat)
        for rating in card.ratings:
            set_committed_value(rating, "scorecard", card)
    return seat


def competency_keys(ids) -> dict[int, str]:
    """Keys of competencies by id (ratings kept for ones taken out of the session)."""
    ids = set(ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Competency.id, Competency.key).where(Competency.id.in_(ids))
    )
    return dict(rows.all())
