"""Read what calibration needs from the summary tables, in a few statements.

The tables (models.py, kept by summaries.py) hold a few rows per loop: its units
(a competency of the loop rated by two or more interviewers, with the count of
each level packed in one integer and the clinical minus technical mean) and what
each rater's ratings of it add to their leniency and halo. A page of a rubric of
20,000 loops sums about 110,000 unit rows and as many rater rows from two covering
indexes, instead of joining and sorting every rating:

- ``unit_rows``: per competency, each distinct profile of level counts with how many
  units have it (what ``statistics.alpha_from_profiles`` takes), the clinical minus
  technical mean over units both rated (count, sum, sum of squares), and the number
  of loops with a unit;
- ``rater_rows``: per rubric and rater, the sufficient statistics of leniency (n,
  sum d, sum d^2) and of halo (scorecards of 2+ competencies, how many flat, the
  sum of their sds).

Only submitted scorecards count (a draft never leaks into a figure); a rating "not
assessed" is missing. A date range takes whole loops: a loop counts when its latest
submitted scorecard was submitted in the range (a unit's ratings are compared with
each other, so a range that cut a loop in two would compare half a panel).
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..db import UTCDateTime
from ..extensions import db
from ..models import Competency, Loop, RubricVersion, ScaleLevel


@dataclass(frozen=True)
class Scope:
    """Which loops count: a rubric's, a requisition's, or those of the rubrics an
    interviewer rated; whose latest submission falls within [start, end)."""

    kind: str  # "rubric", "requisition" or "interviewer"
    id: int
    start: datetime | None = None
    end: datetime | None = None


# The rubrics an interviewer rated (a submitted scorecard of theirs).
_RATED = (
    "(SELECT v2.rubric_id FROM scorecards s2"
    " JOIN rubric_versions v2 ON v2.id = s2.rubric_version_id"
    " WHERE s2.interviewer_id = :scope AND s2.status = 'submitted')"
)
_SCOPES = {
    "rubric": "rubric_id = :scope",
    "requisition": "requisition_id = :scope",
    "interviewer": f"rubric_id IN {_RATED}",
}
# The same scopes' marks (models.CalibrationMark): an interviewer's, their rubrics'.
_MARKS = {
    "rubric": "kind = 'rubric' AND scope_id = :scope",
    "requisition": "kind = 'requisition' AND scope_id = :scope",
    "interviewer": f"kind = 'rubric' AND scope_id IN {_RATED}",
}


def _where(scope: Scope) -> str:
    where = _SCOPES[scope.kind]
    if scope.start is not None:
        where += " AND last_submitted_at >= :start"
    if scope.end is not None:
        where += " AND last_submitted_at < :end"
    return where


def _execute(sql: str, scope: Scope) -> list[tuple]:
    binds = [sa.bindparam(n, type_=UTCDateTime()) for n in ("start", "end")]
    params = {"scope": scope.id}
    for bind in binds:
        value = getattr(scope, bind.key)
        if value is not None:
            params[bind.key] = value
    statement = sa.text(sql).bindparams(*[b for b in binds if b.key in params])
    return [tuple(row) for row in db.session.execute(statement, params)]


def unit_rows(scope: Scope) -> list[tuple]:
    """Rows ('p', comp, units, profile code, ratings per unit, NULL),
    ('o', comp, units, NULL, sum x, sum x^2) and ('l', NULL, loops, NULL, NULL,
    NULL): see the module docstring. One pass over the units gives both the
    profiles and the offsets (per competency and profile, summed here)."""
    where = _where(scope)
    sql = f"""
        SELECT 'u', competency_id, COUNT(*), code, MAX(ratings), COUNT(gap),
               SUM(gap), SUM(gap * gap)
        FROM calibration_units WHERE {where}
        GROUP BY competency_id, code
        UNION ALL
        SELECT 'l', NULL, COUNT(*), NULL, NULL, NULL, NULL, NULL
        FROM calibration_loops WHERE {where} AND units > 0
    """
    rows, offsets = [], {}
    for kind, comp, units, code, m, n, sx, sxx in _execute(sql, scope):
        if kind == "l":
            rows.append(("l", None, units, None, None, None))
            continue
        rows.append(("p", comp, units, code, m, None))
        if n:
            offsets.setdefault(comp, []).append((n, sx, sxx))
    for comp, parts in offsets.items():  # in a fixed order: see figures
        n, sx, sxx = (sum(column) for column in zip(*sorted(parts), strict=True))
        rows.append(("o", comp, n, None, sx, sxx))
    return rows


def rater_rows(scope: Scope) -> list[tuple]:
    """Rows ('l', rubric, rater, name, n, sum d, sum d^2) and ('h', rubric, rater,
    name, scorecards, flat ones, sum of sds): see the module docstring."""
    sql = f"""
        SELECT t.rubric_id, t.rater_id, us.name, t.n, t.sd, t.sdd, t.cards, t.flat,
               t.ssd
        FROM (
            SELECT rubric_id, rater_id, SUM(compared) AS n, SUM(sum_d) AS sd,
                   SUM(sum_d2) AS sdd, SUM(cards) AS cards, SUM(flat_cards) AS flat,
                   SUM(sum_sd) AS ssd
            FROM calibration_raters WHERE {_where(scope)}
            GROUP BY rubric_id, rater_id
        ) t JOIN users us ON us.id = t.rater_id
    """
    rows = []
    for rubric, rater, name, n, sd, sdd, cards, flat, ssd in _execute(sql, scope):
        if n:
            rows.append(("l", rubric, rater, name, n, sd, sdd))
        if cards:
            rows.append(("h", rubric, rater, name, cards, flat, ssd))
    return rows


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
    """What changes whenever a figure of the scope may: its loops with submitted
    scorecards, and the sum of those scorecards' versions (every submission and
    amendment moves a version on, and no change moves one back; drafts do not
    count). Read from the scope's marks, kept with the loops' rows, not summed
    over its loops on every page."""
    sql = f"""
        SELECT COALESCE(SUM(loops), 0), SUM(changes) FROM calibration_marks
        WHERE {_MARKS[scope.kind]}
    """
    return tuple(db.session.execute(sa.text(sql), {"scope": scope.id}).one())
