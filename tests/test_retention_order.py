"""Retention's due list is read in the order of its indexes and stops at the page's
last row (issue 11's goals on issue 13's page): it agrees with the whole list cut
at any length, and the plan walks the two indexes instead of sorting everyone."""

import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from interview.db import UTCDateTime
from interview.extensions import db
from interview.lifecycle import retention
from interview.lifecycle.erasure import erase_candidate
from interview.models import Candidate, Loop, Role
from interview.timeutil import utcnow

from .test_retention import DAYS, population  # noqa: F401  (a fixture)

# Enough rows that reading them all costs more than walking an index for the first
# page, on both databases' planners.
NEVER_INTERVIEWED = 4_000
# Times written as the app writes them (on SQLite, UTC without an offset): the
# driver's own "+00:00" would sort after the same moment written by the app.
AT = sa.bindparam("at", type_=UTCDateTime())


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


def _pages(until, held: bool, size: int) -> list[list]:
    """The due list read a page at a time, each page after the last row of the one
    before, as the due-soon page's Next link does."""
    pages, after = [], None
    while True:
        query = retention.due_query(until, DAYS, held=held, limit=size, after=after)
        rows = db.session.execute(query).all()
        if not rows:
            return pages
        pages.append(rows)
        after = (rows[-1].basis, rows[-1].id)


@pytest.mark.parametrize("held", [False, True])
def test_the_pages_after_one_another_are_the_whole_list(app, population, held):  # noqa: F811
    """Whatever the page size, pages read each after the last row of the one before
    hold every row once, in order: ties of the same moment included (two people
    whose records last changed together)."""
    with app.app_context():
        # Two of the never-interviewed at the very same moment: ordered by id.
        same = db.session.scalars(
            sa.select(Candidate).where(Candidate.name.like("Never%"))
        ).all()
        twin = Candidate(name="Never Twin", search_key="never twin", notes="")
        db.session.add(twin)
        db.session.flush()
        moment = same[0].updated_at if same else utcnow() - timedelta(days=500)
        db.session.execute(
            sa.update(Candidate)
            .where(Candidate.id.in_([twin.id, *(c.id for c in same)]))
            .values(updated_at=moment)
        )
        db.session.commit()
        for shift in (0, 400):
            until = utcnow() + timedelta(days=shift)
            whole = db.session.execute(
                retention.due_query(until, DAYS, held=held)
            ).all()
            for size in range(1, len(whole) + 2):
                pages = _pages(until, held, size)
                assert [row for page in pages for row in page] == whole, size
                assert all(len(page) == size for page in pages[:-1])


@pytest.fixture
def many_due(app_ctx, population):  # noqa: F811
    """Thousands of people long unchanged, half of them interviewed once long ago,
    besides the population."""
    long_ago = utcnow() - timedelta(days=900)
    db.session.execute(
        sa.text(
            "INSERT INTO candidates (name, email, notes, search_key, created_at,"
            " updated_at) VALUES (:name, NULL, '', :key, :at, :at)"
        ).bindparams(AT),
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
        ).bindparams(AT),
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
        erase_candidate(None, db.session.get(Candidate, candidate_id))
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


def test_a_page_further_on_walks_the_two_indexes_from_where_the_last_stopped(
    app_ctx, many_due
):
    until = utcnow() + timedelta(days=30)
    whole = db.session.execute(retention.due_query(until, DAYS)).all()
    first = db.session.execute(retention.due_query(until, DAYS, limit=51)).all()
    last = first[49]
    query = retention.due_query(until, DAYS, limit=51, after=(last.basis, last.id))
    plan = _plan(query)
    assert "ix_candidates_retention" in plan, plan
    assert "ix_loops_closed_at" in plan, plan
    assert db.session.execute(query).all() == whole[50:101]


def _names(html: str) -> list[str]:
    return re.findall(r'<th scope="row"[^>]*>([^<]+)</th>', html)


def _next(html: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">', html)
    return unescape(found.group(1)) if found else None


def test_talent_acquisition_pages_through_everyone_due(
    app_ctx, many_due, client, auth, make_user
):
    """Thousands fall due this month: the page lists 50, soonest first, and Next
    shows the following 50, then the next, each from where the last stopped,
    with a way back to the soonest; the due list once said "only the first 200
    are listed" and nobody could see the others."""
    auth.login(make_user(Role.TALENT_ACQUISITION))
    until = utcnow() + timedelta(days=30)
    whole = db.session.execute(retention.due_query(until, DAYS)).all()
    people = dict(db.session.execute(sa.select(Candidate.id, Candidate.name)).all())
    expected = [people[row.id] for row in whole]
    assert len(expected) > 150
    page = client.get("/candidates/retention").get_data(as_text=True)
    assert _names(page) == expected[:50]
    assert "Showing 50 candidates due, soonest first." in page
    assert "Soonest first" not in page.split("</h1>")[1].split("list-summary")[0]
    seen = []
    for n in range(3):
        seen += _names(page)
        link = _next(page)
        assert link and "after=" in link
        page = client.get(link).get_data(as_text=True)
        assert "Showing 50 more candidates due from " in page
        assert 'href="/candidates/retention">Soonest first' in page
    assert seen + _names(page) == expected[:200]


@pytest.mark.parametrize(
    "key",
    [
        "nonsense",
        "2024-01-01T00:00:00~12",  # no offset: not a key the page wrote
        "2024-01-01T00:00:00+00:00~" + "9" * 40,
        "~12",
        "0001-01-01T00:00:00+01:00~12",  # before year 1 in UTC
        "2024-01-01T00:00:00+00:00~2147483648",  # past a 32-bit id (PostgreSQL)
        "2024-01-01T00:00:00+00:00~0000002147483648",
        "2024-13-45T00:00:00+00:00~12",
        "x" * 5000,
    ],
)
def test_a_page_key_that_does_not_read_as_one_shows_the_first_page(
    app_ctx,
    population,  # noqa: F811
    client,
    auth,
    make_user,
    key,
):
    auth.login(make_user(Role.TALENT_ACQUISITION))
    first = client.get("/candidates/retention")
    answer = client.get("/candidates/retention", query_string={"after": key})
    assert answer.status_code == 200
    assert _names(answer.get_data(as_text=True)) == _names(first.get_data(as_text=True))
    assert _names(first.get_data(as_text=True))


def test_a_page_key_past_everyone_due_says_nobody_else(
    app_ctx,
    population,  # noqa: F811
    client,
    auth,
    make_user,
):
    auth.login(make_user(Role.TALENT_ACQUISITION))
    later = (utcnow() + timedelta(days=400)).isoformat()
    page = client.get(
        "/candidates/retention", query_string={"after": f"{later}~1"}
    ).get_data(as_text=True)
    assert _names(page) == []
    assert "Nobody else falls due in the next 30 days." in page
    assert 'href="/candidates/retention">Soonest first' in page
