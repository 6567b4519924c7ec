"""What the debrief shows from across loops: the rubric's reliability and notes on
this loop's interviewers, from calibration's figures of the rubric.

Computing a big rubric's figures takes a while, and even asking whether they changed
(``queries.fingerprint``: the count and latest change of the rubric's submitted
scorecards) costs a statement over all of them, so they are kept in the process
(``current_app.extensions``), one set per rubric:
- for DEBRIEF_CALIBRATION_RECHECK_SECONDS after they were last known current, they
  are used as they are, without a statement;
- then the fingerprint is asked again, and the figures computed again only if it
  moved (a scorecard of the rubric submitted or amended).
So the debrief page, its packet and a batch of packets on the same rubric compute
them once per change, and a figure is at most that many seconds behind the
scorecards (60 by default: one more loop among many does not move a rubric's
reliability in a way that matters to a decision). The packet prints what these
figures say, so a kept packet's key (documents.py, the packet's HTML) moves with
them: a packet is served only as the page would show it at that moment.
"""

import threading
import time
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


@dataclass(frozen=True)
class _Kept:
    fingerprint: tuple
    figures: figures.Figures
    checked: float  # time.monotonic() when the fingerprint was last read


def rubric_figures(rubric_id: int) -> figures.Figures:
    """The rubric's calibration figures over all time, as kept (module docstring)."""
    cache = current_app.extensions.setdefault("debrief_across_loops", OrderedDict())
    recheck = current_app.config["DEBRIEF_CALIBRATION_RECHECK_SECONDS"]
    now = time.monotonic()
    with _LOCK:
        kept = cache.get(rubric_id)
    if kept is not None and now - kept.checked < recheck:
        return kept.figures
    scope = queries.Scope("rubric", rubric_id)
    fingerprint = queries.fingerprint(scope)
    if kept is not None and kept.fingerprint == fingerprint:
        found = kept.figures
    else:
        found = figures.build(
            queries.unit_rows(scope),
            queries.rater_rows(scope),
            queries.competencies(scope),
        )
    with _LOCK:
        cache[rubric_id] = _Kept(fingerprint, found, now)
        cache.move_to_end(rubric_id)
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
