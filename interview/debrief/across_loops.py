"""What the debrief shows from across loops: the rubric's reliability and notes on
this loop's interviewers, from calibration's figures of the rubric.

Calibration keeps a rubric's figures in the process while its submitted scorecards
stay the same (``calibration.kept.rubric_figures``: one statement, the fingerprint,
per call; the figures computed from its summary tables when that moved), shared with
the Calibration pages. The debrief asks for them on every page and packet, so on top
of that it keeps the answer, one per rubric, and uses it as it is for
DEBRIEF_CALIBRATION_RECHECK_SECONDS (60 by default) before asking again: the page,
its packet and a batch of packets on one rubric cost no statement for them within
that time, and a figure is at most that far behind the scorecards (one more loop
among many does not move a rubric's reliability in a way that matters to a
decision). The packet prints what these figures say, so a kept packet's key
(documents.py, the packet's HTML) moves with them: a packet is served only as the
page would show it at that moment.
"""

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from flask import current_app

from ..calibration import figures, kept
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
    figures: figures.Figures
    checked: float  # time.monotonic() when calibration last gave them


def rubric_figures(rubric_id: int) -> figures.Figures:
    """The rubric's calibration figures over all time, as kept (module docstring)."""
    cache = current_app.extensions.setdefault("debrief_across_loops", OrderedDict())
    recheck = current_app.config["DEBRIEF_CALIBRATION_RECHECK_SECONDS"]
    now = time.monotonic()
    with _LOCK:
        held = cache.get(rubric_id)
    if held is not None and now - held.checked < recheck:
        return held.figures
    found = kept.rubric_figures(rubric_id)
    with _LOCK:
        cache[rubric_id] = _Kept(found, now)
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
