"""Sign in, sign out, and change one's own password."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..extensions import db
from ..security import is_safe_next
from .forms import LoginForm, PasswordChangeForm
from .operations import (
    authenticate,
    check_credentials,
    set_password,
    sign_out_everywhere,
)
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
    logout_user()
    from ..loops.drafts import forget_drafts  # (loops imports auth: a cycle)

    forget_drafts()  # what was typed leaves the cookie with the account
    sign_out_everywhere(user)
    db.session.commit()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """Change one's own password; sessions on other devices end."""
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
            user = check.user
            set_password(user, form.new_password.data)
            db.session.commit()
            login_user(user)  # this session carries the new token; the others are over
            flash(
                "Your password has been changed. Other devices are signed out.",
                "success",
            )
            response = redirect(url_for("home.index"))
            # The new password revoked every device cookie; this browser just gave it.
            set_device_cookie(response, user)
            return response
    return render_template("auth/password.html", form=form)
