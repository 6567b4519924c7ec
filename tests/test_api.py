"""The JSON API's behaviour: candidates, requisitions and loops made and read as on
the site's pages, with the same rules; errors as JSON with a stable code; lists
paged as the site's are; a create sent twice makes one record; a change from an
older version refused. Every answer is also checked against the OpenAPI document
(tests/api_client.py)."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.lifecycle.erasure import erase_candidate
from interview.models import (
    AuditEntry,
    Candidate,
    Discipline,
    Loop,
    PanelSeat,
    PlanSession,
    Requisition,
    Role,
    User,
)
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate

from .builders import start_loop
from .rubric_samples import dump, rubric


@pytest.fixture
def ta(make_user):
    return make_user(Role.TALENT_ACQUISITION, name="Tara Talent")


@pytest.fixture
def manager(make_user):
    return make_user(Role.HIRING_MANAGER, name="Hamid Manager")


@pytest.fixture
def ready(app, manager):
    """A requisition with a rubric and a plan, ready for loops: its id, the rubric's key."""
    with app.app_context():
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        requisition = Requisition(
            title="EHR analyst",
            discipline=Discipline.CLINICAL,
            hiring_manager_id=manager.id,
            default_rubric_id=version.rubric_id,
            plan=[PlanSession(title="Workflow", competency_keys=["workflow"])],
        )
        db.session.add(requisition)
        db.session.commit()
        return {"requisition": requisition.id, "rubric": version.rubric.key}


# --- candidates ---------------------------------------------------------------------


def test_a_candidate_is_added_read_listed_and_changed(app, api, ta):
    client = api(ta)
    made = client.post(
        "/api/v1/candidates",
        {"name": "Zoë Ångström", "email": "Zoe@Example.org", "external_id": "W-1"},
    )
    assert made.status_code == 201
    body = made.get_json()
    assert body["name"] == "Zoë Ångström" and body["email"] == "Zoe@example.org"
    assert made.headers["ETag"] == '"1"'
    address = made.headers["Location"]
    assert client.get(address).get_json() == body
    found = client.get("/api/v1/candidates?q=zoe angstrom").get_json()
    assert [c["id"] for c in found["items"]] == [body["id"]]
    by_id = client.get("/api/v1/candidates?external_id=W-1").get_json()
    assert by_id["total"] == 1
    changed = client.patch(address, {"phone": "+44 20 7946 0000", "source": None})
    assert changed.status_code == 200
    after = changed.get_json()
    assert after["phone"] == "+44 20 7946 0000" and after["version"] == 2
    assert after["name"] == "Zoë Ångström"  # not sent: unchanged
    with app.app_context():
        entries = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "candidate.save")
        ).all()
        assert [e.actor_id for e in entries] == [ta.id, ta.id]
        assert entries[1].after == {"phone": "+44 20 7946 0000"}


def test_a_create_sent_twice_makes_one_candidate(app, api, ta):
    client = api(ta)
    first = client.post("/api/v1/candidates", {"name": "Ada Obi", "external_id": "A-7"})
    again = client.post("/api/v1/candidates", {"name": "Ada Obi", "external_id": "A-7"})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_exists"
    assert again.headers["Location"] == first.headers["Location"]
    other = client.post("/api/v1/candidates", {"name": "Ben Obi", "external_id": "B-1"})
    taken = client.patch(other.headers["Location"], {"external_id": "A-7"})
    assert taken.status_code == 409
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Candidate.id))) == 2


