"""Read what calibration needs as aggregates, in a few statements of plain tuples.

Only submitted scorecards count (a draft never leaks into a figure), and a rating
"not assessed" (level NULL) is missing. A person seated on two sessions that
assess the same competency is one rater of that unit (their latest rating; halo,
per scorecard, sees both). A unit is one competency of one loop (a
loop has one rubric version, so competency ids and keys name the same units). The database does the per-unit and
per-scorecard arithmetic (GROUP BY), so a page reads a few hundred rows for a
rubric of 10,000 loops and 400,000 ratings instead of every rating:

- ``unit_rows``: per competency, each distinct profile of level counts (packed in
  one integer) with how many units have it (what ``statistics.alpha_from_counts`` takes), the clinical minus
  technical mean over units both rated (count, sum, sum of squares), and the number
  of loops with a pairable unit;
- ``rater_rows``: per rubric and rater, the sufficient statistics of leniency
  (n, sum d, sum d^2 with d = y - mean of the other ratings of the unit, the unit's
  sum and count from a window: one sort instead of a join back, about a third
  faster) and of halo (scorecards of 2+ competencies, how many flat, the sum of
  their sds).
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..db import UTCDateTime
from ..extensions import db
from ..models import Competency, Loop, RubricVersion, ScaleLevel
from .figures import BITS


@dataclass(frozen=True)
class Scope:
    """Which scorecards count: a rubric's, a requisition's, or those of the rubrics an
    interviewer rated; submitted within [start, end)."""

    kind: str  # "rubric", "requisition" or "interviewer"
    id: int
    start: datetime | None = None
    end: datetime | None = None


_SCOPES = {
    "rubric": "AND rv.rubric_id = :scope",
    "requisition": "AND se.loop_id IN (SELECT id FROM loops WHERE requisition_id = :scope)",
    "interviewer": (
        "AND rv.rubric_id IN (SELECT v2.rubric_id FROM scorecards s2"
        " JOIN rubric_versions v2 ON v2.id = s2.rubric_version_id"
        " WHERE s2.interviewer_id = :scope AND s2.status = 'submitted')"
    ),
}


def _ratings(scope: Scope) -> str:
    """The scope's submitted, assessed ratings as (rubric, loop, comp, card, rater,
    disc, level); level as a float so that divisions are exact on both databases."""
    dates = ""
    if scope.start is not None:
        dates += " AND sc.submitted_at >= :start"
    if scope.end is not None:
        dates += " AND sc.submitted_at < :end"
    return f"""
        SELECT rv.rubric_id AS rubric, se.loop_id AS loop, ra.competency_id AS comp,
               sc.id AS card, sc.interviewer_id AS rater, ps.discipline AS disc,
               CAST(ra.level AS DOUBLE PRECISION) AS level, ra.level AS lv
        FROM scorecards sc
        JOIN rubric_versions rv ON rv.id = sc.rubric_version_id
        JOIN panel_seats ps ON ps.id = sc.seat_id
        JOIN interview_sessions se ON se.id = ps.session_id
        JOIN ratings ra ON ra.scorecard_id = sc.id
        WHERE sc.status = 'submitted' AND ra.level IS NOT NULL
        {_SCOPES[scope.kind]}{dates}"""


def _one_per_rater(scope: Scope) -> str:
    """``_ratings`` with one rating per rater of a unit (loop, competency): a person
    seated on two sessions that assess the same competency is one rater of it, not
    two who agree; their latest scorecard's rating counts."""
    return f"""
        SELECT * FROM (
            SELECT r0.*, ROW_NUMBER() OVER (
                PARTITION BY loop, comp, rater ORDER BY card DESC
            ) AS nth
            FROM ({_ratings(scope)}) r0
        ) ranked WHERE nth = 1"""


def _params(scope: Scope) -> dict:
    params = {"scope": scope.id}
    if scope.start is not None:
        params["start"] = scope.start
    if scope.end is not None:
        params["end"] = scope.end
    return params


def _statement(sql: str, scope: Scope) -> sa.TextClause:
    binds = [sa.bindparam(n, type_=UTCDateTime()) for n in ("start", "end")]
    used = [b for b in binds if f":{b.key}" in sql]
    return sa.text(sql).bindparams(*used)


# A unit's profile packed into one integer: 5 bits per level (0 to 10), so one SUM
# instead of eleven; a unit with more than 31 ratings of one level would carry into
# the next level, and ``figures`` refuses it (a panel is 2 to 8 people).
_PACK = f"CAST(SUM(CAST(1 AS BIGINT) << ({BITS} * lv)) AS BIGINT)"


