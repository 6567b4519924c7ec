"""Sign in, sign out, and change one's own password."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from ..errors import render_error
from ..extensions import db
from ..security import is_safe_next
from .forms import LoginForm, PasswordChangeForm
from .operations import (
    authenticate,
    check_credentials,
    set_password,
    sign_out_everywhere,
)
from .sso import SIGNED_IN_HERE, provider_sign_out_url  # issue 15
from .throttle import give_back, set_device_cookie, sign_in_limit  # issue 13

bp = Blueprint("auth", __name__)


@bp.route("/sign-in", methods=["GET", "POST"])
@sign_in_limit  # issue 13: failed sign-ins per address, across workers and hosts
def login():
    """Sign in with email and password, then go back to the page that asked for it."""
    next_url = request.args.get("next")
    if current_user.is_authenticated:
        return redirect(next_url if is_safe_next(next_url) else url_for("home.index"))
    form = LoginForm()
    status = 200
    if request.method == "POST" and not current_app.config["PASSWORD_SIGN_IN"]:
        # Single sign-on only (issue 15): the page says so and offers its button.
        return render_template("auth/login.html", form=form), 403
    if form.validate_on_submit():
        result = authenticate(form.email.data, form.password.data)
        if result.user is not None:
            give_back()  # a correct password is no guess (nothing is open to wait on)
            session.clear()  # start signed-in life with a fresh session and CSRF token
            login_user(result.user, remember=form.remember.data)
            response = redirect(
                next_url if is_safe_next(next_url) else url_for("home.index")
            )
            set_device_cookie(response, result.user)  # spares it the address limit
            return response
        form.form_errors.append(result.error)
        status = result.status
        if result.retry_after is not None:  # the account's lock: when it lifts
            headers = {"Retry-After": str(result.retry_after)}
            return render_template("auth/login.html", form=form), status, headers
    return render_template("auth/login.html", form=form), status


@bp.route("/sign-out", methods=["POST"])
def logout():
    """Sign out and end every copy of this session, remember-me cookie included."""
    user = current_user._get_current_object()
    through_sso = bool(session.pop(SIGNED_IN_HERE, False))
    logout_user()
    from ..loops.drafts import forget_drafts  # (loops imports auth: a cycle)

    forget_drafts()  # what was typed leaves the cookie with the account
    sign_out_everywhere(user)
    db.session.commit()
    flash("You have signed out.", "info")
    # Issue 15: on to the organisation's sign-in, to sign out there too.
    at_provider = provider_sign_out_url(through_sso)
    return redirect(at_provider or url_for("auth.login"))


PASSWORDS_OFF = (
    "Passwords are not used on this site: you sign in through your organisation's "
    "single sign-on. Change your password there (your IT service desk can say how)."
)


# A refused change redirects to /account/password?draft=<token> (issue 14: Reload and
# Back never send it again; loops/drafts.py). Its fields are all passwords, which are
# never kept in the cookie: the draft holds only the messages, shown by empty fields.
PASSWORD_DRAFT = "password"


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """Change one's own password; sessions on other devices end. With passwords
    off (single sign-on alone) there is none to change: a page says where to."""
    if not current_app.config["PASSWORD_SIGN_IN"]:
        return render_error(404, PASSWORDS_OFF)
    if request.method != "POST":
        return _password_draft() or render_template(
            "auth/password.html", form=PasswordChangeForm()
        )
    form = PasswordChangeForm()
    if form.validate_on_submit():
        check = check_credentials(current_user.email, form.current_password.data)
        if check.user is None:
            # Guesses here count against the same throttle as signing in.
            wrong = "That is not your current password."
            form.current_password.errors.append(
                wrong if check.status == 401 else check.error
            )
        else:
            return _password_changed(check.user, form.new_password.data)
    return _password_refused(form)


def _password_changed(user, new_password: str):
    """Save the new password and keep this browser signed in with it."""
    set_password(user, new_password)
    db.session.commit()
    login_user(user)  # this session carries the new token; the others are over
    _drafts().drop_drafts(PASSWORD_DRAFT)
    flash("Your password has been changed. Other devices are signed out.", "success")
    response = redirect(url_for("home.index"))
    # The new password revoked every device cookie; this browser just gave it.
    set_device_cookie(response, user)
    return response


def _password_refused(form: PasswordChangeForm):
    """Keep the messages (never a password typed) and redirect to them."""
    errors = {name: list(form[name].errors) for name in FIELDS if form[name].errors}
    token = _drafts().keep_draft(PASSWORD_DRAFT, [], errors=errors)
    if token is not None:
        return redirect(url_for("auth.change_password", draft=token))
    return _password_page(errors)


def _password_draft():
    """The refused change's messages by its empty fields; None when not kept."""
    kept = _drafts().draft(PASSWORD_DRAFT, request.args.get("draft"))
    return None if kept is None else _password_page(kept.get("errors", {}))


def _password_page(errors: dict):
    form = PasswordChangeForm(formdata=None)
    for name, messages in errors.items():
        if name in FIELDS:
            form[name].errors = list(messages)
    return render_template("auth/password.html", form=form), 422


FIELDS = ("current_password", "new_password", "confirm")


def _drafts():
    from ..loops import drafts  # (loops imports auth: a cycle)

    return drafts
