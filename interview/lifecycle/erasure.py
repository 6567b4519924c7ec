"""Erase a candidate: remove or anonymise every copy of their personal data and
keep the anonymous numbers (lifecycle/rules.py says exactly what stays).

One candidate is erased in the caller's transaction, with set-based statements (a
candidate's loops hold a few dozen rows), and audited as ``candidate.erased`` with
the candidate's id alone.
"""

import re

import sqlalchemy as sa

from ..auditing import READ_ACTIONS, record
from ..candidate_search import has_text_index
from ..extensions import db
from ..loops.schedule import local_display
from ..models import (
    AssessedBy,
    AuditEntry,
    Candidate,
    Conflict,
    DecisionOutcome,
    Discipline,
    HiringDecision,
    InterviewSession,
    LegalHold,
    Loop,
    LoopStatus,
    PacketFile,
    PanelSeat,
    Rating,
    Requisition,
    RequisitionStatus,
    Role,
    Scorecard,
    ScorecardStatus,
    User,
)
from ..notify.forget import forget_candidate
from ..timeutil import utcnow
from . import rules
from .holds import holds_over, refusal


class ErasureRefused(ValueError):
    """The candidate cannot be erased now; the message says why."""


def erasure_problem(
    candidate: Candidate, loops: list[Loop] | None = None, zone: str | None = "UTC"
) -> str | None:
    """Why the candidate cannot be erased now, or None; times in the reader's zone."""
    if candidate.erased_at is not None:
        when = local_display(candidate.erased_at, zone or "UTC")
        return f"This candidate was already erased on {when}."
    if held := holds_over(candidate):
        return refusal(held[0], zone)
    return open_loops_problem(still_open(candidate.loops if loops is None else loops))


def still_open(loops: list[Loop]) -> list[Loop]:
    """The loops that are neither decided nor withdrawn: they stop an erasure."""
    return [loop for loop in loops if str(loop.status) not in rules.CLOSED]


def open_loops_problem(open_loops: list[Loop]) -> str | None:
    """Why these open loops stop the erasure (the erase page shows it with links)."""
    if open_loops:
        which = (
            f"Loop #{open_loops[0].id} of this candidate is still open"
            if len(open_loops) == 1
            else f"{len(open_loops)} of this candidate's loops "
            f"(#{', #'.join(str(loop.id) for loop in open_loops)}) are still open"
        )
        return (
            f"{which}: decide or withdraw "
            f"{'it' if len(open_loops) == 1 else 'them'} first, so that nobody "
            "writes about the candidate afterwards."
        )
    return None


def erase_candidate(
    actor: User | None, candidate: Candidate, via: str = "request"
) -> None:
    """Erase the candidate's personal data (no commit); ErasureRefused says why not.
    ``via`` ("request", "retention") is recorded with the erasure. On SQLite the
    caller runs forget_text_index after its commit (once for a batch)."""
    candidate, loops = locked(candidate)
    zone = actor.time_zone if actor is not None else "UTC"
    if problem := erasure_problem(candidate, loops, zone):
        raise ErasureRefused(problem)
    needles = rules.mentions(candidate.name, candidate.email, candidate.phone)
    ids = _related_ids(candidate.id)
    _erase_loops(ids, needles)
    _redact_audit(ids)
    _scrub_holds(candidate.id, ids["requisitions"], needles)
    db.session.execute(
        sa.update(Conflict)
        .where(Conflict.candidate_id == candidate.id)
        .values(reason=rules.MARKER)
    )
    forget_candidate(candidate.id)  # emails blanked; calendars told, anonymously
    _anonymise(candidate)
    record(actor, "candidate.erased", candidate, after={"via": via})
    db.session.flush()


def locked(candidate: Candidate) -> tuple[Candidate, list[Loop]]:
    """The candidate and their loops read again under row locks (PostgreSQL; SQLite's
    writers take turns anyway), so that an edit, a reopening or a second erasure in
    flight waits for this one and then sees it. Their requisitions are share-locked
    too: a hold placed on one locks it (holds.place_hold), so it either committed
    before and is seen by the hold check that follows, or waits for the erasure."""
    db.session.flush()
    fresh = {"populate_existing": True}
    candidate = db.session.scalars(
        sa.select(Candidate)
        .where(Candidate.id == candidate.id)
        .with_for_update()
        .execution_options(**fresh)
    ).one()
    loops = db.session.scalars(
        sa.select(Loop)
        .where(Loop.candidate_id == candidate.id)
        .with_for_update()
        .execution_options(**fresh)
    ).all()
    db.session.execute(
        sa.select(Requisition.id)
        .where(Requisition.id.in_({loop.requisition_id for loop in loops}))
        .with_for_update(read=True)
    ).all()
    return candidate, list(loops)


