"""Create, change and deactivate accounts, each change audited."""

import sqlalchemy as sa
from flask import current_app

from .. import timezones
from ..auditing import record
from ..auth.operations import end_all_sessions, normalise_email, set_password
from ..auth.passwords import password_problem
from ..extensions import db
from ..models import Discipline, Role, Training, User


class AccountError(ValueError):
    """A change that would break a rule; the message is shown to the user."""


def snapshot(user: User) -> dict:
    """The audited fields of an account (never the password hash)."""
    return {
        "email": user.email,
        "name": user.name,
        "role": str(user.role),
        "discipline": str(user.discipline) if user.discipline else None,
        "time_zone": user.time_zone,
        "is_active": user.is_active,
        "weekly_interview_limit": user.weekly_interview_limit,
        "trained": sorted(user.trained_keys),
    }


def _email_taken(email: str, except_id: int | None = None) -> bool:
    query = sa.select(User.id).where(User.email == email)
    if except_id is not None:
        query = query.where(User.id != except_id)
    return db.session.scalar(query) is not None


def _active_ta_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count(User.id)).where(
            User.role == Role.TALENT_ACQUISITION, User.is_active.is_(True)
        )
    )


def _check_password(password: str) -> None:
    if problem := password_problem(password):
        raise AccountError(problem)


def default_time_zone() -> str:
    """The organisation's zone for new accounts (DEFAULT_TIMEZONE, checked at start)."""
    return current_app.config.get("DEFAULT_TIMEZONE") or "UTC"


def _set_pool_fields(user: User, data: dict) -> None:
    """Weekly limit and training, which make an interviewer eligible for seats."""
    if data.get("weekly_interview_limit") is not None:
        user.weekly_interview_limit = int(data["weekly_interview_limit"])
    if "trained_keys" in data:
        wanted = set(data.get("trained_keys") or ())
        user.trainings = [t for t in user.trainings if t.competency_key in wanted]
        have = {t.competency_key for t in user.trainings}
        user.trainings += [Training(competency_key=k) for k in sorted(wanted - have)]


def create_user(actor: User | None, data: dict) -> User:
    """Create an account from validated form data (no commit)."""
    _check_password(data.get("password") or "")
    email = normalise_email(data["email"])
    if _email_taken(email):
        raise AccountError(f"An account with the email {email} already exists.")
    role = Role(data["role"])
    user = User(
        email=email,
        name=data["name"].strip(),
        role=role,
        discipline=Discipline(data["discipline"]) if data.get("discipline") else None,
        time_zone=data.get("time_zone") or default_time_zone(),
    )
    set_password(user, data["password"])
    _set_pool_fields(user, data)
    db.session.add(user)
    db.session.flush()
    record(actor, "user.create", user, after=snapshot(user))
    return user


def update_user(actor: User, user: User, data: dict) -> User:
    """Apply edits; a role change or new password ends the person's sessions."""
    before = snapshot(user)
    email = normalise_email(data["email"])
    if _email_taken(email, except_id=user.id):
        raise AccountError(f"Another account already uses {email}.")
    role = Role(data["role"])
    if user.id == actor.id and role != user.role:
        raise AccountError(
            "You cannot change your own role; ask another administrator."
        )
    if user.id == actor.id and data.get("password"):
        raise AccountError(
            "Change your own password on the Change password page, "
            "which asks for your current one."
        )
    user.email = email
    user.name = data["name"].strip()
    user.discipline = Discipline(data["discipline"]) if data.get("discipline") else None
    user.time_zone = data.get("time_zone") or "UTC"
    _set_pool_fields(user, data)
    if role != user.role:
        user.role = role
        end_all_sessions(user)  # API tokens too (issue 15)
    if data.get("password"):
        _check_password(data["password"])
        set_password(user, data["password"])
    after = snapshot(user)
    if data.get("password"):
        after["password"] = "changed"
    record(actor, "user.update", user, before=before, after=after)
    return user


def update_profile(user: User, data: dict) -> bool:
    """Save one's own name and time zone, audited as any account change (no commit);
    False when nothing changed (no entry then)."""
    zone = data.get("time_zone") or ""
    if not timezones.is_loadable(zone):
        raise AccountError(f"{zone!r} is not a time zone; choose one from the list.")
    before = snapshot(user)
    user.name = data["name"].strip()
    user.time_zone = zone
    after = snapshot(user)
    if after == before:
        return False
    record(user, "user.update", user, before=before, after=after)
    return True


def set_active(actor: User, user: User, active: bool) -> None:
    """Deactivate (ending every session) or reactivate an account (no commit)."""
    if user.is_active == active:
        return
    if not active and user.id == actor.id:
        raise AccountError("You cannot deactivate your own account.")
    if not active and user.role == Role.TALENT_ACQUISITION and _active_ta_count() <= 1:
        raise AccountError("This is the last active talent acquisition account.")
    before = snapshot(user)
    user.is_active = active
    if not active:
        end_all_sessions(user)  # API tokens too: reactivation brings none back
    record(
        actor,
        "user.deactivate" if not active else "user.reactivate",
        user,
        before=before,
        after=snapshot(user),
    )


def unlink_sso(actor: User, user: User) -> bool:
    """Forget the single sign-on identity the account is linked to (issue 15; no
    commit): its next single sign-on links it again, by a verified email, to
    whichever identity signs in (after a change of provider, say). False if it was
    not linked."""
    if user.sso_subject is None and user.sso_issuer is None:
        return False
    before = {"sso": user.sso_issuer}
    user.sso_issuer = user.sso_subject = None
    record(actor, "user.sso_unlink", user, before=before, after={"sso": None})
    return True
