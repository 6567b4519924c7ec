"""Turn the aggregate rows of ``queries.py`` into the page's figures (pure).

The statistics are those of ``statistics.py``; where the database has already summed
what a formula needs (leniency, halo, offsets), the same formulas are applied to
the sums here, and tests check that both give the same figures on the same data.

A competency's figures print once it has ``MIN_UNITS`` units (loops in which two or
more interviewers rated it); below that its row says what it needs, as the page
does for the whole scope below ``MIN_LOOPS`` loops. "All competencies" is made of
the competencies with figures, each kept apart: alpha is their mean weighted by
pairable values (``statistics.mean_alpha``) and the ICC is the one-way ICC of units
within competencies (``icc_from_strata``). Pooling the units of every competency
into one alpha or one ANOVA would count the difference between competencies'
typical levels (privacy rated higher than workflow, say) as agreement between
raters: a rubric would look more reliable than any of its competencies.
"""

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from scipy import stats as sp

from . import statistics as st

RESAMPLES = 1000
MIN_LOOPS = 10
MIN_UNITS = 10  # per competency
# ``summaries`` packs a unit's level counts into one integer, BITS per level.
LEVELS = range(11)  # scale_levels.value is CHECKed BETWEEN 0 AND 10
BITS = 5


@dataclass(frozen=True)
class CompetencyFigures:
    """One competency's figures; None each, with ``missing`` saying why, while it
    has fewer than ``MIN_UNITS`` units."""

    key: str
    name: str
    units: int
    alpha: st.Alpha | None
    single: st.Icc | None
    average: st.Icc | None
    advice: st.LoopSize | None
    offset: st.Offset | None
    missing: str | None = None


@dataclass(frozen=True)
class RaterFigures:
    rubric: int
    rater: int
    name: str
    leniency: st.Leniency | None
    halo: st.Halo | None


@dataclass(frozen=True)
class Figures:
    counts: st.DataCounts
    check: st.DataCheck
    alpha: st.Alpha | None = None
    single: st.Icc | None = None
    average: st.Icc | None = None
    competencies: list[CompetencyFigures] = field(default_factory=list)
    raters: list[RaterFigures] = field(default_factory=list)


def build(
    unit_rows,
    rater_rows,
    competencies,
    *,
    min_loops: int = MIN_LOOPS,
    min_units: int = MIN_UNITS,
    resamples: int = RESAMPLES,
):
    """The figures of one scope, or only its counts and what it lacks."""
    profiles, offsets, loops = _split_units(unit_rows, competencies)
    raters = rater_figures(rater_rows)
    units = int(sum(p.freq.sum() for p in profiles.values()))
    compared = {r.rater for r in raters if r.leniency is not None}
    counts = st.DataCounts(loops, units, len(compared))
    check = st.check_data(counts, min_loops=min_loops)
    most = int(max((p.freq.sum() for p in profiles.values()), default=0))
    if check.enough and most < min_units:
        check = st.DataCheck(False, (_needs(min_units, most, "any competency"),))
    if not check.enough:
        return Figures(counts, check)
    names = {key: name for _, key, name in reversed(competencies)}
    per, draws, strata = [], [], []
    for key, rows in profiles.items():
        found, boot = _competency(
            key, names.get(key, key), rows, offsets.get(key), resamples, min_units
        )
        per.append(found)
        if found.alpha is not None:
            draws.append((found.alpha, boot))
            strata.append(rows)
    alpha = st.mean_alpha(draws)
    single, average = icc_from_strata(strata)
    return Figures(counts, check, alpha, single, average, per, raters)


def _needs(need: int, have: int, what: str) -> str:
    return (
        f"Needs {need} loops in which two or more interviewers rated {what}; "
        f"has {have} ({need - have} more)."
    )


class Profiles(NamedTuple):
    """Distinct unit profiles: ``counts[p]`` the count of each level 0 to 10 in a
    unit of profile p, ``freq[p]`` how many units have it."""

    freq: np.ndarray
    counts: np.ndarray


def _split_units(unit_rows, competencies):
    """Profiles and offsets per competency key (in rubric order), and the loops."""
    key_of = {cid: key for cid, key, _ in competencies}
    order = list(dict.fromkeys(key for _, key, _ in competencies))
    found: dict[str, list] = {key: [] for key in order}
    offsets: dict[str, list] = {}
    loops = 0
    for kind, comp, n, code, a, b in unit_rows:
        key = key_of.get(comp, str(comp))
        if kind == "p":
            found.setdefault(key, []).append((n, code, a))
        elif kind == "o":
            offsets.setdefault(key, []).append((int(n), float(a), float(b)))
        else:
            loops = int(n or 0)
    profiles = {key: _unpacked(rows) for key, rows in found.items() if rows}
    # Summed in a fixed order: the databases return groups in their own, and a
    # sum's last bit must not depend on it.
    offsets = {k: _offset(k, sorted(v)) for k, v in offsets.items()}
    return profiles, offsets, loops


