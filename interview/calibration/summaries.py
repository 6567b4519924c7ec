"""Keep the summary tables (models.py) equal to what the scorecards say.

A loop's rows are computed again, whole and exactly, from its submitted ratings
whenever one of its scorecards is submitted or amended: a loop has 2 to 8 raters,
so that is a few small statements, where summing every rating of a rubric took
seconds. The operations that change submitted ratings call ``loop_changed``; the
rows are computed just before the transaction commits (after every other change of
it, such as a submission time set afterwards, and once for several changes), in the
same transaction, so they are never ahead of or behind the data they sum.

What a loop's rows hold, from its submitted scorecards' ratings with a level (a
rating "not assessed" is missing; drafts never count), with one rating per rater of
a unit (a person seated on two sessions that assess the same competency is one
rater of it: their latest scorecard's rating counts):

- ``calibration_loops``: its rubric, requisition, latest submission, its count of
  units (competencies rated by two or more), and the sum of its submitted
  scorecards' versions, which moves on with every submission and amendment;
- ``calibration_units``: per unit, the count of each level packed in one integer
  (5 bits a level, ``figures.unpack``), and the clinical mean minus the technical
  mean where both disciplines rated it;
- ``calibration_raters``: per rater, over their ratings of units, n, the sum of d
  and of d^2 with d = their level - the mean of the unit's other ratings; and over
  their scorecards of two or more ratings (every scorecard: halo is per scorecard),
  how many, how many flat, and the sum of each one's sd of levels,
  sqrt(mean(y^2) - mean(y)^2);
- ``calibration_marks``: per rubric and per requisition, how many loops have rows
  and the sum of their ``changes``, kept by triggers on ``calibration_loops``
  (migration 0032), whoever writes its rows (``queries.fingerprint`` reads it).

``rebuild`` computes every loop's rows with the same statements (the migration that
made the tables, ``flask --app interview calibration rebuild``, and the bench's bulk
load use it).
"""

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..extensions import db
from .figures import BITS

PENDING = "calibration_loops_changed"

# Per-loop filter on the raw tables; absent when every loop is rebuilt.
_LOOPS = "AND se.loop_id IN :loops"
_KEEP = "WHERE loop_id IN :loops"

_CARDS = """
    SELECT se.loop_id AS loop, sc.id AS card, sc.submitted_at, sc.version
    FROM scorecards sc
    JOIN panel_seats ps ON ps.id = sc.seat_id
    JOIN interview_sessions se ON se.id = ps.session_id
    WHERE sc.status = 'submitted' {loops}"""

_RATINGS = """
    SELECT se.loop_id AS loop, ra.competency_id AS comp, sc.id AS card,
           sc.interviewer_id AS rater, ps.discipline AS disc,
           CAST(ra.level AS DOUBLE PRECISION) AS level, ra.level AS lv
    FROM scorecards sc
    JOIN panel_seats ps ON ps.id = sc.seat_id
    JOIN interview_sessions se ON se.id = ps.session_id
    JOIN ratings ra ON ra.scorecard_id = sc.id
    WHERE sc.status = 'submitted' AND ra.level IS NOT NULL {loops}"""

# One rating per rater of a unit: their latest scorecard's.
_ONE_PER_RATER = """
    SELECT * FROM (
        SELECT r0.*, ROW_NUMBER() OVER (
            PARTITION BY loop, comp, rater ORDER BY card DESC
        ) AS nth
        FROM r r0
    ) ranked WHERE nth = 1"""

_PACK = f"CAST(SUM(CAST(1 AS BIGINT) << ({BITS} * lv)) AS BIGINT)"
# A unit's code holds at most this many ratings of a level: a unit rated by more
# people (no real panel; a loop of many sessions on one competency) is left out of
# the unit figures, rather than carrying into the next level and making every
# figure of its rubric fail (code review).
MAX_RATINGS = 2**BITS - 1

_INSERT_LOOPS = """
    INSERT INTO calibration_loops
        (loop_id, rubric_id, requisition_id, last_submitted_at, units, changes)
    SELECT c.loop, rv.rubric_id, lo.requisition_id, MAX(c.submitted_at), 0,
           SUM(c.version)
    FROM ({cards}) c
    JOIN loops lo ON lo.id = c.loop
    JOIN rubric_versions rv ON rv.id = lo.rubric_version_id
    GROUP BY c.loop, rv.rubric_id, lo.requisition_id"""

_INSERT_UNITS = f"""
    INSERT INTO calibration_units
        (loop_id, competency_id, rubric_id, requisition_id, last_submitted_at,
         ratings, code, gap)
    WITH r AS ({{ratings}}),
    r1 AS ({_ONE_PER_RATER}),
    u AS (
        SELECT loop, comp, COUNT(*) AS m, {_PACK} AS code,
               AVG(CASE WHEN disc = 'clinical' THEN level END) AS cm,
               AVG(CASE WHEN disc = 'technical' THEN level END) AS tm
        FROM r1 GROUP BY loop, comp HAVING COUNT(*) BETWEEN 2 AND {MAX_RATINGS}
    )
    SELECT u.loop, u.comp, l.rubric_id, l.requisition_id, l.last_submitted_at,
           u.m, u.code, u.cm - u.tm
    FROM u JOIN calibration_loops l ON l.loop_id = u.loop"""

