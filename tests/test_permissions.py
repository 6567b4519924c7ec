"""Who may use which route: one table of routes by roles, which every new route joins.

A signed-in user outside a route's roles gets 403; an anonymous visitor is sent to
sign-in. ``test_every_route_is_in_the_table`` fails when a route is added without a row.
"""

import re
from datetime import UTC, datetime

import pytest

from interview.extensions import db
from interview.models import Discipline, PlanSession, Role
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate

from .builders import start_loop
from .rubric_samples import dump, rubric

TA = "talent_acquisition"
HM = "hiring_manager"
CLINICAL = "clinical_interviewer"
TECHNICAL = "technical_interviewer"
EVERYONE = frozenset({TA, HM, CLINICAL, TECHNICAL})
ONLY_TA = frozenset({TA})
TA_AND_MANAGER = frozenset({TA, HM})
INTERVIEWERS = frozenset({CLINICAL, TECHNICAL})

# (method, rule as in app.url_map, roles allowed)
ROUTES = [
    ("GET", "/", EVERYONE),
    ("GET", "/account/password", EVERYONE),
    ("POST", "/account/password", EVERYONE),
    ("GET", "/account", EVERYONE),  # issue 14: one's own profile
    ("POST", "/account", EVERYONE),
    ("GET", "/account/notifications", EVERYONE),  # issue 14: one's own reminders
    ("GET", "/account/tokens", EVERYONE),  # issue 15: one's own API tokens
    ("POST", "/account/tokens", EVERYONE),
    ("POST", "/account/notifications", EVERYONE),
    ("POST", "/sign-out", EVERYONE),
    ("GET", "/accounts/", ONLY_TA),
    ("GET", "/accounts/new", ONLY_TA),
    ("POST", "/accounts/new", ONLY_TA),
    ("GET", "/accounts/<int:user_id>/edit", ONLY_TA),
    ("POST", "/accounts/<int:user_id>/edit", ONLY_TA),
    ("POST", "/accounts/<int:user_id>/deactivate", ONLY_TA),
    ("POST", "/accounts/<int:user_id>/reactivate", ONLY_TA),
    ("POST", "/accounts/<int:user_id>/sso/unlink", ONLY_TA),  # issue 15
    ("GET", "/rubrics/", EVERYONE),
    ("GET", "/rubrics/<key>", EVERYONE),
    ("GET", "/rubrics/<key>/versions/<int:number>", EVERYONE),
    ("GET", "/rubrics/<key>/compare", EVERYONE),
    ("GET", "/rubrics/<key>/versions/<int:number>/download", EVERYONE),
    ("GET", "/rubrics/upload", ONLY_TA),
    ("POST", "/rubrics/upload", ONLY_TA),
    ("GET", "/rubrics/new", ONLY_TA),
    ("POST", "/rubrics/new", ONLY_TA),
    ("GET", "/rubrics/<key>/edit", ONLY_TA),
    ("POST", "/rubrics/<key>/edit", ONLY_TA),
    ("GET", "/requisitions/", TA_AND_MANAGER),
    ("GET", "/requisitions/new", ONLY_TA),
    ("POST", "/requisitions/new", ONLY_TA),
    ("GET", "/requisitions/<int:requisition_id>", TA_AND_MANAGER),
    ("GET", "/requisitions/<int:requisition_id>/edit", ONLY_TA),
    ("POST", "/requisitions/<int:requisition_id>/edit", ONLY_TA),
    ("GET", "/requisitions/<int:requisition_id>/plan", ONLY_TA),
    ("POST", "/requisitions/<int:requisition_id>/plan", ONLY_TA),
    ("GET", "/requisitions/<int:requisition_id>/loops/new", ONLY_TA),
    ("POST", "/requisitions/<int:requisition_id>/loops/new", ONLY_TA),
    ("GET", "/candidates/", ONLY_TA),
    ("GET", "/candidates/new", ONLY_TA),
    ("POST", "/candidates/new", ONLY_TA),
    ("GET", "/candidates/<int:candidate_id>/edit", ONLY_TA),
    ("POST", "/candidates/<int:candidate_id>/edit", ONLY_TA),
    ("POST", "/candidates/<int:candidate_id>/conflicts", ONLY_TA),
    ("GET", "/candidates/<int:candidate_id>/conflicts", ONLY_TA),  # issue 14: reload
    ("GET", "/candidates/search", ONLY_TA),
    ("GET", "/interviewers/search", ONLY_TA),
    ("GET", "/loops/", EVERYONE),
    ("GET", "/loops/<int:loop_id>", EVERYONE),
    ("POST", "/loops/<int:loop_id>/seats/<int:seat_id>", ONLY_TA),
    ("GET", "/loops/<int:loop_id>/seats/<int:seat_id>/eligible", ONLY_TA),
    ("POST", "/loops/<int:loop_id>/propose", ONLY_TA),
    # Issue 14: a form's POST address, reloaded, shows the page (no 405).
    ("GET", "/loops/<int:loop_id>/propose", EVERYONE),
    ("GET", "/loops/<int:loop_id>/status", EVERYONE),
    ("GET", "/loops/<int:loop_id>/reopen", EVERYONE),
    ("GET", "/loops/<int:loop_id>/sessions", EVERYONE),
    ("GET", "/loops/<int:loop_id>/sessions/<int:session_id>/schedule", EVERYONE),
    ("GET", "/loops/<int:loop_id>/sessions/<int:session_id>/shape", EVERYONE),
    ("POST", "/loops/<int:loop_id>/sessions/<int:session_id>/schedule", ONLY_TA),
    ("POST", "/loops/<int:loop_id>/status", ONLY_TA),
    ("POST", "/loops/<int:loop_id>/reopen", ONLY_TA),
    ("POST", "/loops/<int:loop_id>/sessions", ONLY_TA),
    ("POST", "/loops/<int:loop_id>/sessions/<int:session_id>/shape", ONLY_TA),
    ("GET", "/loops/<int:loop_id>/sessions/<int:session_id>/remove", EVERYONE),
    ("POST", "/loops/<int:loop_id>/sessions/<int:session_id>/remove", ONLY_TA),
    # Issue 14: the confirmations a redirect lands on, as their actions: TA's.
    ("GET", "/loops/<int:loop_id>/sessions/<int:session_id>/removal", ONLY_TA),
    ("GET", "/loops/<int:loop_id>/withdraw", ONLY_TA),
    ("GET", "/loops/<int:loop_id>/move-to-debrief", ONLY_TA),
    ("GET", "/loops/<int:loop_id>/move-to-interviewing", ONLY_TA),
    ("GET", "/loops/<int:loop_id>/plan-again", ONLY_TA),
    ("GET", "/loops/<int:loop_id>/sessions/<int:session_id>/invite.ics", EVERYONE),
    ("GET", "/my-interviews", INTERVIEWERS),
    # Only the seat's own interviewer (the fixture seats the clinical one there).
    ("GET", "/interviews/<int:seat_id>", frozenset({CLINICAL})),
    ("POST", "/interviews/<int:seat_id>", frozenset({CLINICAL})),
    ("POST", "/interviews/<int:seat_id>/autosave", frozenset({CLINICAL})),
    # Before submitting their own, interviewers may not read the panel's scorecards.
    ("GET", "/interviews/loops/<int:loop_id>/scorecards", TA_AND_MANAGER),
    ("GET", "/loops/<int:loop_id>/debrief", TA_AND_MANAGER),
    ("GET", "/loops/<int:loop_id>/debrief.pdf", TA_AND_MANAGER),
    ("POST", "/loops/<int:loop_id>/decision", frozenset({HM})),
    ("GET", "/loops/<int:loop_id>/decision", TA_AND_MANAGER),  # the debrief page
    # Calibration: interviewer-level figures are talent acquisition's; a manager
    # reads the reliability of their own requisitions; an interviewer their own
    # figures (user_id is another interviewer's: refused to all but TA).
    ("GET", "/calibration/", TA_AND_MANAGER),
    ("GET", "/calibration/rubrics/<key>", ONLY_TA),
    ("GET", "/calibration/rubrics/<key>/calibration.csv", ONLY_TA),
    ("GET", "/calibration/requisitions/<int:requisition_id>", TA_AND_MANAGER),
    (
        "GET",
        "/calibration/requisitions/<int:requisition_id>/calibration.csv",
        TA_AND_MANAGER,
    ),
    ("GET", "/calibration/interviewers/<int:user_id>", ONLY_TA),
    ("GET", "/calibration/interviewers/<int:user_id>/calibration.csv", ONLY_TA),
    ("GET", "/calibration/me", INTERVIEWERS),
    # Issue 13, data lifecycle: erasure, legal holds and retention are TA's alone.
    ("GET", "/candidates/<int:candidate_id>/erase", ONLY_TA),
    ("POST", "/candidates/<int:candidate_id>/erase", ONLY_TA),
    ("POST", "/candidates/<int:candidate_id>/holds", ONLY_TA),
    ("POST", "/requisitions/<int:requisition_id>/holds", ONLY_TA),
    # Issue 14: a refused hold form's address, reloaded, shows the form's page.
    ("GET", "/candidates/<int:candidate_id>/holds", ONLY_TA),
    ("GET", "/requisitions/<int:requisition_id>/holds", TA_AND_MANAGER),
    ("POST", "/holds/<int:hold_id>/release", ONLY_TA),
    ("GET", "/candidates/retention", ONLY_TA),
    # Issue 13, read audit: the audit log and the subject access export.
    ("GET", "/audit/", ONLY_TA),
    ("GET", "/candidates/<int:candidate_id>/export.zip", ONLY_TA),
]
# Issue 15, the JSON API: (method, rule, roles allowed). Each role holds a token with
# every scope its role can hold; the route's own scope is refused separately.
API_ROUTES = [
    ("GET", "/api/v1/me", EVERYONE),
    ("GET", "/api/v1/candidates", ONLY_TA),
    ("POST", "/api/v1/candidates", ONLY_TA),
    ("GET", "/api/v1/candidates/<int:candidate_id>", ONLY_TA),
    ("PATCH", "/api/v1/candidates/<int:candidate_id>", ONLY_TA),
    ("GET", "/api/v1/requisitions", TA_AND_MANAGER),
    ("POST", "/api/v1/requisitions", ONLY_TA),
    ("GET", "/api/v1/requisitions/<int:requisition_id>", TA_AND_MANAGER),
    ("PATCH", "/api/v1/requisitions/<int:requisition_id>", ONLY_TA),
    ("GET", "/api/v1/rubrics", TA_AND_MANAGER),
    ("GET", "/api/v1/hiring-managers", ONLY_TA),
    ("GET", "/api/v1/loops", EVERYONE),
    ("POST", "/api/v1/loops", ONLY_TA),
    ("GET", "/api/v1/loops/<int:loop_id>", EVERYONE),
    # Before submitting their own, interviewers may not read the panel.
    ("GET", "/api/v1/loops/<int:loop_id>/decision", TA_AND_MANAGER),
    ("GET", "/api/v1/loops/<int:loop_id>/debrief", TA_AND_MANAGER),
]
PUBLIC = [
    ("GET", "/api/v1/openapi.json"),  # issue 15: the API's description, no data
    ("GET", "/sign-in"),
    ("POST", "/sign-in"),
    ("GET", "/static/<path:filename>"),
    # Issue 13, operations: probes for load balancers, with no data (test_ops.py).
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    # Issue 15: single sign-on, before anyone is signed in (404 while it is off).
    ("GET", "/sign-in/sso"),
    ("GET", "/sign-in/sso/callback"),
]
# Routes on one's own objects: anyone else is answered 404, as if it did not exist
# (a token's id tells nobody whose it is); the object is the TA's.
OWN_ONLY = [
    ("POST", "/account/tokens/<int:token_id>/revoke"),  # issue 15
]
# Another address of a route in the table, which only redirects to it (Werkzeug's
# alias rules): anyone is sent on, and the route itself then asks for its roles.
ALIASES = [
    ("GET", "/my-interviews/", "/my-interviews"),
]

