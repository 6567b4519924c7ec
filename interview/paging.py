"""Which page of a list to show: the request's page, size and order made valid.

Pure: it reads plain query arguments and counts, so every list shares one rule. A page
number, size or order out of range gets the nearest valid one, never an error and
never an unbounded query.

A list counts its rows only up to a limit (``LIST_COUNT_LIMIT``, 10,000) and shows no page past it ("more
than 10,000 candidates: search or filter to narrow them"), as mail and code search
do: counting or skipping 100,000 rows would make the page as slow as the table is
big, and nobody reads the 2,000th page of an alphabetical list.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SIZES = (25, 50, 100)
_DIGITS = 9  # anything longer is out of range anyway


@dataclass(frozen=True)
class PageRequest:
    page: int
    size: int
    sort: str


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows and where it sits among the others."""

    items: Sequence
    page: int
    size: int
    total: int
    sort: str
    more: bool = False  # more rows than ``total`` match (the count stopped there)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        """The 1-based position of the page's first row (0 for an empty list)."""
        return (self.page - 1) * self.size + 1 if self.total else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def window(self, around: int = 2) -> list[int | None]:
        """Page numbers to link: the first, the last, and a few around this one;
        None marks a gap."""
        shown = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        numbers = sorted(n for n in shown if 1 <= n <= self.pages)
        out: list[int | None] = []
        for n in numbers:
            if out and n - out[-1] > 1:
                out.append(None)
            out.append(n)
        return out


def _number(text: str | None, default: int) -> int:
    text = (text or "").strip()
    if not (text.isascii() and text.isdecimal()):
        return default
    return int(text[:_DIGITS]) if len(text) <= _DIGITS else 10**_DIGITS


def page_request(
    args: Mapping[str, str], sorts: Sequence[str], sizes: Sequence[int] = SIZES
) -> PageRequest:
    """Read ``page``, ``size`` and ``sort``; the first of ``sorts`` is the default.

    A size between the offered ones is rounded to the nearest offered one.
    """
    wanted = _number(args.get("size"), sizes[0])
    size = min(sizes, key=lambda s: (abs(s - wanted), s))
    page = max(1, _number(args.get("page"), 1))
    sort = args.get("sort")
    return PageRequest(page, size, sort if sort in sorts else sorts[0])


def bounded(counted: int, limit: int) -> tuple[int, bool]:
    """A count taken with ``limit + 1`` as its ceiling: how many rows to page
    through, and whether more match."""
    return (limit, True) if counted > limit else (counted, False)


def clamp(request: PageRequest, total: int) -> PageRequest:
    """The nearest page that exists for ``total`` rows."""
    pages = max(1, -(-total // request.size))
    return PageRequest(min(request.page, pages), request.size, request.sort)


def offset(request: PageRequest) -> int:
    return (request.page - 1) * request.size
