"""Each rater's tendencies: leniency or severity, halo, and the clinical against
technical offset per competency."""

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from statistics import fmean

import numpy as np
from scipy import stats

from .common import (
    Rating,
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
