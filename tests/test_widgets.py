"""The site's input widgets write exactly WTForms' HTML (interview/widgets.py)."""

import re
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.meta import DefaultMeta
from wtforms.widgets import (
    CheckboxInput,
    ListWidget,
    NumberInput,
    Select,
    TextArea,
    TextInput,
    html_params,
)

from interview import forms, widgets
from interview.extensions import db
from interview.models import PlanSession, Role

from .builders import shipped_version, start_loop

# Attribute names as templates pass them: a trailing underscore for a Python
# keyword, data_ and aria_ written with hyphens, and names that need escaping.
keys = st.one_of(
    st.sampled_from(
        ["class_", "for_", "id", "name", "data_x_y", "aria_describedby", "aria_"]
    ),
    st.text(min_size=1, max_size=12),
)
values = st.one_of(
    st.text(),
    st.text().map(Markup),  # already safe: a double quote is still written &quot;
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
)


@given(st.dictionaries(keys, values, max_size=6))
def test_attributes_are_written_as_wtforms_writes_them(attributes):
    ours = widgets.html_params(**attributes)
    assert isinstance(ours, Markup)
    assert ours == html_params(**attributes)


@pytest.mark.parametrize(
    "widget", [TextInput(), NumberInput(step=2, min=1, max=4), CheckboxInput()]
)
def test_a_twin_shares_the_widgets_settings(widget):
    twin = widgets.quick(widget)
    assert twin is not widget and isinstance(twin, type(widget))
    assert type(twin).html_params is widgets.html_params
    assert twin.__dict__ is widget.__dict__
    widget.input_type = "email"  # changed after a first use: the twin follows
    assert widgets.quick(widget).input_type == "email"


class _OwnParams(TextInput):
    html_params = staticmethod(lambda **kwargs: Markup('data-own="1"'))


class _Slotted(TextInput):
    __slots__ = ("size",)


@dataclass
class _Unhashable(TextInput):
    size: int = 3


def test_widgets_that_write_their_own_way_are_left_alone():
    for widget in (_OwnParams(), _Slotted(), Select(), TextArea()):
        assert widgets.quick(widget) is widget
    unhashable = _Unhashable()
    assert widgets.quick(unhashable).size == 3


def test_fields_render_as_wtforms_renders_them(app):
    """Each kind of field the site draws, with attributes of its own and given."""

    class Sample(forms.Form):
        text = StringField("Text", render_kw={"placeholder": 'a "b" <c>'})
        number = IntegerField("Number", widget=NumberInput(min=0, max=9))
        box = BooleanField("Box")
        when = DateField("When")
        hidden = HiddenField("Hidden", default="x&y")
        submit = SubmitField("Save")
        choice = SelectField("Choice", choices=[SelectChoice("a", "A <1>")])
        many = SelectMultipleField(
            "Many",
            choices=[SelectChoice("a", "A"), SelectChoice("b", 'B "2"')],
            widget=ListWidget(prefix_label=False),
            option_widget=CheckboxInput(),
        )

    theirs = DefaultMeta()  # WTForms' own rendering
    given = {"class_": "wide", "aria_describedby": "x-error", "required": True}
    with app.test_request_context("/"):
        form = Sample(meta={"csrf": False})
        for field in form:
            assert str(field(**given)) == str(theirs.render_field(field, given))
        for option in form.many:
            ours = option(disabled=False, data_n=1)
            assert ours == theirs.render_field(option, {"disabled": False, "data_n": 1})


@pytest.fixture
def open_loop(app, make_user):
    """An open loop of three sessions with empty seats (their pickers shown)."""
    ta = make_user(Role.TALENT_ACQUISITION)
    manager = make_user(Role.HIRING_MANAGER)
    with app.app_context():
        version = shipped_version()
        keys = [c.key for c in version.competencies]
        plan = [
            PlanSession(
                title=f'Session "{i}" <b>&',
                competency_keys=keys[i::3],
                clinical_seats=1,
                technical_seats=2,
            )
            for i in range(3)
        ]
        loop = start_loop(manager.id, version.rubric_id, plan)
        db.session.commit()
        return ta, loop.id, loop.sessions[1].id


def _without_tokens(page: str) -> str:
    """The page with its CSRF tokens blanked (each render signs them afresh)."""
    return re.sub(
        r'(name="(?:[\w-]+-)?csrf_token"[^>]*value=|content=)"[^"]*"', r'\1""', page
    )


def test_the_loop_page_is_the_same_with_wtforms_own_widgets(
    client, auth, open_loop, monkeypatch
):
    """Every field of the editable loop page (competency boxes, seat counts, times,
    pickers, a session's form open) is written as WTForms' widgets write it."""
    ta, loop_id, session_id = open_loop
    auth.login(ta)
    paths = [f"/loops/{loop_id}", f"/loops/{loop_id}?edit={session_id}"]
    ours = [client.get(path).get_data(as_text=True) for path in paths]
    monkeypatch.setattr(forms, "quick", lambda widget: widget)
    theirs = [client.get(path).get_data(as_text=True) for path in paths]
    for page, expected in zip(ours, theirs, strict=True):
        assert page.count('type="checkbox"') >= 6, "the page lost its fields"
        assert 'type="number"' in page
        assert _without_tokens(page) == _without_tokens(expected)
