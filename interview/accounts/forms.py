"""Account administration forms for talent acquisition."""

import functools

from markupsafe import Markup, escape
from wtforms import (
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import html_params

from .. import timezones
from ..auth.forms import strong_password
from ..forms import Form
from ..models import Discipline, Role
from .operations import default_time_zone

ROLE_CHOICES = [SelectChoice(r.value, r.label) for r in Role]
DISCIPLINE_CHOICES = [SelectChoice("", "None")] + [
    SelectChoice(d.value, d.label) for d in Discipline
]


def competency_choices() -> list[SelectChoice]:
    """Every competency of the rubrics' latest versions, once per key."""
    from ..rubrics.operations import all_latest_competencies

    return [SelectChoice(key, name) for key, name in all_latest_competencies()]


def time_zone_choices(current: str | None = None) -> list[SelectChoice]:
    """Canonical IANA zones in groups, the common ones first (timezones.py); a saved
    older name such as US/Eastern is offered too, so that saving keeps it."""
    return [
        SelectChoice(zone.name, zone.label, optgroup=group.label)
        for group in timezones.groups(current)
        for zone in group.zones
    ]


@functools.lru_cache(maxsize=32)  # about 40 KB each
def zone_options(selected: str | None) -> Markup:
    """The zone select's groups and options, the ``selected`` one marked: written
    once per selected zone and process (the list changes only with the tz data, that
    is with a restart), since WTForms' option by option rendering of some 470 zones
    was most of a loop page's time."""
    parts = []
    for group in timezones.groups(selected):
        options = "".join(_zone_option(z, z.name == selected) for z in group.zones)
        parts.append(f'<optgroup label="{escape(group.label)}">{options}</optgroup>')
    return Markup("".join(parts))


def _zone_option(zone: timezones.Zone, selected: bool) -> str:
    """One zone; its former names (Europe/Kiev) in data-former for picker.js."""
    former = f' data-former="{escape(" ".join(zone.former))}"' if zone.former else ""
    chosen = " selected" if selected else ""
    return (
        f'<option value="{escape(zone.name)}"{former}{chosen}>'
        f"{escape(zone.label)}</option>"
    )


ZONE_HINT = (
    "Listed by city, the common ones first. With the list focused, type a city's "
    "name (yours, or a large one in your time zone, such as Chicago) to jump to it."
)


class ZoneSelect:
    """A select whose options come from ``zone_options``."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        attrs = html_params(name=field.name, **kwargs)
        return (
            Markup(f"<select {attrs}>") + zone_options(field.data) + Markup("</select>")
        )


class ZoneField(SelectField):
    """A time zone picker: a normal select, which picker.js gives a filter box.

    Without JavaScript a closed select jumps to the option whose label starts with
    what is typed: the labels start with the place (timezones.py), and the hint says
    so. Any name the system can load is accepted, so an account or session saved with
    an older name (before the list offered canonical names only) saves unchanged."""

    widget = ZoneSelect()

    def __init__(self, label="Time zone", **kwargs):
        render_kw = {"data-zone-filter": "", **kwargs.pop("render_kw", {})}
        kwargs.setdefault("description", ZONE_HINT)
        kwargs.setdefault("default", timezones.UTC)
        super().__init__(label, render_kw=render_kw, **kwargs)

    def pre_validate(self, form) -> None:
        if not timezones.is_loadable(self.data):
            raise ValidationError(
                "Not a valid choice: choose a time zone from the list."
            )


class UserForm(Form):
    """Create or edit an account; the password is required only when creating."""

    name = StringField(
        "Full name",
        validators=[DataRequired("Enter the person's name."), Length(max=200)],
    )
    email = StringField(
        "Email",
        validators=[
            DataRequired("Enter an email address."),
            Length(max=254),
            Email("Enter a valid email address, like name@hospital.org."),
        ],
        render_kw={"type": "email", "autocomplete": "off"},
    )
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.INTERVIEWER.value)
    discipline = SelectField(
        "Discipline",
        choices=DISCIPLINE_CHOICES,
        description="Required for interviewers: the side of the panel they sit on.",
    )
    time_zone = ZoneField(default=default_time_zone)  # DEFAULT_TIMEZONE
    weekly_interview_limit = IntegerField(
        "Interviews a week, at most",
        default=4,
        validators=[NumberRange(0, 40, "Between 0 and 40.")],
        description="For interviewers: panel proposals never go over it.",
    )
    trained_keys = SelectMultipleField(
        "Trained to assess",
        choices=[],
        description="For interviewers: the competencies they may be proposed for.",
    )
    password = PasswordField(
        "Password",
        validators=[Optional(), strong_password],
        description="12 to 256 characters. Share it with the person safely; "
        "they can change it after signing in.",
        render_kw={"autocomplete": "new-password"},
    )
    version = HiddenField()
    submit = SubmitField("Save account")

    def __init__(self, *args, require_password: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.trained_keys.choices = competency_choices()
        if require_password:
            message = "Set a first password for the account."
            self.password.validators = [DataRequired(message), strong_password]
        else:
            self.password.label.text = (
                "New password (leave empty to keep the current one)"
            )

    def validate_discipline(self, field) -> None:
        if self.role.data == Role.INTERVIEWER and not field.data:
            raise ValidationError("Choose the interviewer's discipline.")
