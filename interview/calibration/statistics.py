"""Calibration statistics: agreement between interviewers and each one's own tendency.

Pure: plain values in (sequences, frozen dataclasses), frozen dataclasses out; numpy
and scipy for the arithmetic; no database, no web, no I/O. Each formula is written in
the docstring of the function that computes it; this note fixes the words.

Words
    unit       what several interviewers each rate once: one competency of one
               candidate (loop). Krippendorff's "unit", Shrout and Fleiss's "target".
    rater      an interviewer (Krippendorff's "coder", Shrout and Fleiss's "judge").
    scorecard  one rater's ratings of one candidate, across competencies.
    pairable   a unit with two or more ratings; only those say anything about agreement.
    A missing rating is simply absent: not every interviewer meets every candidate.

Conventions
    A statistic the data cannot define (too few units, no variation at all) is None,
    never nan or 0, so that a page prints why instead of a number. Intervals are 95%
    unless ``confidence`` says otherwise. Randomness (the bootstrap) is seeded.

References
    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg
        School for Communication, University of Pennsylvania.
    Hayes, A. F. & Krippendorff, K. (2007). Answering the call for a standard
        reliability measure for coding data. Communication Methods and Measures 1, 77-89.
    Shrout, P. E. & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing
        rater reliability. Psychological Bulletin 86, 420-428.
    McGraw, K. O. & Wong, S. P. (1996). Forming inferences about some intraclass
        correlation coefficients. Psychological Methods 1, 30-46.
    Donner, A. (1986). A review of inference procedures for the intraclass correlation
        coefficient in the one-way random effects model. Int. Stat. Review 54, 67-82.
    Koo, T. K. & Li, M. Y. (2016). A guideline of selecting and reporting intraclass
        correlation coefficients for reliability research. J. Chiropr. Med. 15, 155-163.
"""

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from statistics import fmean

import numpy as np
from scipy import stats

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
    alpha = Alpha(_none_if_nan(value), low, high, level, units, n_values, resamples)
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


def _none_if_nan(x) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x


# Intraclass correlations -----------------------------------------------------------


@dataclass(frozen=True)
class Icc:
    """One intraclass correlation, Shrout and Fleiss's name for it, and its interval."""

    kind: str  # "ICC(1,1)", "ICC(2,k)", ...
    value: float | None
    low: float | None
    high: float | None
    raters: float  # k: the number of raters whose mean the value is the reliability of
    f: float | None
    df1: float
    df2: float

    @property
    def band(self) -> str | None:
        """Koo and Li's (2016) words for the value."""
        return koo_li_band(self.value)


def koo_li_band(value: float | None) -> str | None:
    """Koo and Li (2016): < 0.5 poor, 0.5 to 0.75 moderate, 0.75 to 0.9 good, > 0.9
    excellent (a boundary value takes the band above it, except 0.9: good)."""
    if value is None:
        return None
    if value < 0.5:
        return "poor"
    if value < 0.75:
        return "moderate"
    return "good" if value <= 0.9 else "excellent"


def _f_limits(f: float, df1: float, df2: float, confidence: float):
    """F_L = F / F_{1-a/2}(df1, df2) and F_U = F * F_{1-a/2}(df2, df1), a = 1 - conf."""
    q = (1 + confidence) / 2
    return f / stats.f.ppf(q, df1, df2), f * stats.f.ppf(q, df2, df1)


def _stepped_up(icc: Icc, kind: str, k: float) -> Icc:
    """The same ICC and limits for the mean of k raters, by Spearman-Brown."""

    def up(r):
        stepped = None if r is None else spearman_brown(r, k)
        return None if stepped is None else float(stepped)

    return Icc(
        kind, up(icc.value), up(icc.low), up(icc.high), k, icc.f, icc.df1, icc.df2
    )


