"""A refused form puts the keyboard on its error summary (issue 14, fresh-user test):
on most forms the summary was drawn without ``focus=True``, so after a refusal the
focus stayed on <body> and a keyboard or screen reader user started from the top of
the page. Each page here is refused once; its summary takes the focus, and nothing
else on the page claims it too (only one element may autofocus)."""

import re

import pytest

from interview.extensions import db
from interview.models import Loop

from .test_notify_triggers import team  # noqa: F401  (a fixture)

LONG = "x" * 5000  # past every one-line field's limit


def _ids(app, team):  # noqa: F811
    with app.app_context():
        loop = db.session.get(Loop, team["loop_id"])
        return {
            "req": loop.requisition_id,
            "cand": loop.candidate_id,
            "manager": team["manager"].id,
        }


# (who signs in, url, form sent): each is refused and shown again.
PAGES = [
    (None, "/sign-in", {"email": "", "password": ""}),
    ("ta", "/account/password", {"current_password": "wrong"}),
    ("ta", "/account", {"name": ""}),
    ("ta", "/accounts/new", {"email": "not an email"}),
    ("ta", "/accounts/{manager}/edit", {"email": "not an email"}),
    ("ta", "/requisitions/new", {"title": ""}),
    ("ta", "/requisitions/{req}/plan", {"sessions-0-title": LONG}),
    ("ta", "/requisitions/{req}/loops/new", {"q": LONG}),
    ("ta", "/candidates/{cand}/holds", {"reason": ""}),
    ("ta", "/rubrics/upload", {}),
]


@pytest.mark.parametrize(("who", "url", "data"), PAGES, ids=[p[1] for p in PAGES])
def test_a_refused_form_focuses_its_error_summary(
    app,
    client,
    auth,
    team,  # noqa: F811
    who,
    url,
    data,
):
    if who:
        auth.login(team[who])
    url = url.format(**_ids(app, team))
    page = client.submit(url, data, follow_redirects=True)  # the plan: to a draft
    assert page.status_code in (400, 422, 200), page.status_code
    summary = re.search(r'<div class="form-errors"[^>]*>', page.text)
    assert summary, page.text[:3000]
    assert 'tabindex="-1" autofocus' in summary.group(0)
    assert len(re.findall(r"<[^>]*\sautofocus[\s>]", page.text)) == 1


def test_the_notifications_summary_takes_the_focus_too(app):
    """Its one check box cannot be refused but for its token (the error page): the
    template is drawn with a refused form."""
    from flask import render_template

    from interview.auth.notifications import NotificationsForm

    with app.test_request_context("/account/notifications", method="POST"):
        form = NotificationsForm(meta={"csrf": False})
        form.form_errors.append("Refused.")
        page = render_template("auth/notifications.html", form=form, days=3)
    summary = re.search(r'<div class="form-errors"[^>]*>', page)
    assert 'tabindex="-1" autofocus' in summary.group(0)
