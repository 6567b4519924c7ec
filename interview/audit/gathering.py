"""Read everything held about one candidate into plain rows (document.Held), drafts
included, for the subject access export (packets.py adds the loops' packets).

A fixed number of statements whatever the candidate's history (one per kind of
row), each built once per process and given the candidate's id and the ids read
before it as parameters: building the ten selects' joins and aliases, and their
cache keys, cost 8-10 ms of CPU per export at scale (issue 11, bench/export_ab.py),
more than most of them take to run.
"""

from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import (
    AuditEntry,
    Candidate,
    Competency,
    Conflict,
    HiringDecision,
    InterviewSession,
    Loop,
    PanelSeat,
    Rating,
    Requisition,
    Rubric,
    RubricVersion,
    ScaleLevel,
    Scorecard,
    ScorecardStatus,
    User,
)
from .document import Held

CANDIDATE_FIELDS = ("id", "name", "email", "phone", "source", "notes")


def gather(candidate: Candidate) -> Held:
    """The candidate's records as plain rows (see document.py for what and why)."""
    about = {"candidate": candidate.id}
    cards = _rows(_scorecards(), about)
    holds = _holds(candidate.id)
    loops = _rows(_loops(), about)
    held = Held(
        candidate=_candidate(candidate),
        loops=loops,
        sessions=_rows(_sessions(), about),
        seats=_rows(_seats(), about),
        scorecards=cards,
        ratings=_rows(_ratings(), {"cards": [c["id"] for c in cards]}),
        decisions=_rows(_decisions(), about),
        drafts=_drafts(cards),
        conflicts=_rows(_conflicts(), about),
        holds=None if holds is None else [row for _, row in holds],
        audit=_audit(
            candidate.id,
            [loop["id"] for loop in loops],
            [card["id"] for card in cards],
            holds or [],
        ),
    )
    return held


def _rows(query, params: dict) -> list[dict]:
    return [dict(row._mapping) for row in db.session.execute(query, params)]


# The ids the statements below select by, from the candidate's id.
def _loop_ids():
    return sa.select(Loop.id).where(Loop.candidate_id == sa.bindparam("candidate"))


def _session_ids():
    return sa.select(InterviewSession.id).where(
        InterviewSession.loop_id.in_(_loop_ids())
    )


def _candidate(candidate: Candidate) -> dict:
    row = {name: getattr(candidate, name) for name in CANDIDATE_FIELDS}
    return {
        **row,
        "created_at": candidate.created_at,
        "updated_at": candidate.updated_at,
    }


@cache
def _loops() -> sa.Select:
    return (
        sa.select(
            Loop.id,
            Loop.status,
            Loop.created_at,
            Loop.updated_at,
            Loop.closed_at,
            Requisition.id.label("requisition_id"),
            Requisition.title.label("requisition"),
            Requisition.discipline.label("requisition_discipline"),
            Rubric.title.label("rubric"),
            RubricVersion.number.label("rubric_version"),
        )
        .join(Requisition, Requisition.id == Loop.requisition_id)
        .join(RubricVersion, RubricVersion.id == Loop.rubric_version_id)
        .join(Rubric, Rubric.id == RubricVersion.rubric_id)
        .where(Loop.candidate_id == sa.bindparam("candidate"))
        .order_by(Loop.id)
    )


@cache
def _sessions() -> sa.Select:
    s = InterviewSession
    return (
        sa.select(
            s.id,
            s.loop_id,
            s.title,
            s.starts_at,
            s.duration_minutes,
            s.time_zone,
            s.location,
            s.video_url,
        )
        .where(s.loop_id.in_(_loop_ids()))
        .order_by(s.loop_id, s.position, s.id)
    )


