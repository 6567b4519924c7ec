"""Refused requisition, account, password and legal hold forms redirect to a draft
(issue 14): they answered the POST with the page, so Reload asked to send the form
again. Each now keeps what was typed as a draft in the cookie (loops/drafts.py) and
redirects to its own address with ``?draft=<token>``, which shows the fields and
errors again (422) however often it is reloaded; an unknown token, or a draft of
another account, shows the plain form. Passwords are never kept: a refused password
change or account form shows its messages by empty password fields, and no
password typed is in the page or in the cookie."""

import base64
import re
import zlib

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.models import (
    Discipline,
    LegalHold,
    PlanSession,
    Requisition,
    Role,
    User,
)
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate

from .builders import start_loop
from .conftest import PASSWORD
from .rubric_samples import dump, rubric

NAME = "Amara Nwosu"
TITLE = "Ward systems analyst"
SECRET = "first password for <clara>"  # typed, never kept


@pytest.fixture
def place(app, make_user):
    """Two talent acquisition accounts, a manager, and one candidate's loop."""
    people = {
        "ta": make_user(Role.TALENT_ACQUISITION, name="Tess Acquisition"),
        "other_ta": make_user(Role.TALENT_ACQUISITION, name="Theo Other"),
        "manager": make_user(Role.HIRING_MANAGER, name="Mona Manager"),
        "clara": make_user(Role.INTERVIEWER, discipline=Discipline.CLINICAL),
    }
    with app.app_context():
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        plan = [PlanSession(title="Workflow", competency_keys=["workflow"])]
        loop = start_loop(
            people["manager"].id, version.rubric_id, plan, candidate=NAME, title=TITLE
        )
        db.session.commit()
        ids = {"candidate": loop.candidate_id, "requisition": loop.requisition_id}
    return {"people": people, "ids": ids}


def _cookie_payload(client) -> bytes:
    """The session cookie's content, decompressed (it is signed, not encrypted)."""
    value = client.get_cookie("interview_session").value
    body = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    return zlib.decompress(raw) if value.startswith(".") else raw


def _refused(client, url: str, typed: dict) -> str:
    """Post a form that is refused; the draft's address it redirects to."""
    response = client.submit(url, typed)
    assert response.status_code == 302  # before: the page answered from the POST
    assert re.match(re.escape(url) + r"\?draft=[\w-]+$", response.location)
    return response.location


def _plain(client, url: str, absent: str) -> None:
    """No draft, or one not kept: the form as it is, without what was typed."""
    for tail in ("", "?draft=", "?draft=nothing-here"):
        page = client.get(url + tail)
        assert page.status_code == 200
        assert absent not in page.text and "form-errors" not in page.text


def _requisitions(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(sa.select(Requisition.title)))


@pytest.mark.parametrize("where", ["new", "edit"])
def test_a_refused_requisition_redirects_to_its_draft(app, client, auth, place, where):
    auth.login(place["people"]["ta"])
    if where == "new":
        url = "/requisitions/new"
    else:
        url = f"/requisitions/{place['ids']['requisition']}/edit"
    before = _requisitions(app)
    long_title = "Night <ward> lead " + "L" * 200
    typed = {
        "title": long_title,
        "discipline": "clinical",
        "hiring_manager_id": str(place["people"]["manager"].id),
        "default_rubric_id": "",
        "status": "open",
    }  # the sharing box left unticked
    if where == "edit":  # the counter it was drawn at (issue 14: second tabs)
        typed["version"] = "1"
    location = _refused(client, url, typed)
    for _ in range(2):  # reloaded: the same
        page = client.get(location)
        assert page.status_code == 422
        assert "Too long: 218 characters, at most 200." in page.text
        assert f'value="Night &lt;ward&gt; lead {"L" * 200}"' in page.text
        assert '<option selected value="clinical">' in page.text
        assert re.search(r"<input(?![^>]*checked)[^>]*share_scores", page.text)
        assert 'class="form-errors" role="alert" tabindex="-1" autofocus' in page.text
    assert _requisitions(app) == before  # nothing written
    _plain(client, url, "Night &lt;ward&gt;")
    auth.logout()  # another account never sees it
    auth.login(place["people"]["other_ta"])
    _plain(client, location.split("?")[0], "Night &lt;ward&gt;")
    assert "Night &lt;ward&gt;" not in client.get(location).text
    auth.logout()
    auth.login(place["people"]["ta"])
    location = _refused(client, url, typed)
    saved = client.submit(url, {**typed, "title": "Night ward lead"})
    assert saved.status_code == 302 and "/requisitions/" in saved.location
    assert "Night ward lead" in _requisitions(app)
    after = client.get(location)  # the draft went with the save
    assert after.status_code == 200 and "Too long" not in after.text


