"""Calibration statistics against the published values of the standard reference data
sets, a GPL implementation as a cross-check (test-only), hand-computed cases and
Hypothesis properties. Pure: no app, no database."""

import itertools
import math
from fractions import Fraction

import krippendorff  # GPL-3.0: a test-only cross-check, never imported by the package
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from interview.calibration.statistics import (
    LEVELS,
    Alpha,
    DataCounts,
    Rating,
    alpha_from_counts,
    check_data,
    data_counts,
    discipline_offsets,
    halo,
    icc_oneway,
    koo_li_band,
    krippendorff_alpha,
    leniency,
    loop_size,
    raters_needed,
    shrout_fleiss,
    spearman_brown,
    units_of,
)

_ = None  # a missing rating

# Shrout, P. E. & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing
# rater reliability. Psychological Bulletin 86(2), 420-428. Table 1: six targets
# (rows) rated by four judges (columns).
SHROUT_FLEISS = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]
# Their Table 2, to the two decimals printed there.
SHROUT_FLEISS_TABLE_2 = {
    "ICC(1,1)": 0.17,
    "ICC(2,1)": 0.29,
    "ICC(3,1)": 0.71,
    "ICC(1,k)": 0.44,
    "ICC(2,k)": 0.62,
    "ICC(3,k)": 0.91,
}

# Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability, the worked
# example "C": four observers (rows) by twelve units (columns), missing values.
# The same matrix is the "C" data of R's irr::kripp.alpha and the test data of the
# fast-krippendorff package (pln-fing-udelar), whose tests assert the values below.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
]
KRIPPENDORFF_2011_ALPHA = {
    "nominal": 0.743,
    "ordinal": 0.815,
    "interval": 0.849,
    "ratio": 0.797,
}

# The computational example of Wikipedia's "Krippendorff's alpha" article: three
# coders by fifteen units; nominal alpha = 0.691 (56/81), interval 0.811 (the
# fast-krippendorff tests assert 0.691358 and 0.810845).
WIKIPEDIA = [
    [_, _, _, _, _, 3, 4, 1, 2, 1, 1, 3, 3, _, 3],
    [1, _, 2, 1, 3, 3, 4, 3, _, _, _, _, _, _, _],
    [_, _, 2, 1, 3, 4, 4, _, 2, 1, 1, 3, 3, _, 4],
]

# Hayes, A. F. & Krippendorff, K. (2007). Answering the call for a standard reliability
# measure for coding data. Communication Methods and Measures 1(1), 77-89. Table 1:
# five observers rate the tone of 40 news articles, 0 (sure loser) to 3 (likely
# winner), "." for a missing judgement; the paper reports ordinal alpha = .7598.
# Typed from data-raw/hayes2007table1.csv of github.com/jucor/krippendorff.
HAYES_KRIPPENDORFF_2007 = """
1 1 2 . 2 | 1 1 0 1 . | 2 3 3 3 . | . 0 0 . 0 | 0 0 0 . 0 | 0 0 0 . 0 | 1 0 2 . 1
1 . 2 0 . | 2 2 2 . 2 | 2 1 1 1 . | . 1 0 0 . | 0 0 0 0 . | 1 2 2 2 . | 3 3 2 2 3
1 1 1 . 1 | 1 1 1 . 1 | 2 1 2 . 2 | 1 2 3 3 . | 1 1 0 1 . | 0 0 0 . 0 | 0 0 1 1 .
0 0 . 0 0 | 2 3 3 3 . | 0 0 0 0 . | 1 2 . 2 2 | 0 1 1 1 . | 0 0 0 1 0 | 1 2 1 2 .
1 1 2 2 . | 1 1 2 . 2 | 1 1 0 . 0 | 2 1 2 1 . | 2 2 . 2 2 | 3 2 2 2 . | 2 2 2 . 2
2 2 3 . 2 | 2 2 2 . 2 | 2 2 . 1 2 | 2 2 2 2 . | 1 1 1 . 1
"""


def hayes_units() -> list[list[float | None]]:
    """The 40 articles of Hayes and Krippendorff's Table 1, one list per article."""
    articles = HAYES_KRIPPENDORFF_2007.replace("\n", "|").split("|")
    units = [
        [None if v == "." else float(v) for v in a.split()]
        for a in articles
        if a.strip()
    ]
    assert len(units) == 40 and all(len(u) == 5 for u in units)
    return units


