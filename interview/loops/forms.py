"""Forms for requisitions, plans, candidates and loops."""

import re

from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from ..accounts.forms import ZoneField
from ..extensions import db
from ..forms import Form as BaseForm
from ..models import Discipline, RequisitionStatus, Role, User
from .schedule import ScheduleError, zone

DISCIPLINES = [SelectChoice(d.value, d.label) for d in Discipline]
STATUSES = [
    SelectChoice(s.value, s.value.replace("_", " ").capitalize())
    for s in RequisitionStatus
]


def duplicates(items: list) -> list:
    """The items that occur more than once, in the order of their second occurrence."""
    seen, twice = set(), []
    for item in items:
        if item in seen and item not in twice:
            twice.append(item)
        seen.add(item)
    return twice


# A phone number as people write them, anywhere: an optional +, digits grouped by
# spaces, dots, hyphens or brackets, then an optional extension (x123, ext. 123).
PHONE = re.compile(
    r"\+?[\d\s().\-]+?(?:\s*(?:x|ext\.?|extension)\s*\d{1,6})?", re.IGNORECASE
)


def plausible_phone(text: str) -> bool:
    """Whether ``text`` reads as a phone number: 4 to 20 digits before any extension
    (E.164 allows 15; local prefixes and trunk zeros add a few)."""
    text = text.strip()
    if not PHONE.fullmatch(text):
        return False
    number = re.split(r"(?i)x|ext", text)[0]
    return 4 <= sum(c.isdigit() for c in number) <= 20


class RequisitionForm(BaseForm):
    title = StringField(
        "Title", validators=[DataRequired("Enter a title."), Length(max=200)]
    )
    discipline = SelectField("The job's own discipline", choices=DISCIPLINES)
    hiring_manager_id = SelectField("Hiring manager", validators=[DataRequired()])
    default_rubric_id = SelectField("Rubric for its loops")
    status = SelectField("Status", choices=STATUSES)
    share_scores_after_submit = BooleanField(
        "Interviewers who have submitted may read the panel's other scorecards",
        default=True,
    )
    # The requisition's counter when the form was drawn: a save from an older one
    # (a second tab) is refused with both shown (issue 14; requisition_views.py).
    version = HiddenField()
    submit = SubmitField("Save requisition")


class PlanSessionForm(Form):
    title = StringField(
        "Session title", validators=[DataRequired("Name the session."), Length(max=200)]
    )
    duration_minutes = IntegerField(
        "Length in minutes",
        default=60,
        validators=[NumberRange(15, 480, "Between 15 minutes and 8 hours.")],
    )
    # Checkboxes (issue 14): a multi-select dropped every choice but one on a plain
    # click. Drawn by templates/loops/_competencies.html inside a fieldset.
    competency_keys = SelectMultipleField(
        "Competencies it covers",
        choices=[],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    clinical_seats = IntegerField(
        "Clinical interviewers", default=1, validators=[NumberRange(0, 4)]
    )
    technical_seats = IntegerField(
        "Technical interviewers", default=1, validators=[NumberRange(0, 4)]
    )

    def validate_competency_keys(self, field):
        """At least one competency (issue 14, fresh-user test: a session with none
        has nothing to rate), each once: twice would break the loop's copy."""
        if not field.data:
            raise ValidationError(
                "Choose at least one competency: a session without one has nothing"
                " to rate."
            )
        if twice := duplicates(field.data or []):
            names = {choice.value: choice.label for choice in field.choices or []}
            listed = ", ".join(str(names.get(key, key)) for key in twice)
            raise ValidationError(f"Choose each competency once ({listed} twice).")

    def validate_technical_seats(self, field):
        if (self.clinical_seats.data or 0) + (field.data or 0) < 1:
            raise ValidationError("A session needs at least one interviewer.")


class PlanForm(BaseForm):
    # Each entry is labelled "Session", so the error summary says "Session 2".
    sessions = FieldList(FormField(PlanSessionForm, "Session"), min_entries=1)
    version = HiddenField()  # the requisition's plan_version when drawn (issue 14)
    submit = SubmitField("Save plan")

    def error_items(self) -> list[tuple[str, str]]:
        """The error summary's items, one per field in error, each with the id it
        links to: 'Session 2, Competencies it covers: Choose ...' (issue 14,
        fresh-user test: two wrong sessions were one sentence, 'This field needs
        attention: Sessions (Session 1 ...; Session 2 ...)')."""
        items = []
        for number, entry in enumerate(self.sessions.entries, start=1):
            items += [
                (f.id, f"Session {number}, {f.label.text}: {_said(f)}")
                for f in entry.form
                if f.errors and f.type not in ("CSRFTokenField", "HiddenField")
            ]
        items += [
            (f.id, f"{f.label.text}: {_said(f)}")
            for f in self
            if f.errors
            and f is not self.sessions
            and f.type not in ("CSRFTokenField", "HiddenField")
        ]
        return items


def _said(field) -> str:
    return " ".join(str(e) for e in field.errors)


class CandidateForm(BaseForm):
    name = StringField(
        "Name",
        validators=[DataRequired("Enter the candidate's name."), Length(max=200)],
    )
    email = StringField(
        "Email", validators=[Optional(), Email("Enter a valid email."), Length(max=254)]
    )
    phone = StringField(
        "Phone",
        validators=[Optional(), Length(max=64)],
        render_kw={"type": "tel", "autocomplete": "off"},
        description="With the country code if abroad; an extension as x123.",
    )
    source = StringField("Source", validators=[Optional(), Length(max=200)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=20_000)])
    version = HiddenField()  # the candidate's counter when drawn (issue 14)
    submit = SubmitField("Save candidate")

    def validate_phone(self, field):
        if field.data and not plausible_phone(field.data):
            raise ValidationError(
                "Enter a phone number: digits, spaces and + ( ) - . only, 4 to 20 "
                "digits, an extension as x123. Your text is kept here."
            )