ROLE_SPECS = {
    TA: (Role.TALENT_ACQUISITION, None),
    HM: (Role.HIRING_MANAGER, None),
    CLINICAL: (Role.INTERVIEWER, Discipline.CLINICAL),
    TECHNICAL: (Role.INTERVIEWER, Discipline.TECHNICAL),
}


@pytest.fixture
def people(make_user):
    """One account per role; the loop below belongs to them (its manager, its panel)."""
    return {
        role: make_user(kind, discipline=d) for role, (kind, d) in ROLE_SPECS.items()
    }


@pytest.fixture
def objects(app, make_user, people):
    """The objects that fill a rule's variables: a scheduled loop with a seated panel."""
    target = make_user(Role.INTERVIEWER, discipline=Discipline.TECHNICAL)
    with app.app_context():
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        plan = [PlanSession(title="Workflow", competency_keys=["workflow"])]
        loop = start_loop(
            people[HM].id, version.rubric_id, plan, candidate="Amara Nwosu"
        )
        requisition, candidate = loop.requisition, loop.candidate
        session = loop.sessions[0]
        session.starts_at = datetime(2026, 3, 3, 10, tzinfo=UTC)
        for seat in session.seats:
            role = CLINICAL if seat.discipline == Discipline.CLINICAL else TECHNICAL
            seat.interviewer_id = people[role].id
        db.session.commit()
        return {
            "user_id": target.id,
            "key": "sample",
            "number": 1,
            "requisition_id": requisition.id,
            "candidate_id": candidate.id,
            "loop_id": loop.id,
            "session_id": session.id,
            "seat_id": session.seats[0].id,
            "hold_id": _hold(people[TA], requisition),  # issue 13: data lifecycle
            "token_id": _token(people[TA]),  # issue 15: the TA's API token
        }