def columns(matrix):
    """Rows are raters, columns units: the units' lists of values."""
    return [list(unit) for unit in zip(*matrix, strict=True)]


def to_nan(matrix):
    return np.array([[np.nan if v is None else v for v in row] for row in matrix])


# Intraclass correlations -----------------------------------------------------------


def test_shrout_fleiss_table_2():
    iccs = shrout_fleiss(SHROUT_FLEISS)
    assert {kind: round(icc.value, 2) for kind, icc in iccs.items()} == (
        SHROUT_FLEISS_TABLE_2
    )
    assert iccs["ICC(2,k)"].raters == iccs["ICC(3,k)"].raters == 4


def test_one_way_interval_matches_nag_g04ga_example():
    """NAG Library g04ga (nag_anova_icc) documents the Shrout and Fleiss data; its
    example (one-factor design, interrater) prints ICC 0.17, 95% CI -0.13 to 0.72,
    F 1.79 on 5 and 18 degrees of freedom, p 0.165."""
    single = shrout_fleiss(SHROUT_FLEISS)["ICC(1,1)"]
    assert round(single.value, 2) == 0.17
    assert (round(single.low, 2), round(single.high, 2)) == (-0.13, 0.72)
    assert (round(single.f, 2), single.df1, single.df2) == (1.79, 5, 18)
    assert round(stats.f.sf(single.f, single.df1, single.df2), 3) == 0.165


def test_average_rater_limits_are_shrout_fleiss_one_minus_inverse_f():
    """For ICC(3,k) Shrout and Fleiss give the limits as 1 - 1/F_L and 1 - 1/F_U,
    which the code reaches by Spearman-Brown from the single-rater limits."""
    icc = shrout_fleiss(SHROUT_FLEISS)["ICC(3,k)"]
    f_low = icc.f / stats.f.ppf(0.975, 5, 15)
    f_high = icc.f * stats.f.ppf(0.975, 15, 5)
    assert icc.low == pytest.approx(1 - 1 / f_low)
    assert icc.high == pytest.approx(1 - 1 / f_high)
    for icc in shrout_fleiss(SHROUT_FLEISS).values():
        assert icc.low < icc.value < icc.high


def test_one_way_on_balanced_rows_is_shrout_fleiss_case_1():
    single, average = icc_oneway(SHROUT_FLEISS)
    iccs = shrout_fleiss(SHROUT_FLEISS)
    assert single == iccs["ICC(1,1)"]
    assert average.raters == 4
    # Shrout and Fleiss's (MSB - MSW) / MSB: MSB = 11.24, MSW = 6.26 here.
    assert average.value == pytest.approx(iccs["ICC(1,k)"].value)
    assert average.value == pytest.approx(1 - 1 / single.f)


def test_one_way_unbalanced_by_hand():
    """Targets [2, 4], [5, 6, 7], [9]: g = 3, N = 6, means 3, 6, 9, grand mean 5.5.
    MSB = (2(2.5^2) + 3(0.5^2) + 3.5^2) / 2 = 51/4, MSW = (2 + 2 + 0) / 3 = 4/3,
    n0 = (6 - 14/6) / 2 = 11/6, ICC(1,1) = (51/4 - 4/3) / (51/4 + (5/6)(4/3)) = 411/499.
    k = harmonic mean of 2, 3, 1 = 18/11."""
    single, average = icc_oneway([[2, 4], [5, 6, 7], [9]])
    r = Fraction(411, 499)
    k = Fraction(18, 11)
    assert single.value == pytest.approx(float(r))
    assert (single.df1, single.df2) == (2, 3)
    assert single.f == pytest.approx(float(Fraction(51, 4) / Fraction(4, 3)))
    assert average.raters == pytest.approx(float(k))
    assert average.value == pytest.approx(float(k * r / (1 + (k - 1) * r)))
    assert icc_oneway([[2, 4], [5, 6, 7], [9]], raters=3)[1].value == pytest.approx(
        float(3 * r / (1 + 2 * r))
    )


