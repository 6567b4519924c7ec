"""Lists count and page through a bounded number of rows, whatever the table holds."""

import re

import pytest

from interview.models import Role
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate

from .builders import populate
from .queries import counting_queries
from .rubric_samples import dump, rubric

LIMIT = 30


@pytest.fixture
def world(app, make_user):
    """33 candidates with a loop each; lists stop counting at 30."""
    ta = make_user(Role.TALENT_ACQUISITION)
    manager = make_user(Role.HIRING_MANAGER)
    pair = (make_user(Role.INTERVIEWER).id, make_user(Role.INTERVIEWER).id)
    with app.app_context():
        rubric_id = save_rubric(None, validate(dump(rubric())).rubric).version.rubric_id
        populate(manager.id, rubric_id, pair, 33)
    app.config["LIST_COUNT_LIMIT"] = LIMIT
    return ta


def summary(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    return " ".join(
        re.search(r'class="list-summary"[^>]*>(.*?)</p>', text, re.DOTALL)[1].split()
    )


@pytest.mark.parametrize("noun", ["candidates", "loops"])
def test_a_list_past_the_limit_says_there_are_more(client, auth, world, noun):
    auth.login(world)
    assert summary(client, f"/{noun}/") == (
        f"Showing 1–25 of more than 30 {noun}. Search or filter to see the others."
    )
    # Page 99 (or page 2 of a list of 33) is past the limit: the last page within it.
    last = summary(client, f"/{noun}/?page=99")
    assert last.startswith("Showing 26–30 of more than 30")
    page = client.get(f"/{noun}/?page=2").get_data(as_text=True)
    assert 'rel="next"' not in page and "page 2 of 2 or more" in page


def test_a_narrower_search_is_counted_exactly(client, auth, world):
    auth.login(world)
    assert summary(client, "/candidates/?q=1") == "Showing 1–13 of 13 candidates"


def test_the_count_stops_at_the_limit(app, client, auth, world):
    """The database is asked for at most limit + 1 rows, however many match."""
    auth.login(world)
    with counting_queries(app) as log:
        client.get("/candidates/")
    counts = [s for s in log.statements if "count(" in s.lower()]
    assert counts and all("LIMIT" in s.upper() for s in counts), str(log)
