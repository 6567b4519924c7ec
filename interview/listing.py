"""Lists paginated in the database: one count and one page of rows per request, and
the filters read from the query string (anything unexpected means no filter)."""

import json
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, request
from sqlalchemy.dialects import postgresql

from .extensions import db
from .paging import Page, PageRequest, bounded, clamp, offset
from .search import MAX_QUERY


def count(query: sa.Select) -> int:
    """How many rows ``query`` selects, counted by the database (over the query's
    own tables and conditions, not a subquery of every column)."""
    counted = query.with_only_columns(
        sa.func.count(), maintain_column_froms=True
    ).order_by(None)
    return db.session.scalar(counted) or 0


def count_upto(query: sa.Select, limit: int) -> int:
    """How many rows ``query`` selects, counting no further than ``limit + 1``: the
    database stops at the first ``limit + 1`` rows, in whatever order is cheapest."""
    rows = (
        query.with_only_columns(sa.literal(1), maintain_column_froms=True)
        .order_by(None)
        .limit(limit + 1)
        .subquery()
    )
    return db.session.scalar(sa.select(sa.func.count()).select_from(rows)) or 0


@dataclass(frozen=True)
class Ids:
    """Ids the database gathered into one array: ``count`` of them, and ``array``
    as ``in_ids`` passes it back (JSON text on SQLite, a list on PostgreSQL)."""

    count: int
    array: str | list


def ids_upto(query: sa.Select, limit: int) -> Ids:
    """The ids ``query`` selects (its one column), at most ``limit + 1``, gathered
    into one array by the database: reading thousands of rows one at a time costs
    more than finding them, and one array is one value to read and pass back."""
    found = query.limit(limit + 1).subquery()
    key = found.c[0]
    if _dialect() == "postgresql":
        count, array = db.session.execute(
            sa.select(sa.func.count(), sa.func.array_agg(key))
        ).one()
        return Ids(count, array or [])
    count, array = db.session.execute(
        sa.select(sa.func.count(), sa.func.json_group_array(key))
    ).one()
    return Ids(count, array)


def ids_of(values) -> Ids:
    """Ids the application holds, as ``in_ids`` takes them."""
    listed = sorted(values)
    if _dialect() == "postgresql":
        return Ids(len(listed), listed)
    return Ids(len(listed), json.dumps(listed))


def in_ids(column, ids: Ids):
    """``column IN ids``, the ids passed as one parameter whatever their number: a
    PostgreSQL array (``= ANY``) or a JSON array that SQLite reads with
    ``json_each``, instead of a bind per id to compile, send and plan."""
    if _dialect() == "postgresql":
        array = sa.bindparam(None, ids.array, type_=postgresql.ARRAY(sa.Integer))
        return column == sa.any_(array)
    listed = sa.func.json_each(sa.bindparam(None, ids.array, sa.String))
    return column.in_(sa.select(listed.table_valued("value").c.value))


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def paginate(
    query: sa.Select,
    request: PageRequest,
    order_by: list,
    load=(),
    deferred=True,
    counted: sa.Select | None = None,
    walk=None,
) -> Page:
    """The requested page of ``query`` (or the nearest that exists) in ``order_by``
    order, which must end in a unique column so that pages never overlap. Pages
    stop at the ``LIST_COUNT_LIMIT`` setting's number of rows (paging.py says why).

    ``deferred``: the page's keys are found first, walking only the order's index
    (a deep page skips index entries, not rows), then those rows are loaded with
    the ``load`` options; the order may then use only the listed entity's columns.

    ``counted``: a cheaper select of the same rows to count (one column, e.g. a text
    index's ids). ``walk(total, rows)``: given the count and how many rows the page
    reads through, conditions on the entity selecting the same rows in a way that
    is cheaper for this page, or None (candidate_search.name_order_walk); they
    replace the query's own conditions, so they must say everything the query did.
    """
    limit = current_app.config["LIST_COUNT_LIMIT"]
    counted = query if counted is None else counted
    total, more = bounded(count_upto(counted, limit), limit)
    request = clamp(request, total)
    if not total:
        return Page([], request.page, request.size, total, request.sort)
    start = offset(request)
    entity = query.column_descriptions[0]["entity"]
    walked = walk(total, start + request.size) if walk is not None else None
    if walked is not None:
        query = sa.select(entity).where(*walked)
    page = query.order_by(*order_by).limit(min(request.size, total - start))
    page = page.offset(start)
    if deferred:
        key = sa.inspect(entity).primary_key[0]
        keys = page.with_only_columns(key, maintain_column_froms=True)
        page = sa.select(entity).where(key.in_(keys)).order_by(*order_by)
    rows = db.session.scalars(page.options(*load)).unique().all()
    return Page(rows, request.page, request.size, total, request.sort, more)


def query_text() -> str:
    """The search box's text, bounded, as typed (shown back in the box)."""
    return request.args.get("q", "")[:MAX_QUERY].strip()


def id_arg(name: str) -> int | None:
    """A positive id from the query string, or None for anything else."""
    text = request.args.get(name, "")
    return int(text) if text.isascii() and text.isdecimal() and len(text) < 10 else None


def ignored_filters(applied: dict, nouns: dict[str, str]) -> list[str]:
    """The filters whose value in the address the list did not apply (an unknown
    status, a requisition not the visitor's to choose): the list then shows any,
    and says so (the summary macro) rather than seem filtered. One sentence for an
    unknown id and one the visitor may not see, so nothing tells them apart."""
    return [
        noun
        for name, noun in nouns.items()
        if request.args.get(name, "").strip() and not applied.get(name)
    ]


def choice_arg(name: str, allowed) -> str:
    """A value from a closed list, or "" (no filter) for anything else."""
    text = request.args.get(name, "")
    return text if text in allowed else ""
