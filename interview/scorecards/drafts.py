"""Autosave in plain SQLAlchemy Core: a draft read, checked and written without the
ORM's identity map and unit of work, which were most of a save's time.

The rules are the ones every scorecard write follows (operations.py: the loop not
decided, the page's ``edit_token`` and ``edit_seq``, the ``version``; rules.py: the
lengths); what changes is how rows are read and written, in as few round trips to
the database as a save can take (issue 11: on PostgreSQL each one is a wait):

- one statement locks the seat FOR UPDATE and share-locks its loop and candidate on
  PostgreSQL (SQLite's write lock is taken at BEGIN IMMEDIATE), so two saves of one
  scorecard take turns and a decision or an erasure recorded meanwhile waits for the
  save or is seen by it; the same statement reads the session's competencies, the
  rubric version, and the scorecard with the ratings of those competencies;
- on PostgreSQL that scorecard is read with the statement's snapshot, taken before
  the lock was granted: when the statement waited behind another save of the seat,
  the locked rows are read again but the scorecard is not. So it is trusted only
  once the versioned write confirms it (``WHERE version = :expected``, one row: no
  save came between); any other outcome (stale, already saved, submitted, nothing
  to write, no scorecard yet) first reads the scorecard again under the lock
  (``Unconfirmed``) and decides on that. On SQLite the read is fresh anyway;
- the scorecard written with that versioned UPDATE, its version moved on by this code
  as the ORM's version counter and its ``before_flush`` listener do: only when a
  field of the scorecard or of a rating changes, or ratings are added; on PostgreSQL
  the changed ratings go in the same statement (a data-modifying WITH that updates
  them only when the scorecard's row was written), elsewhere in one executemany; the
  missing ones in one INSERT.

A save whose ratings do not change is BEGIN, the visitor, the locked read, the write
and COMMIT; one whose ratings change, the same.
"""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import (
    Candidate,
    Loop,
    LoopStatus,
    PanelSeat,
    Rating,
    Scorecard,
    ScorecardStatus,
)
from ..models.loops import InterviewSession, session_competencies
from ..models.rubrics import RubricVersion
from ..timeutil import utcnow
from .kit_data import LRU
from .rules import Answer

seats = PanelSeat.__table__
sessions = InterviewSession.__table__
loops = Loop.__table__
candidates = Candidate.__table__
versions = RubricVersion.__table__
cards = Scorecard.__table__
ratings = Rating.__table__


@dataclass
class DraftSeat:
    """The locked seat: whose it is, its loop, and its session's competency ids."""

    id: int
    interviewer_id: int | None
    removed_at: datetime | None
    loop_status: LoopStatus
    rubric_version_id: int
    rubric_created_at: datetime | None
    competency_ids: list[int] = field(default_factory=list)
    candidate_erased: bool = False


@dataclass
class DraftRating:
    id: int
    competency_id: int
    level: int | None
    is_not_assessed: bool
    evidence: str
    notes: str


@dataclass
class Draft:
    """The seat's scorecard as stored (``id`` None: none yet)."""

    id: int | None = None
    rubric_version_id: int | None = None
    status: ScorecardStatus = ScorecardStatus.DRAFT
    version: int = 0
    overall_recommendation: int | None = None
    summary: str = ""
    edit_token: str | None = None
    edit_seq: int = 0
    updated_at: datetime | None = None
    ratings: list[DraftRating] = field(default_factory=list)
    # Read after the seat's lock was held (False: with the lock's own statement,
    # whose snapshot may predate a save it waited for).
    confirmed: bool = True

    @property
    def is_submitted(self) -> bool:
        return self.status == ScorecardStatus.SUBMITTED

    def confirm(self) -> None:
        """Go on only with a scorecard read under the lock; else read it again."""
        if not self.confirmed:
            raise Unconfirmed()


class Unconfirmed(Exception):
    """The scorecard was read before the lock was held and the save cannot tell
    from its own write that nothing came between: read it again and decide again."""


