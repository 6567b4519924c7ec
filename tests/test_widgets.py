"""The site's input widgets write exactly WTForms' HTML (interview/widgets.py)."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup
from wtforms.widgets import CheckboxInput, NumberInput, TextInput, html_params

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
def test_a_twin_keeps_the_widget_settings_and_is_kept(widget):
    twin = widgets.quick(widget)
    assert twin is not widget and isinstance(twin, type(widget))
    assert twin.__dict__ == widget.__dict__
    assert widgets.quick(widget) is twin
    assert type(twin).html_params is widgets.html_params


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
    return re.sub(r'(name="csrf_token"[^>]*value=|content=)"[^"]*"', r'\1""', page)


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