def test_one_way_undefined_with_too_little_data():
    single, average = icc_oneway([[3, 4]])
    assert single.value is None and average.value is None
    assert icc_oneway([[3, 3], [4, 4]])[0].value == 1.0  # no disagreement at all
    assert icc_oneway([[3, 3], [3, 3]])[0].value is None  # no variation at all


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (None, None),
        (-0.2, "poor"),
        (0.49, "poor"),
        (0.5, "moderate"),
        (0.74, "moderate"),
        (0.75, "good"),
        (0.9, "good"),
        (0.91, "excellent"),
    ],
)
def test_koo_li_bands(value, band):
    assert koo_li_band(value) == band


def test_icc_carries_its_band():
    assert shrout_fleiss(SHROUT_FLEISS)["ICC(3,k)"].band == "excellent"


# Krippendorff's alpha --------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_alpha_krippendorff_2011_worked_example(level):
    alpha = krippendorff_alpha(columns(KRIPPENDORFF_2011), level, resamples=0)
    assert round(alpha.value, 3) == KRIPPENDORFF_2011_ALPHA[level]
    # Unit 12 has one value only and is not pairable: 11 units, 40 values.
    assert (alpha.units, alpha.pairable_values) == (11, 40)


def test_alpha_wikipedia_example():
    units = columns(WIKIPEDIA)
    nominal = krippendorff_alpha(units, "nominal", resamples=0).value
    assert nominal == pytest.approx(56 / 81)
    assert round(nominal, 6) == 0.691358
    assert (
        round(krippendorff_alpha(units, "interval", resamples=0).value, 6) == 0.810845
    )


def test_alpha_hayes_krippendorff_2007():
    alpha = krippendorff_alpha(hayes_units(), "ordinal", resamples=2000, seed=7)
    assert round(alpha.value, 4) == 0.7598
    assert (alpha.units, alpha.pairable_values) == (40, 159)
    assert alpha.low < alpha.value < alpha.high
    assert 0.5 < alpha.low and alpha.high < 0.95


def test_alpha_bootstrap_is_seeded():
    units = hayes_units()
    first = krippendorff_alpha(units, resamples=500, seed=3)
    assert krippendorff_alpha(units, resamples=500, seed=3) == first
    assert krippendorff_alpha(units, resamples=500, seed=4) != first


def test_alpha_from_counts_is_the_same_arithmetic():
    """counts[u][c]: how many observers gave unit u the value c (1..5), 2011 data."""
    units = columns(KRIPPENDORFF_2011)
    counts = [[sum(v == c for v in u) for c in range(1, 6)] for u in units]
    from_counts = alpha_from_counts(counts, [1, 2, 3, 4, 5], "ordinal", seed=1)
    assert from_counts == krippendorff_alpha(units, "ordinal", seed=1)


def test_alpha_undefined_without_pairable_or_varied_data():
    assert krippendorff_alpha([[1], [2, None], []]).value is None
    assert krippendorff_alpha([[None, None], []]) == Alpha(
        None, None, None, "ordinal", 0, 0, 0
    )
    assert krippendorff_alpha([[3, 3], [3, 3, 3]]).value is None
    with pytest.raises(ValueError):
        krippendorff_alpha([[1, 2]], "circular")


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    raters=st.integers(2, 6),
    units=st.integers(2, 25),
    level=st.sampled_from(LEVELS),
)
def test_alpha_agrees_with_the_krippendorff_package(seed, raters, units, level):
    """Random 1..5 ratings, about a third missing, against krippendorff 0.9.0."""
    rng = np.random.default_rng(seed)
    data = rng.integers(1, 6, size=(raters, units)).astype(float)
    data[rng.random(data.shape) < 0.35] = np.nan
    ours = krippendorff_alpha(
        [[v for v in col if not np.isnan(v)] for col in data.T], level, resamples=0
    )
    try:  # it divides 0 by 0 (nan) when every pairable unit agrees on one value
        with np.errstate(invalid="ignore", divide="ignore"):
            theirs = krippendorff.alpha(
                reliability_data=data, level_of_measurement=level
            )
    except ValueError:  # no pairable unit, or a single value: alpha is undefined
        assert ours.value is None
        return
    if ours.value is None:
        assert np.isnan(theirs)
    else:
        assert ours.value == pytest.approx(theirs, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    truths=st.lists(st.integers(1, 5), min_size=2, max_size=30).filter(
        lambda t: len(set(t)) > 1
    ),
    raters=st.lists(st.integers(2, 5), min_size=30, max_size=30),
    level=st.sampled_from(LEVELS),
)
def test_alpha_is_one_when_everyone_agrees_on_varied_data(truths, raters, level):
    units = [[t] * m for t, m in zip(truths, raters, strict=False)]
    alpha = krippendorff_alpha(units, level, resamples=50)
    assert alpha.value == pytest.approx(1.0)
    assert alpha.high == pytest.approx(1.0)


