"""Finding candidates by what is typed, through the database's text index.

The rule is search.py's: every word of the query appears in the candidate's folded
key (or, for readers who may not see contact details, in the name before the tab).
These LIKE conditions stay the definition. On SQLite, where migration 0008 built the
FTS5 trigram index ``candidates_text``, words of three or more characters also narrow
the rows through it first, since a LIKE with a leading wildcard reads every key; the
trigram match of a folded word is the same substring test, so the rows found are the
same. PostgreSQL's pg_trgm index serves the LIKE conditions themselves.
"""

import sqlalchemy as sa

from .db import TEXT_INDEX
from .extensions import db
from .models import Candidate
from .search import matching, matching_name, terms

TRIGRAM = 3  # the shortest word the trigram index can find
TEXT_INDEX_TABLE = "candidates_text"


def in_schema_comparison(name: str | None, type_: str, _parents) -> bool:
    """Alembic's ``include_name``: leave the FTS5 index and its shadow tables out
    of autogenerate, which knows no virtual tables and would drop them. (A batch
    migration that rebuilds ``candidates`` on SQLite drops its triggers with it:
    create them again as 0008 does.)"""
    return not (
        type_ == "table"
        and name is not None
        and (name == TEXT_INDEX_TABLE or name.startswith(TEXT_INDEX_TABLE + "_"))
    )


_text_index = sa.table(TEXT_INDEX_TABLE, sa.column("rowid"))


def has_text_index() -> bool:
    """Whether this database has the FTS5 index (SQLite with FTS5, migrated), as
    the connection found when it opened (db.py)."""
    return db.session.connection().info.get(TEXT_INDEX, False)


def match_expression(words: list[str]) -> str | None:
    """An FTS5 query requiring each indexable word as a literal phrase, or None."""
    phrases = ['"' + w.replace('"', '""') + '"' for w in words if len(w) >= TRIGRAM]
    return " AND ".join(phrases) or None


def _searched(query: str | None, name_only: bool) -> tuple:
    """(the text index's select of matching ids or None, the LIKE conditions still
    needed). The index decides alone when every word is long enough for it and may
    match anywhere in the key: its trigram phrase is then the same substring test,
    and the LIKE would only re-read each matching row to say so again."""
    words = terms(query)
    conditions = (matching_name if name_only else matching)(Candidate.search_key, query)
    expression = match_expression(words) if conditions else None
    if not (expression and has_text_index()):
        return None, conditions
    found = sa.select(_text_index.c.rowid).where(
        sa.literal_column(TEXT_INDEX_TABLE).match(expression)
    )
    if not name_only and all(len(w) >= TRIGRAM for w in words):
        return found, []
    return found, conditions


def candidate_matching(query: str | None, *, name_only: bool = False) -> list:
    """SQL conditions on ``Candidate`` for a search box's text (none when empty)."""
    found, conditions = _searched(query, name_only)
    if found is None:
        return conditions
    return [Candidate.id.in_(found), *conditions]


def candidate_ids(query: str | None, *, name_only: bool = False) -> sa.Select:
    """The matching candidates' ids as one select: from the text index alone where
    it decides, so counting or gathering them reads no candidate row (on SQLite a
    row costs some fifteen index entries: 1.6 ms instead of 11 ms for the 3,652
    candidates named Garcia among 100,000)."""
    found, conditions = _searched(query, name_only)
    if found is not None and not conditions:
        return found
    return sa.select(Candidate.id).where(
        *candidate_matching(query, name_only=name_only)
    )


def candidate_matches(key, query: str | None, *, name_only: bool = False):
    """A condition that the candidate whose id ``key`` holds (a loop's candidate_id)
    matches the search, which the database answers as a semi-join of the rows on the
    candidates matched, in each statement that uses it: no ids travel to the
    application and back.

    Where SQLite's text index narrows the search, the rows are found through it
    (``key IN`` its ids) and, if the LIKE is still needed (a short word, a search of
    names only), the candidate row is read only for the rows the index let through,
    not for every candidate it found. Otherwise the LIKE conditions are checked per
    row (``EXISTS``), which PostgreSQL plans as a semi-join on its trigram index or
    on the rows' own order, by its estimates, and SQLite runs as the rows are read,
    stopping at a page's last row for a word that matches most candidates.

    Measured at 100,000 candidates against the former array of ids (found by a
    statement of its own, then passed back as one parameter to the count and the
    page): /loops/?q=garcia (3,652 candidates) on SQLite 14.2 -> 13.6 ms for talent
    acquisition, 18.6 -> 12.7 ms for a hiring manager (names only); on PostgreSQL
    25 -> 22 ms and 22 -> 18 ms, the array's planning (2.2 + 2.7 ms) and its
    handling in Python gone. PostgreSQL now matches the candidates in each
    statement, so a search whose loops its planner checks one candidate at a time
    can cost a little more (a manager's "raman": 16 -> 19 ms)."""
    found, conditions = _searched(query, name_only)
    if found is None:
        return sa.exists().where(Candidate.id == key, *conditions)
    narrowed = key.in_(found)
    if not conditions:
        return narrowed
    return sa.and_(narrowed, sa.exists().where(Candidate.id == key, *conditions))


# What reading one matching row costs, in entries of the name index walked instead
# (measured at 100,000 candidates: a row is a seek into the table on SQLite and a
# rechecked heap tuple on PostgreSQL; an entry is tested in the index alone).
WALK_PER_ROW = {"sqlite": 15, "postgresql": 4}


def name_order_walk(query: str | None, matches: int, wanted: int) -> list | None:
    """Conditions that find the first ``wanted`` matches in name order by walking
    the name index, when matches are common enough for the walk to meet them
    sooner than reading and sorting all ``matches``; None otherwise.

    Every word becomes a plain substring test of the key (``instr``, ``strpos``),
    the same test as the LIKE, but one that no text index serves, so each planner
    walks the name order and stops at the page's last row: "garcia" (3,652 of
    100,000) is 0.13 ms walked against 10 ms read and sorted on SQLite, 0.3 ms
    against 14 ms on PostgreSQL, whose planner guesses a few dozen matches for any
    LIKE and so always sorts. The tests are of the whole key, name and email: for
    readers who may search names only (``matching_name``) there is no walk."""
    words = terms(query)
    if not words or not matches:
        return None
    dialect = db.session.get_bind().dialect.name
    size = db.session.scalar(sa.select(sa.func.max(Candidate.id))) or 0
    if wanted * size > WALK_PER_ROW.get(dialect, 4) * matches * matches:
        return None
    contains = sa.func.instr if dialect == "sqlite" else sa.func.strpos
    return [contains(Candidate.search_key, word) > 0 for word in words]
