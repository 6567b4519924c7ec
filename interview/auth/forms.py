"""Sign-in and password forms."""

from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from ..forms import Form
from .passwords import MAX_LENGTH, password_problem


def strong_password(_form, field) -> None:
    """WTForms validator over the pure password policy."""
    if field.data and (problem := password_problem(field.data)):
        raise ValidationError(problem)


class LoginForm(Form):
    email = StringField(
        "Email",
        validators=[DataRequired("Enter your email address."), Length(max=254)],
        render_kw={"autocomplete": "username", "type": "email"},  # focus: login.html
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password.")],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Keep me signed in on this device for 14 days")
    submit = SubmitField("Sign in")


class PasswordChangeForm(Form):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired("Enter your current password.")],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        "New password",
        validators=[DataRequired("Choose a new password."), strong_password],
        description=f"12 to {MAX_LENGTH} characters; spaces and any script are fine.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[
            DataRequired("Repeat the new password."),
            EqualTo("new_password", "The two new passwords differ."),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Change password")
