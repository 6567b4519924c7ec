"""Search text folded the same way on every database: case- and accent-insensitive.

PostgreSQL could fold with ``unaccent`` and ``ILIKE``, SQLite cannot: instead each
searchable row keeps a folded copy of its searchable text (``search_key``), written by
the application, and a query is folded the same way before it is matched. A query is
bounded (``MAX_QUERY`` characters, ``MAX_TERMS`` words) so that no input, of any length
or script, makes an unbounded query.

On PostgreSQL a LIKE pattern is written into the statement, not bound: psycopg
prepares a statement after its fifth run, and PostgreSQL then plans it once for any
pattern (a generic plan), which walks the whole trigram index for a word too short
to hold a trigram ("%zo%": 38 ms at 100,000 candidates, 5 ms planned for the word).
Written in, each search is planned for its own words.
"""

import unicodedata
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

MAX_QUERY = 200
MAX_TERMS = 6
# Letters that carry no combining mark to strip but that people type without it.
_PLAIN = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"}
)


def fold(text: str) -> str:
    """Lower-case, strip accents and collapse spaces: "Zoë  Ångström" -> "zoe angstrom"."""
    # Decompose before and after case folding: "𝑨" only becomes "A" when decomposed,
    # and "İ" only shows its dot as a combining mark once folded.
    decomposed = unicodedata.normalize("NFKD", text).casefold().translate(_PLAIN)
    decomposed = unicodedata.normalize("NFKD", decomposed)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.translate(_PLAIN).split())


def search_key(name: str | None, *others: str | None) -> str:
    """The folded text a row is found by: its name, then a tab, then the rest (an
    email), so a search can also be confined to the name (``matching_name``)."""
    return fold(name or "") + "\t" + fold(" ".join(o for o in others if o))


def terms(query: str | None) -> list[str]:
    """The distinct words of a query, folded and bounded; every word must match."""
    text = "".join(c if c.isprintable() else " " for c in (query or "")[:MAX_QUERY])
    words = fold(text).split()
    return list(dict.fromkeys(w for w in words if w))[:MAX_TERMS]


def like_pattern(term: str) -> str:
    r"""A LIKE pattern matching ``term`` anywhere; its wildcards escaped with ``\``."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Pattern(ColumnElement[str]):
    """A LIKE pattern: a bound parameter, written into the SQL on PostgreSQL."""

    inherit_cache = True
    type = sa.String()
    _traverse_internals: ClassVar = [("value", InternalTraversal.dp_clauseelement)]

    def __init__(self, pattern: str):
        self.value = sa.bindparam(None, pattern, type_=sa.String())


@compiles(Pattern)
def _bound(element: Pattern, compiler, **kw) -> str:
    return compiler.process(element.value, **kw)


@compiles(Pattern, "postgresql")
def _written_in(element: Pattern, compiler, **kw) -> str:
    # Quoted by SQLAlchemy's string literal (quotes doubled, backslashes doubled
    # if the server does not conform to standard strings); NUL is refused earlier.
    return compiler.process(element.value, literal_execute=True, **kw)


def like(column, pattern: str):
    r"""``column LIKE pattern`` with ``\`` escaping, planned for its pattern."""
    return column.like(Pattern(pattern), escape="\\")


def matching(column, query: str | None) -> list:
    """SQL conditions on a folded column: each word of the query appears in it."""
    return [like(column, like_pattern(t)) for t in terms(query)]


def matching_name(column, query: str | None) -> list:
    """Like ``matching``, but each word must appear in the name, before the tab:
    for people who may see a candidate's name but not their contact details."""
    return [like(column, like_pattern(t) + "\t%") for t in terms(query)]
