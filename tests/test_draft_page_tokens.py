"""A form shown again from its ?draft= address carries the page's CSRF token, so the
browser's next Save goes through (issue 14). Those forms are drawn from the cookie
without a token of their own; the account, profile and legal hold templates printed
the form's token field, which such a form does not have, so saving again after any
refusal was a 400 "form expired" page. The test client's ``submit`` adds a token
itself and hid it: these tests send only the token the refused page's form holds."""

import re

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.models import Discipline, LegalHold, PlanSession, Role, User
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate

from .builders import start_loop
from .rubric_samples import dump, rubric


@pytest.fixture
def people(make_user):
    return {
        "ta": make_user(Role.TALENT_ACQUISITION, name="Tess Acquisition"),
        "manager": make_user(Role.HIRING_MANAGER, name="Mona Manager"),
        "clara": make_user(Role.INTERVIEWER, discipline=Discipline.CLINICAL),
    }


def _refused(client, url: str, data: dict) -> str:
    """Post a refused form; the page its ?draft= address shows."""
    response = client.submit(url, data)
    assert response.status_code == 302 and "?draft=" in response.location
    page = client.get(response.location)
    assert page.status_code == 422
    return page.get_data(as_text=True)


def _page_token(page: str, field: str) -> str:
    """The CSRF token inside the form that holds ``field``, as a browser sends it."""
    form = re.search(
        r'<form method="post"[^>]*>(?:(?!</form>).)*name="' + field + '"',
        page,
        re.DOTALL,
    )
    assert form, f"no form with {field}"
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.group(0))
    assert token, "the refused page's form carries no CSRF token"
    return token.group(1)


def _user(app, user_id: int) -> User:
    with app.app_context():
        return db.session.get(User, user_id)


def test_an_account_saves_again_from_its_refused_page(app, client, auth, people):
    auth.login(people["ta"])
    clara = _user(app, people["clara"].id)
    url = f"/accounts/{clara.id}/edit"
    data = {
        "name": "Clara Renamed",
        "email": clara.email,
        "role": "interviewer",
        "discipline": "",  # refused: an interviewer needs one
        "time_zone": clara.time_zone,
        "weekly_interview_limit": "2",
        "version": str(clara.version),
    }
    page = _refused(client, url, data)
    fixed = {**data, "discipline": "clinical", "csrf_token": _page_token(page, "name")}
    saved = client.post(url, data=fixed)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:300]
    assert _user(app, clara.id).name == "Clara Renamed"


def test_a_profile_saves_again_from_its_refused_page(app, client, auth, people):
    clara = people["clara"]
    auth.login(clara)
    version = str(_user(app, clara.id).version)
    data = {"name": "", "time_zone": "Europe/Lisbon", "version": version}
    page = _refused(client, "/account", data)  # refused: no name
    fixed = {**data, "name": "Clara Lisboa", "csrf_token": _page_token(page, "name")}
    saved = client.post("/account", data=fixed)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:300]
    assert _user(app, clara.id).name == "Clara Lisboa"


@pytest.mark.parametrize("subject", ["candidate", "requisition"])
def test_a_hold_is_placed_from_its_refused_page(app, client, auth, people, subject):
    with app.app_context():
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        plan = [PlanSession(title="Workflow", competency_keys=["workflow"])]
        loop = start_loop(people["manager"].id, version.rubric_id, plan)
        db.session.commit()
        ids = {"candidate": loop.candidate_id, "requisition": loop.requisition_id}
    auth.login(people["ta"])
    url = f"/{subject}s/{ids[subject]}/holds"
    page = _refused(client, url, {"reason": "Claim \u202e4102"})  # a control char
    token = _page_token(page, "reason")
    placed = client.post(
        url, data={"reason": "Tribunal claim 2026/114.", "csrf_token": token}
    )
    assert placed.status_code == 302, placed.get_data(as_text=True)[:300]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LegalHold.id))) == 1
