"""One-line fields past their limit (issue 14): no form field carries maxlength, which
cut a pasted name, title or place at the limit without a word; each length-limited
field says its limit in data-limit (limits.js counts against it, tests/browser/
test_pasted_limits.py), and the server refuses a value past it next to the field,
saying the length and the limit, with the whole text shown again.

Every form of the permission table's POST routes is read as a browser would, and each
limited field is posted one at a time past its limit, the other fields valid."""

import pytest

from . import test_permissions
from .test_bad_input import (
    POST_ROUTES,
    PREPARE,
    Page,
    _find_form,
    _role,
    _submission,
    _valid_text,
)
from .test_permissions import _url

people = test_permissions.people
objects = test_permissions.objects

# Fields one types a line in that must say their limit; more may join.
ONE_LINE = {
    "/candidates/new": {"name": 200, "email": 254, "phone": 64, "source": 200},
    "/candidates/<int:candidate_id>/conflicts": {"reason": 300},
    "/requisitions/new": {"title": 200},
    "/requisitions/<int:requisition_id>/plan": {"sessions-0-title": 200},
    "/loops/<int:loop_id>/sessions": {"new-session-title": 200},
    "/loops/<int:loop_id>/sessions/<int:session_id>/schedule": {
        "session-{session_id}-location": 300,
        "session-{session_id}-video_url": 2000,
    },
    "/accounts/new": {"name": 200, "email": 254},
    "/account": {"name": 200},
}


# The loop page shows a session's time-and-place form only when asked for it.
HOSTS = {
    "/loops/<int:loop_id>/sessions/<int:session_id>/schedule": (
        "/loops/<int:loop_id>?edit=<int:session_id>"
    )
}


def past_limit(field: dict, limit: int) -> str:
    """A value 44 characters past ``limit``, starting as the field would accept."""
    filler = " Anna-Lena Müller-Lüdenscheidt" * (limit // 20 + 3)
    return (_valid_text(field) + filler)[: limit + 44]


def _limited(form: dict) -> list[dict]:
    """The typed fields with a limit (textareas are test_pasted_limits')."""
    return [
        f
        for f in form["fields"]
        if ("data-limit" in f or "maxlength" in f) and f["kind"] != "textarea"
    ]


def _form(client, rule: str, role: str, objects: dict):
    if rule not in HOSTS:
        return _find_form(client, rule, role, objects)[1]
    url = _url(HOSTS[rule], objects)
    return Page(client.get(url).get_data(as_text=True)).form_for(
        url, _url(rule, objects)
    )


@pytest.mark.parametrize(
    "rule, allowed", POST_ROUTES, ids=[rule for rule, _ in POST_ROUTES]
)
def test_a_field_past_its_limit_is_refused_and_kept_whole(
    app, client, auth, people, objects, rule, allowed, subtests
):
    if rule in PREPARE:
        PREPARE[rule](app, objects)
    auth.login(people[_role(allowed)])
    form = _form(client, rule, _role(allowed), objects)
    limited = _limited(form) if form else []
    cut = [f["name"] for f in limited if "maxlength" in f and f["kind"] != "search"]
    assert cut == [], "maxlength cuts a paste silently: the macro gives data-limit"
    expected = {
        name.format(**objects): limit for name, limit in ONE_LINE.get(rule, {}).items()
    }
    said = {f["name"]: int(f["data-limit"]) for f in limited if "data-limit" in f}
    assert expected.items() <= said.items()
    for field in [f for f in limited if "data-limit" in f]:
        with subtests.test(field=field["name"]):
            _post_past_the_limit(client, rule, objects, form, field)


def _post_past_the_limit(client, rule, objects, form, field):
    limit = int(field["data-limit"])
    typed = past_limit(field, limit)
    data = _submission(form)
    data.setlist(field["name"], [typed])
    response = client.post(_url(rule, objects), data=data)
    if "draft=" in response.headers.get("Location", ""):  # the plan: shown by a GET
        response = client.get(response.headers["Location"])
    assert response.status_code in (200, 422), response.status_code
    shown = Page(response.get_data(as_text=True))
    again = shown.field(field["name"])
    assert again is not None, "the form is shown again"
    assert (
        f"Too long: {limit + 44:,} characters, at most {limit:,}. Shorten it; your "
        "text is kept here." in shown.described(again)
    )
    assert again["value"] == typed, "the whole text is kept"
    assert "maxlength" not in again and again["data-limit"] == str(limit)


def test_sign_in_refuses_a_long_email_and_keeps_it(client, users):
    typed = "anna-lena." + "mueller-luedenscheidt." * 12 + "x@hospital.example"
    page = Page(client.get("/sign-in").get_data(as_text=True))
    assert page.field("email")["data-limit"] == "254"
    assert "maxlength" not in page.field("email")
    response = client.submit("/sign-in", {"email": typed, "password": "wrong one"})
    shown = Page(response.get_data(as_text=True))
    again = shown.field("email")
    message = f"Too long: {len(typed):,} characters, at most 254."
    assert message in shown.described(again)
    assert again["value"] == typed
