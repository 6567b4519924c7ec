"""The candidate type-ahead with one or two letters: every word still has to appear
in the folded key, but no trigram index can find so short a word, so the count stops
at the rows shown instead of reading on to a thousand."""

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.models import Candidate, Role
from interview.search import search_key

from .queries import counting_queries


@pytest.fixture
def ta(make_user):
    return make_user(Role.TALENT_ACQUISITION)


@pytest.fixture
def thirty_sams(app):
    people = [(f"Sam Taylor {i:02}", f"sam{i}@example.org") for i in range(30)]
    rows = [
        {"name": name, "email": email, "search_key": search_key(name, email)}
        for name, email in people
    ]
    with app.app_context():
        db.session.execute(sa.insert(Candidate), [*rows, _other()])
        db.session.commit()


def _other() -> dict:
    return {"name": "Priya Raman", "email": None, "search_key": search_key("Priya")}


@pytest.mark.parametrize("query", ["ta", "s", "SA y", "m T"])
def test_a_short_search_counts_only_past_the_rows_shown(
    app, client, auth, ta, thirty_sams, query
):
    auth.login(ta)
    with counting_queries(app) as log:
        found = client.get("/candidates/search", query_string={"q": query}).get_json()
    assert len(found["results"]) == 20 and found["more"]
    assert found["total"] == 21  # stopped one past the rows shown
    assert found["summary"] == "Showing the first 20 matches; type more to narrow."
    assert "Priya Raman" not in [r["name"] for r in found["results"]]
    assert len(log) <= 4


def test_a_short_search_with_few_matches_counts_them(
    app, client, auth, ta, thirty_sams
):
    auth.login(ta)
    found = client.get("/candidates/search?q=ya").get_json()  # Priya only
    assert [r["name"] for r in found["results"]] == ["Priya Raman"]
    assert found["total"] == 1 and not found["more"]
    assert found["summary"] == "1 candidate matches “ya”."


@pytest.mark.parametrize("query", ["sam", "tay", "ta sam"])
def test_a_word_of_three_letters_is_counted_as_before(
    app, client, auth, ta, thirty_sams, query
):
    auth.login(ta)
    found = client.get("/candidates/search", query_string={"q": query}).get_json()
    assert found["total"] == 30 and found["more"]
    assert found["summary"] == "Showing 20 of 30 matches; type more to narrow."
