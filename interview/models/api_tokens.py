"""Personal API tokens (issue 15): the applicant tracking system's way in."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime
from ..extensions import db
from ..timeutil import utcnow
from .enums import Role, enum_column

NAME_MAX = 100


class ApiToken(db.Model):
    """One token of one person. Only its SHA-256 is kept: the token is 256 random
    bits, shown once, so its hash cannot be reversed or guessed, and a copy of the
    database lets nobody in. ``prefix``, its first characters, tells a person's
    tokens apart on the page and in their own configuration."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        # The form that made it (its one-time key): sent twice, it makes one token.
        sa.Index("uq_api_tokens_request", "user_id", "request_key", unique=True),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    prefix: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scopes: Mapped[str] = mapped_column(sa.String(300))
    # The owner's role when it was made: a role change stops it (api/scopes.py).
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    request_key: Mapped[str | None] = mapped_column(sa.String(64))

    user = relationship("User")

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}… of user {self.user_id}>"
