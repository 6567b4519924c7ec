"""What the debrief shows from across loops: the rubric's reliability and notes on
this loop's interviewers, from calibration's figures of the rubric.

Computing a big rubric's figures takes a while, so they are kept in the process
(``current_app.extensions``), keyed by the rubric and ``queries.fingerprint`` (its
submitted scorecards' count and latest change): the debrief page, its packet and a
batch of packets on the same rubric compute them once, and again only when a
scorecard of the rubric is submitted or amended. The packet prints what these
figures say, so a kept packet's key (documents.py, the packet's HTML) moves with them.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from flask import current_app

from ..calibration import figures, queries
from ..models import Loop
from .reliability import LeniencyRule, Reliability, leniency_notes, reliability

CACHE_SIZE = 32  # rubrics
_LOCK = threading.Lock()


@dataclass(frozen=True)
class AcrossLoops:
    """The rubric's reliability, and interviewer id -> the note beside their ratings."""

    reliability: Reliability
    notes: dict[int, str] = field(default_factory=dict)


def rubric_figures(rubric_id: int) -> figures.Figures:
    """The rubric's calibration figures over all time, computed again only when its
    submitted scorecards change."""
    scope = queries.Scope("rubric", rubric_id)
    key = (rubric_id, queries.fingerprint(scope))
    cache = current_app.extensions.setdefault("debrief_across_loops", OrderedDict())
    with _LOCK:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    found = figures.build(
        queries.unit_rows(scope), queries.rater_rows(scope), queries.competencies(scope)
    )
    with _LOCK:
        for old in [k for k in cache if k[0] == rubric_id]:
            del cache[old]  # the rubric's older figures are never asked for again
        cache[key] = found
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    return found


def leniency_rule() -> LeniencyRule:
    """The note's thresholds from the instance's configuration."""
    config = current_app.config
    return LeniencyRule(
        levels=config["DEBRIEF_LENIENCY_NOTE_LEVELS"],
        min_ratings=config["DEBRIEF_LENIENCY_NOTE_MIN_RATINGS"],
    )


def across_loops(loop: Loop, *, only_interviewer: int | None = None) -> AcrossLoops:
    """The loop's rubric reliability and the notes on its interviewers who submitted
    (all of them, or only ``only_interviewer``'s: see packet.py on who reads what)."""
    found = rubric_figures(loop.rubric_version.rubric_id)
    panel = {
        seat.scorecard.interviewer_id
        for session in loop.sessions
        for seat in session.seats
        if seat.scorecard is not None and seat.scorecard.is_submitted
    }
    if only_interviewer is not None:
        panel &= {only_interviewer}
    notes = leniency_notes(found.raters, panel, leniency_rule())
    return AcrossLoops(reliability(found), notes)
