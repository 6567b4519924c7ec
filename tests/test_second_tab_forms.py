"""A second tab no longer overwrites the first one's changes (issue 14, fresh-user
test): the requisition's form, its interview plan and the candidate's form each carry
the counter they were drawn at; a save from an older one writes nothing and comes
back with what was typed, the saved values beside it and the counter brought up to
date, so that saving again goes through deliberately. Runs on SQLite and, with
INTERVIEW_TEST_DATABASE_URL set, on PostgreSQL, where two saves really overlap."""

import contextlib
import re
import threading
import time

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.models import (
    AuditEntry,
    Candidate,
    Discipline,
    PlanSession,
    Requisition,
    Role,
)
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate

from .conftest import Auth
from .rubric_samples import competency, dump, rubric

STALE = (
    "Someone else changed this {} while you were editing. Your changes are still in"
    " the form; compare them with the saved values below and save again."
)


@pytest.fixture
def place(app, make_user):
    """A requisition with a one-session plan on a rubric whose competencies are
    named unlike their keys, two hiring managers, and a candidate."""
    ta = make_user(Role.TALENT_ACQUISITION, name="Tess Adler")
    hana = make_user(Role.HIRING_MANAGER, name="Hana Okafor")
    marek = make_user(Role.HIRING_MANAGER, name="Marek Novak")
    named = rubric(
        title="Ward systems rubric",
        competencies=[
            competency("clinical_safety", name="Patient safety in the build"),
            competency("privacy", name="Privacy <judgement>"),
        ],
    )
    with app.app_context():
        version = save_rubric(None, validate(dump(named)).rubric).version
        requisition = Requisition(
            title="EHR analyst",
            discipline=Discipline.CLINICAL,
            hiring_manager_id=hana.id,
            default_rubric_id=version.rubric_id,
            plan=[PlanSession(title="First draft", competency_keys=BOTH)],
        )
        candidate = Candidate(name="Amara Nwosu", email="amara@candidate.example")
        db.session.add_all([requisition, candidate])
        db.session.commit()
        return {
            "ta": ta,
            "hana": hana,
            "marek": marek,
            "rubric": version.rubric_id,
            "requisition": requisition.id,
            "candidate": candidate.id,
        }


@pytest.fixture
def tab(client, place):
    Auth(client).login(place["ta"])
    return client


def _drawn(client, url: str) -> str:
    """Open the form as a tab does: the counter it carries, hidden."""
    page = client.get(url)
    assert page.status_code == 200
    return _hidden_version(page.get_data(as_text=True))


def _hidden_version(page: str) -> str:
    found = re.findall(r'<input [^>]*name="version"[^>]*>', page)
    assert len(found) == 1, found
    assert 'type="hidden"' in found[0]
    return re.search(r'value="([^"]*)"', found[0]).group(1)


def _refused(client, url: str, data: dict) -> str:
    """A refused save redirects to its draft, shown there with 422."""
    response = client.submit(url, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "?draft=" in response.location
    page = client.get(response.location)
    assert page.status_code == 422
    return page.get_data(as_text=True)


def _again(client, url: str, page: str, data: dict):
    """Save again from the refused page, with the token its own form carries (a
    form drawn from a draft carried none: the browser's save was a 400)."""
    form = re.search(
        r'<form method="post"[^>]*>(?:(?!</form>).)*name="version"', page, re.DOTALL
    )
    assert form, "no form with the counter"
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.group(0))
    assert token, "the refused page's form carries no CSRF token"
    return client.post(url, data={**data, "csrf_token": token.group(1)})


def _saved_values(page: str) -> str:
    found = re.search(r'id="saved-values".*?</(?:div|section)>', page, re.DOTALL)
    assert found, "no saved values shown"
    return found.group(0)


def _audits(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count()).where(AuditEntry.action == action)
        )


# The three forms: where each is, what a tab types into it, and what is saved.


def _requisition_url(place) -> str:
    return f"/requisitions/{place['requisition']}/edit"


def _requisition_data(place, title: str, manager: str, version) -> dict:
    data = {
        "title": title,
        "discipline": "clinical",
        "hiring_manager_id": str(place[manager].id),
        "default_rubric_id": str(place["rubric"]),
        "status": "open",
        "share_scores_after_submit": "y",
    }
    return data if version is None else {**data, "version": version}


def _requisition(app) -> dict:
    with app.app_context():
        req = db.session.scalar(sa.select(Requisition))
        return {
            "title": req.title,
            "manager": req.hiring_manager.name,
            "version": req.version,
        }


