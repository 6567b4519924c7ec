"""A single sign-on applied to the accounts (issue 15): the rows sso_rules.decide
reads, and what its decision writes. Audited as any account change."""

import secrets

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..auditing import record
from ..extensions import db
from ..models import User
from ..timeutil import utcnow
from .operations import end_all_sessions, normalise_email, set_password
from .sso_rules import (
    Account,
    Decision,
    Refused,
    SsoSettings,
    decide,
    email_of,
)

SUBJECT_LIMIT = 255  # the column's size; OpenID Connect caps ``sub`` at 255 ASCII
BUSY = "Another sign-in to this account was completing at the same moment. Start again."


def _account(user: User | None, issuer: str) -> Account | None:
    if user is None:
        return None
    # Linked to another issuer (a provider replaced) counts as linked: an email
    # match never moves an account from one identity to another.
    subject = user.sso_subject if user.sso_issuer in (issuer, None) else "(other)"
    return Account(user.id, user.email, user.is_active, subject)


def sign_in_with_sso(claims: dict, config: SsoSettings) -> User:
    """The account these verified claims sign in, found, linked or created, with
    the role and discipline their groups give now (committed); Refused otherwise."""
    subject = claims["sub"]
    if not subject or len(subject) > SUBJECT_LIMIT or not subject.isprintable():
        raise Refused("bad_subject", "Your organisation's sign-in sent no usable id.")
    by_subject = db.session.scalar(
        sa.select(User).where(
            User.sso_issuer == config.issuer, User.sso_subject == subject
        )
    )
    email = email_of(claims, config.email_claim)
    by_email = None
    if email is not None:
        by_email = db.session.scalar(
            sa.select(User).where(User.email == normalise_email(email))
        )
    if (
        by_subject is None
        and by_email is not None
        and ((by_email.sso_issuer, by_email.sso_subject) == (config.issuer, subject))
    ):
        # Linked to this very identity between the two reads (another tab's first
        # sign-in committed meanwhile): it is the subject's account, not another's.
        by_subject = by_email
    try:
        decision = decide(
            claims,
            _account(by_subject, config.issuer),
            _account(by_email, config.issuer),
            config,
        )
    except Refused as refused:
        if by_subject is not None and refused.reason in LOST_ACCESS:
            _lost_access(by_subject, refused.reason)
        raise
    user = by_subject or by_email or _new_account(claims, decision)
    before = _snapshot(user) if user.id else None
    if decision.action in ("link", "create"):
        user.sso_issuer, user.sso_subject = config.issuer, subject
    _apply(user, decision)
    user.last_sign_in_at = utcnow()
    try:
        db.session.flush()
        if before is None:
            record(None, "user.create", user, after=_snapshot(user), reason="sso")
        elif (after := _snapshot(user)) != before:
            record(None, "user.update", user, before=before, after=after, reason="sso")
        db.session.commit()
    except (IntegrityError, StaleDataError):
        # Another sign-in (a second tab's) created, linked or changed it meanwhile,
        # or talent acquisition saved it: nothing of this one is kept.
        db.session.rollback()
        raise Refused("race", BUSY) from None
    return user


# Refusals of a linked account that mean the provider took its access away.
LOST_ACCESS = frozenset({"no_role", "no_discipline"})


def _lost_access(user: User, reason: str) -> None:
    """The provider's groups no longer let this person in: end the account's
    sessions everywhere (a session open elsewhere would keep the old role), as a
    role change does, and say so in the audit log. The account keeps its role for
    talent acquisition to decide on; its next sign-in is refused the same way."""
    end_all_sessions(user)
    record(None, "user.update", user, after={"sessions": "ended"}, reason=reason)
    try:
        db.session.commit()
    except StaleDataError:  # changed meanwhile: its own change ended them or will
        db.session.rollback()


def _new_account(claims: dict, decision: Decision) -> User:
    name = claims.get("name")
    if isinstance(name, str):  # control and invisible characters become spaces
        name = " ".join("".join(c if c.isprintable() else " " for c in name).split())
    if not isinstance(name, str) or not 0 < len(name) <= 200:
        name = decision.email.split("@")[0]
    user = User(
        email=decision.email,
        name=name.strip(),
        role=decision.grant.role,
        discipline=decision.grant.discipline,
        time_zone=current_app.config.get("DEFAULT_TIMEZONE") or "UTC",
    )
    # A password nobody knows: the account signs in through its identity until
    # talent acquisition sets one.
    set_password(user, secrets.token_urlsafe(32))
    db.session.add(user)
    return user


def _apply(user: User, decision: Decision) -> None:
    """The role and discipline the groups give now, and the address; a role change
    ends the account's other sessions, as when talent acquisition makes it."""
    if user.id and user.role != decision.grant.role:
        end_all_sessions(user)
    user.role = decision.grant.role
    if decision.grant.discipline is not None or user.role.value == "interviewer":
        user.discipline = decision.grant.discipline
    user.email = decision.email


def _snapshot(user: User) -> dict:
    return {
        "email": user.email,
        "role": user.role.value if user.role else None,
        "discipline": user.discipline.value if user.discipline else None,
        "sso_subject": user.sso_subject,
    }
