"""The signed-in person's own profile: their name and the time zone they read in."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, ValidationError

from .. import timezones
from ..extensions import db
from ..forms import Form
from ..loops.drafts import draft, drop_drafts, keep_draft, posted_pairs
from .forms import ZoneField
from .operations import AccountError, update_profile

# Everyone's own page, beside /account/password (auth), not under /accounts/ (TA's).
bp = Blueprint("profile", __name__)

ZONE_HINT = (
    "Every date and time on the site is shown in it. Listed by city, the common ones "
    "first: with the list focused, type a city's name (yours, or a large one in your "
    "time zone, such as Chicago) to jump to it."
)
STALE = (
    "Your account was changed elsewhere while you were editing (in another tab, or "
    "by talent acquisition). What you typed is still here: check it and save again."
)
# Another helper's page (issue 14, email): linked from the profile when it exists.
NOTIFICATIONS_RULE = "/account/notifications"
DRAFT = "profile"  # a refused save's drafts (loops/drafts.py), bound to the account
KEPT_FIELDS = ("name", "time_zone", "version")


class ProfileZoneField(ZoneField):
    """The zone picker, refusing an unknown name by quoting it back."""

    def pre_validate(self, form) -> None:
        if not timezones.is_loadable(self.data):
            raise ValidationError(
                f"“{_quoted(self.data)}” is not a time zone this site "
                "knows, so your time zone is unchanged: choose one from the list."
            )


def _quoted(value) -> str:
    """What was sent, printable and short enough to quote in a message."""
    text = "".join(c if c.isprintable() else "?" for c in str(value or ""))
    return text if len(text) <= 64 else text[:63] + "…"


class ProfileForm(Form):
    """One's own name and time zone (the role and email are talent acquisition's)."""

    name = StringField(
        "Your name",
        validators=[DataRequired("Enter your name."), Length(max=200)],
        render_kw={"autocomplete": "name"},
    )
    time_zone = ProfileZoneField(
        "Your time zone",
        description=ZONE_HINT,
        render_kw={"data-browser-zone": ""},
    )
    version = HiddenField()
    submit = SubmitField("Save profile")


@bp.route("/account", methods=["GET", "POST"])
def edit():
    """Show and save one's own name and time zone. A refused save redirects to
    /account?draft=<token> (issue 14: Reload and Back never send it again), which
    shows what was typed with every error, and writes nothing."""
    user = current_user._get_current_object()
    if request.method in ("GET", "HEAD"):
        return _draft_page(user) or _page(_saved_form(user), user)
    form = ProfileForm()
    if form.validate_on_submit():
        if form.version.data != str(user.version):
            return _refused(form, user, STALE)
        zone_before = user.time_zone
        try:
            changed = update_profile(user, form.data)
            db.session.commit()
        except AccountError as exc:
            db.session.rollback()
            return _refused(form, user, str(exc))
        except StaleDataError:
            db.session.rollback()
            return _refused(form, user, STALE)
        drop_drafts(DRAFT)
        flash(_saved_message(user, changed, user.time_zone != zone_before), "success")
        return redirect(url_for("profile.edit"))
    return _kept(form, user)


def _saved_form(user) -> ProfileForm:
    form = ProfileForm(obj=user)
    form.version.data = str(user.version)
    return form


def _typed() -> list[list[str]]:
    """The profile's own fields as posted: nothing else sent (a password put there
    by mistake or by another page's script) is ever kept in the cookie."""
    return [pair for pair in posted_pairs() if pair[0] in KEPT_FIELDS]


def _kept(form: ProfileForm, user, message: str = ""):
    """A refused save: kept as a draft, and a redirect to it; too large to keep,
    answered here (422) as before."""
    token = keep_draft(DRAFT, _typed(), refused=message)
    if token is not None:
        return redirect(url_for("profile.edit", draft=token))
    if message:
        db.session.refresh(user)
        form.form_errors.append(message)
        form.version.data = str(user.version)
    return _page(form, user)


def _draft_page(user):
    """The profile as typed in a refused save, every error found again (and the
    message it was refused with); None when no such draft is kept."""
    kept = draft(DRAFT, request.args.get("draft"))
    if kept is None:
        return None
    form = ProfileForm(formdata=kept["formdata"], meta={"csrf": False})
    form.validate()
    if kept.get("refused"):
        form.form_errors.append(kept["refused"])
        form.version.data = str(user.version)  # the next save is allowed
    return _page(form, user)


def _saved_message(user, changed: bool, zone_changed: bool) -> str:
    """What the save did: the zone is named only when it is the zone that changed."""
    if not changed:
        return "Nothing changed: your profile is as it was."
    if not zone_changed:
        return "Your profile is saved."
    return f"Your profile is saved. Times are now shown in {user.time_zone}."


def _refused(form: ProfileForm, user, message: str):
    """The form as typed, the message on top, and the next save allowed."""
    return _kept(form, user, message)


def _page(form: ProfileForm, user):
    """The page; a refused zone shows the saved one selected (the error quotes the
    typed name), so that saving again never picks the list's first zone instead."""
    status = 200
    if form.errors or form.form_errors:
        status = 422
    if form.time_zone.errors:
        form.time_zone.data = user.time_zone
    # picker.js offers the browser's zone when it differs from the one saved, which
    # after a refusal is not always the one selected (the typed one is kept).
    form.time_zone.render_kw = {
        **(form.time_zone.render_kw or {}),
        "data-browser-zone": user.time_zone,
    }
    return (
        render_template(
            "accounts/profile.html",
            form=form,
            notifications=_notifications_endpoint(),
        ),
        status,
    )


def _notifications_endpoint() -> str | None:
    """The endpoint of the email notifications page, for url_for, if it exists."""
    return next(
        (
            r.endpoint
            for r in current_app.url_map.iter_rules()
            if r.rule == NOTIFICATIONS_RULE
        ),
        None,
    )
