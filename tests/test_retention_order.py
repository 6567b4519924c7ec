"""Retention's due list is read in the order of its indexes and stops at the page's
last row (issue 11's goals on issue 13's page): it agrees with the whole list cut
at any length, and the plan walks the two indexes instead of sorting everyone."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.lifecycle import retention
from interview.lifecycle.erasure import erase_candidate
from interview.models import Candidate, Loop
from interview.timeutil import utcnow

from .test_retention import DAYS, population  # noqa: F401  (a fixture)

# Enough rows that reading them all costs more than walking an index for the first
# page, on both databases' planners.
NEVER_INTERVIEWED = 4_000


@pytest.mark.parametrize("held", [False, True])
def test_the_first_rows_are_the_whole_list_cut_short(app, population, held):  # noqa: F811
    with app.app_context():
        for shift in (0, 16, 400):
            until = utcnow() + timedelta(days=shift)
            whole = db.session.execute(
                retention.due_query(until, DAYS, held=held)
            ).all()
            assert whole == sorted(whole, key=lambda row: (row.basis, row.id))
            for size in range(1, len(whole) + 2):
                first = db.session.execute(
                    retention.due_query(until, DAYS, held=held, limit=size)
                ).all()
                assert first == whole[:size], (shift, size)


@pytest.fixture
def many_due(app_ctx, population):  # noqa: F811
    """Thousands of people long unchanged, half of them interviewed once long ago,
    besides the population."""
    long_ago = utcnow() - timedelta(days=900)
    db.session.execute(
        sa.text(
            "INSERT INTO candidates (name, email, notes, search_key, created_at,"
            " updated_at) VALUES (:name, NULL, '', :key, :at, :at)"
        ),
        [
            {"name": f"Bulk {i}", "key": f"bulk {i}", "at": long_ago}
            for i in range(NEVER_INTERVIEWED)
        ],
    )
    # Every other one of them interviewed once, the loops decided long ago, a
    # minute apart.
    template = db.session.execute(
        sa.text("SELECT requisition_id, rubric_version_id FROM loops ORDER BY id")
    ).first()
    bulk = db.session.scalars(
        sa.text("SELECT id FROM candidates WHERE name LIKE 'Bulk %' ORDER BY id")
    ).all()
    db.session.execute(
        sa.text(
            "INSERT INTO loops (candidate_id, requisition_id, rubric_version_id,"
            " status, created_at, updated_at, closed_at, version)"
            " VALUES (:candidate, :requisition, :version, 'decided', :at, :at, :at, 1)"
        ),
        [
            {
                "candidate": candidate,
                "requisition": template.requisition_id,
                "version": template.rubric_version_id,
                "at": long_ago + timedelta(minutes=n),
            }
            for n, candidate in enumerate(bulk[::2])
        ],
    )
    db.session.commit()
    for table in ("candidates", "loops"):
        db.session.execute(sa.text(f"ANALYZE {table}"))
    db.session.commit()


def _plan(query: sa.Select) -> str:
    conn = db.session.connection()
    sql = str(
        query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    )
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()
        return "\n".join(row[-1] for row in rows)
    return "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {sql}"))


def test_the_due_soon_page_walks_the_two_indexes(app_ctx, many_due):
    query = retention.due_query(utcnow() + timedelta(days=30), DAYS, limit=201)
    plan = _plan(query)
    assert "ix_candidates_retention" in plan, plan
    assert "ix_loops_closed_at" in plan, plan
    rows = db.session.execute(query).all()
    assert len(rows) == 201
    assert rows == sorted(rows, key=lambda row: (row.basis, row.id))


def test_erasure_takes_its_loops_out_of_the_closing_order(app_ctx, many_due):
    """Retention erases the oldest first: their loops would fill the front of
    ix_loops_closed_at, each read and dropped by the page. Erasure clears their
    closed_at instead, and the due list is the same less those erased."""
    until = utcnow() + timedelta(days=30)
    before = db.session.execute(retention.due_query(until, DAYS)).all()
    oldest = db.session.scalars(
        sa.select(Loop.candidate_id)
        .where(Loop.closed_at.is_not(None))
        .order_by(Loop.closed_at, Loop.id)
        .limit(40)
    ).all()
    for candidate_id in oldest:
        erase_candidate(
            None, db.session.get(Candidate, candidate_id), merge_index=False
        )
        db.session.commit()
    gone = set(oldest)
    assert len(gone) == 40
    kept = db.session.scalars(
        sa.select(Loop.closed_at).where(Loop.candidate_id.in_(gone))
    ).all()
    assert kept == [None] * len(kept) and kept
    after = db.session.execute(retention.due_query(until, DAYS)).all()
    assert after == [row for row in before if row.id not in gone]
    page = retention.due_query(until, DAYS, limit=201)
    assert db.session.execute(page).all() == after[:201]
    assert "ix_loops_closed_at" in _plan(page)
