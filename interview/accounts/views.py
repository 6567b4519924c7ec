"""Account administration: talent acquisition creates, edits and deactivates accounts."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..listing import choice_arg, paginate, query_text
from ..models import Role, User
from ..paging import page_request
from ..permissions import role_required
from ..search import matching
from .forms import UserForm
from .operations import AccountError, create_user, set_active, snapshot, update_user

bp = Blueprint("accounts", __name__, url_prefix="/accounts")

admin_only = role_required(Role.TALENT_ACQUISITION)


def _load_user(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


SORTS = {
    "role": (
        "Active first, by role",
        [User.is_active.desc(), User.role, User.search_key],
    ),
    "name": ("Name", [User.search_key]),
    "newest": ("Newest first", [User.id.desc()]),
}
STATES = {"active": "Active", "deactivated": "Deactivated"}
ROLES = {r.value: r.label for r in Role}


@bp.route("/")
@admin_only
def index():
    """Accounts found by name or email, role and state; active first, by role."""
    page_req = page_request(request.args, list(SORTS))
    filters = {
        "q": query_text(),
        "role": choice_arg("role", ROLES),
        "state": choice_arg("state", STATES),
    }
    query = sa.select(User).where(*matching(User.search_key, filters["q"]))
    if filters["role"]:
        query = query.where(User.role == filters["role"])
    if filters["state"]:
        query = query.where(User.is_active.is_(filters["state"] == "active"))
    page = paginate(query, page_req, [*SORTS[page_req.sort][1], User.id])
    return render_template(
        "accounts/index.html",
        page=page,
        filters=filters,
        roles=ROLES.items(),
        states=STATES,
        sorts=[(key, label) for key, (label, _) in SORTS.items()],
    )


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
