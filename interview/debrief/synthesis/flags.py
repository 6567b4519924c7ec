"""Must-meet misses and the flags: where the panel disagrees, and late or
independence-breaking scorecards. Pure.

Must meet (listed first, in a field of its own)
    A competency with a ``min_level`` m is listed when n(c) >= 1 and
    mean(c) < m or any single rating r < m (a mean below m implies a rating below
    m on a plain mean; a balanced mean below m too, since some side mean is).
    A competency with a minimum that nobody rated is listed too, once at least one
    scorecard is in, since the panel "cannot confirm the minimum" (``mean`` None,
    ``unconfirmed``); it shows in ``left_out`` and coverage as well.
    Every level is printed with its label, as in the flags' sentences.
        "Regulatory and privacy judgement: mean 2.50 is below the minimum 3
         (Proficient); Wei Zhang rated 2 (Developing)"     (the mean is below)
        "Clinical safety reasoning: Wei Zhang rated 2 (Developing), below the minimum
         3 (Proficient); mean 3.33"                        (only single ratings are)
        "Leadership: nobody rated it, so the panel cannot confirm the minimum 3
         (Proficient)"                                     (nobody rated it)

Flags (ordered by competency, in the given order, then by kind in the order below;
scorecard flags come after all competency flags, by kind, then scorecard order)
    split_panel           max(R(c)) - min(R(c)) >= 2.
    cross_functional_gap  both disciplines rated c and
                          |clinical mean - technical mean| >= 1 (exactly); the
                          sentence says how many stand on each side (counted by
                          scorecard: a person on two sessions counts twice), the
                          gap (a whole number plainly, else to 2 decimals) and each
                          side's single rating with its label or its mean:
                          "One clinical and one technical interviewer differed by
                          2 levels on X: clinical 2 (Developing), technical 4
                          (Exemplary)"; "2 clinical and 3 technical interviewers
                          differed by 1.33 levels on X: clinical mean 2.67,
                          technical mean 1.33".
    coverage_gap          at least one scorecard was submitted, and a discipline that
                          should assess c (both for "both", else the named one) gave
                          it no rating.
    contradiction         with the interviewer's own mean m_i over their assessed
                          ratings: |recommendation - m_i| >= D, D being
                          ``contradiction_distance`` (exact; default 1.5 levels, the
                          DEBRIEF_CONTRADICTION_DISTANCE setting). No recommendation
                          or no ratings never contradict. A distance, not a side of
                          the middle: a 3 from someone whose ratings average 2.4 is
                          no contradiction, a 4 from someone at 2.5 is: "Ana Ruiz
                          recommended 4 (Exemplary), 1.50 levels above the average
                          of their own ratings (2.50); the flag is raised at 1.5
                          levels".
    written_after_reading submitted_at > others_visible_from (both set): the author
                          could already read someone else's submitted scorecard when
                          they submitted this one (typically a second seat on the
                          loop, added after their first was in).
    amended_after_visible amended_at > others_visible_from (both set).
    stale                 submitted_at - interview_ended_at > 48 hours (exactly 48
                          hours is not stale). Durations read as days, hours and
                          minutes, seconds dropped ("3 days 4 hours").
    Scorecard flags name the interviewer and, when given, the interview (session):
    one person may hold seats on several sessions of a loop.
    ``others_visible_from`` is the first moment the scorecard's author could read a
    submitted scorecard by someone else on the loop (the caller works it out under
    the independence rule); never the author's own submission.
"""

from datetime import timedelta
from fractions import Fraction

from ..numbers import duration_text, fmt, join_names, plain
from .model import (
    DISCIPLINES,
    CompetencyInfo,
    CompetencyResult,
    Discipline,
    DisciplineStat,
    Flag,
    FlagKind,
    MustMeet,
    RatingOut,
    ScorecardIn,
)

