"""The main navigation marks the one item a page belongs to, by its address: a
requisition's "Start a loop" is under Requisitions, a loop's debrief under Loops."""

import re
from datetime import UTC, datetime

import pytest

from interview.extensions import db
from interview.models import Discipline, PlanSession, Role
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate

from .builders import clinical_seat, start_loop
from .rubric_samples import dump, rubric

# Every GET rule, and the nav item marked current on it for the person who opens it
# (talent acquisition unless the rule is an interviewer's); None: a page outside the
# nav, or no page at all (a download, a fragment for a script).
NAV = {
    "/": "Home",
    "/account/password": "@name",  # the signed-in person's own link
    "/account": "@name",  # issue 14: one's own profile, where that link leads
    "/account/notifications": "@name",  # issue 14: one's own email reminders
    "/account/tokens": "@name",  # issue 15: one's own API tokens
    "/accounts/": "Accounts",
    "/accounts/new": "Accounts",
    "/accounts/<int:user_id>/edit": "Accounts",
    "/rubrics/": "Rubrics",
    "/rubrics/<key>": "Rubrics",
    "/rubrics/<key>/versions/<int:number>": "Rubrics",
    "/rubrics/<key>/compare": "Rubrics",
    "/rubrics/<key>/versions/<int:number>/download": None,
    "/rubrics/upload": "Rubrics",
    "/rubrics/new": "Rubrics",
    "/rubrics/<key>/edit": "Rubrics",
    "/requisitions/": "Requisitions",
    "/requisitions/new": "Requisitions",
    "/requisitions/<int:requisition_id>": "Requisitions",
    "/requisitions/<int:requisition_id>/edit": "Requisitions",
    "/requisitions/<int:requisition_id>/plan": "Requisitions",
    "/requisitions/<int:requisition_id>/loops/new": "Requisitions",
    "/candidates/": "Candidates",
    "/candidates/new": "Candidates",
    "/candidates/<int:candidate_id>/edit": "Candidates",
    "/candidates/<int:candidate_id>/conflicts": "Candidates",  # issue 14: reload
    "/candidates/search": None,
    "/interviewers/search": None,
    "/loops/": "Loops",
    "/loops/<int:loop_id>": "Loops",
    "/loops/<int:loop_id>/seats/<int:seat_id>/eligible": None,
    "/loops/<int:loop_id>/sessions/<int:session_id>/invite.ics": None,
    "/loops/<int:loop_id>/debrief": "Loops",
    "/loops/<int:loop_id>/debrief.pdf": None,
    # Issue 14: a form's POST address, reloaded, shows the loop page (no 405).
    "/loops/<int:loop_id>/propose": "Loops",
    "/loops/<int:loop_id>/status": "Loops",
    "/loops/<int:loop_id>/reopen": "Loops",
    "/loops/<int:loop_id>/sessions": "Loops",
    "/loops/<int:loop_id>/sessions/<int:session_id>/schedule": "Loops",
    "/loops/<int:loop_id>/sessions/<int:session_id>/remove": "Loops",
    "/loops/<int:loop_id>/sessions/<int:session_id>/shape": "Loops",
    # Issue 14: confirmations reached by a redirect (Back never posts again).
    "/loops/<int:loop_id>/sessions/<int:session_id>/removal": "Loops",
    "/loops/<int:loop_id>/withdraw": "Loops",
    "/loops/<int:loop_id>/move-to-debrief": "Loops",
    "/loops/<int:loop_id>/move-to-interviewing": "Loops",
    "/loops/<int:loop_id>/plan-again": "Loops",
    "/loops/<int:loop_id>/decision": "Loops",  # the debrief page, its form
    "/interviews/loops/<int:loop_id>/scorecards": "Loops",
    "/my-interviews": "My interviews",
    "/interviews/<int:seat_id>": "My interviews",
    "/calibration/": "Calibration",
    "/calibration/rubrics/<key>": "Calibration",
    "/calibration/rubrics/<key>/calibration.csv": None,
    "/calibration/requisitions/<int:requisition_id>": "Calibration",
    "/calibration/requisitions/<int:requisition_id>/calibration.csv": None,
    "/calibration/interviewers/<int:user_id>": "Calibration",
    "/calibration/interviewers/<int:user_id>/calibration.csv": None,
    "/calibration/me": None,  # an interviewer's own figures: no nav item of theirs
    # Issue 13, data lifecycle.
    "/candidates/<int:candidate_id>/erase": "Candidates",
    "/candidates/retention": "Candidates",
    # Issue 14: a refused hold form's address, reloaded, shows the form's page.
    "/candidates/<int:candidate_id>/holds": "Candidates",
    "/requisitions/<int:requisition_id>/holds": "Requisitions",
    # Issue 13, read audit.
    "/audit/": "Audit log",
    "/candidates/<int:candidate_id>/export.zip": None,
}
INTERVIEWERS_PAGES = {"/my-interviews", "/interviews/<int:seat_id>", "/calibration/me"}
OUTSIDE = {"/sign-in", "/static/<path:filename>"}  # no signed-in navigation
OUTSIDE |= {"/healthz", "/readyz"}  # issue 13: probes, plain text, no navigation
OUTSIDE |= {"/sign-in/sso", "/sign-in/sso/callback"}  # issue 15: before signing in
# Issue 15: the JSON API answers programs, in JSON, with no navigation.
OUTSIDE |= {"/api/v1/openapi.json", "/api/v1/me"}
OUTSIDE |= {
    "/api/v1/" + path
    for path in ("candidates", "requisitions", "loops", "rubrics", "hiring-managers")
}
OUTSIDE |= {
    "/api/v1/candidates/<int:candidate_id>",
    "/api/v1/requisitions/<int:requisition_id>",
    "/api/v1/loops/<int:loop_id>",
    "/api/v1/loops/<int:loop_id>/decision",
    "/api/v1/loops/<int:loop_id>/debrief",
}


