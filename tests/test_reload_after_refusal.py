"""Reloading a refused hold form never shows a 405 (issue 14): a refused legal hold's
form is shown at its POST address, and a GET of that address (the page reloaded)
shows the page the form lives on, to those who may read that page; placing a hold
stays talent acquisition's."""

import re

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from interview.extensions import db
from interview.models import (
    Candidate,
    Discipline,
    InterviewSession,
    LegalHold,
    PlanSession,
    Role,
    User,
)
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
        ids = {
            "loop": loop.id,
            "session": loop.sessions[0].id,
            "candidate": loop.candidate_id,
        }
    return {"people": people, "urls": urls, "ids": ids}


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
    assert refused.status_code == 302 and "?draft=" in refused.location
    shown = client.get(refused.location)
    assert shown.status_code == 422
    assert "Give the reason for the hold." in shown.text
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


# Issue 14, fresh-user test: the other refused forms answered from their POST, so
# Reload asked to send the form again and Back after another page showed the
# browser's "page expired". Each now keeps what was typed as a draft (drafts.py) and
# redirects to its own address with the draft's token, which shows every error and
# every field typed, however often it is reloaded, and writes nothing.


def _sessions(app) -> list[tuple[str, int]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(InterviewSession.title, InterviewSession.duration_minutes)
        )
        return sorted(tuple(r) for r in rows)


@pytest.mark.parametrize("where", ["add", "shape"])
def test_a_refused_session_form_redirects_to_its_draft(app, client, auth, place, where):
    auth.login(place["people"]["ta"])
    loop_id, session_id = place["ids"]["loop"], place["ids"]["session"]
    if where == "add":
        url, prefix = f"/loops/{loop_id}/sessions", "new-session"
    else:
        url = f"/loops/{loop_id}/sessions/{session_id}/shape"
        prefix = f"shape-{session_id}"
    before = _sessions(app)
    data = MultiDict(
        [
            ("csrf_token", client.csrf_token()),
            (f"{prefix}-title", "Second <look> at workflow"),
            (f"{prefix}-duration_minutes", "5"),
            (f"{prefix}-competency_keys", "privacy"),
            (f"{prefix}-competency_keys", "privacy"),
            (f"{prefix}-clinical_seats", "3"),
            (f"{prefix}-technical_seats", "2"),
            (f"{prefix}-version", "1"),  # the session's counter when drawn (issue 14)
        ]
    )
    refused = client.post(url, data=data)
    assert refused.status_code == 302  # before: 422, the page answered from the POST
    assert re.match(re.escape(url) + r"\?draft=[\w-]+$", refused.location)
    for _ in range(2):  # reloaded: the same
        page = client.get(refused.location)
        assert page.status_code == 422
        assert "Choose each competency once (Privacy twice)." in page.text
        assert "Between 15 minutes and 8 hours." in page.text
        assert 'value="Second &lt;look&gt; at workflow"' in page.text
        assert f'id="{prefix}-clinical_seats"' in page.text
        assert re.search(rf'name="{prefix}-clinical_seats"[^>]*value="3"', page.text)
        assert "<details open>" in page.text or 'id="add-session" open' in page.text
    assert _sessions(app) == before  # nothing written
    # No draft, or one not kept: the loop page as it is, no crash.
    for tail in ("", "?draft=", "?draft=nothing-here"):
        clean = client.get(url + tail)
        assert clean.status_code == 200
        assert "Second &lt;look&gt;" not in clean.text
    # Saved at last: a redirect as before, and the draft goes.
    data.setlist(f"{prefix}-competency_keys", ["privacy"])
    data[f"{prefix}-duration_minutes"] = "45"
    saved = client.post(url, data=data)
    assert saved.status_code == 302 and saved.location == f"/loops/{loop_id}"
    assert ("Second <look> at workflow", 45) in _sessions(app)
    after = client.get(refused.location)  # the draft went with the save
    assert after.status_code == 200 and "Privacy twice" not in after.text


def test_a_session_draft_is_not_shown_to_another_account(app, client, auth, place):
    auth.login(place["people"]["ta"])
    url = f"/loops/{place['ids']['loop']}/sessions"
    typed = {
        "new-session-title": "Private <draft>",
        "new-session-clinical_seats": "0",
        "new-session-technical_seats": "0",
    }
    refused = client.submit(url, typed)
    assert refused.status_code == 302
    auth.logout()  # sign-out forgets the drafts; another account never sees them
    auth.login(place["people"]["manager"])
    page = client.get(refused.location)
    assert page.status_code == 200 and "Private &lt;draft&gt;" not in page.text


