"""Turn the aggregate rows of ``queries.py`` into the page's figures (pure).

The statistics are those of ``statistics.py``; where the database has already summed
what a formula needs (leniency, halo, offsets), the same formulas are applied to
the sums here, and tests check that both give the same figures on the same data.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats as sp

from . import statistics as st

# The bootstrap costs resamples x distinct count profiles; past this many pairable
# units the interval is already narrow and 500 draws bound its Monte Carlo error to
# about 0.005, so big scopes draw 500 instead of 1,000 (the page says how many).
BIG_SCOPE_UNITS = 20_000
RESAMPLES = 1000
BIG_RESAMPLES = 200
MIN_LOOPS = 10
# ``queries.unit_rows`` packs a unit's level counts into one integer, BITS per level.
LEVELS = range(11)  # scale_levels.value is CHECKed BETWEEN 0 AND 10
BITS = 5


@dataclass(frozen=True)
class CompetencyFigures:
    key: str
    name: str
    units: int
    alpha: st.Alpha
    single: st.Icc
    average: st.Icc
    advice: st.LoopSize | None
    offset: st.Offset | None


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


def build(unit_rows, rater_rows, competencies, *, min_loops: int = MIN_LOOPS):
    """The figures of one scope, or only its counts and what it lacks."""
    profiles, offsets, loops = _split_units(unit_rows, competencies)
    raters = rater_figures(rater_rows)
    units = sum(int(f) for rows in profiles.values() for f, _ in rows)
    counts = st.DataCounts(loops, units, len({r.rater for r in raters}))
    check = st.check_data(counts, min_loops=min_loops)
    if not check.enough:
        return Figures(counts, check)
    resamples = RESAMPLES if units <= BIG_SCOPE_UNITS else BIG_RESAMPLES
    names = {key: name for _, key, name in reversed(competencies)}
    per = [
        _competency(key, names.get(key, key), rows, offsets.get(key), resamples)
        for key, rows in profiles.items()
    ]
    pooled = [row for rows in profiles.values() for row in rows]
    counts_matrix, values = _matrix(pooled)
    alpha = st.alpha_from_counts(counts_matrix, values, resamples=resamples)
    single, average = icc_from_profiles(pooled)
    return Figures(counts, check, alpha, single, average, per, raters)


def _split_units(unit_rows, competencies):
    """Profiles and offsets per competency key (in rubric order), and the loops."""
    key_of = {cid: key for cid, key, _ in competencies}
    order = list(dict.fromkeys(key for _, key, _ in competencies))
    profiles: dict[str, list] = {key: [] for key in order}
    offsets: dict[str, list] = {}
    loops = 0
    for kind, comp, n, code, a, b in unit_rows:
        key = key_of.get(comp, str(comp))
        if kind == "p":
            profiles.setdefault(key, []).append((int(n), unpack(int(code), int(a))))
        elif kind == "o":
            offsets.setdefault(key, []).append((int(n), float(a), float(b)))
        else:
            loops = int(n or 0)
    profiles = {k: rows for k, rows in profiles.items() if rows}
    return profiles, {k: _offset(k, v) for k, v in offsets.items()}, loops


def unpack(code: int, ratings: int) -> list[int]:
    """A unit's level counts from ``queries.unit_rows``'s packed code (5 bits per
    level 0 to 10); refuse a code whose counts do not add up to its ratings."""
    counts = [(code >> (BITS * v)) & 31 for v in LEVELS]
    if sum(counts) != ratings:
        raise ValueError("a unit has more than 31 ratings of one level")
    return counts


def _matrix(rows):
    """Units x values counts (each profile repeated by its frequency), values used."""
    freq = np.array([f for f, _ in rows])
    counts = np.repeat(np.array([c for _, c in rows], dtype=float), freq, axis=0)
    used = counts.sum(axis=0) > 0
    return counts[:, used], np.flatnonzero(used).astype(float)


def icc_from_profiles(rows, confidence: float = 0.95) -> tuple[st.Icc, st.Icc]:
    """``statistics.icc_oneway`` from (frequency, level counts) rows, each unit a
    target: the same sums (MSB, MSW, n0, the harmonic k) without listing every rating.

    Per profile: m = sum_v n_v ratings, S = sum_v v n_v, Q = sum_v v^2 n_v; a profile
    seen f times counts f times in every sum below.
        g = sum f, N = sum f m, grand = sum f S / N
        MSB = sum f m (S/m - grand)^2 / (g - 1),  MSW = sum f (Q - S^2/m) / (N - g)
        n0 = (N - sum f m^2 / N) / (g - 1),  k = g / sum (f / m)
    """
    freq = np.array([f for f, _ in rows], dtype=float)
    counts = np.array([c for _, c in rows], dtype=float).reshape(len(rows), -1)
    levels = np.arange(counts.shape[1], dtype=float)
    m, s, q = counts.sum(axis=1), counts @ levels, counts @ levels**2
    g, total = freq.sum(), (freq * m).sum()
    df1, df2 = g - 1, total - g
    k = float(g / (freq / m).sum()) if len(rows) else 0.0
    if g < 2 or df2 < 1:
        single = st.Icc("ICC(1,1)", None, None, None, 1, None, df1, df2)
        return single, st._stepped_up(single, "ICC(1,k)", k)
    grand = (freq * s).sum() / total
    msb = (freq * m * (s / m - grand) ** 2).sum() / df1
    msw = (freq * (q - s**2 / m)).sum() / df2
    n0 = (total - (freq * m**2).sum() / total) / df1
    single = st._icc_from_f("ICC(1,1)", msb, msw, n0, int(df1), int(df2), confidence)
    return single, st._stepped_up(single, "ICC(1,k)", k)


def _competency(key, name, rows, offset, resamples) -> CompetencyFigures:
    counts, values = _matrix(rows)
    alpha = st.alpha_from_counts(counts, values, resamples=resamples)
    single, average = icc_from_profiles(rows)
    advice = None
    if single.value is not None and single.value > 0:
        advice = st.loop_size(single.value, max(1, round(average.raters)))
    units = sum(f for f, _ in rows)
    return CompetencyFigures(key, name, units, alpha, single, average, advice, offset)


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
