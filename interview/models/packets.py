"""Debrief packets already rendered, kept so that a repeat download skips the layout.

A stored packet holds the candidate's name and the panel's evidence: it goes with its
loop (ON DELETE CASCADE), and erasing a candidate must delete the rows of their loops
too (``PacketFile.loop_id``), even where the loops themselves are kept.

A packet that no longer matches its loop is never served (its key would differ), but
it would keep words since changed: an amended piece of evidence, a corrected name.
So a write through the ORM to a loop, its candidate, a scorecard, a rating or a
decision deletes the loop's kept packets in the same transaction (``_forget``).
Autosaves, which write drafts in Core, change nothing a packet shows.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..db import UTCDateTime
from ..extensions import db
from ..timeutil import utcnow
from .decisions import HiringDecision
from .loops import InterviewSession, Loop, PanelSeat
from .requisitions import Candidate
from .scorecards import Rating, Scorecard


class PacketFile(db.Model):
    """One rendered packet, found by the SHA-256 of all that decides its bytes.

    ``key`` covers what the packet's template is given, as plain data, without its
    "Prepared" time, the archival flag and the renderer's version
    (debrief/documents.py ``packet_key``), so a packet that would come out
    differently has another key: nothing is ever invalidated.
    """

    __tablename__ = "packet_files"
    # Also the index that the lookup, the pruning and the cascade read by loop.
    __table_args__ = (sa.UniqueConstraint("loop_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    loop_id: Mapped[int] = mapped_column(sa.ForeignKey("loops.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(64))
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<PacketFile loop={self.loop_id} {self.key[:12]} {len(self.pdf)} B>"


def _loops_changed(session) -> list:
    """Conditions naming the loops whose packets this flush changes."""
    touched = [*session.new, *session.dirty, *session.deleted]
    by_type: dict[type, set[int]] = {}
    for obj in touched:
        if isinstance(obj, Loop | Candidate | Scorecard | Rating | HiringDecision):
            key = obj.loop_id if isinstance(obj, HiringDecision) else obj.id
            if key is not None:
                by_type.setdefault(type(obj), set()).add(key)
    loops_of_seats = sa.select(InterviewSession.loop_id).join(
        PanelSeat, PanelSeat.session_id == InterviewSession.id
    )
    found = {
        Loop: lambda ids: sa.select(Loop.id).where(Loop.id.in_(ids)),
        HiringDecision: lambda ids: sa.select(Loop.id).where(Loop.id.in_(ids)),
        Candidate: lambda ids: sa.select(Loop.id).where(Loop.candidate_id.in_(ids)),
        Scorecard: lambda ids: loops_of_seats.join(
            Scorecard, Scorecard.seat_id == PanelSeat.id
        ).where(Scorecard.id.in_(ids)),
        Rating: lambda ids: (
            loops_of_seats.join(Scorecard, Scorecard.seat_id == PanelSeat.id)
            .join(Rating, Rating.scorecard_id == Scorecard.id)
            .where(Rating.id.in_(ids))
        ),
    }
    return [PacketFile.loop_id.in_(found[kind](ids)) for kind, ids in by_type.items()]


@sa.event.listens_for(Session, "after_flush")
def _forget(session, _context) -> None:
    """Delete the kept packets of the loops this flush changed (see the module)."""
    if conditions := _loops_changed(session):
        session.connection().execute(
            sa.delete(PacketFile.__table__).where(sa.or_(*conditions))
        )
