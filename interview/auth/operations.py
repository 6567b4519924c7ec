"""Signing in and out, with the per-account throttle kept in the database."""

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..errors import DISK_FULL, UNAVAILABLE, database_fault
from ..extensions import db
from ..models import LoginFailure, User
from ..models.users import new_device_key, new_session_token
from ..timeutil import utcnow
from .passwords import check_password, hash_password


@dataclass(frozen=True)
class SignInResult:
    user: User | None = None
    error: str | None = None
    status: int = 200
    retry_after: int | None = None  # seconds, for the 429's Retry-After header


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
    recorded = db.session.scalars(
        sa.select(LoginFailure.at)
        .where(LoginFailure.email == email, LoginFailure.at > now - window)
        .order_by(LoginFailure.at.desc())
        .limit(limit)
    ).all()
    recent = sorted([*recorded, *_unrecorded().since(email, now - window)])[-limit:]
    if len(recent) < limit:
        return None
    return recent[0] + window


class UnrecordedFailures:
    """Failed attempts the database refused to record, counted in this process.

    While the database refuses writes (a full disk, a lost connection) the throttle
    still holds for guesses that reach this worker; the counts go when a correct
    password is given or they leave the window.
    """

    MAX_EMAILS = 10_000

    def __init__(self):
        self._lock = threading.Lock()
        self._times: dict[str, list[datetime]] = {}

    def add(self, email: str, at: datetime) -> None:
        with self._lock:
            if email not in self._times and len(self._times) >= self.MAX_EMAILS:
                del self._times[next(iter(self._times))]  # the oldest email first
            self._times.setdefault(email, []).append(at)

    def since(self, email: str, start: datetime) -> list[datetime]:
        with self._lock:
            kept = [at for at in self._times.get(email, ()) if at > start]
            if kept:
                self._times[email] = kept
            else:
                self._times.pop(email, None)
            return kept

    def forget(self, email: str) -> None:
        with self._lock:
            self._times.pop(email, None)


def _unrecorded() -> UnrecordedFailures:
    """This app's count of failures the database could not record."""
    return current_app.extensions.setdefault(
        "interview_unrecorded_failures", UnrecordedFailures()
    )


DEMO_DOMAIN = "@demo.example"


@dataclass(frozen=True)
class _Account:
    """What the password check needs, read before the transaction ends."""

    id: int
    password_hash: str
    is_active: bool


def check_credentials(email: str, password: str) -> SignInResult:
    """Check a password under the per-account throttle; the user is not signed in.

    The attempt is first recorded as a failure in a short transaction, serialised per
    email, so parallel guesses all count against the limit. The slow hash check then
    runs with no transaction open (on SQLite no write lock is held meanwhile), and
    success removes the recorded failures again.

    The record is bookkeeping, never a condition of signing in: when the database
    refuses the write (a full disk, a lost connection) the failure is counted in this
    process instead and the password is checked all the same.
    """
    email = normalise_email(email)
    now = utcnow()
    _lock_email(email)
    if (until := locked_until(email, now)) is not None:
        db.session.commit()
        return _locked(until, now)
    account = _account(email)
    if not _quietly(lambda: _record_failure(email, now)):
        _unrecorded().add(email, now)

    method = current_app.config["PASSWORD_HASH_METHOD"]
    stored = account.password_hash if account else None
    if not check_password(stored, password, method) or _is_demo_in_production(email):
        return SignInResult(error=GENERIC_ERROR, status=401)
    _unrecorded().forget(email)
    _quietly(
        lambda: db.session.execute(
            sa.delete(LoginFailure).where(LoginFailure.email == email)
        )
    )
    return SignInResult(user=db.session.get(User, account.id))


def authenticate(email: str, password: str) -> SignInResult:
    """Check credentials for signing in; refuse deactivated accounts."""
    result = check_credentials(email, password)
    if result.user is None:
        return result
    if not result.user.is_active:
        return SignInResult(
            error="This account has been deactivated. Ask talent acquisition if you "
            "need access again.",
            status=403,
        )
    _quietly(lambda: _update_quietly(result.user, last_sign_in_at=utcnow()))
    return result


def _account(email: str) -> _Account | None:
    row = db.session.execute(
        sa.select(User.id, User.password_hash, User.is_active).where(
            User.email == email
        )
    ).first()
    return _Account(*row) if row else None


def _lock_email(email: str) -> None:
    """Serialise attempts on one email (SQLite's BEGIN IMMEDIATE already does)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtext(:email))"), {"email": email}
        )


def _record_failure(email: str, now: datetime) -> None:
    """Count this attempt as failed until the password proves right; drop old ones."""
    db.session.execute(
        sa.delete(LoginFailure).where(LoginFailure.at < now - timedelta(days=1))
    )
    db.session.add(LoginFailure(email=email, at=now))


def _quietly(write: Callable[[], object]) -> bool:
    """Run and commit a bookkeeping write; if the database refuses it, roll back,
    log it and say so, rather than fail the sign-in that it only keeps count for."""
    try:
        write()
        db.session.commit()
    except sa.exc.DBAPIError as exc:
        if database_fault(exc) not in (DISK_FULL, UNAVAILABLE):
            raise
        db.session.rollback()
        current_app.logger.warning("sign-in bookkeeping not recorded: %r", exc.orig)
        return False
    return True


def _locked(until: datetime, now: datetime) -> SignInResult:
    seconds = max(1, math.ceil((until - now).total_seconds()))
    minutes = math.ceil(seconds / 60)
    return SignInResult(
        error="Too many failed attempts for this account. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
        status=429,
        retry_after=seconds,  # as the per-address refusal says it (throttle.py)
    )


def _is_demo_in_production(email: str) -> bool:
    """Demo accounts have published passwords: never let them in on production."""
    production = current_app.config["ENV_NAME"] == "production"
    return production and email.endswith(DEMO_DOMAIN)


def _update_quietly(user: User, **values) -> None:
    """Update bookkeeping columns without bumping the version that guards admin edits."""
    db.session.execute(sa.update(User).where(User.id == user.id).values(**values))


def sign_out_everywhere(user: User) -> None:
    """End every session of a user who signs out (no commit)."""
    _update_quietly(user, session_token=new_session_token())


def end_all_sessions(user: User) -> None:
    """Invalidate every session, remember-me cookie, sign-in device cookie and API
    token of this user (no commit): called on a password change or reset, a
    deactivation, a role change and single sign-on's loss of access, so nothing
    issued under the old credentials keeps working."""
    user.rotate_session_token()
    user.device_key = new_device_key()  # issue 13: revokes its device cookies
    from ..api.tokens import revoke_all  # (api imports auth's pages: a cycle)

    revoke_all(user)  # issue 15: and its API tokens


def set_password(user: User, password: str) -> None:
    """Store a new password hash and end the user's other sessions (no commit)."""
    user.password_hash = hash_password(
        password, current_app.config["PASSWORD_HASH_METHOD"]
    )
    end_all_sessions(user)
