"""The overall score, its formula in words, and its 95% band. Pure.

Overall
    A = the competencies with n(c) >= 1 ("assessed").
    score = sum(w(c) * mean(c) for c in A) / sum(w(c) for c in A)   (None when A empty)
    formula, in words with the numbers, means to 2 decimals, the ratings behind each
    term in brackets (both sides' counts for a balanced mean) and weights as given:
        "(3.50 [4 ratings] × 1 + 2.75 [2 clinical + 1 technical] × 1.5) / (1 + 1.5)
         = 3.05"
    its result is ``fmt(score)``, to 2 decimals so the arithmetic can be checked;
    ``rule`` is BALANCE_RULE when a competency in A is assessed by both.
    headline: the score to one decimal with its band, "3.0 (2.6 to 3.4)" ("3.0"
        alone when there is no band); the score is not known to two decimals.
    assessed_weight_share = sum(w(c) for c in A) / sum(w(c) for all c)   (0 if none)
    left_out: "2 of 6 competencies, 30% of the weight, not assessed", the percentage
        being (1 - assessed_weight_share) * 100 rounded half up to a whole number
        ("under 1%" / "over 99%" when that rounding would hide a non-zero share or
        claim all of it); "Nothing was assessed: none of the 6 competencies has a
        rating" when A is empty; None when nothing is left out.

Uncertainty: the standard error and the 95% band of the score
    What is estimated: the score a much larger panel of interviewers like these
    (same disciplines, same rubric) would give the candidate. Each competency's
    mean is treated as a mean of independent ratings with a common variance
    sigma²(c) within the competency:
        Var(mean(c)) = k(c) * sigma²(c),  k(c) = 1 / n(c)                  (plain)
                                          k(c) = (1/n_C + 1/n_T) / 4     (balanced)
    sigma²(c) is estimated by the sample variance of all of c's ratings,
    s²(c) = SS(c) / df(c), SS(c) being the sum of squared deviations from
    plain_mean(c) and df(c) = n(c) - 1, for a balanced mean too. There this errs
    on the wide side: a difference between the sides counts as spread (the gap
    flag reports it), so the band widens when the sides disagree; and it leaves the
    usual panel of one clinician and one engineer per competency a spread to
    measure, where the variance within each side would have no degrees of freedom.
    When df(c) = 0 (one rating) the competency has no spread of its own: it takes
    the pooled within-competency variance
        s²_pool = sum(SS(c)) / sum(df(c))     over the competencies with df(c) >= 1
    and is marked (``Band.borrowed``, ``borrowed_text``). When no competency has
    df(c) >= 1 there is no band (``band`` None; ``band_text`` says why), and none
    either when every s² is 0 (the ratings agree exactly: no spread to go on).
        SE² = sum(w(c)² * k(c) * s²(c) for c in A) / (sum(w(c) for c in A))²
    exact (``Band.variance``); SE is its square root to 40 significant digits.
    The quantile is Student's t at 0.975 (not the normal 1.96: panels are small),
    on the Welch-Satterthwaite degrees of freedom of the terms v(c) = w(c)² k(c)
    s²(c), the borrowed ones summed into one term with the pooled df (they share
    one estimate):
        df = (sum v)² / sum(v² / df_v)
    band = [max(L, score - t * SE), min(H, score + t * SE)]: a mean cannot leave the
    scale, so clipping keeps the band's coverage. Printed to one decimal with the
    score ("3.0 (2.6 to 3.4)") and one line, ``band_text``, saying how to read it
    with the SE to 2 decimals.
    What it leaves out: the competencies are treated as independent although the
    same interviewers rate them all (a halo makes the true SE larger), and the
    within-competency spread mixes real disagreement with rater leniency.
"""

import functools
from collections.abc import Sequence
from decimal import Decimal, localcontext
from fractions import Fraction

from ..numbers import count_text, fmt, join_names, percent_text, plain
from .model import Band, CompetencyResult, Overall

CONFIDENCE = Fraction(95, 100)  # the overall score's band
SCORE_PLACES = 1  # the headline score and its band
SQRT_DIGITS = 40  # significant digits of the standard error kept under the band
BALANCE_RULE = (
    "A competency the rubric asks both disciplines to assess counts as the mean of "
    "the clinical mean and the technical mean (its term shows both counts), so the "
    "larger side of the panel cannot outvote the other; rated by one side only, it "
    "counts that side's mean."
)


def _term(result: CompetencyResult) -> str:
    """One term of the formula: the mean, the ratings behind it, the weight."""
    if result.balanced:
        behind = (
            f"{result.clinical.count} clinical + {result.technical.count} technical"
        )
    else:
        behind = count_text(result.count, "rating")
    return f"{fmt(result.mean)} [{behind}] × {plain(result.weight)}"