BOTH = ["clinical_safety", "privacy"]  # a plan saved without asking about gaps


def _plan_url(place) -> str:
    return f"/requisitions/{place['requisition']}/plan"


def _plan_data(title: str, keys: list[str], version, **more) -> dict:
    data = {
        "sessions-0-title": title,
        "sessions-0-duration_minutes": "60",
        "sessions-0-competency_keys": keys,
        "sessions-0-clinical_seats": "1",
        "sessions-0-technical_seats": "1",
        **more,
    }
    return data if version is None else {**data, "version": version}


def _plan(app) -> dict:
    with app.app_context():
        req = db.session.scalar(sa.select(Requisition))
        return {
            "titles": [p.title for p in req.plan],
            "keys": [list(p.competency_keys) for p in req.plan],
            "version": req.plan_version,
        }


def _candidate_url(place) -> str:
    return f"/candidates/{place['candidate']}/edit"


def _candidate_data(name: str, notes: str, version) -> dict:
    data = {
        "name": name,
        "email": "amara@candidate.example",
        "phone": "",
        "source": "Referral",
        "notes": notes,
    }
    return data if version is None else {**data, "version": version}


def _candidate(app) -> dict:
    with app.app_context():
        person = db.session.scalar(sa.select(Candidate))
        return {"name": person.name, "notes": person.notes, "version": person.version}


# Requisition


def test_a_requisition_saved_from_a_second_tab_is_refused_with_both_shown(
    app, tab, place
):
    url = _requisition_url(place)
    first, second = _drawn(tab, url), _drawn(tab, url)
    assert first == second == "1"
    saved = tab.submit(url, _requisition_data(place, "Saved by tab one", "hana", first))
    assert saved.status_code == 302 and "draft" not in saved.location

    page = _refused(
        tab, url, _requisition_data(place, "Typed in <tab two>", "marek", second)
    )
    assert STALE.format("requisition") in page
    assert 'value="Typed in &lt;tab two&gt;"' in page  # what was typed is kept
    assert re.search(rf'<option selected value="{place["marek"].id}"', page)
    shown = _saved_values(page)
    assert "Saved by tab one" in shown
    assert "Hana Okafor" in shown and "Ward systems rubric" in shown  # names, not ids
    assert "Typed in" not in shown
    stored = _requisition(app)
    assert stored["title"] == "Saved by tab one"  # the first tab's save stands
    assert _audits(app, "requisition.save") == 1  # and the second wrote nothing
    assert _hidden_version(page) == str(stored["version"]) == "2"

    # Saving again from the refused page is deliberate, and goes through.
    again = _again(
        tab, url, page, _requisition_data(place, "Typed in <tab two>", "marek", "2")
    )
    assert again.status_code == 302 and "draft" not in again.location
    assert _requisition(app) == {
        "title": "Typed in <tab two>",
        "manager": "Marek Novak",
        "version": 3,
    }


def test_one_tab_saves_a_requisition_as_before(app, tab, place):
    url = _requisition_url(place)
    drawn = _drawn(tab, url)
    saved = tab.submit(url, _requisition_data(place, "Night ward lead", "marek", drawn))
    assert saved.status_code == 302 and "draft" not in saved.location
    assert _requisition(app)["title"] == "Night ward lead"
    assert _drawn(tab, url) == "2"


# Plan


def test_a_plan_saved_from_a_second_tab_is_refused_with_both_shown(app, tab, place):
    url = _plan_url(place)
    first, second = _drawn(tab, url), _drawn(tab, url)
    assert first == second == "1"
    saved = tab.submit(url, _plan_data("Saved by tab one", BOTH, first))
    assert saved.status_code == 302 and "draft" not in saved.location

    page = _refused(tab, url, _plan_data("Typed in tab two", BOTH, second))
    assert STALE.format("plan") in page
    assert 'value="Typed in tab two"' in page
    shown = _saved_values(page)
    assert "Saved by tab one" in shown
    assert "Patient safety in the build" in shown  # competency names, not keys
    assert "Privacy &lt;judgement&gt;" in shown  # escaped
    assert "clinical_safety" not in shown and "Typed in" not in shown
    stored = _plan(app)
    assert stored["titles"] == ["Saved by tab one"]
    assert stored["keys"] == [BOTH]
    assert _audits(app, "requisition.plan") == 1
    assert _hidden_version(page) == str(stored["version"]) == "2"

    again = _again(tab, url, page, _plan_data("Typed in tab two", BOTH, "2"))
    assert again.status_code == 302 and "draft" not in again.location
    assert _plan(app) == {
        "titles": ["Typed in tab two"],
        "keys": [BOTH],
        "version": 3,
    }