def test_a_change_from_an_older_version_is_refused(app, api, ta):
    client = api(ta)
    address = client.post("/api/v1/candidates", {"name": "Ada Obi"}).headers["Location"]
    assert (
        client.patch(
            address, {"notes": "first"}, headers={"If-Match": '"1"'}
        ).status_code
        == 200
    )
    stale = client.patch(address, {"notes": "second"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.get_json()["error"]["code"] == "version_mismatch"
    assert client.get(address).get_json()["notes"] == "first"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "Ada\u0000Obi"}, "name"),
        ({"name": "Ada", "email": "not an email"}, "email"),
        ({"name": "Ada", "phone": "call me"}, "phone"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Ada", "notes": "n" * 20_001}, "notes"),
        ({"name": 42}, "name"),
        ({"name": "Ada", "nmae": "typo"}, "nmae"),
        ({}, "name"),
    ],
)
def test_refused_values_are_named_and_nothing_is_saved(app, api, ta, body, field):
    answer = api(ta).post("/api/v1/candidates", body)
    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert field in [d["field"] for d in error["details"]]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Candidate.id))) == 0


@pytest.mark.parametrize(
    "raw, content_type, status, code",
    [
        (b"{", "application/json", 400, "invalid_json"),
        (b'{"name": "A\x00"}', "application/json", 400, "invalid_json"),
        (b"\xff\xfe", "application/json", 400, "invalid_json"),
        (b"[1, 2]", "application/json", 422, "validation_failed"),
        (
            b"name=Ada",
            "application/x-www-form-urlencoded",
            415,
            "unsupported_media_type",
        ),
        (b"x" * (5 * 1024 * 1024), "application/json", 413, "too_large"),
    ],
)
def test_a_malformed_body_is_a_json_error(
    app, api, ta, raw, content_type, status, code
):
    answer = api(ta).open(
        "POST", "/api/v1/candidates", raw=raw, headers={"Content-Type": content_type}
    )
    assert answer.status_code == status
    assert answer.get_json()["error"]["code"] == code


@pytest.mark.parametrize(
    "method, url, status, code",
    [
        ("GET", "/api/v1/candidates/999999", 404, "not_found"),
        ("GET", "/api/v1/candidates/99999999999", 404, "not_found"),
        ("GET", "/api/v1/nowhere", 404, "not_found"),
        ("DELETE", "/api/v1/candidates", 405, "method_not_allowed"),
        ("GET", "/api/v1/candidates?q=a%00b", 400, "bad_request"),
        ("GET", "/api/v1/loops?status=bogus", 422, "validation_failed"),
        ("GET", "/api/v1/loops?requisition=abc", 422, "validation_failed"),
        ("GET", "/api/v1/candidates?sort=salary", 422, "validation_failed"),
    ],
)
def test_errors_are_json_with_a_stable_code(api, ta, method, url, status, code):
    answer = api(ta).open(method, url)
    assert answer.status_code == status
    assert answer.mimetype == "application/json"
    assert answer.get_json()["error"]["code"] == code


def test_an_erased_candidate_is_not_written_again(app, api, ta):
    client = api(ta)
    address = client.post(
        "/api/v1/candidates", {"name": "Ada Obi", "external_id": "E-1"}
    ).headers["Location"]
    with app.app_context():
        candidate = db.session.scalars(sa.select(Candidate)).one()
        erase_candidate(db.session.get(User, ta.id), candidate)
        db.session.commit()
    read = client.get(address).get_json()
    assert read["erased"] is True and read["external_id"] is None
    assert "Ada" not in read["name"]
    answer = client.patch(address, {"name": "Ada Obi"})
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "erased"


def test_lists_are_paged_as_the_sites(app, api, ta):
    with app.app_context():
        db.session.add_all(Candidate(name=f"Person {n:03}") for n in range(60))
        db.session.commit()
    client = api(ta)
    first = client.get("/api/v1/candidates").get_json()
    assert (first["total"], first["pages"], first["size"], len(first["items"])) == (
        60,
        3,
        25,
        25,
    )
    last = client.get("/api/v1/candidates?page=99&size=50").get_json()
    assert (last["page"], last["size"], len(last["items"])) == (2, 50, 10)
    names = [
        c["name"]
        for page in (1, 2, 3)
        for c in client.get(f"/api/v1/candidates?page={page}").get_json()["items"]
    ]
    assert names == sorted(names) and len(set(names)) == 60
    newest = client.get("/api/v1/candidates?sort=newest").get_json()["items"][0]
    assert newest["name"] == "Person 059"