def _token(owner) -> int:
    from interview.api.tokens import create_token
    from interview.models import User

    made = create_token(db.session.get(User, owner.id), "ATS", ["loops:read"], 30)
    db.session.commit()
    return made.token.id


def _hold(actor, requisition) -> int:
    """A legal hold in force on the requisition (issue 13), committed."""
    from interview.lifecycle.holds import place_hold

    hold = place_hold(actor, requisition, "Litigation hold for the permission table")
    db.session.commit()
    return hold.id


def _url(rule: str, objects: dict) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(objects[m.group(1)]), rule)


def _request(client, method: str, url: str):
    if method == "GET":
        return client.get(url)
    return client.submit(url, {})


def test_every_route_is_in_the_table(app):
    known = {(m, r) for m, r, _ in ROUTES + API_ROUTES} | set(PUBLIC)
    known |= {(m, r) for m, r, _ in ALIASES} | set(OWN_ONLY)
    missing = [
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
        if (method, rule.rule) not in known
    ]
    assert missing == [], "add these routes to the permission table"


@pytest.mark.parametrize("role", sorted(EVERYONE))
@pytest.mark.parametrize(
    "method, rule, allowed", ROUTES, ids=[f"{m} {r}" for m, r, _ in ROUTES]
)
def test_route_by_role(client, auth, people, objects, method, rule, allowed, role):
    auth.login(people[role])
    response = _request(client, method, _url(rule, objects))
    if role in allowed:  # anything but a refusal: an empty form may get 400 or 422
        assert response.status_code in (200, 302, 400, 422), response.status_code
        assert not response.headers.get("Location", "").startswith("/sign-in?")
    else:
        assert response.status_code == 403
        assert "Not allowed" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "method, rule",
    [(m, r) for m, r, _ in ROUTES],
    ids=[f"{m} {r}" for m, r, _ in ROUTES],
)
def test_anonymous_is_sent_to_sign_in(client, objects, method, rule):
    response = _request(client, method, _url(rule, objects))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize("method, alias, rule", ALIASES)
