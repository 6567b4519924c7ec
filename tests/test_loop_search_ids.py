"""A loop list's candidate search is a semi-join the database runs in each statement
(candidate_search.candidate_matches): no candidate ids are gathered, read into the
application and passed back as an array, and the loops listed are exactly those of
the search's definition (every word in the candidate's folded key, or in the name
part of it for readers who may not see contact details), newest first."""

import re

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.models import Candidate, Loop, Requisition, Role
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate
from interview.search import terms

from .builders import populate
from .queries import counting_queries
from .rubric_samples import dump, rubric

QUERIES = ["person1", "person", "zoë", "o", "o'brien 3", "candidate.example", "nobody"]


@pytest.fixture
def world(app, make_user):
    """33 candidates with a loop each, on two managers' requisitions; returns
    (talent acquisition, the first manager)."""
    ta = make_user(Role.TALENT_ACQUISITION)
    managers = [make_user(Role.HIRING_MANAGER), make_user(Role.HIRING_MANAGER)]
    pair = (make_user(Role.INTERVIEWER).id, make_user(Role.INTERVIEWER).id)
    with app.app_context():
        rubric_id = save_rubric(None, validate(dump(rubric())).rubric).version.rubric_id
        populate(managers[0].id, rubric_id, pair, 20)
        populate(managers[1].id, rubric_id, pair, 13, start=20)
    return ta, managers[0]


def listed(client, query: str) -> tuple[str, list[int]]:
    """The list's summary and every loop it lists, page after page."""
    summary, ids, page = None, [], 1
    while True:
        response = client.get("/loops/", query_string={"q": query, "page": page})
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        found = re.search(r'class="list-summary"[^>]*>(.*?)</p>', text, re.DOTALL)
        summary = summary or " ".join(found[1].split())
        shown = [int(i) for i in re.findall(r'href="/loops/(\d+)"', text)]
        ids += shown
        if not shown or f"page={page + 1}" not in text:
            return summary, ids
        page += 1


def by_definition(app, reader, query: str) -> list[int]:
    """The loops the reader may see whose candidate has every word of the query in
    the folded key (names only for a manager), newest first: the former rule."""
    words = terms(query)
    with app.app_context():
        rows = db.session.execute(
            sa.select(Loop.id, Candidate.search_key, Requisition.hiring_manager_id)
            .join(Candidate, Candidate.id == Loop.candidate_id)
            .join(Requisition, Requisition.id == Loop.requisition_id)
        ).all()
    found = []
    for loop_id, key, manager_id in rows:
        if reader.role == Role.HIRING_MANAGER:
            if manager_id != reader.id:
                continue
            key = key.split("\t")[0]
        if all(word in key for word in words):
            found.append(loop_id)
    return sorted(found, reverse=True)


@pytest.mark.parametrize("role", [0, 1], ids=["talent", "manager"])
def test_the_loops_found_are_those_of_the_definition(
    app, client, auth, world, role, subtests
):
    """Whether the search is narrowed by SQLite's text index or checked per loop,
    the same loops, in the same order, counted the same. Each query is a subtest:
    they only read the world, which takes seconds to build, once per reader."""
    reader = world[role]
    auth.login(reader)
    for query in QUERIES:
        with subtests.test(query=query):
            summary, ids = listed(client, query)
            expected = by_definition(app, reader, query)
            assert ids == expected
            if expected:
                assert f"of {len(expected)} loops" in summary or (
                    len(expected) == 1 and "1 loop" in summary
                ), summary
            else:
                assert summary == "No loops match."


def loops_statements(app, client, url: str) -> list[str]:
    with counting_queries(app) as log:
        assert client.get(url).status_code == 200
    return log.statements


@pytest.mark.parametrize("role", [0, 1], ids=["talent", "manager"])
def test_no_candidate_ids_travel_and_a_search_costs_no_statement(
    app, client, auth, world, role
):
    """A search sends as many statements as the list without one, and none of them
    carries candidate ids (the former array: json_each on SQLite, = ANY on
    PostgreSQL, gathered by a statement of its own)."""
    auth.login(world[role])
    plain = loops_statements(app, client, "/loops/")
    searched = loops_statements(app, client, "/loops/?q=1")  # 1, 10-19, 21, 31
    assert len(searched) == len(plain)
    for statement in searched:
        assert not re.search(r"json_each|json_group_array|array_agg|ANY \(", statement)
    of_loops = [s for s in searched if "FROM loops" in s]
    assert all("candidates" in s for s in of_loops[:2])  # the count, the page's keys
    # However many candidates match, the loops are asked for in the same words
    # (PostgreSQL's patterns and limits are written in: search.py, db.py).
    one = loops_statements(app, client, "/loops/?q=10")
    assert unpatterned(s for s in one if "FROM loops" in s) == unpatterned(of_loops)


def unpatterned(statements) -> list[str]:
    return [
        re.sub(r"(LIMIT|OFFSET) \d+", r"\1 ?", re.sub(r"LIKE '[^']*'", "LIKE ?", s))
        for s in statements
    ]


def test_sqlite_reads_the_text_index_inside_the_loops_statement(
    app, client, auth, world, databases
):
    """On SQLite the loops' count is narrowed by the FTS5 index in the statement
    itself; a manager's search (names only) reads a candidate row per loop found."""
    if databases.name != "sqlite":
        pytest.skip("SQLite's text index")
    for reader, row_read in ((world[0], False), (world[1], True)):
        auth.login(reader)
        statements = loops_statements(app, client, "/loops/?q=person")
        counted = next(
            s for s in statements if s.startswith("SELECT count(*)") and "loops" in s
        )
        with app.app_context():
            params = _params_of(app, client, "/loops/?q=person", counted)
            explained = db.session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN " + counted, params
            )
            plan = " / ".join(str(row[-1]) for row in explained)
        assert "candidates_text VIRTUAL TABLE" in plan, plan
        assert ("SEARCH candidates USING INTEGER PRIMARY KEY" in plan) == row_read
        auth.logout()


def _params_of(app, client, url: str, statement: str):
    """The parameters ``statement`` was sent with when ``url`` was opened."""
    sent = []

    def record(_conn, _cursor, text, params, _context, _many):
        if text == statement:
            sent.append(params)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        client.get(url)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return sent[0]