def test_a_list_counts_up_to_the_limit_and_says_more(app, api, ta):
    app.config["LIST_COUNT_LIMIT"] = 30
    with app.app_context():
        db.session.add_all(Candidate(name=f"Person {n:03}") for n in range(40))
        db.session.commit()
    page = api(ta).get("/api/v1/candidates").get_json()
    assert (page["total"], page["more"]) == (30, True)


# --- requisitions -------------------------------------------------------------------


def test_a_requisition_is_opened_read_and_changed(app, api, ta, manager, ready):
    client = api(ta)
    body = {
        "title": "Clinical informaticist",
        "discipline": "clinical",
        "hiring_manager_id": manager.id,
        "rubric": ready["rubric"],
        "external_id": "REQ-9",
    }
    made = client.post("/api/v1/requisitions", body)
    assert made.status_code == 201, made.get_json()
    out = made.get_json()
    assert out["hiring_manager"] == {"id": manager.id, "name": "Hamid Manager"}
    assert (out["rubric"], out["status"], out["plan"]) == (ready["rubric"], "open", [])
    assert client.post("/api/v1/requisitions", body).status_code == 409
    changed = client.patch(made.headers["Location"], {"status": "on_hold"})
    assert changed.get_json()["status"] == "on_hold"
    assert changed.get_json()["title"] == "Clinical informaticist"
    read = client.get(f"/api/v1/requisitions/{ready['requisition']}").get_json()
    assert read["plan"][0]["competencies"] == ["workflow"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"hiring_manager_id": "TA"}, "hiring_manager_id"),
        ({"discipline": "surgical"}, "discipline"),
        ({"rubric": "no-such-rubric"}, "rubric"),
        ({"title": None}, "title"),
    ],
)
def test_a_refused_requisition_change_names_the_field(api, ta, ready, change, field):
    answer = api(ta).patch(f"/api/v1/requisitions/{ready['requisition']}", change)
    assert answer.status_code == 422
    assert field in [d["field"] for d in answer.get_json()["error"]["details"]]


def test_a_hiring_manager_is_not_one_of_the_talent_team(api, ta, make_user):
    """Another role's id as the manager is refused, as on the form."""
    answer = api(ta).post(
        "/api/v1/requisitions",
        {"title": "Analyst", "discipline": "technical", "hiring_manager_id": ta.id},
    )
    assert answer.status_code == 422


def test_a_manager_lists_and_reads_only_their_own_requisitions(
    app, api, manager, make_user, ready
):
    other = make_user(Role.HIRING_MANAGER)
    with app.app_context():
        db.session.add(
            Requisition(
                title="Not theirs",
                discipline=Discipline.TECHNICAL,
                hiring_manager_id=other.id,
            )
        )
        db.session.commit()
        theirs = db.session.scalar(
            sa.select(Requisition.id).where(Requisition.title == "Not theirs")
        )
    client = api(manager)
    listed = client.get("/api/v1/requisitions").get_json()
    assert [r["id"] for r in listed["items"]] == [ready["requisition"]]
    assert client.get(f"/api/v1/requisitions/{theirs}").status_code == 403


# --- loops --------------------------------------------------------------------------


def _candidate(client, name="Priya Raman") -> int:
    return client.post("/api/v1/candidates", {"name": name}).get_json()["id"]


def test_a_loop_is_started_once_unless_another_is_asked_for(app, api, ta, ready):
    client = api(ta)
    person = _candidate(client)
    body = {"requisition_id": ready["requisition"], "candidate_id": person}
    started = client.post("/api/v1/loops", body)
    assert started.status_code == 201, started.get_json()
    loop = started.get_json()
    assert loop["status"] == "planned"
    assert loop["candidate"] == {"id": person, "name": "Priya Raman"}
    seats = loop["sessions"][0]["seats"]
    assert {s["discipline"] for s in seats} == {"clinical", "technical"}
    again = client.post("/api/v1/loops", body)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "loop_already_open"
    assert again.headers["Location"] == started.headers["Location"]
    another = client.post("/api/v1/loops", body | {"allow_another": True})
    assert another.status_code == 201
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Loop.id))) == 2


