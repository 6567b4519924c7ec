"""The accounts list is read in its index's order (issue 11, migration 0030): active
first, by role, name and id, whichever of its filters is set. Ascending on is_active
the index could not give "active first", and PostgreSQL sorted every account of a
hospital by name for each page (7 ms of 14 at 2,000 accounts)."""

import re

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.models import Role

# The page's keys, found walking the order's index (listing.paginate, deferred):
# the 25 rows they load are then sorted again, which costs nothing.
KEYS = re.compile(
    r"IN \((SELECT users\.id\s+FROM users.*?LIMIT .*? OFFSET (?:\?|\d+|%\(\w+\)s(?:::\w+)?))\)",
    re.DOTALL,
)


def _keys_statement(client, path: str) -> tuple[str, object]:
    """The statement that finds the page's keys, and its parameters."""
    sent = []

    def record(_conn, _cursor, statement, params, _context, _many):
        if found := KEYS.search(statement):
            sent.append((found.group(1), params))

    with client.application.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert len(sent) == 1, sent
    return sent[0]


def _plan(app, statement: str, params) -> str:
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
            return " | ".join(row[-1] for row in rows)
        # Sorting and scanning priced out: a plan that still sorts has no index
        # giving this order, however few rows the test database holds.
        connection.exec_driver_sql("SET enable_seqscan = off")
        connection.exec_driver_sql("SET enable_sort = off")
        rows = connection.exec_driver_sql(f"EXPLAIN {statement}", params)
        plan = " | ".join(row[0] for row in rows)
        connection.rollback()
        return plan


@pytest.mark.parametrize(
    "query", ["", "?role=interviewer", "?state=active", "?state=deactivated"]
)
def test_the_accounts_page_walks_its_index(app, client, auth, users, make_user, query):
    make_user(Role.INTERVIEWER, is_active=False)
    auth.login(users["talent_acquisition"])
    statement, params = _keys_statement(client, f"/accounts/{query}")
    plan = _plan(app, statement, params)
    assert "ix_users_listing" in plan, plan
    assert "Sort" not in plan, plan
    if "role=" in query:
        # SQLite, given a role, sorts each state's accounts of that role apart
        # ("RIGHT PART"): 0.4 ms for 2,000 interviewers. Every account sorted is
        # a miss.
        assert "TEMP B-TREE FOR ORDER BY" not in plan, plan
    else:
        assert "TEMP B-TREE" not in plan, plan