@settings(max_examples=30, deadline=None)
@given(st.randoms(use_true_random=False))
def test_alpha_ignores_the_order_of_units_and_of_values(random):
    units = hayes_units()
    random.shuffle(units)
    for unit in units:
        random.shuffle(unit)
    assert krippendorff_alpha(units, resamples=0).value == pytest.approx(0.7598291891)


# Spearman-Brown --------------------------------------------------------------------


def test_spearman_brown_by_hand():
    assert spearman_brown(0.5, 2) == pytest.approx(2 / 3)  # 2(.5) / (1 + .5)
    assert spearman_brown(0.4, 3) == pytest.approx(2 / 3)  # 1.2 / 1.8
    assert spearman_brown(0.3, 1) == pytest.approx(0.3)
    assert raters_needed(0.4, 0.8) == 6  # .8(.6) / (.4(.2)) = 6 exactly
    assert raters_needed(0.5, 0.8) == 4  # .4 / .1
    assert raters_needed(0.5, 0.7) == 3  # .35 / .15 = 2.33, rounded up
    assert raters_needed(0.3, 0.7) == 6  # .21 / .09 = 5.44
    assert raters_needed(0.9, 0.8) == 1
    assert raters_needed(0.0, 0.8) is None
    assert raters_needed(-0.1, 0.7) is None
    with pytest.raises(ValueError):
        raters_needed(0.5, 1.0)


def test_loop_size_says_what_one_more_rater_buys():
    advice = loop_size(0.4, 3)
    assert advice.reliability == pytest.approx(2 / 3)
    assert advice.with_one_more == pytest.approx(1.6 / 2.2)  # 4(.4) / (1 + 3(.4))
    assert advice.one_more_buys == pytest.approx(1.6 / 2.2 - 2 / 3)
    assert advice.needed == {0.7: 4, 0.8: 6}


@given(
    single=st.floats(0.01, 0.99),
    raters=st.integers(1, 50),
)
def test_spearman_brown_inverse_round_trips(single, raters):
    assert raters_needed(single, spearman_brown(single, raters)) == raters
    assert spearman_brown(single, raters + 1) > spearman_brown(single, raters)


# Leniency, halo, offsets -----------------------------------------------------------


def test_leniency_interval_by_hand():
    """A and B share three units: A - B = 1, 0, 2, so A's d = 1, 0, 2: mean 1, sd 1,
    t(0.975, 2) = 4.3027, interval 1 +/- 4.3027 / sqrt(3)."""
    ratings = [
        Rating("A", "c1", "x", 3),
        Rating("B", "c1", "x", 2),
        Rating("A", "c2", "x", 3),
        Rating("B", "c2", "x", 3),
        Rating("A", "c3", "x", 4),
        Rating("B", "c3", "x", 2),
        Rating("A", "c4", "x", 5),  # rated alone: not pairable, not counted
    ]
    by_rater = {r.rater: r for r in leniency(ratings, prior_strength=0)}
    a = by_rater["A"]
    assert (a.n, a.raw) == (3, 1.0)
    half = stats.t.ppf(0.975, 2) / math.sqrt(3)
    assert (a.low, a.high) == (pytest.approx(1 - half), pytest.approx(1 + half))
    assert by_rater["B"].raw == -1.0
    assert a.factor == 1.0 and a.shrunk == a.raw  # a prior of strength 0: no shrinking


def test_leniency_fixed_prior_factor():
    ratings = [Rating("A", c, "x", 4) for c in range(6)]
    ratings += [Rating("B", c, "x", 3) for c in range(6)]
    a = next(r for r in leniency(ratings, prior_strength=3) if r.rater == "A")
    assert a.factor == pytest.approx(6 / 9)
    assert a.shrunk == pytest.approx(6 / 9)