def test_a_loop_on_an_unready_requisition_or_nobody_is_refused(app, api, ta, manager):
    client = api(ta)
    person = _candidate(client)
    bare = client.post(
        "/api/v1/requisitions",
        {"title": "Bare", "discipline": "technical", "hiring_manager_id": manager.id},
    ).get_json()["id"]
    unready = client.post(
        "/api/v1/loops", {"requisition_id": bare, "candidate_id": person}
    )
    assert unready.status_code == 409
    assert unready.get_json()["error"]["code"] == "not_ready"
    nobody = client.post(
        "/api/v1/loops", {"requisition_id": bare, "candidate_id": 99999}
    )
    assert nobody.status_code == 422
    assert [d["field"] for d in nobody.get_json()["error"]["details"]] == [
        "candidate_id"
    ]


def test_loops_list_filters(app, api, ta, ready):
    client = api(ta)
    first, second = _candidate(client, "Ada Obi"), _candidate(client, "Ben Eze")
    for person in (first, second):
        client.post(
            "/api/v1/loops",
            {"requisition_id": ready["requisition"], "candidate_id": person},
        )
    assert client.get("/api/v1/loops").get_json()["total"] == 2
    only = client.get(f"/api/v1/loops?candidate={first}").get_json()["items"]
    assert [lp["candidate"]["name"] for lp in only] == ["Ada Obi"]
    assert client.get("/api/v1/loops?q=eze").get_json()["total"] == 1
    assert client.get("/api/v1/loops?status=decided").get_json()["total"] == 0


@pytest.fixture
def panel(app, make_user, manager):
    """A loop whose one session has Clara (clinical) and Wei (technical) seated; Wei
    has submitted, Clara has not."""
    from interview.scorecards.operations import Edit, scorecard_for, submit
    from interview.scorecards.rules import Answer

    clara = make_user(
        Role.INTERVIEWER, discipline=Discipline.CLINICAL, name="Clara Jensen"
    )
    wei = make_user(Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="Wei Zhang")
    with app.app_context():
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        plan = [PlanSession(title="Workflow", competency_keys=["workflow"])]
        loop = start_loop(manager.id, version.rubric_id, plan)
        session = loop.sessions[0]
        session.starts_at = datetime.now(UTC) - timedelta(hours=2)
        for seat in session.seats:
            seat.interviewer_id = (
                clara if seat.discipline == Discipline.CLINICAL else wei
            ).id
        db.session.commit()
        seats = {str(s.discipline): s.id for s in session.seats}
        seat = db.session.get(PanelSeat, seats["technical"])
        card = scorecard_for(seat)
        answers = {
            c.key: Answer(4, False, "Explained FHIR paging well.")
            for c in session.competencies
        }
        submit(
            seat.interviewer,
            card,
            answers,
            4,
            "Would hire for the integration team.",
            Edit(card.version),
        )
        db.session.commit()
        return {"loop": loop.id, "seats": seats, "clara": clara, "wei": wei}


def _states(loop: dict) -> dict:
    return {s["discipline"]: s["scorecard"] for s in loop["sessions"][0]["seats"]}


def test_scorecard_states_follow_the_independence_rule(app, api, panel, manager, ta):
    url = f"/api/v1/loops/{panel['loop']}"
    clara = api(panel["clara"]).get(url).get_json()
    assert _states(clara) == {"clinical": "not started", "technical": None}
    wei = api(panel["wei"]).get(url).get_json()  # submitted: may read the panel
    assert _states(wei) == {"clinical": "not started", "technical": "submitted"}
    for reader in (manager, ta):
        assert _states(api(reader).get(url).get_json())["technical"] == "submitted"