@cache
def _seats() -> sa.Select:
    return (
        sa.select(
            PanelSeat.id,
            PanelSeat.session_id,
            PanelSeat.discipline,
            User.name.label("interviewer"),
            User.discipline.label("interviewer_discipline"),
            PanelSeat.assigned_at,
            PanelSeat.removed_at,
        )
        .outerjoin(User, User.id == PanelSeat.interviewer_id)
        .where(PanelSeat.session_id.in_(_session_ids()))
        .order_by(PanelSeat.id)
    )


@cache
def _scorecards() -> sa.Select:
    """Every scorecard on the candidate's seats, drafts included (``status``), with
    its loop for the caller to count the drafts."""
    level = aliased(ScaleLevel)
    seat_ids = sa.select(PanelSeat.id).where(PanelSeat.session_id.in_(_session_ids()))
    return (
        sa.select(
            Scorecard.id,
            Scorecard.seat_id,
            InterviewSession.loop_id.label("loop"),
            Scorecard.status,
            User.name.label("interviewer"),
            Scorecard.overall_recommendation.label("recommendation_level"),
            level.label.label("recommendation"),
            Scorecard.summary,
            Scorecard.submitted_at,
            Scorecard.amended_at,
            Scorecard.amendment_count,
        )
        .join(User, User.id == Scorecard.interviewer_id)
        .join(PanelSeat, PanelSeat.id == Scorecard.seat_id)
        .join(InterviewSession, InterviewSession.id == PanelSeat.session_id)
        .outerjoin(
            level,
            (level.rubric_version_id == Scorecard.rubric_version_id)
            & (level.value == Scorecard.overall_recommendation),
        )
        .where(Scorecard.seat_id.in_(seat_ids))
        .order_by(Scorecard.id)
    )


def _drafts(cards: list[dict]) -> dict[int, int]:
    """Drafts per loop id (each card's ``loop`` taken out: the nesting says it)."""
    counts: dict[int, int] = {}
    for card in cards:
        loop = card.pop("loop")
        if card["status"] != ScorecardStatus.SUBMITTED:
            counts[loop] = counts.get(loop, 0) + 1
    return counts


@cache
def _ratings() -> sa.Select:
    level = aliased(ScaleLevel)
    return (
        sa.select(
            Rating.scorecard_id,
            Competency.key.label("competency_key"),
            Competency.name.label("competency"),
            Rating.level,
            level.label.label("level_label"),
            Rating.is_not_assessed.label("not_assessed"),
            Rating.evidence,
            Rating.notes,
        )
        .join(Competency, Competency.id == Rating.competency_id)
        .outerjoin(
            level,
            (level.rubric_version_id == Rating.rubric_version_id)
            & (level.value == Rating.level),
        )
        .where(Rating.scorecard_id.in_(sa.bindparam("cards", expanding=True)))
        .order_by(Rating.scorecard_id, Competency.position)
    )


@cache
def _decisions() -> sa.Select:
    d = HiringDecision
    return (
        sa.select(
            d.loop_id,
            d.outcome,
            d.rationale,
            User.name.label("decided_by"),
            d.decided_at,
        )
        .join(User, User.id == d.decided_by_id)
        .where(d.loop_id.in_(_loop_ids()))
        .order_by(d.decided_at, d.id)
    )


@cache
def _conflicts() -> sa.Select:
    return (
        sa.select(User.name.label("interviewer"), Conflict.reason, Conflict.created_at)
        .join(User, User.id == Conflict.user_id)
        .where(Conflict.candidate_id == sa.bindparam("candidate"))
        .order_by(Conflict.id)
    )