def _related_ids(candidate_id: int) -> dict[str, list[int]]:
    """The ids of the candidate's loops and of everything in them."""

    # Each use builds its own select: one executed through the session and then
    # nested in another gave that one a different cache key from a process's first
    # erasure to the next, so the start-up rehearsal (warmup.py) did not spare its
    # compiling under the write lock.
    def loops():
        return sa.select(Loop.id).where(Loop.candidate_id == candidate_id)

    def sessions():
        return sa.select(InterviewSession.id).where(
            InterviewSession.loop_id.in_(loops())
        )

    seats = sa.select(PanelSeat.id).where(PanelSeat.session_id.in_(sessions()))
    cards = sa.select(Scorecard.id).where(Scorecard.seat_id.in_(seats))
    decisions = sa.select(HiringDecision.id).where(HiringDecision.loop_id.in_(loops()))
    requisitions = sa.select(Loop.requisition_id).where(
        Loop.candidate_id == candidate_id
    )
    return {
        name: list(db.session.scalars(query))
        for name, query in (
            ("loops", loops()),
            ("sessions", sessions()),
            ("scorecards", cards),
            ("decisions", decisions),
            ("requisitions", requisitions.distinct()),
        )
    } | {"candidates": [candidate_id]}


def _erase_loops(ids: dict, needles: tuple[re.Pattern, ...]) -> None:
    """Evidence, summaries, rationales and kept packets go; numbers stay."""
    cards = ids["scorecards"]
    db.session.execute(
        sa.update(Rating)
        .where(Rating.scorecard_id.in_(cards))
        .values(evidence="", notes="")
    )
    # The version moves, so a page still open on a draft cannot save over it.
    db.session.execute(
        sa.update(Scorecard)
        .where(Scorecard.id.in_(cards))
        .values(summary="", version=Scorecard.version + 1)
    )
    db.session.execute(
        sa.update(HiringDecision)
        .where(HiringDecision.id.in_(ids["decisions"]))
        .values(rationale=rules.MARKER)
    )
    db.session.execute(
        sa.delete(PacketFile).where(PacketFile.loop_id.in_(ids["loops"]))
    )
    # closed_at is retention's alone, and retention never returns to an erased
    # candidate: cleared, their loops leave ix_loops_closed_at, whose front they
    # would otherwise fill (retention erases the oldest first), slowing due_query's
    # page. Their status stays; updated_at is kept as the other dates are.
    db.session.execute(
        sa.update(Loop)
        .where(Loop.id.in_(ids["loops"]))
        .values(closed_at=None, updated_at=Loop.updated_at)
    )
    _scrub_sessions(ids["sessions"], needles)


def _scrub_sessions(session_ids: list[int], needles: tuple[re.Pattern, ...]) -> None:
    """Titles, places and meeting links keep their words but the candidate's."""
    columns = (
        InterviewSession.title,
        InterviewSession.location,
        InterviewSession.video_url,
    )
    rows = db.session.execute(
        sa.select(InterviewSession.id, *columns).where(
            InterviewSession.id.in_(session_ids)
        )
    )
    for row in rows.all():
        values = {
            c.key: rules.scrub_text(getattr(row, c.key), needles) for c in columns
        }
        if any(values[c.key] != getattr(row, c.key) for c in columns):
            db.session.execute(
                sa.update(InterviewSession)
                .where(InterviewSession.id == row.id)
                .values(**values)
            )


# What a redacted audit entry keeps of its text: the values of the closed vocabularies
# (a loop's status, a decision's outcome, a discipline), which are nobody's words and
# which calibration and the audit trail read. Migration 0017 freezes the same set in
# the database's check; tests/test_lifecycle_triggers.py checks they agree.
KEPT_VALUES = frozenset(
    member.value
    for vocabulary in (
        AssessedBy,
        DecisionOutcome,
        Discipline,
        LoopStatus,
        RequisitionStatus,
        Role,
        ScorecardStatus,
    )
    for member in vocabulary
)

