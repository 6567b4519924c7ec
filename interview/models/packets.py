"""Debrief packets already rendered, kept so that a repeat download skips the layout.

A stored packet holds the candidate's name and the panel's evidence: it goes with its
loop (ON DELETE CASCADE), and erasing a candidate must delete the rows of their loops
too (``PacketFile.loop_id``), even where the loops themselves are kept.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime
from ..extensions import db
from ..timeutil import utcnow


class PacketFile(db.Model):
    """One rendered packet, found by the SHA-256 of all that decides its bytes.

    ``key`` covers the packet's HTML without its "Prepared" time, the archival flag
    and the renderer's version (debrief/documents.py ``packet_key``), so a packet that
    would come out differently has another key: nothing is ever invalidated.
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
