"""Accounts, their roles, and the record of failed sign-ins."""

import secrets
from datetime import datetime
from typing import ClassVar

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime
from ..extensions import db
from ..search import search_key
from ..timeutil import utcnow
from .enums import Discipline, Role, enum_column


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def new_device_key() -> str:
    return secrets.token_urlsafe(16)  # 22 characters


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(
            "role <> 'interviewer' OR discipline IS NOT NULL",
            name="interviewer_has_discipline",
        ),
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.CheckConstraint(
            "weekly_interview_limit >= 0 AND weekly_interview_limit <= 40",
            name="weekly_limit_range",
        ),
        sa.Index("ix_users_order", "search_key", "id"),
        # Issue 15: one account per single sign-on identity (0033).
        sa.Index("uq_users_sso", "sso_issuer", "sso_subject", unique=True),
        {"sqlite_autoincrement": True},  # ids never given twice: 0024
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # Name and email folded for search (search.py); kept up to date on every save.
    search_key: Mapped[str] = mapped_column(sa.String(500), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    discipline: Mapped[Discipline | None] = mapped_column(
        enum_column(Discipline, "discipline")
    )
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    is_active: Mapped[bool] = mapped_column(default=True)
    # Rotated on sign-out, password change, deactivation and role change: every
    # session and remember-me cookie carries it, so rotating it ends them all.
    session_token: Mapped[str] = mapped_column(
        sa.String(64), unique=True, default=new_session_token
    )
    # Issue 13: carried by every sign-in device cookie (auth/throttle.py) and drawn
    # anew with the session token on a password change, reset, deactivation or role
    # change (not on sign-out), so that revokes every device cookie of the account.
    device_key: Mapped[str] = mapped_column(
        sa.String(32), default=new_device_key, server_default=""
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Interviews per week this person agreed to; the panel proposal respects it.
    weekly_interview_limit: Mapped[int] = mapped_column(default=4, server_default="4")
    # Issue 14: feedback reminders by email (notify/due.py); invitations always go.
    wants_reminders: Mapped[bool] = mapped_column(
        default=True, server_default=sa.true()
    )
    # Issue 15: the single sign-on identity this account is linked to (its
    # provider's issuer and subject), once linked; None for password-only accounts.
    sso_issuer: Mapped[str | None] = mapped_column(sa.String(500))
    sso_subject: Mapped[str | None] = mapped_column(sa.String(255))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: ClassVar[dict] = {"version_id_col": version}

    trainings = relationship("Training", cascade="all, delete-orphan")

    @property
    def trained_keys(self) -> frozenset[str]:
        return frozenset(t.competency_key for t in self.trainings)

    def get_id(self) -> str:
        return self.session_token

    def rotate_session_token(self) -> None:
        self.session_token = new_session_token()

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


# The accounts list's order: active first, by role, by name (0030: ascending on
# is_active, no scan gave "active first", so PostgreSQL sorted every account by name
# for each page). Declared after the class to name its column's direction.
sa.Index("ix_users_listing", User.is_active.desc(), User.role, User.search_key, User.id)

# The signed-in account by its session token: every request's first statement.
USER_BY_SESSION = sa.select(User).where(User.session_token == sa.bindparam("token"))


@sa.event.listens_for(User, "before_insert")
@sa.event.listens_for(User, "before_update")
def _fold_user(_mapper, _connection, user: User) -> None:
    user.search_key = search_key(user.name, user.email)


class LoginFailure(db.Model):
    """One failed sign-in, kept by email whether or not the account exists."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<LoginFailure {self.email} {self.at:%Y-%m-%d %H:%M}>"