def overall(results: Sequence[CompetencyResult], scale: tuple[int, int]) -> Overall:
    total = sum((r.weight for r in results), Fraction(0))
    assessed = [r for r in results if r.count]
    weight = sum((r.weight for r in assessed), Fraction(0))
    share = weight / total if total else Fraction(0)
    if not results:
        return Overall(None, None, Fraction(0), None)
    if not assessed:
        n = len(results)
        noun = "competency" if n == 1 else "competencies"
        left = f"Nothing was assessed: none of the {n} {noun} has a rating"
        return Overall(None, None, Fraction(0), left)
    score = sum(r.weight * r.mean for r in assessed) / weight
    terms = " + ".join(_term(r) for r in assessed)
    weights = " + ".join(plain(r.weight) for r in assessed)
    formula = f"({terms}) / ({weights}) = {fmt(score)}"
    missing = len(results) - len(assessed)
    left_out = None
    if missing:
        left_out = (
            f"{missing} of {len(results)} competencies, "
            f"{percent_text(1 - share)} of the weight, not assessed"
        )
    band, band_text = _band(assessed, score, scale)
    headline = fmt(score, SCORE_PLACES)
    if band is not None:
        low, high = fmt(band.low, SCORE_PLACES), fmt(band.high, SCORE_PLACES)
        headline = f"{headline} ({low} to {high})"
    rule = BALANCE_RULE if any(r.assessed_by == "both" for r in assessed) else None
    return Overall(
        score,
        formula,
        share,
        left_out,
        band=band,
        headline=headline,
        band_text=band_text,
        borrowed_text=_borrowed_text(assessed, band),
        rule=rule,
    )


# --- uncertainty --------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _t_quantile(df: float, probability: float) -> Fraction:
    """Student's t quantile; SciPy is loaded on first use, not with the page."""
    from scipy.special import stdtrit

    return Fraction(float(stdtrit(df, probability)))


def _sqrt(x: Fraction) -> Fraction:
    """The square root of ``x`` to SQRT_DIGITS significant digits."""
    with localcontext() as context:
        context.prec = SQRT_DIGITS
        root = (Decimal(x.numerator) / Decimal(x.denominator)).sqrt()
    return Fraction(root)


def _band(
    assessed: Sequence[CompetencyResult], score: Fraction, scale: tuple[int, int]
) -> tuple[Band | None, str]:
    own = [r for r in assessed if r.spread_df >= 1]
    borrowed = [r for r in assessed if r.spread_df < 1]
    pooled_df = sum(r.spread_df for r in own)
    if not pooled_df:
        return None, (
            "No band: every competency rests on a single rating, so the panel's "
            "spread cannot be estimated; a second rater on any competency would "
            "give one."
        )
    pooled = sum((r.squares for r in own), Fraction(0)) / pooled_df
    # (v, df) per term: each own spread, and the borrowed ones as one term, since
    # they share the one pooled estimate.
    terms = [
        (r.weight**2 * r.factor * r.squares / r.spread_df, r.spread_df) for r in own
    ]
    if borrowed:
        shared = sum((r.weight**2 * r.factor for r in borrowed), Fraction(0))
        terms.append((shared * pooled, pooled_df))
    weight = sum((r.weight for r in assessed), Fraction(0))
    total = sum((v for v, _ in terms), Fraction(0))
    if not total:
        return None, (
            "No band: within every competency the ratings agree exactly, so they "
            "show no spread to estimate one from (agreement among these "
            "interviewers, not certainty)."
        )
    variance = total / weight**2
    df = total**2 / sum((v**2 / d for v, d in terms), Fraction(0))
    quantile = _t_quantile(float(df), float((1 + CONFIDENCE) / 2))
    se = _sqrt(variance)
    low, high = scale
    band = Band(
        variance=variance,
        se=se,
        df=df,
        quantile=quantile,
        low=max(Fraction(low), score - quantile * se),
        high=min(Fraction(high), score + quantile * se),
        borrowed=tuple(r.key for r in borrowed),
    )
    return band, (
        "95% band, from how far the panel's ratings spread within each competency "
        f"and how many ratings each mean rests on (standard error {fmt(se)}): a much "
        "larger panel of interviewers like these would score the candidate within "
        "it, with 95% confidence."
    )


def _borrowed_text(
    assessed: Sequence[CompetencyResult], band: Band | None
) -> str | None:
    if band is None or not band.borrowed:
        return None
    names = [r.name for r in assessed if r.key in band.borrowed]
    verb, own = ("rests", "its") if len(names) == 1 else ("rest", "their")
    return (
        f"{join_names(names)} {verb} on one rating, with no spread of {own} own: "
        "the band uses the spread pooled over the other competencies there."
    )
