"""Lists paginated in the database: one count and one page of rows per request, and
the filters read from the query string (anything unexpected means no filter)."""

import sqlalchemy as sa
from flask import request

from .extensions import db
from .paging import Page, PageRequest, clamp, offset
from .search import MAX_QUERY


def count(query: sa.Select) -> int:
    """How many rows ``query`` selects, counted by the database."""
    counted = sa.select(sa.func.count()).select_from(
        query.order_by(None).options().subquery()
    )
    return db.session.scalar(counted) or 0


def paginate(query: sa.Select, request: PageRequest, order_by: list) -> Page:
    """The requested page of ``query`` (or the nearest that exists) in ``order_by``
    order, which must end in a unique column so that pages never overlap."""
    total = count(query)
    request = clamp(request, total)
    rows = db.session.scalars(
        query.order_by(*order_by).limit(request.size).offset(offset(request))
    ).all()
    return Page(rows, request.page, request.size, total, request.sort)


def query_text() -> str:
    """The search box's text, bounded, as typed (shown back in the box)."""
    return request.args.get("q", "")[:MAX_QUERY].strip()


def id_arg(name: str) -> int | None:
    """A positive id from the query string, or None for anything else."""
    text = request.args.get(name, "")
    return int(text) if text.isascii() and text.isdecimal() and len(text) < 10 else None


def choice_arg(name: str, allowed) -> str:
    """A value from a closed list, or "" (no filter) for anything else."""
    text = request.args.get(name, "")
    return text if text in allowed else ""
