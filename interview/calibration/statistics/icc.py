"""Intraclass correlations (Shrout and Fleiss, McGraw and Wong) and what more raters
buy (Spearman-Brown)."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

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