@pytest.fixture
def place(app, make_user):
    """A scheduled loop with Clara on its clinical seat, and the ids rules need."""
    ta = make_user(Role.TALENT_ACQUISITION, name="Tess Acquisition")
    manager = make_user(Role.HIRING_MANAGER)
    clara = make_user(Role.INTERVIEWER, discipline=Discipline.CLINICAL)
    with app.app_context():
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        plan = [PlanSession(title="Workflow", competency_keys=["workflow"])]
        loop = start_loop(manager.id, version.rubric_id, plan)
        session = loop.sessions[0]
        session.starts_at = datetime(2026, 3, 3, 10, tzinfo=UTC)
        seat = clinical_seat(loop)
        seat.interviewer_id = clara.id
        db.session.commit()
        ids = {
            "user_id": manager.id,
            "key": "sample",
            "number": 1,
            "requisition_id": loop.requisition_id,
            "candidate_id": loop.candidate_id,
            "loop_id": loop.id,
            "session_id": session.id,
            "seat_id": seat.id,
        }
    return {"ta": ta, "clara": clara, "ids": ids}


def _url(rule: str, ids: dict) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule)


def _current(page: str) -> list[str]:
    """The labels of the navigation's links marked as the current page."""
    nav = page[page.index('<nav class="nav"') : page.index("</nav>")]
    return re.findall(r'<a href="[^"]*" aria-current="page">([^<]*)</a>', nav)


def test_every_get_page_has_its_nav_item_decided(app):
    rules = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.alias
    }
    assert rules - OUTSIDE == set(NAV), "say which nav item each new page belongs to"


@pytest.mark.parametrize("rule", sorted(NAV))
def test_one_nav_item_is_current(client, auth, place, rule):
    person = place["clara"] if rule in INTERVIEWERS_PAGES else place["ta"]
    auth.login(person)
    response = client.get(_url(rule, place["ids"]))
    assert response.status_code == 200, response.status_code
    expected = NAV[rule]
    if expected is None:
        assert response.mimetype != "text/html" or _current(response.text) == []
        return
    assert response.mimetype == "text/html"
    assert _current(response.text) == [person.name if expected == "@name" else expected]


def test_a_page_the_role_has_no_nav_item_for_marks_none(client, auth, place):
    auth.login(place["clara"])  # interviewers have My interviews, not Requisitions
    response = client.get("/requisitions/")
    assert response.status_code == 403
    assert _current(response.text) == []


def test_an_address_of_no_page_marks_no_nav_item(client, auth, place):
    auth.login(place["ta"])
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert _current(response.text) == []