def test_an_alias_sends_everyone_to_its_route(client, objects, method, alias, rule):
    assert (method, rule) in {(m, r) for m, r, _ in ROUTES}
    response = client.open(_url(alias, objects), method=method)
    assert response.status_code == 308
    assert response.headers["Location"].endswith(_url(rule, objects))


def test_navigation_shows_only_what_the_role_may_use(client, auth, users):
    auth.login(users["clinical"])
    page = client.get("/").get_data(as_text=True)
    assert 'href="/accounts/"' not in page
    auth.logout()
    auth.login(users["talent_acquisition"])
    assert 'href="/accounts/"' in client.get("/").get_data(as_text=True)


# Issue 15: the JSON API ------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(EVERYONE))
@pytest.mark.parametrize("method, rule", OWN_ONLY)
def test_own_only_route(client, auth, people, objects, method, rule, role):
    auth.login(people[role])
    response = _request(client, method, _url(rule, objects))
    assert response.status_code == (302 if role == TA else 404)
    if role == TA:
        assert not response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize("method, rule", OWN_ONLY)
def test_own_only_route_sends_a_stranger_to_sign_in(client, objects, method, rule):
    response = _request(client, method, _url(rule, objects))
    assert response.headers["Location"].startswith("/sign-in")


def _api_call(client, method: str, url: str):
    return client.open(method, url, body={} if method in ("POST", "PATCH") else None)


