"""Personal API tokens: made, found, revoked (no commit here).

A token reads ``ivk_`` and 43 characters of ``secrets.token_urlsafe(32)``; only its
SHA-256 is stored (models/api_tokens.py says why a plain hash is enough). A request
is let in by a token that is known, not revoked, not expired, whose owner is still
active and still has the role it was made under (``why_refused``).
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from ..auditing import record
from ..extensions import db
from ..models import ApiToken, User
from ..timeutil import utcnow
from . import scopes as sc

log = logging.getLogger(__name__)

PREFIX = "ivk_"
SHOWN = 12  # characters of the token kept to tell tokens apart: "ivk_" and 8
# Lifetimes offered, in days; a token never lives longer than a year.
LIFETIMES = (7, 30, 90, 365)
# How stale the "last used" time may be: written at most this often per token, so
# a busy client's reads do not each write.
USE_RESOLUTION = timedelta(minutes=5)


class TokenError(ValueError):
    """A token that cannot be made as asked; the message is shown to the person."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Made:
    token: ApiToken
    secret: str  # shown once, never stored


def create_token(
    user: User, name: str, names, days: int, request_key: str | None = None, now=None
) -> Made:
    """Make a token for ``user`` with these scopes, expiring in ``days`` days.
    ``request_key``: the form's one-time key (``made_by``: a form sent twice)."""
    name = (name or "").strip()
    if not name:
        raise TokenError("Name the token after what will use it.")
    chosen = set(names)
    if not chosen:
        raise TokenError("Choose at least one thing the token may do.")
    if refused := sc.refused(chosen, user.role):
        raise TokenError(f"Your role cannot give a token: {', '.join(refused)}.")
    if days not in LIFETIMES:
        raise TokenError("Choose how long the token lasts from the list.")
    secret = PREFIX + secrets.token_urlsafe(32)
    now = now or utcnow()
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=secret[:SHOWN],
        token_hash=digest(secret),
        scopes=sc.stored(chosen),
        role=user.role,
        created_at=now,
        expires_at=now + timedelta(days=days),
        request_key=request_key,
    )
    db.session.add(token)
    db.session.flush()
    record(
        user,
        "token.create",
        token,
        after={"scopes": token.scopes, "expires_at": token.expires_at.isoformat()},
    )
    return Made(token, secret)


def revoke_token(actor: User, token: ApiToken, now=None) -> bool:
    """Revoke a token; False if it was revoked already (a second click)."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or utcnow()
    record(actor, "token.revoke", token)
    return True


def revoke_all(user: User, now=None) -> int:
    """Revoke every live token of ``user``, each audited (auth.operations'
    end_all_sessions: a password change, deactivation, role change)."""
    if user.id is None:
        return 0
    live = db.session.scalars(
        sa.select(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)
        )
    ).all()
    for token in live:
        token.revoked_at = now or utcnow()
        record(None, "token.revoke", token, after={"why": "credentials changed"})
    return len(live)


def made_by(user_id: int, request_key: str) -> ApiToken | None:
    """The token a form with this one-time key made already, if any."""
    return db.session.scalar(
        sa.select(ApiToken).where(
            ApiToken.user_id == user_id, ApiToken.request_key == request_key
        )
    )


def tokens_of(user_id: int) -> list[ApiToken]:
    """A person's tokens, the live ones first, newest first."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user_id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
        )
    )


def state(token: ApiToken, now: datetime) -> str:
    """ "active", "expired" or "revoked", as the tokens page says it."""
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if token.expires_at <= now else "active"


def find(secret: str) -> tuple[ApiToken, User] | None:
    """The token this secret is, with its owner, in one statement; None if unknown."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    row = db.session.execute(
        sa.select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == digest(secret))
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def why_refused(token: ApiToken, user: User, now: datetime) -> str | None:
    """Why this token lets nobody in now (a stable error code), or None."""
    if token.revoked_at is not None or not user.is_active:
        return "invalid_token"
    if token.role != user.role:
        return "invalid_token"
    if token.expires_at <= now:
        return "token_expired"
    return None


def mark_used(token: ApiToken, now: datetime) -> None:
    """Note the token's use, at most every ``USE_RESOLUTION``, on a connection of
    its own: a read through the API must not hold a write transaction."""
    if token.last_used_at is not None and now - token.last_used_at < USE_RESOLUTION:
        return
    engine = db.engine
    if engine.dialect.name == "postgresql":  # named: a page view's autocommit
        engine = engine.execution_options(isolation_level="READ COMMITTED")
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.update(ApiToken)
                .where(ApiToken.id == token.id)
                .values(last_used_at=now)
            )
    except SQLAlchemyError:  # bookkeeping: never the reason a request fails
        log.warning("could not note the use of API token %s", token.id, exc_info=True)
