"""This deployment's identity: one row, made by migration 0028 (issue 14)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime
from ..extensions import db
from ..timeutil import utcnow

KEY_LENGTH = 32  # uuid4().hex


class Installation(db.Model):
    """What tells this deployment's calendar events apart from another's.

    Calendar UIDs must be unique across every system that may write to the same
    calendar, and two deployments (two hospitals, staging and production) number
    their sessions alike: ``key`` is a random value that goes into each event's UID.
    It lives in the database, so every worker and host of one deployment shares it
    and a restart never changes it. ``old_uids_upto`` is the highest session id the
    database held when the key was made: those sessions' events may have gone out
    as ``session-<id>@interview``, and keep that UID so that their updates and
    cancellations still reach them.
    """

    __tablename__ = "installations"
    __table_args__ = (sa.CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    key: Mapped[str] = mapped_column(sa.String(KEY_LENGTH))
    old_uids_upto: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Installation {self.key} old_uids_upto={self.old_uids_upto}>"