ratings_strategy = st.lists(
    st.builds(
        Rating,
        rater=st.sampled_from("ABCDEF"),
        candidate=st.integers(0, 12),
        competency=st.sampled_from("xyz"),
        value=st.integers(1, 5),
    ),
    min_size=2,
    max_size=150,
)


@settings(max_examples=80, deadline=None)
@given(ratings=ratings_strategy, prior=st.none() | st.floats(0, 50))
def test_shrinkage_never_flips_a_sign_and_pulls_small_n_hardest(ratings, prior):
    result = leniency(ratings, prior_strength=prior)
    for r in result:
        assert 0 <= r.factor <= 1
        assert abs(r.shrunk) <= abs(r.raw) + 1e-12
        assert r.shrunk == 0 or math.copysign(1, r.shrunk) == math.copysign(1, r.raw)
        assert r.shrunk_low <= r.shrunk <= r.shrunk_high
    by_n = sorted(result, key=lambda r: r.n)
    for smaller, larger in itertools.pairwise(by_n):
        assert smaller.factor <= larger.factor + 1e-12


@settings(max_examples=60, deadline=None)
@given(
    base=st.lists(st.integers(1, 4), min_size=2, max_size=40),
    competencies=st.lists(st.sampled_from("xyz"), min_size=40, max_size=40),
)
def test_a_copy_plus_one_is_one_point_lenient(base, competencies):
    """Rater 'copy' gives every unit rater 'base' rated the same level plus one."""
    ratings = []
    for i, (level, comp) in enumerate(zip(base, competencies, strict=False)):
        ratings += [Rating("base", i, comp, level), Rating("copy", i, comp, level + 1)]
    by_rater = {r.rater: r for r in leniency(ratings)}
    assert by_rater["copy"].raw == pytest.approx(1.0)
    assert by_rater["base"].raw == pytest.approx(-1.0)
    assert 0 <= by_rater["copy"].shrunk <= 1.0


@settings(max_examples=60, deadline=None)
@given(
    base=st.lists(st.integers(1, 4), min_size=2, max_size=30),
    others=st.lists(st.lists(st.integers(1, 5), max_size=3), min_size=30, max_size=30),
)
def test_a_copy_plus_one_among_others(base, others):
    """With other raters in the unit (m ratings in all), d_copy - d_base = m / (m - 1)
    on every unit, so the copy sits between one and two points above the base."""
    ratings, expected = [], []
    for i, (level, rest) in enumerate(zip(base, others, strict=False)):
        ratings += [Rating("base", i, "x", level), Rating("copy", i, "x", level + 1)]
        ratings += [Rating(f"other{j}", i, "x", v) for j, v in enumerate(rest)]
        m = 2 + len(rest)
        expected.append(m / (m - 1))
    by_rater = {r.rater: r for r in leniency(ratings)}
    gap = by_rater["copy"].raw - by_rater["base"].raw
    assert gap == pytest.approx(float(np.mean(expected)))
    assert 1 < gap <= 2


def test_halo_by_hand():
    """X rates two candidates flat (sd 0); Y rates 1, 3, 5 (sd sqrt(8/3)) and 2, 4, 4
    (sd sqrt(8/9)); Z rates one competency only, which is no scorecard to judge."""
    ratings = [Rating("X", c, comp, 3) for c in (1, 2) for comp in "abc"]
    ratings += [Rating("Y", 1, comp, v) for comp, v in zip("abc", (1, 3, 5))]
    ratings += [Rating("Y", 2, comp, v) for comp, v in zip("abc", (2, 4, 4))]
    ratings += [Rating("Z", 1, "a", 2)]
    by_rater = {h.rater: h for h in halo(ratings)}
    assert set(by_rater) == {"X", "Y"}
    x, y = by_rater["X"], by_rater["Y"]
    y_sd = (math.sqrt(8 / 3) + math.sqrt(8 / 9)) / 2
    assert (x.scorecards, x.flat_share, x.mean_sd) == (2, 1.0, 0.0)
    assert (y.flat_share, y.mean_sd) == (0.0, pytest.approx(y_sd))
    assert x.panel_flat_share == 0.5 and x.panel_mean_sd == pytest.approx(y_sd / 2)
    assert (x.sd_ratio, y.sd_ratio) == (0.0, pytest.approx(2.0))
    assert halo([Rating("X", 1, "a", 3)]) == []


