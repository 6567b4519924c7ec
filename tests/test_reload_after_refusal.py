"""Reloading a refused hold form never shows a 405 (issue 14): a refused legal hold's
form is shown at its POST address, and a GET of that address (the page reloaded)
shows the page the form lives on, to those who may read that page; placing a hold
stays talent acquisition's."""

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.models import Discipline, LegalHold, PlanSession, Role
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate

from .builders import start_loop
from .rubric_samples import dump, rubric

NAME = "Amara Nwosu"
TITLE = "Ward systems analyst"


@pytest.fixture
def place(app, make_user):
    """A requisition with Mona as its manager and one candidate's loop on it."""
    people = {
        "ta": make_user(Role.TALENT_ACQUISITION, name="Tess Acquisition"),
        "manager": make_user(Role.HIRING_MANAGER, name="Mona Manager"),
        "other_manager": make_user(Role.HIRING_MANAGER, name="Omar Other"),
        "clara": make_user(Role.INTERVIEWER, discipline=Discipline.CLINICAL),
    }
    with app.app_context():
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        plan = [PlanSession(title="Workflow", competency_keys=["workflow"])]
        loop = start_loop(
            people["manager"].id, version.rubric_id, plan, candidate=NAME, title=TITLE
        )
        db.session.commit()
        urls = {
            "candidate": f"/candidates/{loop.candidate_id}/holds",
            "requisition": f"/requisitions/{loop.requisition_id}/holds",
        }
    return {"people": people, "urls": urls}


def _holds(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(LegalHold.id)))


@pytest.mark.parametrize(
    "subject, heading",
    [("candidate", f"Edit {NAME}"), ("requisition", TITLE)],
)
def test_reloading_a_refused_hold_form_shows_its_page(
    app, client, auth, place, subject, heading
):
    auth.login(place["people"]["ta"])
    url = place["urls"][subject]
    refused = client.submit(url, {"reason": "   "})
    assert refused.status_code == 422
    assert "Give the reason for the hold." in refused.text
    reloaded = client.get(url)  # before the change: 405 Method Not Allowed
    assert reloaded.status_code == 200
    assert f"<h1>{heading}</h1>" in reloaded.text
    # The holds section with its form, which still posts to the hold's address.
    assert 'id="holds"' in reloaded.text
    assert f'action="{url}"' in reloaded.text
    assert "Reason for a new legal hold" in reloaded.text
    assert _holds(app) == 0


def test_the_requisitions_manager_may_reload_but_not_place_a_hold(
    app, client, auth, place
):
    auth.login(place["people"]["manager"])
    url = place["urls"]["requisition"]
    page = client.get(url)
    assert page.status_code == 200
    assert f"<h1>{TITLE}</h1>" in page.text and "No hold in force." in page.text
    assert "Reason for a new legal hold" not in page.text  # no form for a manager
    refused = client.submit(url, {"reason": "Tribunal claim 2026/114."})
    assert refused.status_code == 403
    assert _holds(app) == 0


@pytest.mark.parametrize(
    "person, subject",
    [
        ("manager", "candidate"),  # the candidate's page is talent acquisition's
        ("clara", "candidate"),
        ("clara", "requisition"),
        ("other_manager", "requisition"),  # not their requisition
    ],
)
def test_reloading_is_refused_to_those_who_may_not_read_the_page(
    client, auth, place, person, subject
):
    auth.login(place["people"][person])
    response = client.get(place["urls"][subject])
    assert response.status_code == 403
    assert "Not allowed" in response.text
    assert NAME not in response.text and TITLE not in response.text


@pytest.mark.parametrize("subject", ["candidate", "requisition"])
def test_an_anonymous_reload_is_sent_to_sign_in(client, place, subject):
    response = client.get(place["urls"][subject])
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?")