STALE_AFTER = timedelta(hours=48)
SPLIT_SPREAD = 2
GAP_THRESHOLD = Fraction(1)
# The contradiction flag's default distance, in levels (DEBRIEF_CONTRADICTION_DISTANCE).
CONTRADICTION_DISTANCE = Fraction(3, 2)


def must_meet_entry(
    result: CompetencyResult, labels: dict[int, str], any_submitted: bool
) -> MustMeet | None:
    m = result.min_level
    if m is None:
        return None
    minimum = f"the minimum {m} ({labels[m]})"
    if result.mean is None:
        if not any_submitted:
            return None
        sentence = (
            f"{result.name}: nobody rated it, so the panel cannot confirm {minimum}"
        )
        return MustMeet(result.key, result.name, m, None, (), sentence)
    below = tuple(r for r in result.ratings if r.level < m)
    if not below:
        return None
    who = ", ".join(
        f"{_rater(r, result)} rated {r.level} ({labels[r.level]})" for r in below
    )
    if result.mean < m:
        sentence = f"{result.name}: mean {fmt(result.mean)} is below {minimum}; {who}"
    else:
        sentence = f"{result.name}: {who}, below {minimum}; mean {fmt(result.mean)}"
    return MustMeet(result.key, result.name, m, result.mean, below, sentence)


def _rater(rating: RatingOut, result: CompetencyResult) -> str:
    """Who gave a rating; with the interview when they rated this competency twice."""
    twice = sum(r.interviewer == rating.interviewer for r in result.ratings) > 1
    if twice and rating.session:
        return f"{rating.interviewer} ({rating.session})"
    return rating.interviewer


def _split_flag(result: CompetencyResult, labels: dict[int, str]) -> Flag | None:
    if not result.count or result.maximum - result.minimum < SPLIT_SPREAD:
        return None
    low = [_rater(r, result) for r in result.ratings if r.level == result.minimum]
    high = [_rater(r, result) for r in result.ratings if r.level == result.maximum]
    return Flag(
        FlagKind.SPLIT_PANEL,
        f"Ratings for {result.name} span "
        f"{result.maximum - result.minimum} levels, from "
        f"{result.minimum} ({labels[result.minimum]}) by {join_names(low)} "
        f"to {result.maximum} ({labels[result.maximum]}) by "
        f"{join_names(high)}",
        competency=result.key,
    )


def _side_text(
    side: Discipline, stat: DisciplineStat, result: CompetencyResult, labels
) -> str:
    """One side of a gap: its single rating with its label, or its mean."""
    if stat.count == 1:
        [level] = [r.level for r in result.ratings if r.discipline == side]
        return f"{side} {level} ({labels[level]})"
    return f"{side} mean {fmt(stat.mean)}"


def _gap_flag(result: CompetencyResult, labels: dict[int, str]) -> Flag | None:
    clinical, technical = result.clinical.mean, result.technical.mean
    if clinical is None or technical is None:
        return None
    gap = abs(clinical - technical)
    if gap < GAP_THRESHOLD:
        return None
    n_clinical, n_technical = result.clinical.count, result.technical.count
    who = (
        f"{_count_word(n_clinical)} clinical and {_count_word(n_technical)} "
        f"technical interviewer{'' if n_technical == 1 else 's'}"
    )
    size = plain(gap) if gap.denominator == 1 else fmt(gap)
    return Flag(
        FlagKind.CROSS_FUNCTIONAL_GAP,
        f"{who[0].upper()}{who[1:]} differed by {size} "
        f"level{'' if gap == 1 else 's'} on {result.name}: "
        f"{_side_text('clinical', result.clinical, result, labels)}, "
        f"{_side_text('technical', result.technical, result, labels)}",
        competency=result.key,
    )


def _count_word(n: int) -> str:
    return "one" if n == 1 else str(n)


