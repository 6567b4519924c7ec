"""The page where a person makes and revokes their own API tokens (/account/tokens).

A new token is shown once, on the answer to the form that made it, and never again:
only its hash is kept. The form carries a one-time key, so sending it twice (a
double click, Reload on the answer) makes one token, and the second answer says
so instead of showing a secret it no longer has.
"""

import secrets

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from wtforms import (
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..extensions import db
from ..forms import Form
from ..models import ApiToken
from ..timeutil import utcnow
from . import scopes as sc
from . import tokens as tk

bp = Blueprint("tokens", __name__)

LIFETIME_LABELS = {7: "7 days", 30: "30 days", 90: "90 days", 365: "1 year"}


class TokenForm(Form):
    name = StringField(
        "Name",
        description="What will use it, e.g. “Workday sync”: it tells your tokens apart.",
        validators=[
            DataRequired("Name the token after what will use it."),
            Length(max=100),
        ],
    )
    scopes = SelectMultipleField(
        "It may",
        choices=[],
        default=["loops:read"],  # the one every role holds
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    days = SelectField(
        "It lasts",
        choices=[SelectChoice(str(d), label) for d, label in LIFETIME_LABELS.items()],
        default="90",
    )
    request_key = HiddenField()
    submit = SubmitField("Make the token")

    def validate_scopes(self, field):
        if not field.data:
            raise ValidationError("Choose at least one thing the token may do.")


def _form(blank: bool = False) -> TokenForm:
    """The form as posted, or ``blank`` (its defaults) for the next token."""
    form = TokenForm(formdata=None) if blank else TokenForm()
    form.scopes.choices = [
        SelectChoice(s.name, s.label) for s in sc.offered(current_user.role)
    ]
    return form


@bp.route("/account/tokens", methods=["GET", "POST"])
def index():
    """Your tokens, and the form that makes one. A made token is shown on the form's
    own answer, the only place its secret ever is (never in a cookie, a redirect or
    a log); that page is not stored (Cache-Control: no-store). Reload sends the
    form again with its one-time key, and is told the token was made already."""
    form = _form()
    if not form.is_submitted():
        form.request_key.data = secrets.token_urlsafe(24)
        return _page(form)
    if not form.validate_on_submit():
        return _page(form, 422)
    key = (form.request_key.data or "")[:64] or None
    if key and (made := tk.made_by(current_user.id, key)) is not None:
        return _sent_twice(made)
    try:
        made = tk.create_token(
            current_user, form.name.data, form.scopes.data, int(form.days.data), key
        )
        db.session.commit()
    except tk.TokenError as exc:
        db.session.rollback()
        form.form_errors.append(str(exc))
        return _page(form, 422)
    except IntegrityError:  # the same form, twice at the same moment
        db.session.rollback()
        return _sent_twice(tk.made_by(current_user.id, key))
    fresh = _form(blank=True)
    fresh.request_key.data = secrets.token_urlsafe(24)
    return _page(fresh, made=made)


def _sent_twice(made: ApiToken | None):
    if made is not None:
        flash(
            f"This form was sent already and made the token “{made.name}” "
            f"({made.prefix}…). Its secret was shown once, after the first sending, "
            "and cannot be shown again: if you did not copy it, revoke it below and "
            "make another.",
            "info",
        )
    return redirect(url_for("tokens.index"))


def _page(form: TokenForm, status: int = 200, made=None):
    now = utcnow()
    listed = [
        (t, tk.state(t, now), [n for n in sc.SCOPES if n in sc.parse(t.scopes)])
        for t in tk.tokens_of(current_user.id)
    ]
    page = render_template(
        "tokens/index.html",
        form=form,
        tokens=listed,
        made=made,
        labels={name: scope.label for name, scope in sc.SCOPES.items()},
    )
    return page, status


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke(token_id: int):
    """Revoke one of your tokens: it stops working at once."""
    token = db.session.get(ApiToken, token_id, with_for_update=True)
    if token is None or token.user_id != current_user.id:
        abort(404)  # another person's token is not yours to know of
    if tk.revoke_token(current_user, token):
        db.session.commit()
        flash(
            f"Revoked “{token.name}” ({token.prefix}…): it no longer works.", "success"
        )
    else:
        flash(f"“{token.name}” was revoked already.", "info")
    return redirect(url_for("tokens.index"))
