"""Which seats the debrief waits a scorecard from: the ``expected`` of the synthesis.

A seat is expected when someone holds it now (an interviewer, not retired) and
    - its scorecard is submitted (so ``submitted_active`` never exceeds it), or
    - its interview happened or is still due:
        a session with a time, unless the loop closed (decided or withdrawn) at or
        before that time: a withdrawn loop's later sessions will not take place;
        a session without a time, only while the loop is open and no decision was
        ever recorded on it: recording a decision cancels the sessions still to
        come by clearing their time (debrief/operations.py), and reopening the
        loop brings none back by itself.
A retired seat is never waited on; its submitted scorecard still counts (as
``replaced``). missing = expected - submitted_active (see the package docstring).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SeatIn:
    """One seat of the loop as the rule reads it."""

    held: bool  # an interviewer sits in it now (not retired, not empty)
    submitted: bool  # its scorecard is submitted
    starts_at: datetime | None  # its session's start; None: no time (unscheduled)


def is_expected(
    seat: SeatIn, closed_at: datetime | None = None, decided: bool = False
) -> bool:
    """Whether the debrief waits a scorecard from this seat (the module's rule);
    ``closed_at``: when the loop was decided or withdrawn, None while open;
    ``decided``: a decision was ever recorded on the loop."""
    if not seat.held:
        return False
    if seat.submitted:
        return True
    if seat.starts_at is None:
        return closed_at is None and not decided
    return closed_at is None or seat.starts_at < closed_at


def count_expected(
    seats: Iterable[SeatIn], closed_at: datetime | None = None, decided: bool = False
) -> int:
    """How many seats the debrief waits a scorecard from (``is_expected``)."""
    return sum(1 for seat in seats if is_expected(seat, closed_at, decided))