def test_discipline_offsets_by_hand():
    """'translate': candidate 1 clinical 2, 3 (2.5) vs technical 4: -1.5; candidate 2
    clinical 3 vs technical 4, 4: -1; candidate 3 clinical 2 vs technical 4: -2;
    candidate 4 has no technical rating. Mean -1.5, sd 0.5, n 3."""
    c, t = "clinical", "technical"
    ratings = [
        Rating("a", 1, "translate", 2, c),
        Rating("b", 1, "translate", 3, c),
        Rating("e", 1, "translate", 4, t),
        Rating("a", 2, "translate", 3, c),
        Rating("e", 2, "translate", 4, t),
        Rating("f", 2, "translate", 4, t),
        Rating("b", 3, "translate", 2, c),
        Rating("f", 3, "translate", 4, t),
        Rating("a", 4, "translate", 1, c),
        Rating("a", 1, "safety", 4, c),
        Rating("b", 1, "safety", 3, c),
        Rating("a", 2, "design", 3, c),
        Rating("e", 2, "design", 4, t),
    ]
    translate, safety, design = discipline_offsets(ratings)
    assert (translate.competency, translate.n, translate.mean) == ("translate", 3, -1.5)
    half = stats.t.ppf(0.975, 2) * 0.5 / math.sqrt(3)
    assert translate.low == pytest.approx(-1.5 - half)
    assert translate.high == pytest.approx(-1.5 + half)
    assert (safety.n, safety.mean, safety.low) == (0, None, None)
    assert (design.n, design.mean, design.low) == (1, -1.0, None)


# Enough data? ----------------------------------------------------------------------


def test_data_counts_count_only_where_two_raters_met():
    ratings = [
        Rating("A", 1, "x", 3),
        Rating("B", 1, "x", 4),
        Rating("A", 1, "y", 2),  # one rating: not pairable
        Rating("C", 2, "x", 3),  # candidate 2 met one interviewer only
    ]
    assert data_counts(ratings) == DataCounts(loops=1, units=1, raters=2)
    assert units_of(ratings)[(1, "x")] == [3.0, 4.0]


def test_check_data_says_what_is_missing():
    short = check_data(DataCounts(loops=4, units=30, raters=1))
    assert not short.enough
    assert short.missing == (
        "Needs 10 loops rated by two or more interviewers; has 4 (6 more).",
        "Needs 2 interviewers who shared a candidate; has 1 (1 more).",
    )
    assert check_data(DataCounts(loops=10, units=10, raters=2)).enough
    assert check_data(DataCounts(3, 3, 2), min_loops=3, min_units=3).missing == ()


def test_a_negative_single_rater_icc_is_not_stepped_up_through_zero():
    """Two units whose means agree exactly (2,3 and 3,2): ICC(1,1) = -1/(n0 - 1),
    and Spearman-Brown for k = n0 raters would divide by zero; the k-rater figure
    is then unknown (None), not a crash (the calibration page gave a 500)."""
    from interview.calibration import figures

    single, average = icc_oneway([[2, 3], [3, 2]])
    assert single.value == pytest.approx(-1.0)
    assert average.value is None
    assert spearman_brown(-0.5, 3) is None  # 1 + 2 * -0.5 = 0
    assert spearman_brown(-0.6, 3) is None  # and below it
    single, average = figures.icc_from_profiles(
        [(2, [0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0])]
    )
    assert average.value is None


def test_leniency_seen_once_per_rater_is_not_called_well_estimated():
    """Every rater with one difference: the noise cannot be estimated, so nobody is
    shown as lenient with a zero-width interval (it was "1.00 to 1.00")."""
    from interview.calibration import figures

    found = figures.leniency_from_sums(
        {1: (1, 1.0, 1.0), 2: (1, -1.0, 1.0), 3: (1, 0.0, 0.0)}
    )
    assert [f.shrunk for f in found] == [0.0, 0.0, 0.0]
    assert not any(f.notable() for f in found)
    ratings = [
        Rating("a", "x", "c", 4),
        Rating("b", "x", "c", 2),
        Rating("c", "y", "c", 3),
        Rating("d", "y", "c", 3),
    ]
    assert not any(f.notable() for f in leniency(ratings))
    assert all(f.shrunk == 0.0 for f in leniency(ratings))