@pytest.mark.parametrize("role", sorted(EVERYONE))
@pytest.mark.parametrize(
    "method, rule, allowed", API_ROUTES, ids=[f"{m} {r}" for m, r, _ in API_ROUTES]
)
def test_api_route_by_role(api, people, objects, method, rule, allowed, role):
    response = _api_call(api(people[role]), method, _url(rule, objects))
    if role in allowed:  # anything but a refusal: an empty body may get 422
        assert response.status_code in (200, 201, 422), response.get_json()
    else:
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] in (
            "forbidden",
            "insufficient_scope",
        )


@pytest.mark.parametrize(
    "method, rule",
    [(m, r) for m, r, _ in API_ROUTES],
    ids=[f"{m} {r}" for m, r, _ in API_ROUTES],
)
def test_api_without_a_token_is_401(app, objects, method, rule):
    from .api_client import ApiClient

    response = _api_call(ApiClient(app, None), method, _url(rule, objects))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "authentication_required"


@pytest.mark.parametrize(
    "method, rule, allowed",
    [r for r in API_ROUTES if r[1] != "/api/v1/me"],
    ids=[f"{m} {r}" for m, r, _ in API_ROUTES if r != "/api/v1/me"],
)
def test_api_route_needs_its_scope(api, people, objects, method, rule, allowed):
    """A token of an allowed person, holding every scope but the route's, is refused."""
    from interview.api import scopes as sc
    from interview.api.spec import OPERATIONS

    needed = next(
        op.scope
        for op in OPERATIONS
        if (op.method, "/api/v1" + op.rule) == (method, rule)
    )
    person = people[max(allowed)]
    held = [s.name for s in sc.offered(ROLE_SPECS[max(allowed)][0]) if s.name != needed]
    response = _api_call(
        api(person, held or ["loops:read"]), method, _url(rule, objects)
    )
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "insufficient_scope" and needed in error["message"]