def test_the_debrief_summary_and_decision(app, api, panel, manager):
    client = api(manager)
    debrief = client.get(f"/api/v1/loops/{panel['loop']}/debrief")
    assert debrief.status_code == 200
    body = debrief.get_json()
    assert body["submitted"] == 1
    workflow = next(c for c in body["competencies"] if c["key"] == "workflow")
    assert (workflow["ratings"], workflow["mean"], workflow["technical_mean"]) == (
        1,
        4.0,
        4.0,
    )
    assert workflow["clinical_mean"] is None
    assert (
        api(panel["clara"]).get(f"/api/v1/loops/{panel['loop']}/debrief").status_code
        == 403
    )
    assert (
        api(panel["wei"]).get(f"/api/v1/loops/{panel['loop']}/debrief").status_code
        == 200
    )
    with app.app_context():
        reads = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "debrief.view")
        ).all()
        assert {(e.actor_id, e.object_id) for e in reads} == {
            (manager.id, panel["loop"]),
            (panel["wei"].id, panel["loop"]),
        }
        assert all(e.after == {"via": "api"} for e in reads)
    none_yet = client.get(f"/api/v1/loops/{panel['loop']}/decision").get_json()
    assert none_yet["decision"] is None and none_yet["history"] == []
    from interview.debrief.operations import record_decision

    with app.app_context():
        loop = db.session.get(Loop, panel["loop"])
        loop.status = "debrief"  # as a move to debrief leaves it
        record_decision(
            db.session.get(User, manager.id),
            loop,
            "hire",
            "Strong on workflow, clear on FHIR.",
        )
        db.session.commit()
    decided = client.get(f"/api/v1/loops/{panel['loop']}/decision").get_json()
    assert decided["status"] == "decided"
    assert decided["decision"]["outcome"] == "hire"
    assert decided["decision"]["decided_by"]["id"] == manager.id
    assert len(decided["history"]) == 1


# --- at the same moment -------------------------------------------------------------


