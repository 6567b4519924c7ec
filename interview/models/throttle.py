"""Rate-limit counters kept in the database, shared by every worker and host."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class RateLimitCounter(db.Model):
    """One fixed window of a rate limit: how many hits its key has had, and when
    the window ends (auth/throttle_storage.py keeps them).

    ``expires_at`` is in seconds since the epoch, as the ``limits`` package counts
    time. A row outlives its window until a later hit starts the next window in it
    or the periodic sweep deletes it; the key never holds a password or an email.
    """

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    hits: Mapped[int] = mapped_column(sa.Integer)
    expires_at: Mapped[float] = mapped_column(sa.Double, index=True)

    def __repr__(self) -> str:
        return f"<RateLimitCounter {self.key} {self.hits}>"