# Which audit entries are about the candidate: by their object.
AUDITED = {
    "candidates": "candidates",
    "loops": "loops",
    "scorecards": "scorecards",
    "hiring_decisions": "decisions",
    "interview_sessions": "sessions",
}


def _redact_audit(ids: dict) -> None:
    """Redact every audit entry about the candidate or their loops (migration 0014's
    one allowed update, as migration 0017 checks it): text goes, identifiers, field
    names, numbers and the closed vocabularies' values (``KEPT_VALUES``) stay."""
    table = AuditEntry.__table__
    about = sa.or_(
        *(
            sa.and_(table.c.object_type == kind, table.c.object_id.in_(ids[key]))
            for kind, key in AUDITED.items()
        )
    )
    rows = db.session.execute(
        sa.select(
            table.c.id,
            table.c.before,
            table.c.after,
            table.c.before.is_(None).label("no_before"),
            table.c.after.is_(None).label("no_after"),
        ).where(
            about,
            table.c.redacted_at.is_(None),
            # A read's entry holds ids and options: "size a4" is nobody's data.
            table.c.action.not_in(READ_ACTIONS),
        )
    ).all()
    now = utcnow()
    for row in rows:
        # SQL NULL stays NULL (JSON null would be a change the trigger refuses).
        before = (
            sa.null() if row.no_before else rules.redact_json(row.before, KEPT_VALUES)
        )
        after = sa.null() if row.no_after else rules.redact_json(row.after, KEPT_VALUES)
        db.session.execute(
            table.update()
            .where(table.c.id == row.id)
            .values(before=before, after=after, reason=None, redacted_at=now)
        )


def _scrub_holds(candidate_id: int, requisition_ids: list[int], needles) -> None:
    """Released holds stay on record, without the candidate's name in their reason."""
    holds = db.session.scalars(
        sa.select(LegalHold).where(
            sa.or_(
                LegalHold.candidate_id == candidate_id,
                LegalHold.requisition_id.in_(requisition_ids),
            )
        )
    )
    for hold in holds:
        hold.reason = rules.scrub_text(hold.reason, needles)


def _anonymise(candidate: Candidate) -> None:
    candidate.name = rules.erased_name(candidate.id)
    candidate.email = candidate.phone = candidate.source = None
    candidate.external_id = None  # issue 15: the tracking system's id for them
    candidate.notes = ""
    candidate.erased_at = utcnow()


# SQLite's FTS5 index of candidates' search keys (migration 0008) keeps an erased
# key's trigrams in its older segments, behind a delete marker, until the segments
# are merged into one. Merging the whole index in one statement ('optimize') took
# 130-150 ms at 100,000 candidates, inside the write lock, and an autosave waited
# up to 350 ms behind it on a busy host. A merge of a few pages at a time ('merge'
# with a negative count merges any two segments, whatever their level) lets other
# writers in between. At that size, on a copy of the bench's database: 16 pages a
# step took 12 steps of at most 21 ms, 8 took 20 of at most 16 ms, 4 took 33 of at
# most 12 ms (median 5); each about 190 ms in all.
MERGE_STEP_PAGES = 4
MERGE_STEPS_MAX = 2_000  # a bound should inserts keep coming: the next merge goes on


def forget_text_index() -> int:
    """On SQLite, merge the candidates' text index down to one segment, so that no
    erased key's trigrams stay in the file; the number of steps it took.

    Run it after the erasure's commit: each step is a transaction of its own, and
    it commits what the session holds. A step that had nothing to merge changes at
    most one row (the index's structure record); the one before it wrote the last
    segment, dropping the delete markers and what they hide. If it is cut short
    (the process dies, the lock cannot be had), the trigrams wait for the next
    erasure's merge or the retention command's, which merge the whole index again.
    """
    if db.session.get_bind().dialect.name != "sqlite" or not has_text_index():
        return 0
    merge = (
        "INSERT INTO candidates_text(candidates_text, rank) "
        f"VALUES ('merge', {-MERGE_STEP_PAGES})"
    )
    for step in range(1, MERGE_STEPS_MAX + 1):
        connection = db.session.connection()
        driver = connection.connection.driver_connection
        before = driver.total_changes
        connection.exec_driver_sql(merge)
        merged = driver.total_changes - before
        db.session.commit()
        if merged < 2:
            return step
    return MERGE_STEPS_MAX
