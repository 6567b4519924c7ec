"""The ratings the statistics take, and whether there are enough of them (see the
package docstring for the words)."""

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

LEVELS = ("nominal", "ordinal", "interval", "ratio")


@dataclass(frozen=True)
class Rating:
    """One submitted rating: a rater's level for one competency of one candidate."""

    rater: Hashable
    candidate: Hashable
    competency: Hashable
    value: float
    discipline: str | None = None  # "clinical" or "technical"


def units_of(ratings: Iterable[Rating]) -> dict[tuple, list[float]]:
    """Group ratings into units: (candidate, competency) -> the values it received."""
    units: dict[tuple, list[float]] = {}
    for r in ratings:
        units.setdefault((r.candidate, r.competency), []).append(float(r.value))
    return units


def none_if_nan(x) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x


# Enough data? ----------------------------------------------------------------------


@dataclass(frozen=True)
class DataCounts:
    """What calibration has to go on."""

    loops: int  # candidates (loops) with two or more raters
    units: int  # (candidate, competency) units with two or more ratings
    raters: int  # distinct raters with at least one rating in such a unit


def data_counts(ratings: Iterable[Rating]) -> DataCounts:
    """Count the loops, pairable units and raters that calibration can use."""
    units = units_of(ratings := list(ratings))
    pairable = {u for u, values in units.items() if len(values) >= 2}
    loops = {c for c, _ in pairable}
    raters = {r.rater for r in ratings if (r.candidate, r.competency) in pairable}
    return DataCounts(len(loops), len(pairable), len(raters))


@dataclass(frozen=True)
class DataCheck:
    """Whether there is enough data to print the figures, and if not what is missing."""

    enough: bool
    missing: tuple[str, ...]  # sentences, one per shortfall


def check_data(
    counts: DataCounts, *, min_loops: int = 10, min_units: int = 10, min_raters: int = 2
) -> DataCheck:
    """Refuse unstable numbers: say, in words, what more the figures need.

    Enough when loops >= min_loops, units >= min_units and raters >= min_raters
    (each counted as in ``DataCounts``: only where two or more raters met).
    """
    wants = [
        (counts.loops, min_loops, "loops rated by two or more interviewers"),
        (
            counts.units,
            min_units,
            (
                "competency ratings shared by two or more interviewers"
                " (one per competency of each loop)"
            ),
        ),
        (counts.raters, min_raters, "interviewers who shared a candidate"),
    ]
    missing = tuple(
        f"Needs {need} {what}; has {have} ({need - have} more)."
        for have, need, what in wants
        if have < need
    )
    return DataCheck(not missing, missing)
