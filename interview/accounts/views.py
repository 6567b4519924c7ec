"""Account administration: talent acquisition creates, edits and deactivates accounts."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..models import Role, User
from ..permissions import role_required
from .forms import UserForm
from .operations import AccountError, create_user, set_active, snapshot, update_user

bp = Blueprint("accounts", __name__, url_prefix="/accounts")

admin_only = role_required(Role.TALENT_ACQUISITION)


def _load_user(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.route("/")
@admin_only
def index():
    """List accounts, active first, grouped by role."""
    users = db.session.scalars(
        sa.select(User).order_by(User.is_active.desc(), User.role, User.name)
    ).all()
    return render_template("accounts/index.html", users=users)


@bp.route("/new", methods=["GET", "POST"])
@admin_only
def create():
    """Create an account with a first password."""
    form = UserForm(require_password=True)
    if form.validate_on_submit():
        try:
            user = create_user(current_user, form.data)
        except AccountError as exc:
            form.email.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Account created for {user.name}.", "success")
            return redirect(url_for("accounts.index"))
    return render_template("accounts/form.html", form=form, user=None)


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@admin_only
def edit(user_id: int):
    """Edit an account; a stale form is refused with both versions kept on screen."""
    user = _load_user(user_id)
    form = UserForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(user.version)
    saved = None
    if form.validate_on_submit():
        if form.version.data != str(user.version):
            saved = _stale(form, user)
        else:
            try:
                update_user(current_user, user, form.data)
                db.session.commit()
            except AccountError as exc:
                db.session.rollback()
                form.form_errors.append(str(exc))
            except StaleDataError:
                db.session.rollback()
                saved = _stale(form, _load_user(user_id))
            else:
                flash(f"Saved the account of {user.name}.", "success")
                return redirect(url_for("accounts.index"))
    return render_template("accounts/form.html", form=form, user=user, saved=saved)


def _stale(form: UserForm, user: User) -> dict:
    """Keep what was typed, show what is saved now, and let the next save go through."""
    form.form_errors.append(
        "Someone else changed this account while you were editing. Your changes are "
        "still in the form; compare them with the saved values and save again."
    )
    form.version.data = str(user.version)
    return snapshot(user)


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
@admin_only
def deactivate(user_id: int):
    """Deactivate an account: it cannot sign in and its sessions end at once."""
    return _set_active(_load_user(user_id), active=False)


@bp.route("/<int:user_id>/reactivate", methods=["POST"])
@admin_only
def reactivate(user_id: int):
    """Let a deactivated account sign in again."""
    return _set_active(_load_user(user_id), active=True)


def _set_active(user: User, active: bool):
    try:
        set_active(current_user, user, active)
    except AccountError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        state = "reactivated" if active else "deactivated and signed out everywhere"
        flash(f"{user.name} is {state}.", "success")
    return redirect(url_for("accounts.index"))