# "All competencies": each competency kept apart ------------------------------------


def _two_competencies(seed: int = 1, units: int = 60):
    """Raters who agree no better than chance within a competency, one competency
    rated around 1-2 and the other around 3-4."""
    rng = np.random.default_rng(seed)
    low = [list(rng.integers(1, 3, size=3)) for _ in range(units)]
    high = [list(rng.integers(3, 5, size=3)) for _ in range(units)]
    return low, high


def _profiles_of(units, values=(1, 2, 3, 4)):
    counts = [[sum(v == c for v in u) for c in values] for u in units]
    profiles, freq = np.unique(
        np.array(counts, dtype=float), axis=0, return_counts=True
    )
    return profiles, freq, np.array(values, dtype=float)


def test_alpha_of_pooled_competencies_counts_their_levels_as_agreement():
    """Why "All competencies" is a mean and not one pooled alpha: with no agreement
    inside either competency, pooling their units reads the gap between their
    typical levels as agreement (about 0.8); the mean stays near 0."""
    from interview.calibration.statistics import alpha_and_draws, mean_alpha

    low, high = _two_competencies(units=300)
    pooled = krippendorff_alpha(low + high).value
    parts = [
        alpha_and_draws(*_profiles_of(units), seed=seed)
        for seed, units in enumerate((low, high))
    ]
    mean = mean_alpha(parts)
    assert pooled > 0.7
    assert abs(mean.value) < 0.1
    assert mean.low < 0 < mean.high


def test_mean_alpha_weighs_each_competency_by_its_pairable_values():
    from interview.calibration.statistics import alpha_and_draws, mean_alpha

    units = columns(KRIPPENDORFF_2011)
    other = [[1, 1, 2], [3, 3, 3], [4, 4, 2], [2, 2], [1, 2, 1], [4, 3, 4]]
    parts = [
        alpha_and_draws(*_profiles_of(units, (1, 2, 3, 4, 5)), seed=1),
        alpha_and_draws(*_profiles_of(other), seed=2),
    ]
    (a, _), (b, _) = parts
    assert a == krippendorff_alpha(units, seed=1)
    want = (a.value * a.pairable_values + b.value * b.pairable_values) / (
        a.pairable_values + b.pairable_values
    )
    mean = mean_alpha(parts)
    assert mean.value == pytest.approx(want)
    assert (mean.units, mean.pairable_values) == (
        a.units + b.units,
        a.pairable_values + b.pairable_values,
    )
    undefined = alpha_and_draws(*_profiles_of([[3, 3], [3, 3]]), seed=3)
    assert undefined[0].value is None
    assert mean_alpha([*parts, undefined]).value == pytest.approx(want)


def _rows(units, levels=11):
    """(frequency, level counts) rows, one per unit."""
    return [(1, [sum(v == c for v in u) for c in range(levels)]) for u in units]


def test_icc_of_strata_is_the_nested_anova():
    """One stratum: ``icc_oneway``'s figures. Several: units measured from their own
    competency's mean, checked against the nested ANOVA written out by hand."""
    from interview.calibration.figures import icc_from_strata

    low, high = _two_competencies(seed=4)
    low = [u[: 2 + i % 2] for i, u in enumerate(low)]  # unequal ratings per unit
    for units in (low, high):
        one, k = icc_from_strata([_rows(units)])
        want, want_k = icc_oneway(units)
        assert (one.value, one.low, one.high) == pytest.approx(
            (want.value, want.low, want.high)
        )
        assert (k.value, k.raters) == pytest.approx((want_k.value, want_k.raters))
    single, _ = icc_from_strata([_rows(low), _rows(high)])
    ys = [np.array(u, dtype=float) for u in low + high]
    strata = [np.concatenate(s) for s in ([ys[i] for i in range(60)], ys[60:])]
    means = [s.mean() for s in strata]
    between = sum(
        len(y) * (y.mean() - means[0 if i < 60 else 1]) ** 2 for i, y in enumerate(ys)
    )
    within = sum(((y - y.mean()) ** 2).sum() for y in ys)
    g, n = len(ys), sum(len(y) for y in ys)
    squares = sum(
        sum(len(y) ** 2 for y in part) / sum(len(y) for y in part)
        for part in (ys[:60], ys[60:])
    )
    msb, msw = between / (g - 2), within / (n - g)
    n0 = (n - squares) / (g - 2)
    assert single.value == pytest.approx((msb - msw) / (msb + (n0 - 1) * msw))
    assert single.df1 == g - 2
    pooled, _ = icc_oneway(low + high)
    assert pooled.value > 0.5 > single.value  # pooled, the levels' gap is agreement


