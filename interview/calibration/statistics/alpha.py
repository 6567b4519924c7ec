"""Krippendorff's alpha, with its bootstrap interval (formulas in each docstring)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .common import LEVELS, none_if_nan

# Krippendorff's alpha --------------------------------------------------------------


@dataclass(frozen=True)
class Alpha:
    """Krippendorff's alpha with its bootstrap interval and the amount of data."""

    value: float | None
    low: float | None
    high: float | None
    level: str
    units: int  # pairable units
    pairable_values: int  # n: the values in pairable units
    resamples: int


def _counts(units: Iterable[Iterable[float | None]]):
    """The units x values matrix of counts (n_uc) and the sorted distinct values."""
    rows = [[float(v) for v in u if v is not None] for u in units]
    flat = np.fromiter((v for row in rows for v in row), dtype=float)
    values = np.unique(flat)
    counts = np.zeros((len(rows), len(values)))
    unit = np.repeat(np.arange(len(rows)), [len(row) for row in rows])
    np.add.at(counts, (unit, np.searchsorted(values, flat)), 1)
    return counts, values


def _unit_coincidences(profiles: np.ndarray) -> np.ndarray:
    """Per profile u: P_u[c, k] = (n_uc n_uk - [c = k] n_uc) / (m_u - 1)."""
    m = profiles.sum(axis=1)
    outer = profiles[:, :, None] * profiles[:, None, :]
    diag = np.einsum("uc,ck->uck", profiles, np.eye(profiles.shape[1]))
    return (outer - diag) / (m - 1)[:, None, None]