def _candidates(app) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(Candidate.name, Candidate.email, Candidate.notes)
        )
        return sorted(tuple(r) for r in rows)


@pytest.mark.parametrize("where", ["new", "edit"])
def test_a_refused_candidate_form_redirects_to_its_draft(
    app, client, auth, place, where
):
    auth.login(place["people"]["ta"])
    if where == "new":
        url = "/candidates/new"
    else:
        url = f"/candidates/{place['ids']['candidate']}/edit"
    before = _candidates(app)
    typed = {
        "name": "   ",
        "email": "amara at example",
        "phone": "call me",
        "source": "Referral <Kofi>",
        "notes": "Prefers mornings.\nAsked about <b>parking</b>.",
    }
    if where == "edit":  # the counter it was drawn at (issue 14: second tabs)
        typed["version"] = "1"
    refused = client.submit(url, typed)
    assert refused.status_code == 302  # before: the page answered from the POST
    assert re.match(re.escape(url) + r"\?draft=[\w-]+$", refused.location)
    for _ in range(2):  # reloaded: the same
        page = client.get(refused.location)
        assert page.status_code == 422
        assert "Enter the candidate&#39;s name." in page.text
        assert "Enter a valid email." in page.text
        assert "Enter a phone number" in page.text
        assert 'value="amara at example"' in page.text
        assert 'value="call me"' in page.text
        assert 'value="Referral &lt;Kofi&gt;"' in page.text
        assert "Asked about &lt;b&gt;parking&lt;/b&gt;.</textarea>" in page.text
        assert 'class="form-errors" role="alert" tabindex="-1" autofocus' in page.text
    assert _candidates(app) == before  # nothing written
    for tail in ("", "?draft=", "?draft=nothing-here"):
        clean = client.get(url + tail)
        assert clean.status_code == 200
        assert "Referral &lt;Kofi&gt;" not in clean.text
        assert "form-errors" not in clean.text
    typed |= {"name": "Amara N. Nwosu", "email": "amara@example.org", "phone": ""}
    saved = client.submit(url, typed)
    assert saved.status_code == 302 and saved.location == "/candidates/"
    assert ("Amara N. Nwosu", "amara@example.org") in [c[:2] for c in _candidates(app)]
    assert client.get(refused.location).status_code == 200  # the draft went


def _profile(app, user_id) -> tuple:
    with app.app_context():
        user = db.session.get(User, user_id)
        return user.name, user.time_zone, user.version


def test_a_refused_profile_redirects_to_its_draft(app, client, auth, place):
    ta = place["people"]["ta"]
    auth.login(ta)
    before = _profile(app, ta.id)
    typed = {
        "name": "",
        "time_zone": "Europe/Atlantis <b>",
        "version": str(before[2]),
        "password": "never-kept-1",  # not the profile's: never in the cookie
    }
    refused = client.submit("/account", typed)
    assert refused.status_code == 302  # before: the page answered from the POST
    assert re.match(r"/account\?draft=[\w-]+$", refused.location)
    kept = _cookie_payload(client)
    assert b"Europe/Atlantis" in kept and b"never-kept-1" not in kept
    for _ in range(2):  # reloaded: the same
        page = client.get(refused.location)
        assert page.status_code == 422
        assert "Enter your name." in page.text
        assert "“Europe/Atlantis &lt;b&gt;” is not a time zone" in page.text
        assert "never-kept-1" not in page.text
    assert _profile(app, ta.id) == before  # nothing written
    for tail in ("", "?draft=", "?draft=nothing-here"):
        clean = client.get("/account" + tail)
        assert clean.status_code == 200 and "Enter your name." not in clean.text
    # A stale save: the message, what was typed, and the next save allowed.
    stale = client.submit(
        "/account",
        {"name": "Tess <Renamed>", "time_zone": before[1], "version": "999"},
    )
    assert stale.status_code == 302
    for _ in range(2):
        page = client.get(stale.location)
        assert "Your account was changed elsewhere" in page.text
        assert 'value="Tess &lt;Renamed&gt;"' in page.text
        assert f'value="{before[2]}"' in page.text
    assert _profile(app, ta.id) == before
    saved = client.submit(
        "/account",
        {"name": "Tess Renamed", "time_zone": before[1], "version": str(before[2])},
    )
    assert saved.status_code == 302 and saved.location == "/account"
    assert _profile(app, ta.id)[0] == "Tess Renamed"


def _cookie_payload(client) -> bytes:
    """The session cookie's content, decompressed (it is signed, not encrypted)."""
    import base64
    import zlib

    value = client.get_cookie("interview_session").value
    body = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    return zlib.decompress(raw) if value.startswith(".") else raw