def _account(app, email: str) -> User | None:
    with app.app_context():
        return db.session.scalar(sa.select(User).where(User.email == email))


def test_a_refused_new_account_keeps_no_password(app, client, auth, place):
    auth.login(place["people"]["ta"])
    typed = {
        "name": "Clara <Jensen>",
        "email": "not an email",
        "role": "interviewer",
        "discipline": "clinical",
        "time_zone": "Europe/Copenhagen",
        "weekly_interview_limit": "3",
        "password": SECRET,
    }
    location = _refused(client, "/accounts/new", typed)
    assert b"Clara <Jensen>" in _cookie_payload(client)
    assert b"first password" not in _cookie_payload(client)
    for _ in range(2):
        page = client.get(location)
        assert page.status_code == 422
        assert 'value="Clara &lt;Jensen&gt;"' in page.text
        assert "Enter a valid email address" in page.text
        assert 'value="not an email"' in page.text
        assert 'value="3"' in page.text
        # The password is asked for again: its field is empty, and says why.
        assert "Type the password again: it is never kept" in page.text
        assert "first password" not in page.text
        assert re.search(r'<input[^>]*name="password"[^>]*value=""', page.text)
    _plain(client, "/accounts/new", "Clara &lt;Jensen&gt;")
    # A password too short: its own message comes back, the password does not.
    location = _refused(client, "/accounts/new", {**typed, "password": "short pw"})
    page = client.get(location)
    assert "Use at least 12 characters (this one has 8)." in page.text
    assert "short pw" not in page.text and b"short pw" not in _cookie_payload(client)
    saved = client.submit(
        "/accounts/new", {**typed, "email": "clara@hospital.example", "name": "Clara"}
    )
    assert saved.status_code == 302
    assert _account(app, "clara@hospital.example") is not None
    assert client.get(location).status_code == 200  # the draft went


def test_a_refused_account_edit_redirects_to_its_draft(app, client, auth, place):
    auth.login(place["people"]["ta"])
    clara = _account(app, place["people"]["clara"].email)
    url = f"/accounts/{clara.id}/edit"
    typed = {
        "name": "Clara <Renamed>",
        "email": clara.email,
        "role": "interviewer",
        "discipline": "",  # an interviewer needs one
        "time_zone": clara.time_zone,
        "weekly_interview_limit": "2",
        "password": SECRET,
        "version": str(clara.version),
    }
    location = _refused(client, url, typed)
    for _ in range(2):
        page = client.get(location)
        assert page.status_code == 422
        assert "Choose the interviewer&#39;s discipline." in page.text
        assert 'value="Clara &lt;Renamed&gt;"' in page.text
        assert "Type the password again" in page.text  # not saved without it
        assert "first password" not in page.text
    assert b"first password" not in _cookie_payload(client)
    _plain(client, url, "Clara &lt;Renamed&gt;")
    # Stale: the saved values beside what was typed, and the next save allowed.
    stale = {**typed, "discipline": "clinical", "password": "", "version": "999"}
    location = _refused(client, url, stale)
    for _ in range(2):
        page = client.get(location)
        assert page.status_code == 422
        assert "Someone else changed this account" in page.text
        assert "Saved values now" in page.text
        assert 'value="Clara &lt;Renamed&gt;"' in page.text
        assert f'value="{clara.version}"' in page.text
        assert "Type the password again" not in page.text  # none was typed
    assert _account(app, clara.email).name == clara.name  # nothing written
    saved = client.submit(url, {**stale, "version": str(clara.version)})
    assert saved.status_code == 302
    assert _account(app, clara.email).name == "Clara <Renamed>"