def _unpacked(rows) -> Profiles:
    """(units, packed code, ratings) rows as Profiles: codes unpacked all at once,
    the same profile of two versions' competencies merged, in ascending order."""
    n, code, ratings = (np.array(column, dtype=np.int64) for column in zip(*rows))
    counts = (code[:, None] >> (BITS * np.arange(len(LEVELS)))) & 31
    if (counts.sum(axis=1) != ratings).any():
        raise ValueError("a unit has more than 31 ratings of one level")
    counts, inverse = np.unique(counts, axis=0, return_inverse=True)
    freq = np.bincount(inverse.reshape(-1), weights=n, minlength=len(counts))
    return Profiles(freq, counts.astype(float))


def unpack(code: int, ratings: int) -> list[int]:
    """A unit's level counts from its packed code (5 bits per level 0 to 10);
    refuse a code whose counts do not add up to its ratings."""
    counts = [(code >> (BITS * v)) & 31 for v in LEVELS]
    if sum(counts) != ratings:
        raise ValueError("a unit has more than 31 ratings of one level")
    return counts


def _as_profiles(rows) -> Profiles:
    """Profiles, or (frequency, level counts) rows made into them."""
    if isinstance(rows, Profiles):
        return rows
    freq = np.array([f for f, _ in rows], dtype=float)
    counts = np.array([c for _, c in rows], dtype=float).reshape(len(rows), -1)
    return Profiles(freq, counts)


def _profiles(rows):
    """(profiles x values used, frequencies, the values used)."""
    freq, counts = _as_profiles(rows)
    used = counts.sum(axis=0) > 0
    return counts[:, used], freq, np.flatnonzero(used).astype(float)


def icc_from_profiles(rows, confidence: float = 0.95) -> tuple[st.Icc, st.Icc]:
    """``statistics.icc_oneway`` from Profiles (or (frequency, level counts) rows),
    each unit a target: ``icc_from_strata`` with one stratum."""
    return icc_from_strata([rows], confidence)


def icc_from_strata(strata, confidence: float = 0.95) -> tuple[st.Icc, st.Icc]:
    """The one-way ICC of units nested in strata (competencies), from (frequency,
    level counts) rows per stratum: the same sums as ``statistics.icc_oneway`` without
    listing every rating, each unit measured from its own stratum's mean.

    Per profile: m = sum_v n_v ratings, S = sum_v v n_v, Q = sum_v v^2 n_v; a profile
    seen f times counts f times in every sum below. Per stratum s: g_s = sum f,
    N_s = sum f m, grand_s = sum f S / N_s; over C strata g = sum g_s, N = sum N_s:
        MSB = sum_s sum f m (S/m - grand_s)^2 / (g - C)
        MSW = sum f (Q - S^2/m) / (N - g)
        n0 = (N - sum_s (sum f m^2) / N_s) / (g - C),  k = g / sum (f / m)
    ICC(1,1) = (MSB - MSW) / (MSB + (n0 - 1) MSW), its interval from F = MSB / MSW
    on (g - C, N - g) as in ``statistics.icc_oneway`` (the nested design's expected
    mean squares: E MSB = s2_within + n0 s2_units). With one stratum these are
    ``icc_oneway``'s formulas; with several, a competency rated higher on average
    than another adds nothing to the agreement between units.
    """
    sums = np.zeros(7)  # g, N, between, within, sum of m^2 / N_s, sum f / m, C
    for rows in strata:
        counts, freq, levels = _profiles(rows)
        if not freq.size:
            continue
        m, s, q = counts.sum(axis=1), counts @ levels, counts @ levels**2
        n_s = (freq * m).sum()
        grand = (freq * s).sum() / n_s
        sums += (
            freq.sum(),
            n_s,
            (freq * m * (s / m - grand) ** 2).sum(),
            (freq * (q - s**2 / m)).sum(),
            (freq * m**2).sum() / n_s,
            (freq / m).sum(),
            1,
        )
    g, total, between, within, squares, inverse, c = sums
    df1, df2 = g - c, total - g
    k = float(g / inverse) if g else 0.0
    if df1 < 1 or df2 < 1:
        single = st.Icc("ICC(1,1)", None, None, None, 1, None, df1, df2)
        return single, st._stepped_up(single, "ICC(1,k)", k)
    n0 = (total - squares) / df1
    single = st._icc_from_f(
        "ICC(1,1)", between / df1, within / df2, n0, int(df1), int(df2), confidence
    )
    return single, st._stepped_up(single, "ICC(1,k)", k)


def _competency(key, name, rows, offset, resamples, min_units):
    """A competency's figures and its alpha's bootstrap draws."""
    units = int(_as_profiles(rows).freq.sum())
    if units < min_units:
        missing = _needs(min_units, units, "it")
        return CompetencyFigures(
            key, name, units, None, None, None, None, None, missing
        ), None
    counts, freq, values = _profiles(rows)
    alpha, boot = st.alpha_and_draws(
        counts, freq, values, resamples=resamples, seed=zlib.crc32(key.encode())
    )
    single, average = icc_from_profiles(rows)
    advice = None
    if single.value is not None and single.value > 0:
        advice = st.loop_size(single.value, max(1, round(average.raters)))
    found = CompetencyFigures(key, name, units, alpha, single, average, advice, offset)
    return found, boot


