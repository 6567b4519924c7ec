"""The audit log page's statements: a page of entries in SQL, newest first, and
which of the page's objects still exist, in one more statement.

Each filter is served by an index ending in the order (migration 0015), so a page
reads one index range however long the log is; the count stops at the list limit
(listing.paginate), as every list's does. A candidate's or a requisition's entries
include their legal holds' (``_about``): two ranges of ix_audit_log_object, the
object's and its holds', merged and sorted, which is one object's history, not the
log's.
"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..listing import paginate
from ..models import (
    AuditEntry,
    Candidate,
    InterviewSession,
    LegalHold,
    Loop,
    PanelSeat,
    Requisition,
    Rubric,
    RubricVersion,
    Scorecard,
    User,
)
from ..paging import Page, PageRequest
from ..search import matching
from .filters import Filters

SORTS = {
    "newest": ("Newest first", [AuditEntry.at.desc(), AuditEntry.id.desc()]),
    "oldest": ("Oldest first", [AuditEntry.at, AuditEntry.id]),
}


def entries(filters: Filters) -> sa.Select:
    """The entries ``filters`` select (any order)."""
    entry = AuditEntry
    query = sa.select(entry)
    if filters.actor is not None:
        query = query.where(entry.actor_id == filters.actor)
    if filters.system:
        query = query.where(entry.actor_id.is_(None))
    if filters.who:
        people = sa.select(User.id).where(*matching(User.search_key, filters.who))
        query = query.where(entry.actor_id.in_(people))
    if filters.action:
        query = query.where(entry.action == filters.action)
    if filters.object_type:
        query = query.where(_about(filters.object_type, filters.object_id))
    if filters.start is not None:
        query = query.where(entry.at >= filters.start)
    if filters.end is not None:
        query = query.where(entry.at < filters.end)
    return query


# Objects whose legal holds' entries are theirs too: a hold is an object of its own
# (lifecycle/holds.py records "hold.place" and "hold.release" about the hold), so a
# filter by the candidate or requisition alone would not find who held them.
HOLDS_OF = {
    "candidates": LegalHold.candidate_id,
    "requisitions": LegalHold.requisition_id,
}


def _about(object_type: str, object_id: int | None):
    """The entries about one object (or every object of a type, with no id); for a
    candidate or a requisition, the entries about its legal holds too."""
    entry = AuditEntry
    if object_id is None:
        return entry.object_type == object_type
    itself = sa.and_(entry.object_type == object_type, entry.object_id == object_id)
    if object_type not in HOLDS_OF:
        return itself
    held = HOLDS_OF[object_type] == object_id
    if db.session.get_bind().dialect.name == "postgresql":
        # The holds' ids as one array value (computed once): PostgreSQL then reads
        # each from the index (= ANY), where IN (subquery) had it read every hold's
        # entry of every candidate and test each against the subquery.
        holds = sa.select(sa.func.array_agg(LegalHold.id)).where(held)
        ids = sa.cast(holds.scalar_subquery(), postgresql.ARRAY(sa.Integer))
        in_holds = entry.object_id == sa.any_(ids)  # the array form of ANY
    else:
        in_holds = entry.object_id.in_(sa.select(LegalHold.id).where(held))
    return sa.or_(itself, sa.and_(entry.object_type == "legal_holds", in_holds))


def entries_page(filters: Filters, request: PageRequest) -> Page:
    """One page of the selected entries with their actors, in two statements."""
    return paginate(
        entries(filters),
        request,
        SORTS[request.sort][1],
        load=[joinedload(AuditEntry.actor)],
    )


def _found(kind: str, model, *extra) -> sa.Select:
    text, number = (*extra, None, None)[:2]
    return sa.select(
        sa.literal(kind, sa.String).label("kind"),
        model.id.label("id"),
        sa.cast(text if text is not None else sa.null(), sa.String).label("text"),
        sa.cast(number if number is not None else sa.null(), sa.Integer).label("n"),
    )


def _lookups():
    """For each object type with a page: what its link needs besides the id (a
    scorecard's loop, a rubric version's key and number)."""
    return {
        "candidates": _found("candidates", Candidate),
        "loops": _found("loops", Loop),
        "requisitions": _found("requisitions", Requisition),
        "users": _found("users", User),
        "scorecards": _found("scorecards", Scorecard, None, InterviewSession.loop_id)
        .join(PanelSeat, PanelSeat.id == Scorecard.seat_id)
        .join(InterviewSession, InterviewSession.id == PanelSeat.session_id),
        "rubric_versions": _found(
            "rubric_versions", RubricVersion, Rubric.key, RubricVersion.number
        ).join(Rubric, Rubric.id == RubricVersion.rubric_id),
    }


MODELS = {
    "candidates": Candidate,
    "loops": Loop,
    "requisitions": Requisition,
    "users": User,
    "scorecards": Scorecard,
    "rubric_versions": RubricVersion,
}


def existing(items) -> dict[tuple[str, int], tuple]:
    """Which of the entries' objects still exist, in one statement: (type, id) to
    (key text, number) for its link."""
    wanted: dict[str, set[int]] = {}
    for item in items:
        if item.object_type in MODELS and item.object_id is not None:
            wanted.setdefault(item.object_type, set()).add(item.object_id)
    if not wanted:
        return {}
    lookups = _lookups()
    parts = [
        lookups[kind].where(MODELS[kind].id.in_(sorted(ids)))
        for kind, ids in wanted.items()
    ]
    rows = db.session.execute(sa.union_all(*parts)).all()
    return {(kind, id_): (text, n) for kind, id_, text, n in rows}