def _at_once(app, secret: str, calls: list) -> list:
    """Send each (method, url, body) from its own thread, all released together."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from .api_client import ApiClient

    gate = Barrier(len(calls))

    def send(call):
        client = ApiClient(app, secret)
        gate.wait()
        return client.open(*call)

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(send, calls))


def test_ten_creates_of_one_record_at_once_make_one(app, ta):
    """A tracking system's retries arriving together: one 201, the rest 409 with the
    record's address; never a 500 (the unique index's refusal is answered)."""
    from .api_client import make_token

    secret = make_token(app, ta)
    body = {"name": "Ada Obi", "external_id": "SAME-1"}
    answers = _at_once(app, secret, [("POST", "/api/v1/candidates", body)] * 10)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * 9, statuses
    made = next(a for a in answers if a.status_code == 201)
    for answer in answers:
        if answer.status_code == 409:
            assert answer.headers["Location"] == made.headers["Location"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Candidate.id))) == 1


def test_two_loop_starts_at_once_make_one_loop(app, ta, ready):
    from .api_client import make_token

    secret = make_token(app, ta)
    with app.app_context():
        person = Candidate(name="Priya Raman")
        db.session.add(person)
        db.session.commit()
        body = {"requisition_id": ready["requisition"], "candidate_id": person.id}
    answers = _at_once(app, secret, [("POST", "/api/v1/loops", body)] * 4)
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Loop.id))) == 1


def test_two_changes_from_one_version_at_once_keep_one(app, ta):
    """Two clients read version 1 and both send a change: one is saved, the other
    told the record changed (the row lock puts them in turn)."""
    from .api_client import ApiClient, make_token

    secret = make_token(app, ta)
    address = (
        ApiClient(app, secret)
        .post("/api/v1/candidates", {"name": "Ada Obi"})
        .headers["Location"]
    )
    calls = [
        ("PATCH", address, {"notes": f"from client {n}"}, {"If-Match": '"1"'})
        for n in range(4)
    ]
    answers = _at_once(app, secret, calls)
    assert sorted(a.status_code for a in answers) == [200, 412, 412, 412]
    saved = ApiClient(app, secret).get(address).get_json()
    winner = next(a for a in answers if a.status_code == 200).get_json()
    assert saved["notes"] == winner["notes"] and saved["version"] == 2


# --- found in a new user's walkthrough ---------------------------------------------


def test_a_change_that_changes_nothing_keeps_the_version(app, api, ta, ready):
    client = api(ta)
    address = client.post("/api/v1/candidates", {"name": "Ada Obi"}).headers["Location"]
    for body in ({}, {"name": "Ada Obi"}):
        same = client.patch(address, body, headers={"If-Match": '"1"'})
        assert same.status_code == 200 and same.get_json()["version"] == 1
    requisition = f"/api/v1/requisitions/{ready['requisition']}"
    before = client.get(requisition).get_json()["version"]
    assert client.patch(requisition, {"status": "open"}).get_json()["version"] == before
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(AuditEntry.id)).where(
                    AuditEntry.action == "candidate.save"
                )
            )
            == 1
        )


@pytest.mark.parametrize(
    "tag, status",
    [
        ('"1"', 200),
        ('"7", "1"', 200),
        ("*", 200),
        ('W/"1"', 412),
        ('"2"', 412),
        ("abc", 400),
        ("1", 400),
    ],
)
def test_if_match_compares_entity_tags_strongly(api, ta, tag, status):
    client = api(ta)
    address = client.post("/api/v1/candidates", {"name": "Ada Obi"}).headers["Location"]
    answer = client.patch(address, {"notes": "changed"}, headers={"If-Match": tag})
    assert answer.status_code == status


@pytest.mark.parametrize(
    "url",
    ["/api/v1/candidates?status=open", "/api/v1/loops?candidat=3", "/api/v1/me?x=1"],
)
def test_a_query_parameter_the_address_does_not_take_is_refused(api, ta, url):
    answer = api(ta).get(url)
    assert answer.status_code == 422
    assert answer.get_json()["error"]["details"][0]["field"].startswith("query.")


def test_a_role_that_cannot_do_something_is_told_so_not_to_make_a_token(api, manager):
    answer = api(manager).post("/api/v1/candidates", {"name": "Ada Obi"})
    assert answer.status_code == 403
    error = answer.get_json()["error"]
    assert error["code"] == "forbidden" and "hiring manager" in error["message"]


def test_a_manager_refused_another_managers_debrief_is_told_it_is_not_theirs(
    app, api, panel, make_user
):
    other = make_user(Role.HIRING_MANAGER)
    answer = api(other).get(f"/api/v1/loops/{panel['loop']}/debrief")
    assert answer.status_code == 403
    assert answer.get_json()["error"]["message"] == "This loop is not yours to see."
    seated = api(panel["clara"]).get(f"/api/v1/loops/{panel['loop']}/debrief")
    assert "own scorecards" in seated.get_json()["error"]["message"]


def test_rubrics_and_hiring_managers_are_listed_for_requisitions(
    api, ta, manager, ready
):
    client = api(ta)
    rubrics = client.get("/api/v1/rubrics").get_json()["items"]
    assert [(r["key"], r["latest_version"]) for r in rubrics] == [(ready["rubric"], 1)]
    managers = client.get("/api/v1/hiring-managers?q=hamid").get_json()["items"]
    assert managers == [
        {"id": manager.id, "name": "Hamid Manager", "email": manager.email}
    ]
    assert api(manager).get("/api/v1/hiring-managers").status_code == 403


def test_options_names_the_methods_and_sends_no_page(api, ta):
    answer = api(ta, check=False).open("OPTIONS", "/api/v1/candidates")
    assert answer.status_code == 204 and answer.data == b""
    assert set(answer.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert "Content-Type" not in answer.headers
