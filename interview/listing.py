"""Lists paginated in the database: one count and one page of rows per request."""

import sqlalchemy as sa

from .extensions import db
from .paging import Page, PageRequest, clamp, offset


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
