"""Candidate search through the database's text index finds exactly what the rule
says, however the candidates were added, renamed or removed."""

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from interview.candidate_search import candidate_matching, match_expression
from interview.extensions import db
from interview.models import Candidate
from interview.search import search_key, terms

from .queries import counting_queries

NAMES = ["Zoë Ångström", "Anna García", "Łukasz Wójcik", "Siobhán O'Brien", "Li Na"]
WORDS = ["garc", "GARCÍA", "zoe ang", "ngst", "li", "na", "wójcik o'b", "łuk", "xyz"]


def found(query: str, name_only: bool = False) -> set[int]:
    conditions = candidate_matching(query, name_only=name_only)
    return set(db.session.scalars(sa.select(Candidate.id).where(*conditions)))


def expected(people: dict[int, tuple[str, str]], query: str, name_only=False):
    words = terms(query)
    keys = {i: search_key(n, e) for i, (n, e) in people.items()}
    if name_only:
        keys = {i: k.split("\t")[0] + "\t" for i, k in keys.items()}
    return {i for i, k in keys.items() if all(w in k for w in words)}


def test_the_index_stays_exact_through_adds_renames_and_removals(app):
    """ORM and Core writes (the bench and imports use Core) keep the index in step."""
    table = Candidate.__table__

    class Candidates(RuleBasedStateMachine):
        ids = Bundle("ids")

        def __init__(self):
            super().__init__()
            self.people: dict[int, tuple[str, str]] = {}
            self.context = app.app_context()
            self.context.push()

        def teardown(self):
            db.session.rollback()
            db.session.execute(sa.delete(table))
            db.session.commit()
            self.context.pop()

        @rule(target=ids, name=st.sampled_from(NAMES), n=st.integers(0, 99))
        def add(self, name, n):
            person = Candidate(name=f"{name} {n}", email=f"p{n}@x.example")
            db.session.add(person)
            db.session.commit()
            self.people[person.id] = (person.name, person.email)
            return person.id

        @rule(target=ids, name=st.sampled_from(NAMES))
        def add_in_core(self, name):
            email = "core@x.example"
            new_id = db.session.execute(
                sa.insert(table)
                .values(name=name, email=email, search_key=search_key(name, email))
                .returning(table.c.id)
            ).scalar_one()
            db.session.commit()
            self.people[new_id] = (name, email)
            return new_id

        @rule(person=ids, name=st.sampled_from(NAMES))
        def rename(self, person, name):
            if person not in self.people:
                return
            db.session.get(Candidate, person).name = name
            db.session.commit()
            self.people[person] = (name, self.people[person][1])

        @rule(person=consumes(ids))
        def remove(self, person):
            if self.people.pop(person, None) is not None:
                db.session.execute(sa.delete(table).where(table.c.id == person))
                db.session.commit()

        @invariant()
        def searches_find_exactly_the_matches(self):
            try:
                for query in WORDS:
                    assert found(query) == expected(self.people, query), query
                    assert found(query, True) == expected(self.people, query, True)
            finally:
                db.session.rollback()

    run_state_machine_as_test(
        Candidates,
        settings=settings(
            max_examples=15,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture],
        ),
    )
    if db_is_sqlite(app):
        with app.app_context():
            # FTS5's own check that the index holds exactly the table's text.
            db.session.execute(
                sa.text(
                    "INSERT INTO candidates_text(candidates_text, rank) "
                    "VALUES ('integrity-check', 1)"
                )
            )


def db_is_sqlite(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "sqlite"


def test_sqlite_searches_through_the_trigram_index(app, client, auth, users):
    """A word of three letters or more is looked up in the index, not in every key."""
    if not db_is_sqlite(app):
        pytest.skip("PostgreSQL's trigram index serves the LIKE itself")
    auth.login(users["talent_acquisition"])
    with counting_queries(app) as log:
        client.get("/candidates/?q=garc")
    searched = [s for s in log.statements if "FROM candidates" in s]
    assert searched and all("candidates_text MATCH" in s for s in searched), str(log)
    with counting_queries(app) as log:
        client.get("/candidates/?q=li")  # too short for trigrams: the LIKE alone
    assert not any("candidates_text" in s for s in log.statements)


@pytest.mark.parametrize(
    ("words", "expression"),
    [
        (["garcia"], '"garcia"'),
        (["zoe", "an", "angstrom"], '"zoe" AND "angstrom"'),
        (['o"brien'], '"o""brien"'),
        (["li", "na"], None),
        (["ÿöü"], '"ÿöü"'),
    ],
)
def test_each_indexable_word_is_a_literal_phrase(words, expression):
    assert match_expression(words) == expression


def _index_pages(connection) -> tuple[int, int]:
    """(FTS5's page size setting, the longest leaf it wrote) of the text index."""
    size = connection.exec_driver_sql(
        "SELECT v FROM candidates_text_config WHERE k = 'pgsz'"
    ).scalar()
    longest = connection.exec_driver_sql(
        "SELECT max(length(block)) FROM candidates_text_data WHERE id > 10"
    ).scalar()
    return size, longest


def test_0031_rewrites_the_text_index_in_large_pages_and_keeps_every_row(app):
    """A new candidate's merge of the index holds SQLite's write lock for
    milliseconds with leaves of 64,000 bytes (bench/candidate_inserts.py): 0031
    rewrites the candidates already indexed that way, and every one of them is still
    found; its downgrade puts FTS5's default of 4,050 back."""
    if not db_is_sqlite(app):
        pytest.skip("the text index is SQLite's")
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        db.session.remove()  # SQLite: no transaction of ours holds the write lock
        downgrade(revision="0030_accounts_order")
        try:
            people = {}
            for n in range(400):  # the domain's trigrams fill several 4,050-byte pages
                # Core, naming 0030's columns: the model has later ones (0034's).
                name, email = f"{NAMES[n % len(NAMES)]} {n}", f"p{n}@x.example"
                person_id = db.session.execute(
                    sa.insert(Candidate.__table__)
                    .values(name=name, email=email, search_key=search_key(name, email))
                    .returning(Candidate.__table__.c.id)
                ).scalar_one()
                people[person_id] = (name, email)
            db.session.execute(
                sa.text(
                    "INSERT INTO candidates_text(candidates_text) VALUES ('optimize')"
                )
            )
            db.session.commit()
            size, longest = _index_pages(db.session.connection())
            assert size == 4050 and longest < 8000  # FTS5's default
        finally:
            db.session.remove()
            upgrade()
        size, longest = _index_pages(db.session.connection())
        assert size == 64000 and longest > 8000, longest
        db.session.execute(
            sa.text(
                "INSERT INTO candidates_text(candidates_text, rank) "
                "VALUES ('integrity-check', 1)"
            )
        )
        for query in WORDS:
            assert found(query) == expected(people, query), query
        db.session.remove()
        downgrade(revision="0030_accounts_order")
        try:
            size, longest = _index_pages(db.session.connection())
            assert size == 4050 and longest < 8000
            assert found("garc") == expected(people, "garc")
        finally:
            db.session.remove()
            upgrade()