def _audit(
    candidate_id: int, loop_ids: list[int], card_ids: list[int], holds: list
) -> list[dict]:
    """Entries about the candidate, their loops, scorecards and holds.

    Found kind by kind, each on the (object_type, object_id) index, and the union
    read by id: one OR of them all, PostgreSQL answered with a scan of the whole
    log, growing with it (issue 11: 146 ms against 10 ms at 286,000 entries, on a
    busy machine). The loops and scorecards are named by the ids read already
    (``_loops``, ``_scorecards``), not by the subqueries that found them: nested
    four deep (scorecards of seats of sessions of loops), they cost PostgreSQL
    about 8 ms to plan at 100,000 candidates, more than the rest of the statement.
    Still one statement, however many ids, built once: the holds found are named
    by id, a list for each table of holds."""
    tables = _hold_tables()
    params = {"candidate": candidate_id, "loops": loop_ids, "cards": card_ids}
    for n, table in enumerate(tables):
        params[f"holds{n}"] = [row["id"] for name, row in holds if name == table.name]
    return _rows(_audit_statement(tuple(table.name for table in tables)), params)


@cache
def _audit_statement(hold_tables: tuple[str, ...]) -> sa.Select:
    entry = AuditEntry
    about = [
        ("candidates", entry.object_id == sa.bindparam("candidate")),
        ("loops", entry.object_id.in_(sa.bindparam("loops", expanding=True))),
        ("scorecards", entry.object_id.in_(sa.bindparam("cards", expanding=True))),
        *(
            (name, entry.object_id.in_(sa.bindparam(f"holds{n}", expanding=True)))
            for n, name in enumerate(hold_tables)
        ),
    ]
    found = sa.union_all(
        *(
            sa.select(entry.id).where(entry.object_type == kind, which)
            for kind, which in about
        )
    )
    return (
        sa.select(
            entry.at,
            User.name.label("actor"),
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.before,
            entry.after,
            entry.reason,
        )
        .outerjoin(User, User.id == entry.actor_id)
        .where(entry.id.in_(found))
        .order_by(entry.at, entry.id)
    )


def _holds(candidate_id: int) -> list[tuple[str, dict]] | None:
    """Legal holds on the candidate or on a requisition they were interviewed for,
    placed or released, as (table name, row), where this installation keeps holds
    (a table whose name has "hold" in it, with a ``candidate_id``); None where none
    does.

    Each row says what the hold is on ("candidate" or "requisition"), who placed
    and released it by name (ids kept beside), and when. The reason is left out: a
    hold is placed on counsel's advice and its reason is privileged (document.py's
    note tells the candidate so)."""
    tables = _hold_tables()
    if not tables:
        return None
    rows = []
    for table in tables:
        found = _rows(_holds_statement(table), {"candidate": candidate_id})
        rows += [(table.name, row) for row in found]
    return rows


@cache
def _hold_tables() -> tuple[sa.Table, ...]:
    return tuple(
        t
        for name, t in db.metadata.tables.items()
        if "hold" in name and "candidate_id" in t.c
    )


@cache
def _holds_statement(table: sa.Table) -> sa.Select:
    about = [table.c.candidate_id == sa.bindparam("candidate")]
    if "requisition_id" in table.c:
        requisition_ids = sa.select(Loop.requisition_id).where(
            Loop.candidate_id == sa.bindparam("candidate")
        )
        about.append(table.c.requisition_id.in_(requisition_ids))
    columns = [c for c in table.c if c.name not in WITHHELD_HOLD_COLUMNS]
    found = sa.select(*columns, _on(table))
    for column in [c for c in columns if c.name.endswith("_by_id")]:
        person = aliased(User)
        found = found.add_columns(
            person.name.label(column.name.removesuffix("_id"))
        ).outerjoin(person, person.id == column)
    return found.where(sa.or_(*about)).order_by(*table.primary_key)


# Privileged: why counsel asked for the hold is not the candidate's to read.
WITHHELD_HOLD_COLUMNS = frozenset({"reason"})


def _on(table) -> sa.ColumnElement:
    """ "candidate" or "requisition": what the hold is placed on."""
    if "requisition_id" not in table.c:
        return sa.literal("candidate").label("on")
    return sa.case(
        (table.c.requisition_id.is_not(None), "requisition"), else_="candidate"
    ).label("on")