# Built once: a save only binds its seat id. One row per session competency, with
# that competency's rating (ratings kept for competencies taken out of the session are
# not read: a save leaves them as they are).
SEAT_STATEMENT = (
    sa.select(
        seats.c.id,
        seats.c.interviewer_id,
        seats.c.removed_at,
        loops.c.status,
        loops.c.rubric_version_id,
        versions.c.created_at,
        session_competencies.c.competency_id,
        candidates.c.erased_at,
        cards.c.id.label("card_id"),
        cards.c.rubric_version_id.label("card_rubric_version_id"),
        cards.c.status.label("card_status"),
        cards.c.version,
        cards.c.overall_recommendation,
        cards.c.summary,
        cards.c.edit_token,
        cards.c.edit_seq,
        cards.c.updated_at,
        ratings.c.id.label("rating_id"),
        ratings.c.level,
        ratings.c.is_not_assessed,
        ratings.c.evidence,
        ratings.c.notes,
    )
    .select_from(seats)
    .join(sessions, sessions.c.id == seats.c.session_id)
    .join(loops, loops.c.id == sessions.c.loop_id)
    .join(candidates, candidates.c.id == loops.c.candidate_id)
    .join(versions, versions.c.id == loops.c.rubric_version_id)
    .outerjoin(
        session_competencies,
        session_competencies.c.session_id == sessions.c.id,
    )
    .outerjoin(cards, cards.c.seat_id == seats.c.id)
    .outerjoin(
        ratings,
        sa.and_(
            ratings.c.scorecard_id == cards.c.id,
            ratings.c.competency_id == session_competencies.c.competency_id,
        ),
    )
    .where(seats.c.id == sa.bindparam("seat_id"))
    .order_by(session_competencies.c.competency_id)
    .with_for_update(of=seats)
    # The candidate shared too: a save waiting on an erasure then reads its mark
    # (PostgreSQL re-reads locked rows only), and writes no text after it.
    .suffix_with(f"FOR SHARE OF {loops.name}, {candidates.name}", dialect="postgresql")
)


Shape = tuple[int, datetime | None, tuple[int, ...]]
MAX_SHAPES = 20_000


def shapes() -> LRU:
    """Each seat's rubric version and session competencies as its last save in this
    process found them (``remember``), so that the next save reads its form before
    taking the lock: on SQLite the write lock is the whole database's, and the form
    was a third of the time a save held it. A save checks the shape again under the
    lock (a changed one only costs reading the form again), so an entry is never
    trusted. One map per app: an app per database, and a shape names its rows."""
    return current_app.extensions.setdefault("scorecard_shapes", LRU(MAX_SHAPES))


def remember(seat: DraftSeat) -> Shape:
    """Keep the seat's shape as read under the lock, and return it."""
    shape = (seat.rubric_version_id, seat.rubric_created_at, tuple(seat.competency_ids))
    return shapes().put(seat.id, shape)


def locked_seat(seat_id: int) -> tuple[DraftSeat, Draft] | None:
    """The seat locked for a save, with what the save reads, and its scorecard as
    the same statement saw it (on PostgreSQL not ``confirmed``: see the module's
    docstring)."""
    rows = db.session.execute(SEAT_STATEMENT, {"seat_id": seat_id}).all()
    if not rows:
        return None
    first = rows[0]
    seat = DraftSeat(
        first.id,
        first.interviewer_id,
        first.removed_at,
        first.status,
        first.rubric_version_id,
        first.created_at,
        [r.competency_id for r in rows if r.competency_id is not None],
        first.erased_at is not None,
    )
    # SQLite's write lock was taken at BEGIN IMMEDIATE, before this statement.
    confirmed = db.engine.dialect.name != "postgresql"
    if first.card_id is None:
        return seat, Draft(confirmed=confirmed)
    draft = Draft(
        first.card_id,
        first.card_rubric_version_id,
        first.card_status,
        first.version,
        first.overall_recommendation,
        first.summary,
        first.edit_token,
        first.edit_seq,
        first.updated_at,
        [_rating(r) for r in rows if r.rating_id is not None],
        confirmed=confirmed,
    )
    return seat, draft


