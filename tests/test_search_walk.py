"""A search reads its matches the cheapest way for its page, and every way finds
the same rows: the text index alone (SQLite, words of three letters or more), the
LIKE definition, or a walk of the name order with plain substring tests (a common
word's first pages)."""

import re

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interview.candidate_search import (
    WALK_PER_ROW,
    candidate_ids,
    candidate_matching,
    name_order_walk,
)
from interview.extensions import db
from interview.models import Candidate
from interview.search import search_key, terms

from .queries import counting_queries

# Letters that fold (case, accents, ligatures), LIKE's wildcards and escape, quotes,
# and a few scripts: what people's names and a search box hold.
ALPHABET = "aAbgGrRcCiIéÉçñøØłŁßæ%_\\'\" -.@ñ李Щщ"
NAME = st.text(alphabet=ALPHABET, min_size=1, max_size=14).filter(str.strip)
WORD = st.text(alphabet=ALPHABET, min_size=1, max_size=6)


def _expected(people: dict[int, str], query: str) -> set[int]:
    words = terms(query)
    return {i for i, key in people.items() if all(w in key for w in words)}


def _ids(select: sa.Select) -> set[int]:
    return set(db.session.scalars(select))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(names=st.lists(NAME, min_size=1, max_size=8), query=WORD)
def test_every_way_of_reading_a_search_finds_the_same_rows(app_ctx, names, query):
    """The index alone, the conditions, and the walk's substring tests agree with
    the rule (every folded word appears in the folded key) for any text."""
    try:
        people = {}
        for n, name in enumerate(names):
            person = Candidate(name=name, email=f"p{n}@x.example")
            db.session.add(person)
            db.session.flush()
            people[person.id] = search_key(person.name, person.email)
        db.session.commit()
        wanted = _expected(people, query)
        assert _ids(candidate_ids(query)) == wanted
        matching = candidate_matching(query)
        assert _ids(sa.select(Candidate.id).where(*matching)) == wanted
        # Told the matches are as many as the table, any query with a word walks.
        walked = name_order_walk(query, matches=10**6, wanted=1)
        if terms(query):
            assert walked is not None
            assert _ids(sa.select(Candidate.id).where(*walked)) == wanted
    finally:
        db.session.rollback()
        db.session.execute(sa.delete(Candidate.__table__))
        db.session.commit()


def _add_people(common: int, others: int) -> None:
    rows = [
        {"name": f"Ann García {i:03}", "email": f"g{i}@x.example"}
        for i in range(common)
    ] + [{"name": f"Bo Lind {i:03}", "email": f"l{i}@x.example"} for i in range(others)]
    for row in rows:
        row["search_key"] = search_key(row["name"], row["email"])
        row["notes"] = ""
    db.session.execute(sa.insert(Candidate.__table__), rows)
    db.session.commit()


WALKED = re.compile(r"\b(instr|strpos)\(", re.IGNORECASE)


def _list_pages(client, query: str, pages: int) -> tuple[list[str], list[bool]]:
    """Every name the list shows over its pages, and whether each page walked."""
    names, walked = [], []
    for page in range(1, pages + 1):
        with counting_queries(client.application) as log:
            html = client.get(f"/candidates/?q={query}&page={page}").get_data(True)
        names += re.findall(r'<th scope="row"[^>]*>(?:<a [^>]*>)?([^<]*)<', html)
        walked.append(any(WALKED.search(s) for s in log.statements))
    return names, walked


def test_a_common_word_walks_the_name_order_and_pages_stay_exact(
    app, app_ctx, client, auth, users
):
    """60 matches among 90 times the walk's cost of a row: the first page walks the
    name index (stopping at its last row), the last page would walk past most of
    the table and reads the 60 matches instead; together the pages list each match
    once, in name order."""
    per_row = WALK_PER_ROW[db.engine.dialect.name]
    first_id = db.session.scalar(sa.select(sa.func.max(Candidate.id))) or 0
    _add_people(common=60, others=90 * per_row - 60 - first_id)
    auth.login(users["talent_acquisition"])
    names, walked = _list_pages(client, "garcia", pages=3)
    assert names == [f"Ann García {i:03}" for i in range(60)]
    assert walked == [True, False, False]


def test_a_rare_word_reads_its_few_matches(app, app_ctx, client, auth, users):
    _add_people(common=2, others=300)
    auth.login(users["talent_acquisition"])
    names, walked = _list_pages(client, "garcia", pages=1)
    assert names == ["Ann García 000", "Ann García 001"]
    assert walked == [False]


def test_the_new_loop_picker_walks_for_a_common_word(app, app_ctx, client, auth, users):
    _add_people(common=120, others=120)
    auth.login(users["talent_acquisition"])
    with counting_queries(app) as log:
        found = client.get("/candidates/search?q=garcia").get_json()
    assert [r["name"] for r in found["results"]] == [
        f"Ann García {i:03}" for i in range(20)
    ]
    assert found["total"] == 120
    assert any(WALKED.search(s) for s in log.statements)
