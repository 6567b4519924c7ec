"""Server-rendered SVG charts: a value and its interval per row (pure, no JS).

Readable without colour: the estimate is a black diamond, the interval a line with
end ticks, reference lines are dashed and labelled in words, and every row is
labelled with its name and value. For a screen reader the SVG is role="img" with a
<title> and a <desc>, and the page prints the same figures in a table beside it
(the charts say so in their desc).
"""

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
LABEL = 230  # left column for the row names
VALUE = 70  # right column for the printed value
ROW = 26
TOP = 34
BOTTOM = 30


@dataclass(frozen=True)
class Row:
    label: str
    value: float | None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Reference:
    at: float
    label: str


def interval_chart(
    ident: str,
    title: str,
    desc: str,
    rows: list[Row],
    domain: tuple[float, float],
    references: tuple[Reference, ...] = (),
) -> Markup:
    """One row per item: its estimate and interval on a shared axis over ``domain``."""
    lo, hi = domain
    plot = WIDTH - LABEL - VALUE - 10
    height = TOP + ROW * max(len(rows), 1) + BOTTOM

    def x(v: float) -> float:
        v = min(max(v, lo), hi)
        return round(LABEL + (v - lo) / (hi - lo) * plot, 1)

    parts = [
        (
            f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img"'
            f' viewBox="0 0 {WIDTH} {height}" width="100%"'
            f' aria-labelledby="{ident}-title {ident}-desc" font-family="sans-serif"'
            f' font-size="12">'
        ),
        f'<title id="{ident}-title">{escape(title)}</title>',
        (
            f'<desc id="{ident}-desc">{escape(desc)} The table after the chart gives'
            " every figure.</desc>"
        ),
    ]
    bottom = TOP + ROW * max(len(rows), 1)
    for i, ref in enumerate(references):
        # Neighbouring labels go either side of their lines, so they never overlap.
        anchor, shift = (
            ("end", -4) if i % 2 == 0 and len(references) > 1 else ("start", 4)
        )
        if len(references) == 1:
            anchor, shift = "middle", 0
        parts.append(
            f'<line x1="{x(ref.at)}" x2="{x(ref.at)}" y1="{TOP - 6}" y2="{bottom}"'
            ' stroke="#555" stroke-dasharray="4 3"/>'
            f'<text x="{x(ref.at) + shift}" y="{TOP - 10}" text-anchor="{anchor}"'
            f' fill="#222">{escape(ref.label)}</text>'
        )
    for tick in _ticks(lo, hi):
        parts.append(
            f'<line x1="{x(tick)}" x2="{x(tick)}" y1="{bottom}" y2="{bottom + 4}"'
            ' stroke="#222"/>'
            f'<text x="{x(tick)}" y="{bottom + 16}" text-anchor="middle"'
            f' fill="#222">{_num(tick)}</text>'
        )
    parts.append(
        f'<line x1="{LABEL}" x2="{LABEL + plot}" y1="{bottom}" y2="{bottom}"'
        ' stroke="#222"/>'
    )
    for i, row in enumerate(rows):
        parts.append(_row(row, TOP + ROW * i + ROW / 2, x, plot))
    parts.append("</svg>")
    return Markup("".join(parts))


def _row(row: Row, y: float, x, plot: int) -> str:
    label = row.label if len(row.label) <= 34 else row.label[:33] + "…"
    out = [
        (
            f'<text x="{LABEL - 8}" y="{y + 4}" text-anchor="end" fill="#222">'
            # A name cut to fit keeps its whole self as the label's title.
            + (f"<title>{escape(row.label)}</title>" if label != row.label else "")
            + f"{escape(label)}</text>"
        )
    ]
    if row.value is None:
        out.append(f'<text x="{LABEL + 4}" y="{y + 4}" fill="#222">no figure</text>')
        return "".join(out)
    if row.low is not None and row.high is not None:
        a, b = x(row.low), x(row.high)
        out.append(
            f'<line x1="{a}" x2="{b}" y1="{y}" y2="{y}" stroke="#222"'
            ' stroke-width="2"/>'
            f'<line x1="{a}" x2="{a}" y1="{y - 5}" y2="{y + 5}" stroke="#222"/>'
            f'<line x1="{b}" x2="{b}" y1="{y - 5}" y2="{y + 5}" stroke="#222"/>'
        )
    c = x(row.value)
    out.append(
        f'<path d="M{c} {y - 6} L{c + 6} {y} L{c} {y + 6} L{c - 6} {y} Z"'
        ' fill="#000"/>'
        f'<text x="{LABEL + plot + 10}" y="{y + 4}" fill="#222">'
        f"{_num(row.value)}</text>"
    )
    return "".join(out)


def _ticks(lo: float, hi: float) -> list[float]:
    step = (hi - lo) / 4
    return [lo + step * i for i in range(5)]


def _num(v: float) -> str:
    return f"{v:.2f}"