def unit_rows(scope: Scope) -> list[tuple]:
    """Rows ('p', comp, units, profile code, ratings per unit, NULL),
    ('o', comp, units, NULL, sum x, sum x^2) and ('l', NULL, loops, NULL, NULL,
    NULL): see the module docstring."""
    sql = f"""
        WITH r AS ({_one_per_rater(scope)}),
        u AS (
            SELECT comp, loop, {_PACK} AS code, COUNT(*) AS m,
                   AVG(CASE WHEN disc = 'clinical' THEN level END) AS cm,
                   AVG(CASE WHEN disc = 'technical' THEN level END) AS tm
            FROM r GROUP BY comp, loop HAVING COUNT(*) >= 2
        )
        SELECT 'p' AS kind, comp, COUNT(*) AS units, code, MAX(m) AS a, NULL AS b
        FROM u GROUP BY comp, code
        UNION ALL
        SELECT 'o', comp, COUNT(*), NULL, SUM(cm - tm), SUM((cm - tm) * (cm - tm))
        FROM u WHERE cm IS NOT NULL AND tm IS NOT NULL GROUP BY comp
        UNION ALL
        SELECT 'l', NULL, COUNT(DISTINCT loop), NULL, NULL, NULL FROM u
    """
    return [
        tuple(row) for row in db.session.execute(_statement(sql, scope), _params(scope))
    ]


def rater_rows(scope: Scope) -> list[tuple]:
    """Rows ('l', rubric, rater, name, n, sum d, sum d^2) and ('h', rubric, rater,
    name, scorecards, flat ones, sum of sds): see the module docstring."""
    sql = f"""
        WITH r AS ({_ratings(scope)}),
        r1 AS ({_one_per_rater(scope)}),
        w AS (
            SELECT rubric, rater, level, SUM(level) OVER unit AS s,
                   COUNT(*) OVER unit AS m
            FROM r1 WINDOW unit AS (PARTITION BY comp, loop)
        ),
        d AS (
            SELECT rubric, rater, level - (s - level) / (m - 1) AS d
            FROM w WHERE m >= 2
        ),
        c AS (
            SELECT rubric, rater, card,
                   CASE WHEN MIN(level) = MAX(level) THEN 1 ELSE 0 END AS flat,
                   CASE WHEN MIN(level) = MAX(level) THEN 0.0 ELSE SQRT(
                       SUM(level * level) / COUNT(*)
                       - (SUM(level) / COUNT(*)) * (SUM(level) / COUNT(*))
                   ) END AS sd
            FROM r GROUP BY rubric, rater, card HAVING COUNT(*) >= 2
        ),
        t AS (
            SELECT 'l' AS kind, rubric, rater, COUNT(*) AS a, SUM(d) AS b,
                   SUM(d * d) AS c
            FROM d GROUP BY rubric, rater
            UNION ALL
            SELECT 'h', rubric, rater, COUNT(*), SUM(flat), SUM(sd)
            FROM c GROUP BY rubric, rater
        )
        SELECT t.kind, t.rubric, t.rater, us.name, t.a, t.b, t.c
        FROM t JOIN users us ON us.id = t.rater
    """
    return [
        tuple(row) for row in db.session.execute(_statement(sql, scope), _params(scope))
    ]


def competencies(scope: Scope) -> list[tuple[int, str, str]]:
    """(id, key, name) of the scope's competencies in every version, newest version
    first and in rubric order (the rows above carry competency ids; a key pools a
    competency across versions)."""
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(Competency.id, Competency.key, Competency.name)
            .join(RubricVersion, RubricVersion.id == Competency.rubric_version_id)
            .where(Competency.rubric_version_id.in_(_versions(scope)))
            .order_by(RubricVersion.number.desc(), Competency.position)
        )
    ]


def levels(scope: Scope) -> dict[int, str]:
    """The scale's level -> label (newest version's label)."""
    rows = db.session.execute(
        sa.select(ScaleLevel.value, ScaleLevel.label)
        .join(RubricVersion, RubricVersion.id == ScaleLevel.rubric_version_id)
        .where(ScaleLevel.rubric_version_id.in_(_versions(scope)))
        .order_by(RubricVersion.number)
    ).all()
    return {value: label for value, label in rows}


def _versions(scope: Scope):
    if scope.kind == "requisition":
        return sa.select(Loop.rubric_version_id).where(Loop.requisition_id == scope.id)
    return sa.select(RubricVersion.id).where(RubricVersion.rubric_id == scope.id)


def fingerprint(scope: Scope) -> tuple:
    """What changes whenever a figure of the scope may: the count of its submitted
    scorecards and the latest change to one (ratings touch their scorecard's
    updated_at; an amendment and a submission change it too; drafts do not count)."""
    sql = f"""
        SELECT COUNT(*), MAX(sc.updated_at), MAX(sc.id)
        FROM scorecards sc
        JOIN rubric_versions rv ON rv.id = sc.rubric_version_id
        JOIN panel_seats ps ON ps.id = sc.seat_id
        JOIN interview_sessions se ON se.id = ps.session_id
        WHERE sc.status = 'submitted' {_SCOPES[scope.kind]}
    """
    return tuple(db.session.execute(sa.text(sql), {"scope": scope.id}).one())
