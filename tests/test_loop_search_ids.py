"""A loop list's candidate search reads the matching candidates once and passes
them to the loops query as one array parameter (lists._candidate_matches)."""

import re

import pytest

from interview.loops import lists
from interview.models import Role
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate

from .builders import populate
from .queries import counting_queries
from .rubric_samples import dump, rubric


@pytest.fixture
def world(app, make_user):
    """33 candidates with a loop each; returns (talent acquisition, manager)."""
    ta = make_user(Role.TALENT_ACQUISITION)
    manager = make_user(Role.HIRING_MANAGER)
    pair = (make_user(Role.INTERVIEWER).id, make_user(Role.INTERVIEWER).id)
    with app.app_context():
        rubric_id = save_rubric(None, validate(dump(rubric())).rubric).version.rubric_id
        populate(manager.id, rubric_id, pair, 33)
    return ta, manager


def rows(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    summary = re.search(r'class="list-summary"[^>]*>(.*?)</p>', text, re.DOTALL)[1]
    return [" ".join(summary.split()), *re.findall(r'href="/loops/(\d+)"', text)]


def loops_statements(app, client, url: str) -> list[str]:
    with counting_queries(app) as log:
        assert client.get(url).status_code == 200
    return [s for s in log.statements if "FROM loops" in s]


def test_the_loops_query_does_not_grow_with_the_matches(app, client, auth, world):
    """However many candidates match, the loops are asked for with one parameter
    (an IN list of a bind per candidate was compiled, sent and planned per id)."""
    auth.login(world[0])
    few = loops_statements(app, client, "/loops/?q=person1")  # 11 match
    one = loops_statements(app, client, "/loops/?q=person10")  # 1 matches
    assert few and few == one


@pytest.mark.parametrize("role", [0, 1])
@pytest.mark.parametrize(
    "query",
    ["person1", "person", "zoë", "o", "o'brien 3", "candidate.example", "nobody"],
)
def test_both_ways_find_the_same_loops(
    app, client, auth, world, monkeypatch, role, query
):
    """Ids passed as one array, or each loop's candidate checked as the loops are
    read (past FOUND_AT_ONCE matches): the same loops, counted the same."""
    auth.login(world[role])
    by_ids = rows(client, f"/loops/?q={query}")
    by_ids_page_2 = rows(client, f"/loops/?q={query}&page=2")
    monkeypatch.setattr(lists, "FOUND_AT_ONCE", 0)
    assert rows(client, f"/loops/?q={query}") == by_ids
    assert rows(client, f"/loops/?q={query}&page=2") == by_ids_page_2
