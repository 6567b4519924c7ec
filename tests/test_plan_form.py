"""The interview plan's competencies are checkboxes, and the requisition page names
them (issue 14): a multi-select dropped every choice but one on a plain click, and
the page listed keys such as ``clinical_safety``."""

import re

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.models import Discipline, Requisition, Role
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate

from .rubric_samples import competency, dump, rubric


@pytest.fixture
def board(app, make_user):
    """A requisition on a rubric whose competency names differ from their keys."""
    ta = make_user(Role.TALENT_ACQUISITION)
    manager = make_user(Role.HIRING_MANAGER)
    named = rubric(
        competencies=[
            competency("clinical_safety", name="Patient safety in the build"),
            competency("privacy", name="Privacy <judgement>"),
        ]
    )
    with app.app_context():
        version = save_rubric(None, validate(dump(named)).rubric).version
        requisition = Requisition(
            title="EHR analyst",
            discipline=Discipline.CLINICAL,
            hiring_manager_id=manager.id,
            default_rubric_id=version.rubric_id,
        )
        db.session.add(requisition)
        db.session.commit()
        return {"ta": ta, "manager": manager, "requisition": requisition.id}


PLAN = {
    "sessions-0-title": "Clinical case",
    "sessions-0-duration_minutes": "60",
    "sessions-0-clinical_seats": "1",
    "sessions-0-technical_seats": "1",
    "version": "1",  # the plan's counter as drawn (issue 14: second tabs)
}


def test_competencies_are_checkboxes_in_a_named_group(client, auth, board):
    auth.login(board["ta"])
    page = client.get(f"/requisitions/{board['requisition']}/plan").get_data(
        as_text=True
    )
    assert "<select multiple" not in page and "multiple" not in page
    group = re.search(r"<fieldset[^>]*competency-boxes.*?</fieldset>", page, re.DOTALL)
    assert '<legend class="label">Competencies it covers</legend>' in group.group(0)
    boxes = re.findall(r'<input [^>]*type="checkbox"[^>]*>', group.group(0))
    assert len(boxes) == 2
    assert all('name="sessions-0-competency_keys"' in box for box in boxes)
    assert "Patient safety in the build" in group.group(0)
    assert "Privacy &lt;judgement&gt;" in group.group(0)


def test_two_ticked_boxes_are_saved_and_named_on_the_requisition(
    app, client, auth, board
):
    auth.login(board["ta"])
    url = f"/requisitions/{board['requisition']}/plan"
    plan = {**PLAN, "sessions-0-competency_keys": ["clinical_safety", "privacy"]}
    assert client.submit(url, plan).status_code == 302
    with app.app_context():
        saved = db.session.scalar(sa.select(Requisition)).plan[0].competency_keys
    assert list(saved) == ["clinical_safety", "privacy"]
    again = client.get(url).get_data(as_text=True)
    assert len(re.findall(r'<input checked[^>]*type="checkbox"', again)) == 2
    shown = client.get(f"/requisitions/{board['requisition']}").get_data(as_text=True)
    assert "Patient safety in the build, Privacy &lt;judgement&gt;" in shown
    assert "clinical_safety" not in shown


def test_only_talent_acquisition_writes_the_plan(client, auth, board):
    auth.login(board["manager"])
    url = f"/requisitions/{board['requisition']}/plan"
    assert client.get(url).status_code == 403
    plan = {**PLAN, "sessions-0-competency_keys": ["privacy"]}
    assert client.submit(url, plan).status_code == 403


def test_a_session_without_a_competency_is_refused_next_to_it(app, client, auth, board):
    """Issue 14, fresh-user test: a session with every box unticked was saved, and
    had nothing to rate."""
    auth.login(board["ta"])
    url = f"/requisitions/{board['requisition']}/plan"
    plan = {
        **PLAN,
        "sessions-0-competency_keys": ["clinical_safety", "privacy"],
        "sessions-1-title": "Nothing ticked",
        "sessions-1-duration_minutes": "60",
        "sessions-1-clinical_seats": "1",
        "sessions-1-technical_seats": "1",
    }
    refused = client.submit(url, plan)
    assert refused.status_code == 302
    page = client.get(refused.headers["Location"])
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    second = re.search(r'<fieldset[^>]*id="session-2".*?</fieldset>', text, re.DOTALL)
    assert re.search(
        r'<p class="error" id="sessions-1-competency_keys-error">Choose at least one'
        r" competency: a session without one has nothing to rate.</p>",
        second.group(0),
    )
    assert "sessions-0-competency_keys-error" not in text
    assert 'value="Nothing ticked"' in text  # what was typed is kept
    with app.app_context():
        assert list(db.session.scalar(sa.select(Requisition)).plan) == []
