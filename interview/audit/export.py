"""Subject access: one zip of everything held about a candidate (document.py says
what, gathering.py reads it), with each loop's debrief packet as talent acquisition
would download it from the debrief page (packets.py: kept ones reused, the rest laid
out side by side within a time budget).

The file holds every interviewer's scorecard, drafts included. The independence
rule (independence.py: nobody reads others' scores before submitting their own)
binds whoever holds a seat, whatever their role now: a reader with a seat on one of
the candidate's loops whose scorecard is not submitted is refused (``open_seats``),
with a page naming the loops, before anything is read.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort, make_response, render_template

from ..extensions import db
from ..models import (
    Candidate,
    InterviewSession,
    Loop,
    PanelSeat,
    Requisition,
    Scorecard,
    ScorecardStatus,
    User,
)
from ..models.loops import CLOSED_STATUSES
from ..timeutil import utcnow
from .document import archive, document, names, to_json
from .gathering import gather
from .packets import packets


@dataclass(frozen=True)
class Export:
    filename: str  # the download's name: ids and a date, never a person's name
    data: bytes
    loop_ids: list[int]
    packets: int  # how many loops' packets are in it


@dataclass(frozen=True)
class OpenSeat:
    """A seat the reader holds on one of the candidate's loops, not yet submitted."""

    loop_id: int
    requisition: str
    session: str
    seat_id: int
    has_draft: bool


class ExportRefused(Exception):
    """The reader has scorecards of their own to submit on the candidate's loops."""

    def __init__(self, seats: list[OpenSeat]):
        self.seats = seats
        loops = sorted({seat.loop_id for seat in seats})
        super().__init__(f"unsubmitted seats on loops {loops}")


def open_seats(candidate_id: int, reader_id: int) -> list[OpenSeat]:
    """The reader's active seats on the candidate's loops without a submitted
    scorecard (none written, or a draft): one such seat is enough to be refused,
    even beside submitted ones on the same loop (independence.py)."""
    rows = db.session.execute(
        sa.select(
            Loop.id.label("loop_id"),
            Requisition.title.label("requisition"),
            InterviewSession.title.label("session"),
            PanelSeat.id.label("seat_id"),
            Scorecard.id.is_not(None).label("has_draft"),
        )
        .join(InterviewSession, InterviewSession.id == PanelSeat.session_id)
        .join(Loop, Loop.id == InterviewSession.loop_id)
        .join(Requisition, Requisition.id == Loop.requisition_id)
        .outerjoin(Scorecard, Scorecard.seat_id == PanelSeat.id)
        .where(
            Loop.candidate_id == candidate_id,
            # A decided or withdrawn loop takes no more scorecards: a seat left
            # unsubmitted there could never be submitted, so it refuses nothing.
            Loop.status.not_in(CLOSED_STATUSES),
            PanelSeat.interviewer_id == reader_id,
            PanelSeat.removed_at.is_(None),
            sa.or_(
                Scorecard.id.is_(None), Scorecard.status != ScorecardStatus.SUBMITTED
            ),
        )
        .order_by(Loop.id, InterviewSession.position, PanelSeat.id)
    )
    return [OpenSeat(**row._mapping) for row in rows]


def export_candidate(candidate: Candidate, reader: User) -> Export:
    """The zip for the web: a reader bound by the independence rule gets a 409 page
    saying which loops and what to do instead (build_export raises)."""
    try:
        return build_export(candidate, reader)
    except ExportRefused as refused:
        page = render_template(
            "audit/export_refused.html", candidate=candidate, seats=refused.seats
        )
        abort(make_response(page, 409))


def build_export(candidate: Candidate, reader: User) -> Export:
    """Build the zip: the JSON document, then each loop's packet that renders;
    ExportRefused while the reader has scorecards to submit on these loops."""
    if seats := open_seats(candidate.id, reader.id):
        raise ExportRefused(seats)
    when = utcnow()
    held = gather(candidate)
    loop_ids = [loop["id"] for loop in held.loops]
    json_name, packet_names = names(candidate.id, loop_ids)
    files, notes = packets(loop_ids, packet_names, reader)
    doc = document(held, notes, when, reader.name)
    data = archive([(json_name, to_json(doc)), *files], when)
    filename = f"candidate-{candidate.id}-export-{when:%Y%m%d}.zip"
    return Export(filename, data, loop_ids, len(files))