def _rating(row) -> DraftRating:
    return DraftRating(
        row.rating_id,
        row.competency_id,
        row.level,
        row.is_not_assessed,
        row.evidence,
        row.notes,
    )


DRAFT_STATEMENT = (
    sa.select(
        cards.c.id,
        cards.c.rubric_version_id,
        cards.c.status,
        cards.c.version,
        cards.c.overall_recommendation,
        cards.c.summary,
        cards.c.edit_token,
        cards.c.edit_seq,
        cards.c.updated_at,
        ratings.c.id.label("rating_id"),
        ratings.c.competency_id,
        ratings.c.level,
        ratings.c.is_not_assessed,
        ratings.c.evidence,
        ratings.c.notes,
    )
    .select_from(cards)
    .outerjoin(ratings, ratings.c.scorecard_id == cards.c.id)
    .where(cards.c.seat_id == sa.bindparam("seat_id"))
    .order_by(ratings.c.id)
)


def stored_draft(seat_id: int) -> Draft:
    """The seat's scorecard and its ratings as stored, read under the seat's lock."""
    rows = db.session.execute(DRAFT_STATEMENT, {"seat_id": seat_id}).all()
    if not rows:
        return Draft()
    r = rows[0]
    return Draft(
        r.id,
        r.rubric_version_id,
        r.status,
        r.version,
        r.overall_recommendation,
        r.summary,
        r.edit_token,
        r.edit_seq,
        r.updated_at,
        [_rating(x) for x in rows if x.rating_id is not None],
    )


def values_of(answer: Answer) -> dict:
    """A rating's stored fields for an answer (not assessed clears the level)."""
    return {
        "level": None if answer.not_assessed else answer.level,
        "is_not_assessed": answer.not_assessed,
        "evidence": answer.evidence,
        "notes": answer.notes,
    }


RATING_FIELDS = ("level", "is_not_assessed", "evidence", "notes")


def changed_ratings(
    draft: Draft, keys: dict[int, str], answers: dict[str, Answer]
) -> list[dict]:
    """The ratings whose answer differs from what is stored, all fields each. Ratings
    kept for competencies taken out of the session (not in ``keys``) stay as they are."""
    changed = []
    for rating in draft.ratings:
        key = keys.get(rating.competency_id)
        if key is None or key not in answers:
            continue
        values = values_of(answers[key])
        if any(getattr(rating, name) != values[name] for name in RATING_FIELDS):
            changed.append({"rid": rating.id, **{f"v_{k}": values[k] for k in values}})
    return changed


class Stale(Exception):
    """The versioned UPDATE found no scorecard at the expected version."""


def write_draft(
    seat: DraftSeat,
    draft: Draft,
    keys: dict[int, str],
    answers: dict[str, Answer],
    recommendation: int | None,
    summary: str,
    card_fields: dict,
) -> tuple[int, datetime]:
    """Write the checked draft; its version and time as stored afterwards."""
    fields = {"overall_recommendation": recommendation, "summary": summary}
    fields |= card_fields
    now = utcnow()
    if draft.id is None:
        draft.confirm()  # another first save may have inserted it meanwhile
        return 1, _insert(seat, keys, answers, fields, now)
    changed = changed_ratings(draft, keys, answers)
    have = {r.competency_id for r in draft.ratings}
    missing = [cid for cid in seat.competency_ids if cid not in have]
    moved = any(getattr(draft, k) != v for k, v in fields.items())
    if not (moved or changed or missing):
        draft.confirm()
        return draft.version, draft.updated_at
    params = {**fields, "card_id": draft.id, "expected": draft.version}
    params["updated_at"] = now
    if (
        changed
        and set(fields) == SET_TOGETHER
        and db.engine.dialect.name == "postgresql"
    ):
        counts = db.session.execute(UPDATE_CARD_AND_RATINGS, params | _columns(changed))
        written = counts.one().cards == 1
    else:
        written = db.session.execute(UPDATE_CARD, params).rowcount == 1
        if written and changed:
            db.session.execute(_update_ratings(), changed)
    if not written:
        draft.confirm()  # stale only if so under the lock
        raise Stale()
    if missing:
        _insert_ratings(draft.id, draft.rubric_version_id, missing, keys, answers)
    return draft.version + 1, now


