"""Account administration: talent acquisition creates, edits and deactivates accounts."""

import secrets

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..listing import choice_arg, ignored_filters, paginate, query_text
from ..loops.drafts import draft, drop_drafts, keep_draft, posted_pairs
from ..models import Role, User
from ..paging import page_request
from ..permissions import role_required
from ..search import matching
from .forms import UserForm
from .operations import (
    AccountError,
    create_user,
    set_active,
    snapshot,
    unlink_sso,
    update_user,
)

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
        ignored=ignored_filters(filters, {"role": "role", "state": "state"}),
    )


# A refused form redirects to its own address with ?draft=<token> (issue 14: Reload
# and Back never send it again; loops/drafts.py), which shows it as typed with every
# error. The password is never kept in the cookie: the page asks for it again.
RETYPE = "Type the password again: it is never kept when a form is refused."


def passwords_on() -> bool:
    """Whether passwords sign anyone in (issue 15: PASSWORD_SIGN_IN False leaves
    single sign-on alone): without them the account form has no password field."""
    return bool(current_app.config["PASSWORD_SIGN_IN"])


def user_form(**kwargs) -> UserForm:
    form = UserForm(**kwargs)
    if not passwords_on():
        del form.password
    return form


@bp.route("/new", methods=["GET", "POST"])
@admin_only
def create():
    """Create an account with a first password (none when passwords are off: a
    random one nobody knows, as single sign-on's own accounts get)."""
    required = passwords_on()
    if request.method != "POST":
        return _draft_page(None) or _page(user_form(require_password=required), None)
    form = user_form(require_password=required)
    if form.validate_on_submit():
        data = form.data
        if not required:
            data["password"] = secrets.token_urlsafe(32)
        try:
            user = create_user(current_user, data)
        except AccountError as exc:
            return _kept(form, None, email_refused=str(exc))
        db.session.commit()
        drop_drafts(_draft_name(None))
        flash(f"Account created for {user.name}.", "success")
        return redirect(url_for("accounts.index"))
    return _kept(form, None)


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@admin_only
def edit(user_id: int):
    """Edit an account; a stale form is refused with both versions kept on screen."""
    user = _load_user(user_id)
    if request.method != "POST":
        form = user_form(obj=user)
        form.version.data = str(user.version)
        return _draft_page(user) or _page(form, user)
    form = user_form()
    if not form.validate_on_submit():
        return _kept(form, user)
    if form.version.data != str(user.version):
        return _kept(form, user, stale=True)
    role_before = user.role
    try:
        update_user(current_user, user, form.data)
        db.session.commit()
    except AccountError as exc:
        db.session.rollback()
        return _kept(form, user, refused=str(exc))
    except StaleDataError:
        db.session.rollback()
        return _kept(form, _load_user(user_id), stale=True)
    drop_drafts(_draft_name(user))
    if user.role != role_before:  # issue 15: say what the role change ended
        flash(
            f"Saved the account of {user.name}. The new role signed them out "
            "everywhere and revoked their API tokens.",
            "success",
        )
    else:
        flash(f"Saved the account of {user.name}.", "success")
    return redirect(url_for("accounts.index"))


def _draft_name(user: User | None) -> str:
    return f"account:{user.id if user else 'new'}"


def _kept(form: UserForm, user: User | None, **why):
    """A refused form: kept as a draft without its password, and a redirect to it;
    too large to keep, answered here (422) as before."""
    typed = posted_pairs(skip=("csrf_token", "submit", "password"))
    password = form.password if "password" in form else None
    retype = bool(password and password.data)  # typed, and not kept
    password_errors = (list(password.errors) if password else []) or (
        [RETYPE] if retype else []
    )
    token = keep_draft(_draft_name(user), typed, password_errors=password_errors, **why)
    if token is not None:
        if user is None:
            return redirect(url_for("accounts.create", draft=token))
        return redirect(url_for("accounts.edit", user_id=user.id, draft=token))
    return _refused_page(form, user, why)


def _draft_page(user: User | None):
    """The form as typed in a refused save, every error found again (the password's
    as they were said, its field empty); None when no such draft is kept."""
    kept = draft(_draft_name(user), request.args.get("draft"))
    if kept is None:
        return None
    form = user_form(
        formdata=kept["formdata"],
        meta={"csrf": False},
        require_password=not user and passwords_on(),
    )
    form.validate()
    if "password" in form:
        form.password.errors = list(kept.get("password_errors", []))
    why = {k: kept[k] for k in ("email_refused", "refused", "stale") if kept.get(k)}
    return _refused_page(form, user, why)


def _refused_page(form: UserForm, user: User | None, why: dict):
    """The refused form with its messages: an email refused by the save, the save's
    own refusal, or a stale form with the saved values beside it."""
    saved = None
    if why.get("email_refused"):
        form.email.errors = [*form.email.errors, why["email_refused"]]
    if why.get("refused"):
        form.form_errors.append(why["refused"])
    if why.get("stale"):
        saved = _stale(form, user)
    return _page(form, user, saved, 422)


def _stale(form: UserForm, user: User) -> dict:
    """Keep what was typed, show what is saved now, and let the next save go through."""
    form.form_errors.append(
        "Someone else changed this account while you were editing. Your changes are "
        "still in the form; compare them with the saved values and save again."
    )
    form.version.data = str(user.version)
    return snapshot(user)


def _page(form: UserForm, user: User | None, saved=None, status: int = 200):
    page = render_template("accounts/form.html", form=form, user=user, saved=saved)
    return page, status


@bp.route("/<int:user_id>/sso/unlink", methods=["POST"])
@admin_only
def unlink(user_id: int):
    """Unlink an account from its single sign-on identity (issue 15)."""
    user = db.session.get(User, user_id, with_for_update=True) or abort(404)
    if unlink_sso(current_user, user):
        db.session.commit()
        flash(
            f"Unlinked {user.name} from single sign-on: their next sign-in there links "
            "the account again, if the provider vouches for their email.",
            "success",
        )
    else:
        flash(f"{user.name} was not linked to single sign-on.", "info")
    return redirect(url_for("accounts.edit", user_id=user.id))


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