def icc_oneway(
    targets: Sequence[Sequence[float]],
    raters: float | None = None,
    *,
    confidence: float = 0.95,
) -> tuple[Icc, Icc]:
    """ICC(1,1) and ICC(1,k): one-way random effects, unbalanced data allowed.

    Each target is the list of its ratings (any raters, any number >= 1). With g
    targets, n_i ratings of target i, N = sum n_i, target means m_i, grand mean m:
        MSB = sum n_i (m_i - m)^2 / (g - 1)
        MSW = sum_i sum_j (y_ij - m_i)^2 / (N - g)
        n0  = (N - sum n_i^2 / N) / (g - 1)      (= n when every target has n ratings)
        ICC(1,1) = (MSB - MSW) / (MSB + (n0 - 1) MSW)
        F = MSB / MSW on (g - 1, N - g) degrees of freedom
        interval: F_L, F_U as in ``_f_limits``; (F_L - 1) / (F_L + n0 - 1) to
                  (F_U - 1) / (F_U + n0 - 1). Exact for balanced data (Shrout and
                  Fleiss 1979); with unequal n_i an approximation (Donner 1986).
    ICC(1,k) is ICC(1,1) and its limits stepped up by Spearman-Brown to k raters:
    ``raters`` if given, else the harmonic mean of the n_i, H = g / sum(1 / n_i),
    because a target mean's error variance is MSW / n_i and H averages those. For
    balanced data it equals Shrout and Fleiss's (MSB - MSW) / MSB.
    """
    groups = [t for t in targets if len(t)]
    g = len(groups)
    sizes = np.array([len(t) for t in groups], dtype=float)
    total = int(sizes.sum())
    k = float(raters if raters is not None else (g / (1 / sizes).sum() if g else 0))
    df1, df2 = g - 1, total - g
    if g < 2 or df2 < 1:
        single = Icc("ICC(1,1)", None, None, None, 1, None, df1, df2)
        return single, _stepped_up(single, "ICC(1,k)", k)
    y = np.fromiter((v for t in groups for v in t), dtype=float, count=total)
    target = np.repeat(np.arange(g), sizes.astype(int))
    means = np.bincount(target, y) / sizes
    msb = (sizes * (means - y.mean()) ** 2).sum() / df1
    msw = ((y - means[target]) ** 2).sum() / df2
    n0 = (total - (sizes**2).sum() / total) / df1
    single = _icc_from_f("ICC(1,1)", msb, msw, n0, df1, df2, confidence)
    return single, _stepped_up(single, "ICC(1,k)", k)


def _icc_from_f(kind, ms_target, ms_error, n, df1, df2, confidence) -> Icc:
    """(MS_t - MS_e) / (MS_t + (n - 1) MS_e) with the F-based interval of Shrout and
    Fleiss: (F_L - 1) / (F_L + n - 1) to (F_U - 1) / (F_U + n - 1), F = MS_t / MS_e."""
    if ms_error == 0:
        value = 1.0 if ms_target > 0 else None
        return Icc(kind, value, None, None, 1, None, df1, df2)
    f = ms_target / ms_error
    value = (ms_target - ms_error) / (ms_target + (n - 1) * ms_error)
    f_low, f_high = _f_limits(f, df1, df2, confidence)
    low, high = (f_low - 1) / (f_low + n - 1), (f_high - 1) / (f_high + n - 1)
    return Icc(kind, float(value), float(low), float(high), 1, float(f), df1, df2)