def test_raters_counted_are_those_of_units_not_of_halo_alone():
    """An interviewer seen only on scorecards of two competencies that nobody else
    rated has a halo but shares no unit: not one of the interviewers who shared a
    candidate."""
    from interview.calibration import figures

    unit_rows = [("p", 1, 12, 2 << 15, 2, None), ("l", None, 12, None, None, None)]
    rater_rows = [
        ("l", 1, 7, "Ann", 12, 0.0, 6.0),
        ("l", 1, 8, "Bo", 12, 0.0, 6.0),
        ("h", 1, 7, "Ann", 12, 3, 2.0),
        ("h", 1, 9, "Cy", 5, 1, 2.0),  # halo only
    ]
    found = figures.build(unit_rows, rater_rows, [(1, "workflow", "Workflow")])
    assert found.counts == DataCounts(loops=12, units=12, raters=2)
    assert {r.name for r in found.raters} == {"Ann", "Bo", "Cy"}


def test_a_competency_below_its_minimum_says_what_it_needs():
    from interview.calibration import figures

    code = (1 << 10) + (1 << 15)  # one rating of 2 and one of 3
    unit_rows = [
        ("p", 1, 12, code, 2, None),
        ("p", 2, 4, code, 2, None),
        ("l", None, 12, None, None, None),
    ]
    rater_rows = [("l", 1, 7, "Ann", 16, 0.0, 9.0), ("l", 1, 8, "Bo", 16, 0.0, 9.0)]
    comps = [(1, "workflow", "Workflow"), (2, "privacy", "Privacy")]
    found = figures.build(unit_rows, rater_rows, comps)
    workflow, privacy = found.competencies
    assert workflow.missing is None and workflow.alpha is not None
    assert privacy.missing == (
        "Needs 10 loops in which two or more interviewers rated it; has 4 (6 more)."
    )
    assert (privacy.alpha, privacy.single, privacy.offset) == (None, None, None)
    assert found.alpha.units == 12  # the competencies with figures
    halves = [("p", 1, 6, code, 2, None), ("p", 2, 6, code, 2, None), unit_rows[2]]
    few = figures.build(halves, rater_rows, comps)
    assert not few.check.enough
    assert few.check.missing == (
        (
            "Needs 10 loops in which two or more interviewers rated any competency;"
            " has 6 (4 more)."
        ),
    )


def test_a_big_competencys_draws_from_the_normal_approximation_agree_with_exact(
    monkeypatch,
):
    """Above NORMAL_DRAWS_ABOVE units a draw's coincidences come from their normal
    approximation; its interval is the exact multinomial draws' to within their
    Monte Carlo error."""
    from interview.calibration.statistics import alpha as stats_module

    rng = np.random.default_rng(2)
    units = []
    for _ in range(8000):
        strength = rng.normal(2.7, 0.6)
        size = int(rng.integers(2, 7))
        units.append(list(np.clip(np.round(rng.normal(strength, 0.8, size)), 1, 4)))
    profiles, freq, values = _profiles_of(units)
    approximate, _ = stats_module.alpha_and_draws(
        profiles, freq, values, resamples=4000
    )
    monkeypatch.setattr(stats_module, "NORMAL_DRAWS_ABOVE", 10**9)
    exact, _ = stats_module.alpha_and_draws(profiles, freq, values, resamples=4000)
    assert approximate.value == exact.value
    width = exact.high - exact.low
    assert 0.01 < width < 0.05
    assert approximate.low == pytest.approx(exact.low, abs=width / 10)
    assert approximate.high == pytest.approx(exact.high, abs=width / 10)