def _change(client, current: str, new: str, confirm: str | None = None):
    return client.submit(
        "/account/password",
        {"current_password": current, "new_password": new, "confirm": confirm or new},
    )


@pytest.mark.parametrize(
    "current, new, confirm, message",
    [
        ("wrong current password", "a brand new passphrase", None, "not your current"),
        (PASSWORD, "too short", None, "Use at least 12 characters (this one has 9)."),
        (PASSWORD, "a brand new passphrase", "another passphrase", "passwords differ"),
    ],
)
def test_a_refused_password_change_keeps_no_password(
    app, client, auth, place, current, new, confirm, message
):
    clara = place["people"]["clara"]
    auth.login(clara)
    refused = _change(client, current, new, confirm)
    assert refused.status_code == 302  # before: the page answered from the POST
    assert re.match(r"/account/password\?draft=[\w-]+$", refused.location)
    kept = _cookie_payload(client)
    for typed in {current, new, confirm or new}:
        assert typed.encode() not in kept
    for _ in range(2):  # reloaded: the same
        page = client.get(refused.location)
        assert page.status_code == 422
        assert message in page.text
        assert 'class="form-errors" role="alert" tabindex="-1" autofocus' in page.text
        for typed in {current, new, confirm or new}:
            assert typed not in page.text
        inputs = re.findall(r'<input[^>]*type="password"[^>]*>', page.text)
        assert len(inputs) == 3 and all('value=""' in i for i in inputs)
    _plain(client, "/account/password", message)
    auth.logout()
    auth.login(place["people"]["ta"])
    assert message not in client.get(refused.location).text
    auth.logout()
    auth.login(clara)  # the password is unchanged, and changes at last
    refused = _change(client, current, new, confirm)
    assert _change(client, PASSWORD, "a brand new passphrase").status_code == 302
    assert client.get(refused.location).status_code == 200  # the draft went


def _holds(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(LegalHold.id)))


@pytest.mark.parametrize("subject", ["candidate", "requisition"])
def test_a_refused_hold_redirects_to_its_draft(app, client, auth, place, subject):
    auth.login(place["people"]["ta"])
    url = f"/{subject}s/{place['ids'][subject]}/holds"
    reason = "Claim \u202e4102 <b>tribunal</b>"
    location = _refused(client, url, {"reason": reason})
    for _ in range(2):  # reloaded: the same
        page = client.get(location)
        assert page.status_code == 422
        assert "direction control character U+202E at character 7" in page.text
        assert "Claim \u202e4102 &lt;b&gt;tribunal&lt;/b&gt;</textarea>" in page.text
        assert "maxlength" not in page.text.split("<textarea")[1].split(">")[0]
    assert _holds(app) == 0
    page = client.get(url)  # no draft: the page the form lives on (545567a)
    assert page.status_code == 200 and "tribunal" not in page.text
    assert client.get(url + "?draft=nothing-here").status_code == 200
    auth.logout()
    auth.login(place["people"]["other_ta"])
    other = client.get(location)
    assert other.status_code == 200 and "tribunal" not in other.text
    auth.logout()
    auth.login(place["people"]["ta"])
    location = _refused(client, url, {"reason": reason})
    placed = client.submit(url, {"reason": "Tribunal claim 2026/114."})
    assert placed.status_code == 302 and placed.location.endswith("#holds")
    assert _holds(app) == 1
    assert client.get(location).status_code == 200  # the draft went


def test_the_hold_reason_counts_instead_of_cutting(client, auth, place):
    """maxlength cut a pasted reason silently; limits.js counts with data-limit."""
    auth.login(place["people"]["ta"])
    for url in (
        f"/candidates/{place['ids']['candidate']}/edit",
        f"/requisitions/{place['ids']['requisition']}",
    ):
        page = client.get(url).text
        textarea = re.search(r'<textarea id="hold-reason"[^>]*>', page).group()
        assert 'data-limit="500"' in textarea and "maxlength" not in textarea