# The versioned write of a draft: one row at the version read, or the save is stale.
UPDATE_CARD = (
    sa.update(cards)
    .where(
        cards.c.id == sa.bindparam("card_id"),
        cards.c.version == sa.bindparam("expected"),
    )
    .values(version=sa.bindparam("expected") + 1)
)


# PostgreSQL: the versioned write and the changed ratings in one statement (one round
# trip); the ratings are written only when the scorecard's row was. The scorecard's
# fields are the ones write_draft sets (autosave's ``card_fields``: the page's
# edit_token and edit_seq).
SET_TOGETHER = {"overall_recommendation", "summary", "edit_token", "edit_seq"}
UPDATE_CARD_AND_RATINGS = sa.text(
    """
    WITH card AS (
        UPDATE scorecards
        SET overall_recommendation = :overall_recommendation, summary = :summary,
            edit_token = :edit_token, edit_seq = :edit_seq, updated_at = :updated_at,
            version = :expected + 1
        WHERE id = :card_id AND version = :expected
        RETURNING id
    ), changed AS (
        UPDATE ratings
        SET level = v.level, is_not_assessed = v.is_not_assessed,
            evidence = v.evidence, notes = v.notes
        FROM card, unnest(
            CAST(:rids AS integer[]), CAST(:levels AS integer[]),
            CAST(:not_assessed AS boolean[]), CAST(:evidence AS text[]),
            CAST(:notes AS text[])
        ) AS v (rid, level, is_not_assessed, evidence, notes)
        WHERE ratings.id = v.rid AND ratings.scorecard_id = card.id
        RETURNING ratings.id
    )
    SELECT (SELECT count(*) FROM card) AS cards, (SELECT count(*) FROM changed) AS n
    """
)


def _columns(changed: list[dict]) -> dict:
    """The changed ratings as one array per field, for ``UPDATE_CARD_AND_RATINGS``."""
    return {
        "rids": [r["rid"] for r in changed],
        "levels": [r["v_level"] for r in changed],
        "not_assessed": [r["v_is_not_assessed"] for r in changed],
        "evidence": [r["v_evidence"] for r in changed],
        "notes": [r["v_notes"] for r in changed],
    }


def _update_ratings():
    return (
        sa.update(ratings)
        .where(ratings.c.id == sa.bindparam("rid"))
        .values({name: sa.bindparam(f"v_{name}") for name in RATING_FIELDS})
    )


def _insert(seat: DraftSeat, keys, answers, fields: dict, now: datetime) -> datetime:
    """A new scorecard (version 1) with a rating per session competency."""
    card_id = db.session.execute(
        sa.insert(cards).values(
            seat_id=seat.id,
            interviewer_id=seat.interviewer_id,
            rubric_version_id=seat.rubric_version_id,
            status=ScorecardStatus.DRAFT,
            version=1,
            amendment_count=0,
            created_at=now,
            updated_at=now,
            **fields,
        )
    ).inserted_primary_key[0]
    _insert_ratings(card_id, seat.rubric_version_id, seat.competency_ids, keys, answers)
    return now


def _insert_ratings(card_id, version_id, competency_ids, keys, answers) -> None:
    rows = [
        {
            "scorecard_id": card_id,
            "rubric_version_id": version_id,
            "competency_id": cid,
            **values_of(answers.get(keys[cid]) or Answer(None, False, "")),
        }
        for cid in competency_ids
    ]
    if rows:
        db.session.execute(sa.insert(ratings), rows)
