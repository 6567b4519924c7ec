"""The kit page shown without WTForms fields (scorecards/shown.py) is the page the
WTForms form wrote: same fields, values, labels, escaping and CSRF input."""

import re

import pytest

from interview.scorecards import views

from .test_scorecards import _form

# What differs between two renders of one page: the CSRF tokens (signed with the
# time: the input, the page's meta tag, the sign-out form) and the edit token (new
# on every page: scorecard tabs).
SIGNED = re.compile(r"[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}")
EDIT_TOKEN = re.compile(r'(name="edit_token" type="hidden" value=")[^"]*')


def _normalised(html: str) -> str:
    return EDIT_TOKEN.sub(r"\1…", SIGNED.sub("…", html))


def _wtforms(form_class, values):
    """The form as _show built it before shown.py: WTForms fields, filled."""
    form = form_class(formdata=None)
    for name, value in values.items():
        form[name].data = value
    return form


@pytest.mark.parametrize(
    "saved",
    [
        None,  # a seat nobody has written on yet
        _form(save="y", evidence_workflow='<b>"Tom & Jerry"</b>\nline two'),
        _form(save="y", level_workflow="na", recommendation="", summary=""),
    ],
)
def test_the_shown_kit_is_the_page_wtforms_wrote(
    app, client, auth, seat, monkeypatch, saved
):
    auth.login(seat["clara"])
    url = f"/interviews/{seat['id']}"
    if saved is not None:
        assert client.submit(url, saved).status_code == 302
        client.get(url)  # the page after the redirect, with its flash
    shown = client.get(url).get_data(as_text=True)
    monkeypatch.setattr(views, "ShownForm", _wtforms)
    written = client.get(url).get_data(as_text=True)
    assert 'name="csrf_token"' in shown and 'name="level_workflow"' in shown
    if saved is not None and "Tom" in saved["evidence_workflow"]:
        assert "&lt;b&gt;&#34;Tom &amp; Jerry&#34;&lt;/b&gt;" in shown
    assert _normalised(shown) == _normalised(written)