def _offset(key, parts, confidence: float = 0.95) -> st.Offset:
    """``statistics.discipline_offsets`` from (n, sum x, sum x^2)."""
    n = sum(p[0] for p in parts)
    sx, sxx = sum(p[1] for p in parts), sum(p[2] for p in parts)
    if n == 0:
        return st.Offset(key, 0, None, None, None)
    mean = sx / n
    if n < 2:
        return st.Offset(key, 1, mean, None, None)
    sd = math.sqrt(max(0.0, (sxx - n * mean * mean) / (n - 1)))
    half = float(sp.t.ppf((1 + confidence) / 2, n - 1)) * sd / math.sqrt(n)
    return st.Offset(key, n, mean, mean - half, mean + half)


def rater_figures(rows) -> list[RaterFigures]:
    """Leniency and halo per rubric and rater, from the sums of ``rater_rows``."""
    sums: dict[int, dict] = {}
    cards: dict[int, dict] = {}
    names = {}
    for kind, rubric, rater, name, a, b, c in rows:
        names[(rubric, rater)] = name
        target = sums if kind == "l" else cards
        target.setdefault(rubric, {})[rater] = (int(a), float(b), float(c))
    result = []
    for rubric in sorted(set(sums) | set(cards)):
        lenient = {x.rater: x for x in leniency_from_sums(sums.get(rubric, {}))}
        halos = {x.rater: x for x in halo_from_sums(cards.get(rubric, {}))}
        for rater in sorted(
            set(lenient) | set(halos), key=lambda r: names[(rubric, r)]
        ):
            result.append(
                RaterFigures(
                    rubric,
                    rater,
                    names[(rubric, rater)],
                    lenient.get(rater),
                    halos.get(rater),
                )
            )
    return result


def leniency_from_sums(sums: dict, *, confidence: float = 0.95) -> list[st.Leniency]:
    """``statistics.leniency`` from each rater's (n, sum d, sum d^2).

    raw = S / n; the rater's squares about raw are Q - n raw^2; sd^2 = that / (n - 1);
    sigma2, tau2, lambda and the shrinkage as in ``statistics.leniency``.
    """
    raws = {r: s / n for r, (n, s, _) in sums.items()}
    squares = {r: max(0.0, q - n * raws[r] ** 2) for r, (n, _, q) in sums.items()}
    dof = sum(n - 1 for n, _, _ in sums.values())
    sigma2 = sum(squares.values()) / dof if dof else 0.0
    lam = _lambda(sums, raws, sigma2) if dof else math.inf  # as statistics.leniency
    z = float(sp.norm.ppf((1 + confidence) / 2))
    dofs = np.array([max(n - 1, 1) for n, _, _ in sums.values()], dtype=float)
    ts = dict(zip(sums, sp.t.ppf((1 + confidence) / 2, dofs).tolist(), strict=True))
    result = []
    for rater, (n, _, _) in sums.items():
        raw = raws[rater]
        low = high = None
        if n >= 2:
            half = ts[rater] * math.sqrt(squares[rater] / (n - 1)) / math.sqrt(n)
            low, high = raw - half, raw + half
        factor = 0.0 if math.isinf(lam) else n / (n + lam)
        half = z * math.sqrt(factor * sigma2 / n)
        shrunk = factor * raw
        result.append(
            st.Leniency(
                rater, n, raw, low, high, shrunk, shrunk - half, shrunk + half, factor
            )
        )
    return result


def _lambda(sums, raws, sigma2) -> float:
    if len(raws) < 2 or sigma2 == 0:
        return math.inf if len(raws) < 2 else 0.0
    means = np.array(list(raws.values()))
    noise = np.mean([sigma2 / n for n, _, _ in sums.values()])
    tau2 = max(0.0, float(means.var(ddof=1)) - noise)
    return math.inf if tau2 == 0 else sigma2 / tau2


def halo_from_sums(cards: dict) -> list[st.Halo]:
    """``statistics.halo`` from each rater's (scorecards, flat ones, sum of sds)."""
    total = sum(n for n, _, _ in cards.values())
    if not total:
        return []
    panel_flat = sum(f for _, f, _ in cards.values()) / total
    panel_sd = sum(s for _, _, s in cards.values()) / total
    return [
        st.Halo(rater, n, f / n, s / n, panel_flat, panel_sd)
        for rater, (n, f, s) in cards.items()
    ]


def rows_for(figures: Figures, raters: Sequence[int] | None = None):
    """The raters' rows to show: all of them, or only those listed."""
    if raters is None:
        return figures.raters
    return [r for r in figures.raters if r.rater in raters]
