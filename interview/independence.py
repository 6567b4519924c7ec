"""The independence rule as plain values: who may read a loop's panel, and since when.
Pure: no database, no web.

The panel of a loop is everything written by others: their scorecards, their scores,
the flags and every aggregate (debrief page, packet, panel page). An interviewer may
read it only while

- the requisition shares scores after submission (``sharing``: a bool, or the
  setting's history, so a reading that was possible stays on record after the
  setting is switched off, and one that was not is not invented when it is switched
  on),
- they hold at least one active seat on the loop, and
- every one of their active seats on the loop has a submitted scorecard.

So an interviewer with two seats who has submitted one still cannot read the panel;
one who is seated again on a new session loses it until that scorecard is in too; one
removed from the loop (no active seat left) loses it for good. Talent acquisition and
the requisition's hiring manager hold no seats and are not bound by it (permissions.py).

Readable from
    The first moment t at which the rule held for the author *and* at least one
    scorecard by someone else had been submitted (submitted_at <= t): from then on,
    anything the author writes on this loop may have been shaped by the panel. The
    rule only changes when a seat is taken or left, a scorecard is submitted or the
    sharing setting changes, so only those moments are tested; the answer is one of
    them (or None: never).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SharingHistory:
    """The requisition's sharing setting over time: ``initial`` until the first
    change, then each ``(moment, shared)`` change in order."""

    initial: bool
    changes: tuple[tuple[datetime, bool], ...] = ()

    def at(self, moment: datetime | None) -> bool:
        """The setting at ``moment`` (None: now)."""
        value = self.initial
        for changed_at, shared in self.changes:
            if moment is not None and changed_at > moment:
                break
            value = shared
        return value


def _history(sharing: "bool | SharingHistory") -> SharingHistory:
    return sharing if isinstance(sharing, SharingHistory) else SharingHistory(sharing)


@dataclass(frozen=True)
class SeatSpan:
    """One seat as held by one interviewer: from ``assigned_at`` until ``removed_at``."""

    interviewer_id: int
    assigned_at: datetime
    removed_at: datetime | None  # None: still held
    submitted_at: datetime | None  # its scorecard's first submission; None: not yet
    author_id: int  # who wrote its scorecard (the seat's interviewer)


def _held_at(span: SeatSpan, user_id: int, at: datetime | None) -> bool:
    if span.interviewer_id != user_id:
        return False
    if at is None:
        return span.removed_at is None
    return span.assigned_at <= at and (span.removed_at is None or at < span.removed_at)


def may_read_panel(
    user_id: int,
    spans: Iterable[SeatSpan],
    sharing: "bool | SharingHistory",
    at: datetime | None = None,
) -> bool:
    """Whether the rule lets ``user_id`` read the panel now (``at`` None) or at ``at``."""
    if not _history(sharing).at(at):
        return False
    held = [s for s in spans if _held_at(s, user_id, at)]
    return bool(held) and all(
        s.submitted_at is not None and (at is None or s.submitted_at <= at)
        for s in held
    )


def panel_readable_from(
    user_id: int, spans: Sequence[SeatSpan], sharing: "bool | SharingHistory"
) -> datetime | None:
    """The first moment ``user_id`` could read someone else's submitted scorecard."""
    history = _history(sharing)
    if not history.initial and not any(shared for _, shared in history.changes):
        return None
    others = [
        s.submitted_at for s in spans if s.submitted_at and s.author_id != user_id
    ]
    if not others:
        return None
    first_other = min(others)
    events = [m for s in spans for m in (s.assigned_at, s.removed_at, s.submitted_at)]
    events += [changed_at for changed_at, _ in history.changes]
    moments = sorted({m for m in events if m is not None and m >= first_other})
    return next(
        (t for t in moments if may_read_panel(user_id, spans, history, at=t)), None
    )
