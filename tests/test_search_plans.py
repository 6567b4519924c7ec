"""Searches keep a plan made for their own words on PostgreSQL.

psycopg prepares a statement once it has run five times, and PostgreSQL may then plan
it once for every value of its parameters (a generic plan). With the LIKE pattern a
parameter, that plan reads the trigram index, which for a word too short to hold a
trigram ("zo") means the whole index. The patterns are written into the statement
instead (search.py), so the plan PostgreSQL keeps is the one made for the word."""

import re

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.loops.pickers import find_candidates

# Which plan a generic plan picks depends on the table's size and width (at 100,000
# scale-bench candidates, the trigram index); what the test checks is that the plan
# kept was made for the word, so a few thousand rows do.
CANDIDATES = 5_000


@pytest.fixture
def many_candidates(app_ctx, databases):
    if databases.name != "postgresql":
        pytest.skip("psycopg's prepared statements and PostgreSQL's plan cache")
    db.session.execute(
        sa.text(
            "INSERT INTO candidates (name, email, notes, search_key, created_at,"
            " updated_at) SELECT name, NULL, '', lower(name) || chr(9), now(), now()"
            " FROM (SELECT CASE WHEN i % 25 = 0 THEN 'Zoe ' ELSE 'Ann ' END"
            " || md5(i::text) AS name FROM generate_series(1, :n) AS i) AS made"
        ),
        {"n": CANDIDATES},
    )
    db.session.commit()
    db.session.execute(sa.text("ANALYZE candidates"))
    db.session.commit()


def _as_prepared(statement: str, params: dict) -> tuple[str, list]:
    """The statement as psycopg prepares it (``$1``... in order of first use, ``%%``
    undone) and its values in that order."""
    names: list[str] = []

    def number(match: re.Match) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    text = re.sub(r"%\((\w+)\)s", number, statement).replace("%%", "%")
    return text, [params[n] for n in names]


def _prepared_plans(sent: dict[str, dict]) -> dict[str, str]:
    """Each statement psycopg prepared on this session's connection, with the plan
    PostgreSQL now runs it with (EXPLAIN EXECUTE uses the plan cache as a run does)."""
    conn = db.session.connection()
    values_of = dict(_as_prepared(s, p) for s, p in sent.items())
    prepared = conn.exec_driver_sql(
        "SELECT name, statement FROM pg_prepared_statements WHERE NOT from_sql"
    ).all()
    plans = {}
    for name, statement in prepared:
        values = values_of.get(statement)
        if values is None:
            continue
        literals = ", ".join(_literal(v) for v in values)
        explain = f"EXPLAIN EXECUTE {name}" + (f"({literals})" if values else "")
        lines = conn.exec_driver_sql(explain.replace("%", "%%")).scalars()
        plans[statement] = "\n".join(lines)
    return plans


def _literal(value) -> str:
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def test_a_repeated_short_search_keeps_a_plan_made_for_its_word(app, many_candidates):
    """The candidate type-ahead, run often enough for psycopg to prepare it and for
    PostgreSQL to try a generic plan, still runs a plan made for "%zo%": not one for
    any pattern, which at scale read the whole trigram index (38 ms at 100,000)."""
    sent: dict[str, dict] = {}

    def record(_conn, _cursor, statement, params, _context, _many):
        sent[statement] = dict(params)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        for _ in range(16):  # prepared after 5 runs; a generic plan tried after 5 more
            found = find_candidates("zo")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert len(found.results) == 20 and found.more  # 200 match
    plans = _prepared_plans(sent)
    searches = [plan for statement, plan in plans.items() if "LIKE" in statement]
    assert len(searches) == 2, plans  # the rows and their count
    for plan in searches:
        assert "'%zo%'" in plan and "$1" not in plan, plan


def test_every_search_writes_its_patterns_into_postgresql_statements():
    """Requisitions and accounts alike: on PostgreSQL the folded
    pattern is in the statement, not a parameter (no database needed to see it)."""
    from sqlalchemy.dialects import postgresql

    from interview.models import Requisition, User
    from interview.models.requisitions import requisition_matching
    from interview.search import matching

    queries = {
        "requisitions": sa.select(Requisition.id).where(*requisition_matching("zo")),
        "accounts": sa.select(User.id).where(*matching(User.search_key, "zo")),
    }
    for name, query in queries.items():
        sql = str(
            query.compile(
                dialect=postgresql.psycopg.dialect(),
                compile_kwargs={"render_postcompile": True},
            )
        )
        assert "'%%zo%%'" in sql or "'%zo%'" in sql, (name, sql)
        assert "%(" not in sql, (name, sql)


def test_a_loop_search_is_planned_as_a_join_on_the_candidates(
    app, many_candidates, client, auth, make_user
):
    """The loops list's search is answered by PostgreSQL joining the candidates it
    matches (lists -> candidate_search.candidate_matches), in the count and in the
    page's keys: no array of the 200 matching candidates' ids is read first and
    planned again in each statement (= ANY, 2.2 + 2.7 ms of planning for 3,652)."""
    from interview.models import Role
    from interview.rubrics.operations import save_rubric
    from interview.rubrics.schema import validate

    from .builders import populate
    from .rubric_samples import dump, rubric

    ta, manager = make_user(Role.TALENT_ACQUISITION), make_user(Role.HIRING_MANAGER)
    pair = (make_user(Role.INTERVIEWER).id, make_user(Role.INTERVIEWER).id)
    rubric_id = save_rubric(None, validate(dump(rubric())).rubric).version.rubric_id
    populate(manager.id, rubric_id, pair, 40)  # 8 of them Zoë Ångström
    sent: list[tuple[str, dict]] = []

    def record(_conn, _cursor, statement, params, _context, _many):
        sent.append((statement, dict(params)))

    auth.login(ta)
    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get("/loops/?q=zoe")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    assert "of 8 loops" in response.get_data(as_text=True)
    searched = [(s, p) for s, p in sent if "FROM loops" in s and "candidates" in s]
    assert len(searched) == 2, [s for s, _ in sent]  # the count and the page's keys
    conn = db.session.connection()
    for statement, params in searched:
        assert "ANY" not in statement and "array" not in statement.lower()
        plan = "\n".join(conn.exec_driver_sql("EXPLAIN " + statement, params).scalars())
        assert "on candidates" in plan and "ANY" not in plan, plan
        assert "Join" in plan or "Nested Loop" in plan, plan
