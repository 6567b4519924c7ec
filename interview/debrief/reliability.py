"""The rubric's reliability across loops and an interviewer's leniency, in the words a
debrief reader needs. Pure: calibration's figures in, sentences out.

Where the figures come from
    The rubric's calibration figures over all time (interview/calibration: every loop
    of the rubric, every version, submitted scorecards only), as the Calibration page
    of the rubric shows them to talent acquisition.

Reliability
    Below the Calibration page's minimum (``check.enough`` false: 10 loops rated by
    two or more interviewers, and the rest that ``check.missing`` names) the debrief
    says what is still missing instead of printing an unstable number. Otherwise:
    - Krippendorff's alpha (ordinal, missing ratings allowed) with its 95% bootstrap
      interval (to 3 decimals when 2 would print both ends alike) and the number of
      loops, read against Krippendorff's (2004) bars:
      alpha >= 0.8 "reliable", 0.667 <= alpha < 0.8 "tentative conclusions only",
      below 0.667 "not even tentative";
    - the intraclass correlation of the mean of k interviewers, ICC(1,k), k being
      the rubric's interviewers per competency (their harmonic mean), with Koo and
      Li's (2016) band in words (< 0.5 poor, 0.5 to 0.75 moderate, 0.75 to 0.9
      good, > 0.9 excellent). Koo and Li wrote their bands for intraclass
      correlations, so they name the ICC, never alpha.
    One line, ``MEANING``, says what reliability means for the reader.

Leniency note
    An interviewer's leniency (calibration/statistics.py ``leniency``): the mean of
    d = their rating - the mean of the other ratings of the same competency of the
    same candidate, over their n ratings that someone else's rating shares, shrunk
    towards 0 (empirical Bayes) when n is small, with its 95% interval. A note is
    printed beside their ratings when the tendency is large and well estimated:
        n >= min_ratings,  |shrunk| >= levels,  and the shrunk interval excludes 0
    (``LeniencyRule``; the DEBRIEF_LENIENCY_NOTE_* settings). The minimum n (60 by
    default, about ten candidates of six competencies) is there because the interval
    treats each rating as independent, while one interviewer's ratings of one
    candidate move together (halo): over few candidates it is too narrow. The note
    prints the shrunk estimate to one decimal, half up, its interval and n:
        "Rates 0.6 levels above other interviewers of the same candidates, over 140
         shared ratings on this rubric (95% interval 0.4 to 0.8)."
"""

from collections.abc import Iterable
from dataclasses import dataclass

from .numbers import fmt as _fmt

# Krippendorff (2004): rely on data at alpha >= 0.8; draw tentative conclusions only
# at 0.667 <= alpha < 0.8.
RELIABLE = 0.8
TENTATIVE = 0.667
MEANING = (
    "What it means: how far two interviewers give the same candidate the same rating "
    "with this rubric, from 0 (no better than chance) to 1 (always); the lower it is, "
    "the more a candidate's score depends on who happened to interview them."
)


def fmt(x, places: int = 2) -> str:
    """A figure printed half up (numbers.fmt), from a float or a numpy float."""
    return _fmt(float(x), places)


@dataclass(frozen=True)
class Reliability:
    """The rubric's reliability as the debrief prints it."""

    enough: bool
    sentences: tuple[str, ...]  # the figures, or what is still missing
    meaning: str = MEANING


@dataclass(frozen=True)
class LeniencyRule:
    """When an interviewer's leniency gets a note (module docstring)."""

    levels: float = 0.5
    min_ratings: int = 60

    def applies(self, leniency) -> bool:
        """Large and well estimated: enough ratings, far from 0, interval clear of 0."""
        return (
            leniency is not None
            and leniency.n >= self.min_ratings
            and abs(leniency.shrunk) >= self.levels
            and (leniency.shrunk_low > 0 or leniency.shrunk_high < 0)
        )


def reliability(found) -> Reliability:
    """The reliability sentences from a rubric's ``calibration.figures.Figures``."""
    if found.check is None or not found.check.enough:
        missing = " ".join(found.check.missing) if found.check else ""
        return Reliability(
            False,
            (
                "Not enough data yet to measure how far this rubric's interviewers "
                f"agree across loops. {missing}".strip(),
            ),
        )
    sentences = [_alpha_sentence(found.alpha, found.counts.loops)]
    if (icc := _icc_sentence(found.average)) is not None:
        sentences.append(icc)
    return Reliability(True, tuple(sentences))


def _alpha_sentence(alpha, loops: int) -> str:
    over = f"over {loops:,} loop{'' if loops == 1 else 's'}"
    if alpha is None or alpha.value is None:
        return (
            f"Krippendorff's alpha: no figure {over} (the ratings do not vary enough "
            "to compute one)."
        )
    interval = ""
    if alpha.low is not None and alpha.high is not None:
        # Over thousands of loops the interval can be narrower than 0.01: a third
        # decimal then shows it is an interval, not "0.31 to 0.31".
        places = 2 if fmt(alpha.low) != fmt(alpha.high) else 3
        low, high = fmt(alpha.low, places), fmt(alpha.high, places)
        interval = f" (95% interval {low} to {high})"
    return f"Krippendorff's alpha {fmt(alpha.value)}{interval} {over}: {_bar(alpha.value)}."


def _bar(value: float) -> str:
    if value >= RELIABLE:
        return "at or above 0.8, where Krippendorff would rely on the ratings"
    if value >= TENTATIVE:
        return (
            "between 0.667 and 0.8, good for tentative conclusions only (Krippendorff)"
        )
    return "below 0.667, too low for even tentative conclusions (Krippendorff)"


def _icc_sentence(average) -> str | None:
    if average is None or average.value is None or average.band is None:
        return None
    raters = fmt(average.raters, 1)
    return (
        f"The mean of {raters} interviewers per competency, as this rubric's panels "
        f"have, has an intraclass correlation of {fmt(average.value)}: "
        f"{average.band} on Koo and Li's scale."
    )


def leniency_note(leniency, rule: LeniencyRule) -> str | None:
    """The note beside an interviewer's ratings, or None when the rule does not apply."""
    if not rule.applies(leniency):
        return None
    side = "above" if leniency.shrunk > 0 else "below"
    low, high = sorted((abs(leniency.shrunk_low), abs(leniency.shrunk_high)))
    n = leniency.n
    return (
        f"Rates {fmt(abs(leniency.shrunk), 1)} levels {side} other interviewers of the "
        f"same candidates, over {n:,} shared rating{'' if n == 1 else 's'} on this "
        f"rubric (95% interval {fmt(low, 1)} to {fmt(high, 1)})."
    )


def leniency_notes(
    raters: Iterable, interviewers: Iterable[int], rule: LeniencyRule
) -> dict[int, str]:
    """Interviewer id -> note, for the ``interviewers`` named only (a loop's panel)."""
    wanted = set(interviewers)
    notes = {}
    for row in raters:
        if row.rater in wanted and (note := leniency_note(row.leniency, rule)):
            notes[row.rater] = note
    return notes