def test_one_tab_saves_a_plan_as_before(app, tab, place):
    url = _plan_url(place)
    drawn = _drawn(tab, url)
    saved = tab.submit(url, _plan_data("Case review", BOTH, drawn))
    assert saved.status_code == 302 and "draft" not in saved.location
    assert _plan(app)["titles"] == ["Case review"]
    assert _drawn(tab, url) == "2"


def test_adding_and_removing_sessions_keep_the_number_the_plan_was_drawn_at(
    app, tab, place
):
    """The small buttons are not saves: they keep the tab's number, so a plan
    saved meanwhile in another tab still makes this one's save stale."""
    url = _plan_url(place)
    drawn = _drawn(tab, url)
    other = tab.submit(url, _plan_data("Saved meanwhile", BOTH, _drawn(tab, url)))
    assert other.status_code == 302 and "draft" not in other.location

    added = tab.submit(url, _plan_data("Mine", ["privacy"], drawn, action="add"))
    assert added.status_code == 302 and "?draft=" in added.location
    page = tab.get(added.location).get_data(as_text=True)
    assert 'id="session-2"' in page and _hidden_version(page) == drawn
    assert "Someone else changed" not in page

    removed = tab.submit(
        url,
        _plan_data(
            "Mine",
            ["privacy"],
            drawn,
            action="remove-1",
            **{
                "sessions-1-title": "Extra",
                "sessions-1-duration_minutes": "30",
                "sessions-1-competency_keys": ["clinical_safety"],
                "sessions-1-clinical_seats": "1",
                "sessions-1-technical_seats": "0",
            },
        ),
    )
    page = tab.get(removed.location).get_data(as_text=True)
    assert 'id="session-2"' not in page and _hidden_version(page) == drawn

    refused = _refused(tab, url, _plan_data("Mine", ["privacy"], drawn))
    assert STALE.format("plan") in refused
    assert _plan(app)["titles"] == ["Saved meanwhile"]


def test_saving_a_plan_with_gaps_anyway_keeps_its_number(app, tab, place):
    url = _plan_url(place)
    drawn = _drawn(tab, url)
    asked = tab.submit(url, _plan_data("Privacy only", ["privacy"], drawn))
    assert asked.status_code == 302 and "?draft=" in asked.location
    question = tab.get(asked.location)
    assert question.status_code == 409
    page = question.get_data(as_text=True)
    assert "Save the plan anyway" in page and _hidden_version(page) == drawn
    gaps = re.search(r'name="gaps" value="([^"]*)"', page).group(1)
    confirm = {"confirm": "y", "gaps": gaps}
    saved = tab.submit(url, _plan_data("Privacy only", ["privacy"], drawn, **confirm))
    assert saved.status_code == 302 and "draft" not in saved.location
    assert _plan(app)["titles"] == ["Privacy only"]

    # The same confirmation sent again from the older page is stale now.
    refused = _refused(
        tab, url, _plan_data("Privacy only, again", ["privacy"], drawn, **confirm)
    )
    assert STALE.format("plan") in refused
    assert "Save the plan anyway" not in refused  # saving again is a plain save
    assert _plan(app)["titles"] == ["Privacy only"]


# Candidate


def test_a_candidate_saved_from_a_second_tab_is_refused_with_both_shown(
    app, tab, place
):
    url = _candidate_url(place)
    first, second = _drawn(tab, url), _drawn(tab, url)
    assert first == second == "1"
    saved = tab.submit(url, _candidate_data("Amara Nwosu", "Saved by tab one", first))
    assert saved.status_code == 302 and "draft" not in saved.location

    page = _refused(
        tab, url, _candidate_data("Amara N. <Nwosu>", "Typed in tab two", second)
    )
    assert STALE.format("candidate") in page
    assert 'value="Amara N. &lt;Nwosu&gt;"' in page
    assert re.search(
        r"<textarea [^>]*name=\"notes\"[^>]*>\s*Typed in tab two</textarea>", page
    )
    shown = _saved_values(page)
    assert "Saved by tab one" in shown and "Referral" in shown
    assert "Typed in" not in shown
    stored = _candidate(app)
    assert stored["name"] == "Amara Nwosu" and stored["notes"] == "Saved by tab one"
    assert _audits(app, "candidate.save") == 1
    assert _hidden_version(page) == str(stored["version"]) == "2"

    again = _again(
        tab, url, page, _candidate_data("Amara N. <Nwosu>", "Typed in tab two", "2")
    )
    assert again.status_code == 302 and "draft" not in again.location
    assert _candidate(app) == {
        "name": "Amara N. <Nwosu>",
        "notes": "Typed in tab two",
        "version": 3,
    }


