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


def _has_text_index() -> bool:
    """Whether this database has the FTS5 index (SQLite with FTS5, migrated), as
    the connection found when it opened (db.py)."""
    return db.session.connection().info.get(TEXT_INDEX, False)


def match_expression(words: list[str]) -> str | None:
    """An FTS5 query requiring each indexable word as a literal phrase, or None."""
    phrases = ['"' + w.replace('"', '""') + '"' for w in words if len(w) >= TRIGRAM]
    return " AND ".join(phrases) or None


def candidate_matching(query: str | None, *, name_only: bool = False) -> list:
    """SQL conditions on ``Candidate`` for a search box's text (none when empty)."""
    conditions = (matching_name if name_only else matching)(Candidate.search_key, query)
    expression = match_expression(terms(query)) if conditions else None
    if expression and _has_text_index():
        found = sa.select(_text_index.c.rowid).where(
            sa.literal_column(TEXT_INDEX_TABLE).match(expression)
        )
        conditions.insert(0, Candidate.id.in_(found))
    return conditions
