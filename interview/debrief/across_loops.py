"""What the debrief shows from across loops: the rubric's reliability and notes on
this loop's interviewers, from calibration's figures of the rubric.

Calibration keeps a rubric's figures in the process while its submitted scorecards
stay the same (``calibration.kept.rubric_figures``, shared with the Calibration
pages), but computing them again after a change takes about a second on a rubric
of 10,000 loops, and the debrief page of a small loop must not wait for that. So the
debrief holds, per rubric, the figures it last printed and when they were last
known current, and:
- within DEBRIEF_CALIBRATION_RECHECK_SECONDS (10) of that, uses them as they are,
  without a statement;
- after it, reads ``queries.fingerprint`` (one small statement): unchanged, they
  are current again; changed (a scorecard of the rubric submitted or amended), it
  still prints them, once more, and computes the new ones in a thread of its own,
  one per rubric at a time, which replace them when done;
- with none held (the first debrief of the rubric in this process), computes them
  before answering.
So the figures printed were current at most the recheck time ago, except on the
pages that find a change and come during the computation it starts: those print
the figures of the previous check. The page, its packet and a batch of packets on
one rubric share one computation; a loop with no submitted scorecard, which prints
no figure, asks for none. The packet prints what these
figures say, so a kept packet's key (documents.py, the packet's HTML) moves with
them: a packet is served only as the page would show it at that moment. A refresh
that fails is logged and forgets the rubric's figures, so the next debrief computes
them before answering (and fails as visibly as a Calibration page would).
"""

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from flask import current_app

from ..calibration import figures, kept, queries
from ..db import reading
from ..extensions import db
from ..models import Loop
from .reliability import LeniencyRule, Reliability, leniency_notes, reliability

CACHE_SIZE = 32  # rubrics
_LOCK = threading.Lock()


@dataclass(frozen=True)
class AcrossLoops:
    """The rubric's reliability (None: not asked, nothing submitted on the loop),
    and interviewer id -> the note beside their ratings."""

    reliability: Reliability | None
    notes: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Held:
    fingerprint: tuple
    figures: figures.Figures
    checked: float  # time.monotonic() when ``fingerprint`` was last read and matched


@dataclass
class _State:
    """Per app: the figures held per rubric and the refreshes under way."""

    held: OrderedDict = field(default_factory=OrderedDict)
    refreshing: dict = field(default_factory=dict)  # rubric id -> Thread


def _state(app) -> _State:
    with _LOCK:
        return app.extensions.setdefault("debrief_across_loops", _State())


def rubric_figures(rubric_id: int) -> figures.Figures:
    """The rubric's calibration figures over all time, as held (module docstring)."""
    app = current_app._get_current_object()
    state = _state(app)
    now = time.monotonic()
    with _LOCK:
        held = state.held.get(rubric_id)
    if held is not None and now - held.checked < app.config[RECHECK]:
        return held.figures
    scope = queries.Scope("rubric", rubric_id)
    fingerprint = queries.fingerprint(scope)
    if held is None:
        return _hold(state, rubric_id, fingerprint, kept.rubric_figures(rubric_id))
    if held.fingerprint == fingerprint:
        return _hold(state, rubric_id, fingerprint, held.figures)
    _refresh_behind(app, state, rubric_id)
    return held.figures


RECHECK = "DEBRIEF_CALIBRATION_RECHECK_SECONDS"


def _hold(state: _State, rubric_id: int, fingerprint, found) -> figures.Figures:
    with _LOCK:
        state.held[rubric_id] = _Held(fingerprint, found, time.monotonic())
        state.held.move_to_end(rubric_id)
        while len(state.held) > CACHE_SIZE:
            state.held.popitem(last=False)
    return found


def _refresh_behind(app, state: _State, rubric_id: int) -> None:
    """Compute the rubric's new figures in a thread, unless one is at it already."""
    with _LOCK:
        if rubric_id in state.refreshing:
            return
        thread = threading.Thread(
            target=_refresh,
            args=(app, state, rubric_id),
            name=f"debrief-figures-{rubric_id}",
            daemon=True,
        )
        state.refreshing[rubric_id] = thread
    thread.start()


def _refresh(app, state: _State, rubric_id: int) -> None:
    # Read without SQLite's write lock (db.reading): outside a request the session's
    # transaction would take it at its first statement and hold every writer back for
    # the whole computation, right after a submission (code review).
    with app.app_context():
        try:
            with reading():
                # The fingerprint first: a change meanwhile is seen next time.
                fingerprint = queries.fingerprint(queries.Scope("rubric", rubric_id))
                found = kept.rubric_figures(rubric_id)
            _hold(state, rubric_id, fingerprint, found)
        except Exception:
            app.logger.exception(
                "debrief figures of rubric %s not refreshed", rubric_id
            )
            with _LOCK:
                state.held.pop(rubric_id, None)
        finally:
            db.session.remove()
            with _LOCK:
                state.refreshing.pop(rubric_id, None)


def settle(app, timeout: float = 60.0) -> None:
    """Wait for the refreshes under way (tests, and anyone who needs them done)."""
    state = _state(app)
    with _LOCK:
        threads = list(state.refreshing.values())
    for thread in threads:
        thread.join(timeout)


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
    panel = {
        seat.scorecard.interviewer_id
        for session in loop.sessions
        for seat in session.seats
        if seat.scorecard is not None and seat.scorecard.is_submitted
    }
    if not panel:
        return AcrossLoops(None)
    found = rubric_figures(loop.rubric_version.rubric_id)
    if only_interviewer is not None:
        panel &= {only_interviewer}
    notes = leniency_notes(found.raters, panel, leniency_rule())
    return AcrossLoops(reliability(found), notes)
