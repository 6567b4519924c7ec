"""Numbers and words as the debrief prints them. Pure.

Every number is exact (``fractions.Fraction``) until it is printed, and printed once,
half up: 2.675 reads "2.68", never the binary float's "2.67". The synthesis builds its
sentences with these helpers and the templates use them as filters, so a mean reads
the same in a flag, a table and a chart.
"""

import math
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal, localcontext
from fractions import Fraction

PLACES = 2  # decimals for every printed mean, median, score and gap

Number = int | float | Decimal | Fraction


def exact(x: Number) -> Fraction:
    """``x`` as an exact fraction; a float counts as the decimal it prints as."""
    if isinstance(x, bool) or not isinstance(x, (int, float, Decimal, Fraction)):
        raise ValueError(f"not a number: {x!r}")  # noqa: TRY004 (bad input)
    if isinstance(x, float | Decimal) and not math.isfinite(x):
        raise ValueError(f"not a finite number: {x!r}")
    # repr is the shortest text that reads back as the same float: what was written.
    return Fraction(repr(x)) if isinstance(x, float) else Fraction(x)


def fmt(x: Number, places: int = PLACES) -> str:
    """``x`` to ``places`` decimals, half up on its exact value (2.675 -> "2.68")."""
    value = exact(x)
    scale = 10**places
    units = math.floor(abs(value) * scale + Fraction(1, 2))
    whole, part = divmod(units, scale)
    sign = "-" if value < 0 and units else ""
    return f"{sign}{whole}" + (f".{part:0{places}d}" if places else "")


def plain(x: Number) -> str:
    """A number as written by hand: 1 -> "1", 3/2 -> "1.5" (else 2 decimals)."""
    value = exact(x)
    digits = 0
    while (value * 10**digits).denominator != 1:
        digits += 1
        if digits > 30:  # no short decimal (1/3): round as every other number
            return fmt(value)
    with localcontext() as context:
        context.prec = len(str(value.numerator)) + 2
        text = Decimal(value.numerator) / Decimal(value.denominator)
    return format(text.normalize(), "f")


def join_names(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def duration_text(delta: timedelta) -> str:
    """Days, hours and minutes, zeros left out, seconds dropped: "3 days 4 hours"."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "less than a minute"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    for amount, unit in ((days, "day"), (hours, "hour"), (minutes, "minute")):
        if amount:
            parts.append(f"{amount} {unit}{'' if amount == 1 else 's'}")
    return " ".join(parts)


def percent_text(share: Number) -> str:
    """A share as a whole percentage, half up, never rounding a part to none or all."""
    share = exact(share)
    whole = math.floor(share * 100 + Fraction(1, 2))
    if whole == 0 and share > 0:
        return "under 1%"
    if whole == 100 and share < 1:
        return "over 99%"
    return f"{whole}%"


def count_text(n: int, noun: str) -> str:
    """A count with its noun: "1 rating", "3 ratings"."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
