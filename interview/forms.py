"""The base of every form on the site: text that cannot be stored is refused at its field.

A control character (interview/text.py) in any typed field, however deeply nested in
lists of sub-forms, stops that field's other checks and puts the message next to it,
so PostgreSQL (which cannot store NUL) and SQLite (which can) answer the same way and
nothing that would fail at the database gets that far. Before that, each single-line
text field's line breaks and tabs become spaces (``join_lines``; text areas keep
their lines). The form also registers itself
for the request, so a page that reports a database fault can show its fields back
with their labels (errors.py).
"""

from collections.abc import Iterator

from flask import g, has_app_context
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    FieldList,
    FormField,
    HiddenField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, StopValidation, ValidationError
from wtforms.widgets.core import clean_key

from .text import control_character_problem, first_control_character, on_one_line
from .widgets import quick


class Form(FlaskForm):
    """A FlaskForm that refuses control characters in every text field."""

    class Meta:
        def render_field(self, field, render_kw):
            """WTForms' own, with an input widget's twin that writes its attributes
            faster (widgets.py): the same HTML."""
            render_kw = {clean_key(k): v for k, v in render_kw.items()}
            other = getattr(field, "render_kw", None)
            if other is not None:
                other = {clean_key(k): v for k, v in other.items()}
                render_kw = dict(other, **render_kw)
            return quick(field.widget)(field, **render_kw)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if has_app_context():
            g.setdefault("interview_forms", []).append(self)

    def validate(self, extra_validators=None) -> bool:
        """Put single-line text on one line, then refuse control characters, so no
        other check sees them."""
        join_lines(self)
        refuse_control_characters(self)
        say_how_long(self)
        return super().validate(extra_validators=extra_validators)

    def fields_in_error(self) -> list[str]:
        """The summary's names for the fields in error (templates/_macros/forms.html)."""
        return fields_in_error(self)


def fields_in_error(form) -> list[str]:
    """Each top-level field in error by its label; a list of sub-forms also says
    which entry, which of its fields and why ('Sessions (Session 2, Technical
    interviewers: A session needs at least one interviewer.)'): the plan refused for
    a session without interviewers was summed up as 'Sessions' alone (issue 14)."""
    named = []
    for field in form:
        if not field.errors or field.type in ("CSRFTokenField", "HiddenField"):
            continue
        reasons = list(_reasons(field, "")) if _nested(field) else []
        named.append(
            f"{field.label.text} ({'; '.join(reasons)})"
            if reasons
            else field.label.text
        )
    return named


def _nested(field: Field) -> bool:
    return isinstance(field, (FieldList, FormField))


def _reasons(field: Field, where: str) -> Iterator[str]:
    """'<where>, <label>: <messages>' for each leaf in error under ``field``."""
    if isinstance(field, FieldList):
        for number, entry in enumerate(field.entries, start=1):
            place = _join(where, f"{entry.label.text} {number}")
            if _nested(entry):
                yield from _reasons(entry, place)
            elif entry.errors:
                yield f"{place}: {' '.join(entry.errors)}"
    elif isinstance(field, FormField):
        for sub in field.form:
            yield from _reasons(sub, where)
    elif field.errors and field.type not in ("CSRFTokenField", "HiddenField"):
        yield f"{_join(where, field.label.text)}: {' '.join(field.errors)}"


def _join(where: str, name: str) -> str:
    return f"{where}, {name}" if where else name


def leaf_fields(form) -> Iterator[Field]:
    """Every field of a form, sub-forms and field lists opened up."""
    for field in form:
        yield from _leaves(field)


def _leaves(field: Field) -> Iterator[Field]:
    if isinstance(field, FormField):
        yield from leaf_fields(field.form)
    elif isinstance(field, FieldList):
        for entry in field.entries:
            yield from _leaves(entry)
    else:
        yield field


def field_problem(field: Field) -> str | None:
    """What is wrong with a text field's value, or None (other kinds are not text)."""
    if not isinstance(field, StringField) or not isinstance(field.data, str):
        return None
    if isinstance(field, PasswordField):
        found = first_control_character(field.data)
        if found is None:
            return None
        index, char = found
        return (
            f"Remove the invisible control character U+{ord(char):04X} at character "
            f"{index:,} of the password, then type it again."
        )
    return control_character_problem(field.data)


def join_lines(form) -> None:
    """Make each line break and tab in a single-line text field one space (a text
    input cannot show them; browsers drop line breaks and join the words). A text
    area, a password and a hidden value are left as sent."""
    for field in leaf_fields(form):
        if (
            isinstance(field, StringField)
            and not isinstance(field, TextAreaField | PasswordField | HiddenField)
            and isinstance(field.data, str)
        ):
            field.data = on_one_line(field.data)


def refuse_control_characters(form) -> list[Field]:
    """Make each text field holding a control character fail with the message alone.

    The field's own validators are replaced (on this form instance only) by one that
    stops validation with the message, so a validator that would choke on the text
    (an email or time-zone check, password hashing) never runs on it.
    """
    refused = []
    for field in leaf_fields(form):
        if (problem := field_problem(field)) is not None:
            field.validators = [_Refuse(problem)]
            refused.append(field)
    return refused


def mark_control_characters(form) -> list[Field]:
    """Put the message next to each text field holding a control character, for forms
    whose rules are checked elsewhere (the rubric editor's schema); return them."""
    marked = []
    for field in leaf_fields(form):
        if (problem := field_problem(field)) is not None:
            field.errors = [*(field.errors or ()), problem]
            marked.append(field)
    return marked


def say_how_long(form) -> None:
    """Give each field's length limit a message with the limit and the length typed.

    WTForms' own ("Field cannot be longer than 200 characters.") names neither the
    field nor how far over it is; a limit with its own message keeps it. Done on this
    form instance only (the validator lists are shared with the form's class).
    """
    for field in leaf_fields(form):
        if any(_plain_limit(v) for v in field.validators or ()):
            field.validators = [
                _Limit(v.min, v.max) if _plain_limit(v) else v for v in field.validators
            ]


def _plain_limit(validator) -> bool:
    return type(validator) is Length and validator.message is None and validator.max > 0


class _Limit(Length):
    """A maximum length whose message says the limit, the length and that the text
    is kept (the browser's maxlength stops typing, not pasting into older pages or
    scripts posting the form)."""

    def __call__(self, form, field):
        length = len(field.data or "")
        if self.min != -1 and length < self.min:
            raise ValidationError(
                f"Write at least {self.min:,} characters: this has {length:,}."
            )
        if length > self.max:
            raise ValidationError(
                f"Too long: {length:,} characters, at most {self.max:,}. Shorten it; "
                "your text is kept here."
            )


class _Refuse:
    """A validator that always stops with one message."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, _form, _field):
        raise StopValidation(self.message)
