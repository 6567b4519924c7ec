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

from .alpha import *
from .common import *
from .icc import *
from .icc import _icc_from_f, _stepped_up  # noqa: F401 (the tests check them)
from .raters import *
from .raters import _differences  # noqa: F401
