"""Signing in and out, with the per-account throttle kept in the database."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import LoginFailure, User
from ..models.users import new_session_token
from ..timeutil import utcnow
from .passwords import check_password, hash_password


@dataclass(frozen=True)
class SignInResult:
    user: User | None = None
    error: str | None = None
    status: int = 200


GENERIC_ERROR = "The email or password is not right. Check both and try again."


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(
        sa.select(User).where(User.email == normalise_email(email))
    )


def locked_until(email: str, now: datetime) -> datetime | None:
    """When the throttle on this email lifts, or None if it is not throttled."""
    window = current_app.config["LOGIN_FAILURE_WINDOW"]
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    recent = db.session.scalars(
        sa.select(LoginFailure.at)
        .where(LoginFailure.email == email, LoginFailure.at > now - window)
        .order_by(LoginFailure.at.desc())
        .limit(limit)
    ).all()
    if len(recent) < limit:
        return None
    return recent[-1] + window


def authenticate(email: str, password: str) -> SignInResult:
    """Check credentials; record a failure, or clear the failures on success."""
    email = normalise_email(email)
    now = utcnow()
    if (until := locked_until(email, now)) is not None:
        minutes = max(1, math.ceil((until - now).total_seconds() / 60))
        return SignInResult(
            error="Too many failed attempts for this account. "
            f"Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
            status=429,
        )
    user = find_user_by_email(email)
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if not check_password(user.password_hash if user else None, password, method):
        _record_failure(email, now)
        return SignInResult(error=GENERIC_ERROR, status=401)
    if not user.is_active:
        return SignInResult(
            error="This account has been deactivated. Ask talent acquisition if you "
            "need access again.",
            status=403,
        )
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.email == email))
    _update_quietly(user, last_sign_in_at=now)
    db.session.commit()
    return SignInResult(user=user)


def _record_failure(email: str, now: datetime) -> None:
    db.session.execute(
        sa.delete(LoginFailure).where(LoginFailure.at < now - timedelta(days=1))
    )
    db.session.add(LoginFailure(email=email, at=now))
    db.session.commit()


def _update_quietly(user: User, **values) -> None:
    """Update bookkeeping columns without bumping the version that guards admin edits."""
    db.session.execute(sa.update(User).where(User.id == user.id).values(**values))


def sign_out_everywhere(user: User) -> None:
    """End every session of a user who signs out (no commit)."""
    _update_quietly(user, session_token=new_session_token())


def end_all_sessions(user: User) -> None:
    """Invalidate every session and remember-me cookie of this user (no commit)."""
    user.rotate_session_token()


def set_password(user: User, password: str) -> None:
    """Store a new password hash and end the user's other sessions (no commit)."""
    user.password_hash = hash_password(
        password, current_app.config["PASSWORD_HASH_METHOD"]
    )
    end_all_sessions(user)