def shrout_fleiss(
    matrix: Sequence[Sequence[float]], *, confidence: float = 0.95
) -> dict[str, Icc]:
    """The six intraclass correlations of Shrout and Fleiss (1979) for complete data.

    ``matrix`` has one row per target and one column per rater, no gaps. With n
    targets, k raters, two-way ANOVA mean squares MSR (targets, n - 1 df), MSC
    (raters, k - 1 df), MSE (residual, (n - 1)(k - 1) df) and the one-way MSW:
        ICC(1,1), ICC(1,k)  as ``icc_oneway`` on the rows
        ICC(2,1) = (MSR - MSE) / (MSR + (k - 1) MSE + k (MSC - MSE) / n)
        ICC(2,k) = (MSR - MSE) / (MSR + (MSC - MSE) / n)
        ICC(3,1) = (MSR - MSE) / (MSR + (k - 1) MSE)
        ICC(3,k) = (MSR - MSE) / MSR
    Intervals: ICC(3,*) from F = MSR / MSE as in ``_icc_from_f``. ICC(2,1) by
    Satterthwaite's approximation (McGraw and Wong 1996), with r = ICC(2,1),
    F_j = MSC / MSE,
        v   = (k-1)(n-1) (k r F_j + n (1 + (k-1) r) - k r)^2
              / ((n-1) k^2 r^2 F_j^2 + (n (1 + (k-1) r) - k r)^2)
        F*  = F_{1-a/2}(n - 1, v),  F** = F_{1-a/2}(v, n - 1)
        low = n (MSR - F* MSE) / (F* (k MSC + (k n - k - n) MSE) + n MSR)
        high = n (F** MSR - MSE) / (k MSC + (k n - k - n) MSE + n F** MSR)
    and the k-rater limits are those stepped up by Spearman-Brown.
    """
    y = np.asarray(matrix, dtype=float)
    n, k = y.shape
    grand = y.mean()
    ss_rows = k * ((y.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((y.mean(axis=0) - grand) ** 2).sum()
    ss_error = ((y - grand) ** 2).sum() - ss_rows - ss_cols
    msr, msc = ss_rows / (n - 1), ss_cols / (k - 1)
    mse = ss_error / ((n - 1) * (k - 1))
    one, one_k = icc_oneway(y.tolist(), confidence=confidence)
    three = _icc_from_f("ICC(3,1)", msr, mse, k, n - 1, (n - 1) * (k - 1), confidence)
    two = _icc2(msr, msc, mse, n, k, confidence)
    result = [
        one,
        two,
        three,
        _rename(one_k, "ICC(1,k)"),
        _stepped_up(two, "ICC(2,k)", k),
        _stepped_up(three, "ICC(3,k)", k),
    ]
    return {icc.kind: icc for icc in result}


def _rename(icc: Icc, kind: str) -> Icc:
    return Icc(kind, icc.value, icc.low, icc.high, icc.raters, icc.f, icc.df1, icc.df2)


def _icc2(msr, msc, mse, n, k, confidence) -> Icc:
    """ICC(2,1) and its Satterthwaite interval (formulas in ``shrout_fleiss``)."""
    df1, df2 = n - 1, (n - 1) * (k - 1)
    denominator = msr + (k - 1) * mse + k * (msc - mse) / n
    if mse == 0 or denominator == 0:
        value = 1.0 if msr > 0 and msc == mse else None
        return Icc("ICC(2,1)", value, None, None, 1, None, df1, df2)
    r = (msr - mse) / denominator
    fj = msc / mse
    a = n * (1 + (k - 1) * r) - k * r
    v = (
        (k - 1)
        * (n - 1)
        * (k * r * fj + a) ** 2
        / ((n - 1) * k**2 * r**2 * fj**2 + a**2)
    )
    q = (1 + confidence) / 2
    f_star, f_2star = stats.f.ppf(q, n - 1, v), stats.f.ppf(q, v, n - 1)
    spread = k * msc + (k * n - k - n) * mse
    low = n * (msr - f_star * mse) / (f_star * spread + n * msr)
    high = n * (f_2star * msr - mse) / (spread + n * f_2star * msr)
    f = msr / mse
    return Icc("ICC(2,1)", float(r), float(low), float(high), 1, float(f), df1, df2)


# Spearman-Brown --------------------------------------------------------------------


def spearman_brown(single: float, raters: float) -> float | None:
    """Reliability of the mean of k raters from one rater's r: k r / (1 + (k - 1) r).

    None where the formula has no meaning: r at or below -1/(k - 1) (a negative
    single-rater estimate, possible with ICC(1) when units agree with each other
    more than their raters do) makes the denominator zero or negative."""
    denominator = 1 + (raters - 1) * single
    if denominator <= 0:
        return None
    return raters * single / denominator


def raters_needed(single: float, target: float) -> int | None:
    """Fewest raters whose mean reaches ``target``: k = ceil(t (1 - r) / (r (1 - t))).

    The inverse of Spearman-Brown, rounded up (a hair of float error is forgiven so
    that an exact case such as r = 0.4, t = 0.8 gives 6, not 7). None when no number
    of raters reaches it (r <= 0); 1 when one rater already does.
    """
    if not 0 < target < 1:
        raise ValueError("target must lie strictly between 0 and 1")
    if single >= target:
        return 1
    if single <= 0:
        return None
    return max(1, math.ceil(target * (1 - single) / (single * (1 - target)) - 1e-9))


@dataclass(frozen=True)
class LoopSize:
    """What the current number of raters per competency buys, and what is needed."""

    single: float
    raters: int
    reliability: float  # of the mean of ``raters``
    with_one_more: float  # of the mean of raters + 1
    needed: dict[float, int | None]  # target -> raters needed

    @property
    def one_more_buys(self) -> float:
        """The gain in reliability from one more rater per competency."""
        return self.with_one_more - self.reliability


def loop_size(
    single: float, raters: int, targets: Sequence[float] = (0.7, 0.8)
) -> LoopSize:
    """The loop-size advice: Spearman-Brown now, with one more rater, and to targets."""
    return LoopSize(
        single,
        raters,
        spearman_brown(single, raters),
        spearman_brown(single, raters + 1),
        {t: raters_needed(single, t) for t in targets},
    )


# Raters' tendencies ----------------------------------------------------------------


@dataclass(frozen=True)
class Leniency:
    """A rater's mean difference from the others on the same units, raw and shrunk."""

    rater: Hashable
    n: int
    raw: float
    low: float | None  # t interval of the raw mean (None when n < 2)
    high: float | None
    shrunk: float
    shrunk_low: float
    shrunk_high: float
    factor: float  # n / (n + lambda)

    def notable(self, threshold: float = 0.5) -> bool:
        """Large and well estimated: |shrunk| >= threshold, its interval clear of 0."""
        return abs(self.shrunk) >= threshold and (
            self.shrunk_low > 0 or self.shrunk_high < 0
        )


def leniency(
    ratings: Iterable[Rating],
    *,
    prior_strength: float | None = None,
    confidence: float = 0.95,
) -> list[Leniency]:
    """Each rater's leniency (> 0) or severity (< 0), shrunk towards 0 when n is small.

    For rater r's rating y of a unit u rated m_u >= 2 times, with S_u the unit's sum:
        d = y - (S_u - y) / (m_u - 1)       (the mean of the OTHER ratings of u)
    Over r's n ratings in pairable units: raw = mean(d), s = sd(d) (n - 1 divisor),
    interval raw +/- t_{(1+conf)/2, n-1} s / sqrt(n). The d's of one unit sum to 0,
    so 0 is the panel's centre and the natural prior mean.
    Empirical-Bayes shrinkage (normal-normal): the within-rater variance
        sigma2 = sum_r sum_i (d_ri - raw_r)^2 / sum_r (n_r - 1)
    the between-rater variance, by moments over the R raters,
        tau2 = max(0, var_r(raw_r) - mean_r(sigma2 / n_r))   (var with R - 1 divisor)
    lambda = sigma2 / tau2 (``prior_strength`` replaces it when given; infinite when
    tau2 = 0, as it is with fewer than two raters, and when no rater has two
    differences, so sigma2 cannot be estimated; 0 when sigma2 = 0, no noise to
    shrink against), factor B = n / (n + lambda),
        shrunk = B raw, interval shrunk +/- z_{(1+conf)/2} sqrt(B sigma2 / n),
    the normal posterior's mean and interval. With B = 0 (no rater differences
    beyond noise) every rater is shrunk to 0 with an interval of (0, 0).
    B lies in [0, 1] and grows with n: shrinking never flips a sign and pulls a
    rater seen on few units hardest. The intervals treat each rating as independent;
    halo (one rater's ratings of one candidate moving together) makes them narrow.
    """
    diffs = _differences(ratings)
    raws = {r: float(np.mean(d)) for r, d in diffs.items()}
    dof = sum(len(d) - 1 for d in diffs.values())
    squares = sum(float(((d - raws[r]) ** 2).sum()) for r, d in diffs.items())
    sigma2 = squares / dof if dof else 0.0
    if prior_strength is not None:
        lam = prior_strength
    else:  # no rater seen twice: no noise to weigh a difference against, none shown
        lam = _lambda(diffs, raws, sigma2) if dof else math.inf
    z = float(stats.norm.ppf((1 + confidence) / 2))
    result = []
    for rater, d in diffs.items():
        n, raw = len(d), raws[rater]
        low = high = None
        if n >= 2:
            t = float(stats.t.ppf((1 + confidence) / 2, n - 1))
            half = t * float(d.std(ddof=1)) / math.sqrt(n)
            low, high = raw - half, raw + half
        factor = 0.0 if math.isinf(lam) else n / (n + lam)
        half = z * math.sqrt(factor * sigma2 / n)
        shrunk = factor * raw
        result.append(
            Leniency(
                rater, n, raw, low, high, shrunk, shrunk - half, shrunk + half, factor
            )
        )
    return result


def _differences(ratings: Iterable[Rating]) -> dict[Hashable, np.ndarray]:
    """Rater -> array of d = y - mean(other ratings of the same unit), pairable units."""
    by_unit: dict[tuple, list[Rating]] = {}
    for r in ratings:
        by_unit.setdefault((r.candidate, r.competency), []).append(r)
    diffs: dict[Hashable, list[float]] = {}
    for unit in by_unit.values():
        if len(unit) < 2:
            continue
        total = sum(float(r.value) for r in unit)
        for r in unit:
            others = (total - r.value) / (len(unit) - 1)
            diffs.setdefault(r.rater, []).append(float(r.value) - others)
    return {rater: np.array(d) for rater, d in diffs.items()}


def _lambda(diffs, raws, sigma2) -> float:
    """lambda = sigma2 / tau2 by moments (formulas in ``leniency``)."""
    if len(raws) < 2 or sigma2 == 0:
        return math.inf if len(raws) < 2 else 0.0
    means = np.array(list(raws.values()))
    noise = np.mean([sigma2 / len(d) for d in diffs.values()])
    tau2 = max(0.0, float(means.var(ddof=1)) - noise)
    return math.inf if tau2 == 0 else sigma2 / tau2


@dataclass(frozen=True)
class Halo:
    """How flat a rater's scorecards are across competencies, beside the panel's."""

    rater: Hashable
    scorecards: int  # theirs with two or more competencies rated
    flat_share: float  # share of those with the same level on every competency
    mean_sd: float
    panel_flat_share: float
    panel_mean_sd: float

    @property
    def sd_ratio(self) -> float | None:
        """mean_sd / panel_mean_sd: below 1, flatter than the panel (a halo)."""
        return None if self.panel_mean_sd == 0 else self.mean_sd / self.panel_mean_sd


def halo(ratings: Iterable[Rating]) -> list[Halo]:
    """A halo index for each rater: how often their ratings do not vary by competency.

    A scorecard is one rater's ratings of one candidate; only scorecards with two or
    more competencies rated count. For each, sd = sqrt(sum (y - mean y)^2 / m), the
    spread of its m levels (0 when flat). Per rater: flat_share = share of their
    scorecards with sd = 0, mean_sd = the mean of their sds; the panel's are the same
    over every rater's scorecards. A flat share well above the panel's, or
    sd_ratio = mean_sd / panel_mean_sd well below 1, suggests one overall impression
    rated several times rather than several competencies rated once.
    """
    cards: dict[tuple, list[float]] = {}
    for r in ratings:
        cards.setdefault((r.rater, r.candidate), []).append(float(r.value))
    sds: dict[Hashable, list[float]] = {}
    for (rater, _), values in cards.items():
        if len(values) >= 2:
            sds.setdefault(rater, []).append(float(np.std(values)))
    every = [sd for rater_sds in sds.values() for sd in rater_sds]
    if not every:
        return []
    panel_flat = sum(sd == 0 for sd in every) / len(every)
    panel_sd = float(np.mean(every))
    return [
        Halo(
            rater,
            len(s),
            sum(sd == 0 for sd in s) / len(s),
            float(np.mean(s)),
            panel_flat,
            panel_sd,
        )
        for rater, s in sds.items()
    ]


@dataclass(frozen=True)
class Offset:
    """Per competency: mean (first side's mean - second side's) over units both rated."""

    competency: Hashable
    n: int
    mean: float | None
    low: float | None
    high: float | None


def discipline_offsets(
    ratings: Iterable[Rating],
    first: str = "clinical",
    second: str = "technical",
    *,
    confidence: float = 0.95,
) -> list[Offset]:
    """Do clinicians rate a competency systematically lower than engineers do?

    For each unit (candidate, competency) that both disciplines rated,
        x_u = mean(first discipline's ratings of u) - mean(second's ratings of u).
    Per competency over its n such units: mean = mean(x_u), and the t interval
        mean +/- t_{(1+conf)/2, n-1} sd(x_u) / sqrt(n)   (sd with n - 1; n >= 2).
    Units are one per candidate and competency, so they are independent across
    candidates; competencies come back in the order they first appear.
    """
    sides: dict[tuple, dict[str, list[float]]] = {}
    order: dict[Hashable, None] = {}
    for r in ratings:
        order.setdefault(r.competency)
        if r.discipline in (first, second):
            unit = sides.setdefault(
                (r.candidate, r.competency), {first: [], second: []}
            )
            unit[r.discipline].append(float(r.value))
    gaps: dict[Hashable, list[float]] = {c: [] for c in order}
    for (_, competency), unit in sides.items():
        if unit[first] and unit[second]:
            gaps[competency].append(fmean(unit[first]) - fmean(unit[second]))
    return [_mean_interval(c, np.array(x), confidence) for c, x in gaps.items()]


def _mean_interval(competency, x: np.ndarray, confidence: float) -> Offset:
    """The mean of x with its t interval (formula in ``discipline_offsets``)."""
    n = len(x)
    if n == 0:
        return Offset(competency, 0, None, None, None)
    mean = float(x.mean())
    if n < 2:
        return Offset(competency, 1, mean, None, None)
    t = float(stats.t.ppf((1 + confidence) / 2, n - 1))
    half = t * float(x.std(ddof=1)) / math.sqrt(n)
    return Offset(competency, n, mean, mean - half, mean + half)


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