def test_one_tab_saves_a_candidate_as_before(app, tab, place):
    url = _candidate_url(place)
    drawn = _drawn(tab, url)
    saved = tab.submit(url, _candidate_data("Amara Nwosu", "Called back", drawn))
    assert saved.status_code == 302 and "draft" not in saved.location
    assert _candidate(app)["notes"] == "Called back"
    assert _drawn(tab, url) == "2"


# A page from before the counters, or a hand-made POST


FORMS = {
    "requisition": (
        _requisition_url,
        lambda place, v: _requisition_data(place, "Hand-made title", "marek", v),
        lambda app: _requisition(app)["title"] == "EHR analyst",
    ),
    "plan": (
        _plan_url,
        lambda place, v: _plan_data("Hand-made session", BOTH, v),
        lambda app: _plan(app)["titles"] == ["First draft"],
    ),
    "candidate": (
        _candidate_url,
        lambda place, v: _candidate_data("Hand-made name", "", v),
        lambda app: _candidate(app)["name"] == "Amara Nwosu",
    ),
}


@pytest.mark.parametrize("version", [None, "", "garbage", "-1", "1.0", "99"])
@pytest.mark.parametrize("form", list(FORMS))
def test_a_missing_or_malformed_number_is_refused_never_saved(
    app, tab, place, form, version
):
    url_of, data_of, unchanged = FORMS[form]
    page = _refused(tab, url_of(place), data_of(place, version))
    assert STALE.format(form) in page
    assert "Hand-made" in page  # what was sent is kept in the form
    assert _hidden_version(page) == "1"  # the next save goes through
    assert unchanged(app)
    again = _again(tab, url_of(place), page, data_of(place, "1"))
    assert again.status_code == 302 and "draft" not in again.location
    assert not unchanged(app)


# Two saves at the same moment (on PostgreSQL they really overlap)


@contextlib.contextmanager
def _row_held(app, table, row_id: int):
    """On PostgreSQL, hold the row's lock from another connection while both tabs
    send, and let go only once both are under way: each then reads the row only
    after the other could have saved, whoever goes first (a save that compared its
    number without the lock saved over the other). SQLite runs one writer at a
    time (BEGIN IMMEDIATE) without it."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as holder:
        holding = holder.begin()
        holder.execute(
            sa.select(table.c.id).where(table.c.id == row_id).with_for_update()
        )
        yield
        time.sleep(1.5)  # both requests reach the row meanwhile
        holding.commit()


@pytest.mark.parametrize("form", list(FORMS))
def test_two_saves_at_once_from_the_same_number_save_one(app, place, form):
    url_of, data_of, _ = FORMS[form]
    url = url_of(place)
    tabs = []
    for _ in range(2):
        client = app.test_client()
        Auth(client).login(place["ta"])
        tabs.append(client)
    drawn = [_drawn(client, url) for client in tabs]
    assert drawn == ["1", "1"]
    sent = [data_of(place, "1") for _ in tabs]
    sent = [
        {**data, "csrf_token": client.csrf_token()} for data, client in zip(sent, tabs)
    ]
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def run(n: int) -> None:
        barrier.wait()
        try:
            results[n] = tabs[n].post(url, data=sent[n])
        except Exception as exc:  # noqa: BLE001 (shown in the assert)
            results[n] = exc

    table = Candidate.__table__ if form == "candidate" else Requisition.__table__
    row = place["candidate" if form == "candidate" else "requisition"]
    with _row_held(app, table, row):
        workers = [threading.Thread(target=run, args=(n,)) for n in range(2)]
        for worker in workers:
            worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert all(r is not None and not isinstance(r, Exception) for r in results), results
    assert [r.status_code for r in results] == [302, 302], results
    refused = ["?draft=" in r.location for r in results]
    assert sorted(refused) == [False, True], [r.location for r in results]
    loser = tabs[refused.index(True)]
    page = loser.get(results[refused.index(True)].location)
    assert page.status_code == 422
    assert STALE.format(form) in page.get_data(as_text=True)
    action = {
        "requisition": "requisition.save",
        "plan": "requisition.plan",
        "candidate": "candidate.save",
    }[form]
    assert _audits(app, action) == 1