class NewLoopForm(BaseForm):
    """The candidate is one of the search's matches (radio buttons drawn by the
    template); any candidate on file is accepted, not only those shown."""

    q = StringField("Find the candidate by name or email")
    # Without JavaScript a search is sent with the form, so a choice made before it
    # stays chosen (a separate GET form would forget it).
    search = SubmitField("Search")
    # Enter in a field presses the form's first submit button, one for Enter alone
    # (hidden; issue 14): it searches when the query was changed since the list was
    # drawn for ``shown`` (Enter in the search box), and otherwise starts the loop
    # with the one chosen (Enter on a radio button), as "Start the loop" does.
    enter = SubmitField("Search or start")
    shown = HiddenField()
    candidate_id = StringField(
        "Candidate",
        validators=[DataRequired("Choose a candidate: search, then pick one.")],
    )
    submit = SubmitField("Start the loop")
    # Sent by the button that confirms a second open loop for the same candidate,
    # with the open loops it was shown: a double submit, or a loop started meanwhile,
    # finds others open and asks again (issue 14).
    again = SubmitField("Start a second loop anyway")
    confirmed = HiddenField()

    def validate_candidate_id(self, field):
        text = field.data or ""
        if not (text.isascii() and text.isdecimal() and len(text) < 10):
            raise ValidationError("Choose a candidate from the list.")


class SeatForm(BaseForm):
    interviewer_id = SelectField("Interviewer")
    current = HiddenField()  # who sat there when the page was shown
    find = StringField("Find")  # the picker's search, sent by GET (the page's ?find=)
    submit = SubmitField("Seat")


class ScheduleForm(BaseForm):
    starts_local = StringField(
        "Starts (in the session's time zone)",
        render_kw={"type": "datetime-local"},
        description="Leave empty while the time is not agreed.",
    )
    time_zone = ZoneField()
    fold = SelectField(
        "If that time happens twice (clocks going back)",
        choices=[
            SelectChoice("", "Ask me"),
            SelectChoice("0", "The first"),
            SelectChoice("1", "The second"),
        ],
    )
    duration_minutes = IntegerField(
        "Length in minutes",
        validators=[NumberRange(1, 480, "Between 1 minute and 8 hours.")],
    )
    location = StringField("Room or place", validators=[Optional(), Length(max=300)])
    video_url = StringField(
        "Video link",
        validators=[
            Optional(),
            URL(message="Enter a full https:// link."),
            Length(max=2000),
        ],
    )
    submit = SubmitField("Save time and place")

    def validate_time_zone(self, field):
        try:
            zone(field.data or "")
        except ScheduleError as exc:
            raise ValidationError(str(exc)) from None

    def validate_video_url(self, field):
        if field.data and not field.data.lower().startswith(("https://", "http://")):
            raise ValidationError("Enter a full https:// link.")


class StatusForm(BaseForm):
    status = SelectField("Move the loop to")
    submit = SubmitField("Change status")


class LoopSessionForm(PlanSessionForm, BaseForm):
    """One session of a single loop, changed without touching the requisition's plan."""

    # The session's edit counter when the form was drawn (migration 0029): a save
    # from a form drawn before another save (a second tab) is refused, not applied.
    version = HiddenField()
    submit = SubmitField("Save session")


class ConflictForm(BaseForm):
    """Record a conflict of interest. The list shows 20 people at most (pickers.py),
    so any interviewer's id is accepted, not only those listed."""

    interviewer_id = SelectField(
        "Interviewer",
        validators=[DataRequired("Choose someone.")],
        validate_choice=False,
    )
    reason = StringField(
        "Why they must not interview this candidate",
        validators=[
            DataRequired("Say why, e.g. referred the candidate."),
            Length(max=300),
        ],
    )
    submit = SubmitField("Record conflict")

    chosen = None  # the interviewer posted, once validated

    def validate_interviewer_id(self, field):
        value = field.data or ""
        if value.isascii() and value.isdecimal() and len(value) < 10:
            user = db.session.get(User, int(value))
            if user is not None and user.role == Role.INTERVIEWER:
                self.chosen = user
                return
        raise ValidationError(
            "That is not an interviewer's account; find them by name or email and "
            "choose again."
        )


class ReopenForm(BaseForm):
    """Talent acquisition reopens a decided loop, saying why (the reason is audited)."""

    reason = TextAreaField(
        "Why reopen it (recorded in the audit log)",
        validators=[
            DataRequired("Say why the loop is reopened."),
            Length(
                min=10,
                max=2000,
                message="Say why in 10 to 2,000 characters; your text is kept here.",
            ),
        ],
    )
    submit = SubmitField("Reopen the loop")