_INSERT_RATERS = f"""
    INSERT INTO calibration_raters
        (loop_id, rater_id, rubric_id, requisition_id, last_submitted_at,
         compared, sum_d, sum_d2, cards, flat_cards, sum_sd)
    WITH r AS ({{ratings}}),
    r1 AS ({_ONE_PER_RATER}),
    w AS (
        SELECT loop, rater, level, SUM(level) OVER unit AS s, COUNT(*) OVER unit AS m
        FROM r1 WINDOW unit AS (PARTITION BY loop, comp)
    ),
    dev AS (
        SELECT loop, rater, level - (s - level) / (m - 1) AS d FROM w WHERE m >= 2
    ),
    c AS (
        SELECT loop, rater, card,
               CASE WHEN MIN(level) = MAX(level) THEN 1 ELSE 0 END AS flat,
               CASE WHEN MIN(level) = MAX(level) THEN 0.0 ELSE SQRT(
                   SUM(level * level) / COUNT(*)
                   - (SUM(level) / COUNT(*)) * (SUM(level) / COUNT(*))
               ) END AS sd
        FROM r GROUP BY loop, rater, card HAVING COUNT(*) >= 2
    ),
    parts AS (
        SELECT loop, rater, 1 AS n, d, d * d AS dd, 0 AS cards, 0 AS flat, 0.0 AS sd
        FROM dev
        UNION ALL
        SELECT loop, rater, 0, 0.0, 0.0, 1, flat, sd FROM c
    )
    SELECT p.loop, p.rater, l.rubric_id, l.requisition_id, l.last_submitted_at,
           SUM(p.n), SUM(p.d), SUM(p.dd), SUM(p.cards), SUM(p.flat), SUM(p.sd)
    FROM parts p JOIN calibration_loops l ON l.loop_id = p.loop
    GROUP BY p.loop, p.rater, l.rubric_id, l.requisition_id, l.last_submitted_at"""

_COUNT_UNITS = """
    UPDATE calibration_loops SET units = (
        SELECT COUNT(*) FROM calibration_units u
        WHERE u.loop_id = calibration_loops.loop_id
    ) {keep}"""

TABLES = ("calibration_units", "calibration_raters", "calibration_loops")


def statements(every: bool = False) -> list[str]:
    """The statements that compute the rows of the loops bound to ``:loops`` (an
    expanding list of loop ids), or of every loop: delete theirs, insert afresh."""
    loops, keep = ("", "") if every else (_LOOPS, _KEEP)
    ratings = _RATINGS.format(loops=loops)
    return [
        *(f"DELETE FROM {table} {keep}" for table in TABLES),
        _INSERT_LOOPS.format(cards=_CARDS.format(loops=loops)),
        _INSERT_UNITS.format(ratings=ratings),
        _INSERT_RATERS.format(ratings=ratings),
        _COUNT_UNITS.format(keep=keep),
    ]


def _run(session: Session, every: bool, loop_ids=()) -> None:
    params = {} if every else {"loops": sorted(loop_ids)}
    for sql in statements(every):
        statement = sa.text(sql)
        if not every:
            statement = statement.bindparams(sa.bindparam("loops", expanding=True))
        session.execute(statement, params)


# PostgreSQL advisory locks of loops being summarised: (this number, loop id).
LOCK_SPACE = 1212

# Each scope's mark (models.CalibrationMark) follows its loops' rows by triggers
# (migration 0032); the rebuild counts them again from those rows.
MARKED = {"rubric": "rubric_id", "requisition": "requisition_id"}


def mark_statements() -> list[str]:
    """Count every mark again from the loops' rows."""
    return [
        "DELETE FROM calibration_marks",
        *(
            "INSERT INTO calibration_marks (kind, scope_id, loops, changes)"
            f" SELECT '{kind}', {column}, COUNT(*), SUM(changes)"
            f" FROM calibration_loops GROUP BY {column}"
            for kind, column in MARKED.items()
        ),
    ]


def refresh_loops(loop_ids: Iterable[int], session: Session | None = None) -> None:
    """Compute the loops' rows again from their scorecards (in this transaction).

    On PostgreSQL two submissions on one loop (two interviewers, each holding the
    loop FOR SHARE) would both delete and insert its rows: the second's deletes,
    taking their snapshot before the first committed, missed the first's rows and
    its inserts collided (a 500, the submission lost: code review). Each loop is
    locked first, in id order, for the rest of the transaction; the second then
    waits, and its statements see the first's rows and its scorecard. SQLite has
    one writer at a time."""
    ids = sorted(set(loop_ids))
    if not ids:
        return
    session = session or db.session
    if session.get_bind().dialect.name == "postgresql":
        for loop_id in ids:
            session.execute(
                sa.text("SELECT pg_advisory_xact_lock(:space, :loop)"),
                {"space": LOCK_SPACE, "loop": loop_id},
            )
    _run(session, False, ids)


def rebuild(session: Session | None = None) -> int:
    """Compute every loop's rows again (idempotent); return how many loops have rows.
    It takes no loop's lock: run it while nobody submits (a maintenance command)."""
    session = session or db.session
    _run(session, True)
    for sql in mark_statements():  # exact, whatever the triggers were given before
        session.execute(sa.text(sql))
    return session.scalar(sa.text("SELECT COUNT(*) FROM calibration_loops"))


def loop_changed(loop_id: int) -> None:
    """Have the loop's rows computed again when this transaction commits (a submitted
    scorecard of it was submitted or amended)."""
    db.session.info.setdefault(PENDING, set()).add(loop_id)


@sa.event.listens_for(Session, "before_commit")
def _refresh_changed_loops(session: Session) -> None:
    """Compute the rows of the loops changed in this transaction, after every other
    change of it is flushed, before it commits."""
    loops = session.info.pop(PENDING, None)
    if loops:
        session.flush()
        refresh_loops(loops, session)