def _coverage_flag(info: CompetencyInfo, result: CompetencyResult) -> Flag | None:
    needed = DISCIPLINES if info.assessed_by == "both" else (info.assessed_by,)
    counts = {"clinical": result.clinical.count, "technical": result.technical.count}
    absent = [side for side in needed if not counts[side]]
    if not absent:
        return None
    should = (
        "both clinical and technical interviewers"
        if info.assessed_by == "both"
        else f"{info.assessed_by} interviewers"
    )
    if not result.count:
        lead = f"Nobody rated {result.name}"
    elif len(absent) == 1 and info.assessed_by == "both":
        present = "technical" if absent[0] == "clinical" else "clinical"
        lead = f"Only {present} interviewers rated {result.name}"
    else:
        lead = f"No {absent[0]} interviewer rated {result.name}"
    return Flag(
        FlagKind.COVERAGE_GAP,
        f"{lead}; it should be assessed by {should}",
        competency=result.key,
    )


def competency_flags(
    info: CompetencyInfo,
    result: CompetencyResult,
    labels: dict[int, str],
    any_submitted: bool,
) -> list[Flag]:
    found = [_split_flag(result, labels), _gap_flag(result, labels)]
    if any_submitted:
        found.append(_coverage_flag(info, result))
    return [flag for flag in found if flag is not None]


def _contradiction_flag(
    card: ScorecardIn, labels: dict[int, str], distance: Fraction
) -> Flag | None:
    own = [r.level for r in card.ratings if r.level is not None]
    rec = card.recommendation
    if not own or rec is None:
        return None
    mean = Fraction(sum(own), len(own))
    apart = abs(rec - mean)
    if apart < distance:
        return None
    side = "above" if rec > mean else "below"
    return Flag(
        FlagKind.CONTRADICTION,
        f"{_who(card)} recommended {rec} ({labels[rec]}), {fmt(apart)} levels "
        f"{side} the average of their own ratings ({fmt(mean)}); the flag is "
        f"raised at {plain(distance)} level{'' if distance == 1 else 's'}",
        scorecard_id=card.id,
    )


def _their_scorecard(card: ScorecardIn) -> str:
    return f"their scorecard for {card.session}" if card.session else "their scorecard"


def _who(card: ScorecardIn) -> str:
    """The author, and which interview when known: a person may hold several seats."""
    return f"{card.interviewer} ({card.session})" if card.session else card.interviewer


def _independence_flags(card: ScorecardIn) -> list[Flag]:
    seen = card.others_visible_from
    if seen is None:
        return []
    flags = []
    if card.submitted_at > seen:
        flags.append(
            Flag(
                FlagKind.WRITTEN_AFTER_READING,
                f"{card.interviewer} submitted {_their_scorecard(card)} "
                f"{duration_text(card.submitted_at - seen)} after they could read "
                "the other scorecards",
                scorecard_id=card.id,
            )
        )
    if card.amended_at is not None and card.amended_at > seen:
        flags.append(
            Flag(
                FlagKind.AMENDED_AFTER_VISIBLE,
                f"{card.interviewer} amended {_their_scorecard(card)} "
                f"{duration_text(card.amended_at - seen)} after they could see the "
                "other scorecards",
                scorecard_id=card.id,
            )
        )
    return flags


def _stale_flag(card: ScorecardIn) -> Flag | None:
    if card.interview_ended_at is None:
        return None
    late = card.submitted_at - card.interview_ended_at
    if late <= STALE_AFTER:
        return None
    return Flag(
        FlagKind.STALE,
        f"{_who(card)} submitted {duration_text(late)} after the "
        "interview (the limit is 48 hours)",
        scorecard_id=card.id,
    )


def scorecard_flags(
    card: ScorecardIn, labels: dict[int, str], distance: Fraction
) -> list[Flag]:
    found = [
        _contradiction_flag(card, labels, distance),
        *_independence_flags(card),
        _stale_flag(card),
    ]
    return [flag for flag in found if flag is not None]