def _alpha_from_coincidences(o: np.ndarray, values: np.ndarray, level: str):
    """alpha = 1 - (n - 1) sum o_ck d2_ck / sum n_c n_k d2_ck, batched over o[..., V, V].

    n_c = sum_k o_ck, n = sum_c n_c. Difference functions d2_ck:
        nominal   0 if c = k else 1
        interval  (c - k)^2
        ratio     ((c - k) / (c + k))^2
        ordinal   (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2 = (M_k - M_c)^2, with the
                  mid-rank M_c = sum_{g<c} n_g + n_c / 2: the interval difference of
                  mid-ranks, so it depends on how often each level is used.
    Undefined (nan here, None for callers) when the expected disagreement is 0.
    """
    n_c = o.sum(axis=-1)
    n = n_c.sum(axis=-1)
    if level == "nominal":
        d2 = 1.0 - np.eye(len(values))
    elif level == "interval":
        d2 = (values[:, None] - values[None, :]) ** 2
    elif level == "ratio":
        total = values[:, None] + values[None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            d2 = np.where(
                total == 0, 0.0, ((values[:, None] - values[None, :]) / total)
            )
        d2 = d2**2
    else:
        mid = np.cumsum(n_c, axis=-1) - n_c / 2
        d2 = (mid[..., :, None] - mid[..., None, :]) ** 2
    observed = (o * d2).sum(axis=(-2, -1))
    expected = (n_c[..., :, None] * n_c[..., None, :] * d2).sum(axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(expected > 0, 1.0 - (n - 1) * observed / expected, np.nan)


def krippendorff_alpha(
    units: Iterable[Iterable[float | None]],
    level: str = "ordinal",
    *,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Alpha:
    """Krippendorff's alpha over units of any number of ratings, missing ones allowed.

    Each unit is the values it received (None entries are dropped). The arithmetic,
    and the interval, are those of ``alpha_from_counts``.
    """
    counts, values = _counts(units)
    return alpha_from_counts(
        counts, values, level, resamples=resamples, confidence=confidence, seed=seed
    )


def alpha_from_counts(
    counts: Sequence[Sequence[float]],
    values: Sequence[float],
    level: str = "ordinal",
    *,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Alpha:
    """Krippendorff's alpha from per-unit value counts (as a GROUP BY gives them).

    counts[u][c] = n_uc, how many raters gave unit u the value values[c] (values
    ascending). Units with m_u = sum_c n_uc < 2 are not pairable and are left out.
    The arithmetic, and the interval, are those of ``alpha_from_profiles``.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    if not len(values):
        return Alpha(None, None, None, level, 0, 0, 0)
    counts = np.asarray(counts, dtype=float).reshape(-1, len(values))
    profiles, freq = np.unique(counts, axis=0, return_counts=True)
    return alpha_from_profiles(
        profiles,
        freq,
        values,
        level,
        resamples=resamples,
        confidence=confidence,
        seed=seed,
    )


def alpha_from_profiles(
    profiles: Sequence[Sequence[float]],
    freq: Sequence[int],
    values: Sequence[float],
    level: str = "ordinal",
    *,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Alpha:
    """Krippendorff's alpha from distinct unit profiles and how many units have each.

    profiles[p][c] = n_pc, how many raters gave a unit of profile p the value
    values[c] (values ascending); freq[p] units have that profile. The same as
    ``alpha_from_counts`` on the units listed one by one, without listing them.
    Coincidence matrix (Krippendorff 2011):
        o_ck = sum_u (n_uc n_uk - [c = k] n_uc) / (m_u - 1)
    the ordered pairs of values (c, k) from different raters in each unit, each unit
    weighing 1 / (m_u - 1); then alpha = 1 - D_o / D_e as in
    ``_alpha_from_coincidences``.

    Interval: a unit-level percentile bootstrap, not Hayes and Krippendorff's (2007)
    resampling of pairable values. Units (a candidate's competency) are the sampled,
    independent things; the ratings inside one unit are not independent. Each of
    ``resamples`` draws takes as many units as there are, with replacement, and
    recomputes alpha (ordinal mid-ranks included); the interval is the
    ((1 - confidence) / 2, (1 + confidence) / 2) quantiles of the defined draws.
    Units with the same counts weigh the same, so a draw is a multinomial over the
    distinct profiles (in ascending order, so that the same units give the same
    draws however they were listed), or above ``NORMAL_DRAWS_ABOVE`` units its
    normal approximation (``_draws``). Seeded by ``seed``: the same data print the
    same interval.
    """
    return alpha_and_draws(
        profiles,
        freq,
        values,
        level,
        resamples=resamples,
        confidence=confidence,
        seed=seed,
    )[0]


def alpha_and_draws(
    profiles: Sequence[Sequence[float]],
    freq: Sequence[int],
    values: Sequence[float],
    level: str = "ordinal",
    *,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[Alpha, np.ndarray]:
    """``alpha_from_profiles`` and its bootstrap draws (nan where undefined), for
    ``mean_alpha``."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    nothing = Alpha(None, None, None, level, 0, 0, 0), np.full(resamples, np.nan)
    if not len(values):
        return nothing
    profiles = np.asarray(profiles, dtype=float).reshape(-1, len(values))
    freq = np.asarray(freq, dtype=float).reshape(-1)
    keep = (profiles.sum(axis=1) >= 2) & (freq > 0)
    if not keep.any():
        return nothing
    profiles, inverse = np.unique(profiles[keep], axis=0, return_inverse=True)
    freq = np.bincount(inverse.reshape(-1), weights=freq[keep])
    units = int(freq.sum())
    values = np.asarray(values, dtype=float)
    per_unit = _unit_coincidences(profiles)
    value = _alpha_from_coincidences(np.tensordot(freq, per_unit, 1), values, level)
    low = high = None
    boot = np.full(resamples, np.nan)
    if resamples:
        drawn = _drawn_coincidences(freq, per_unit, resamples, seed)
        boot = _alpha_from_coincidences(drawn, values, level)
        low, high = _percentiles(boot, confidence)
    n_values = int(freq @ profiles.sum(axis=1))
    alpha = Alpha(none_if_nan(value), low, high, level, units, n_values, resamples)
    return alpha, boot


# Above this many units a draw's coincidences are drawn from their normal
# approximation: exact draws cost resamples x distinct profiles binomial samples,
# about 0.2 s a competency at 14,000 units and 400 profiles.
NORMAL_DRAWS_ABOVE = 5_000


def _drawn_coincidences(
    freq: np.ndarray, per_unit: np.ndarray, resamples: int, seed: int
) -> np.ndarray:
    """Each bootstrap draw's coincidence matrix (resamples x V x V).

    Exact: the units a draw takes of each profile are a multinomial of n = sum f
    with probabilities pi = f / n, and its coincidences sum P_p over them. Above
    ``NORMAL_DRAWS_ABOVE`` units, that sum of n independent units' P is drawn from
    its normal approximation, with the same mean and covariance:
        mean = sum_p f_p P_p,   cov = n sum_p pi_p (P_p - Pbar)(P_p - Pbar)^T
    (Pbar = mean / n), from the eigenvectors of cov (V^2 numbers a draw instead of
    one per profile). At that size the draws' quantiles agree with the exact ones
    to within their Monte Carlo error (a test compares both); an entry drawn below
    0 (a level almost nobody used) is read as 0.
    """
    rng = np.random.default_rng(seed)
    n = freq.sum()
    if n <= NORMAL_DRAWS_ABOVE:
        draws = rng.multinomial(int(n), freq / n, size=resamples)
        return np.tensordot(draws.astype(float), per_unit, 1)
    flat = per_unit.reshape(len(freq), -1)
    mean = freq @ flat
    centred = flat - mean / n
    cov = (centred * freq[:, None]).T @ centred
    eigenvalues, vectors = np.linalg.eigh(cov)
    scale = vectors * np.sqrt(eigenvalues.clip(min=0.0))
    z = rng.standard_normal((resamples, len(mean)))
    drawn = (mean + z @ scale.T).clip(min=0.0)
    return drawn.reshape(resamples, *per_unit.shape[1:])


def _percentiles(boot: np.ndarray, confidence: float):
    """The percentile interval of the defined draws, or (None, None)."""
    boot = boot[~np.isnan(boot)]
    if not len(boot):
        return None, None
    tail = (1 - confidence) / 2
    low, high = np.quantile(boot, [tail, 1 - tail])
    return float(low), float(high)


def mean_alpha(
    parts: Sequence[tuple[Alpha, np.ndarray]], *, confidence: float = 0.95
) -> Alpha:
    """Several variables' alphas as one figure: their mean weighted by pairable values.

    For variables (competencies) v with alpha a_v on n_v pairable values,
        alpha = sum_v n_v a_v / sum_v n_v       (over the v whose a_v is defined)
    and the same mean of each bootstrap draw (a stratified bootstrap: each
    variable's units resampled within it) gives the interval. ``parts`` are
    ``alpha_and_draws`` results with the same number of draws, drawn with
    different seeds so that the strata are independent.

    Why not alpha of all units pooled: D_e, the disagreement expected by chance,
    would pair values from different variables, so that variables rated at
    different typical levels look like agreement the raters achieved, and the
    ordinal mid-ranks would mix the variables' distributions. The mean keeps each
    variable's own D_o / D_e and asks: how reliable is one variable's rating here.
    """
    defined = [(a, d) for a, d in parts if a.value is not None and a.pairable_values]
    if not defined:
        return Alpha(None, None, None, "ordinal", 0, 0, 0)
    weights = np.array([a.pairable_values for a, _ in defined], dtype=float)
    value = float(weights @ np.array([a.value for a, _ in defined]) / weights.sum())
    draws = np.vstack([d for _, d in defined])
    present = ~np.isnan(draws)
    mass = weights @ present
    with np.errstate(invalid="ignore", divide="ignore"):
        boot = (weights @ np.where(present, draws, 0.0)) / mass
    boot = np.where(mass > 0, boot, np.nan)
    low, high = _percentiles(boot, confidence) if draws.shape[1] else (None, None)
    first = defined[0][0]
    return Alpha(
        value,
        low,
        high,
        first.level,
        sum(a.units for a, _ in defined),
        int(weights.sum()),
        first.resamples,
    )
