"""A form sent after its session ended (signed out on another device, or the account
changed) was redirected to sign-in, and everything typed in it was gone. It now
comes back on a page of its own to copy, nothing saved, with a way to sign in;
a post with nothing typed, a JSON client and another site's form still go to
sign-in as before, so no site can put its text on ours."""

import html

import pytest
import sqlalchemy as sa

from interview.auth.operations import sign_out_everywhere
from interview.extensions import db
from interview.models import Candidate, Role, User

NOTES = 'Met at <b>HIMSS</b>; "strong" on HL7 & FHIR.\nSecond line: Zoë, 東京.'


@pytest.fixture
def ended(app, client, auth, make_user):
    """Talent acquisition signed in here, then signed out everywhere from elsewhere;
    the token of the form they had open is the one their page carried."""
    ta = make_user(Role.TALENT_ACQUISITION)
    auth.login(ta)
    token = client.csrf_token()
    with app.app_context():
        sign_out_everywhere(db.session.get(User, ta.id))
        db.session.commit()
    return token


def _candidates(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Candidate.id)))


def _form(token: str) -> dict:
    return {
        "csrf_token": token,
        "name": "Ada <Lovelace>",
        "email": "ada@example.org",
        "notes": NOTES,
    }


def test_text_sent_after_the_session_ended_comes_back_to_copy(app, client, ended):
    response = client.post("/candidates/new", data=_form(ended))
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "You are signed out" in page and "nothing you sent was saved" in page
    # Escaped, whole, read-only (a resent form would carry a stale token).
    assert "Ada &lt;Lovelace&gt;" in page and "<b>HIMSS</b>" not in page
    assert NOTES in html.unescape(page)
    assert "readonly" in page and 'class="send-again"' not in page
    assert 'href="/sign-in"' in page
    assert _candidates(app) == 0


def test_nothing_typed_still_goes_to_sign_in(client, ended):
    response = client.post("/candidates/new", data={"csrf_token": ended})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "https://elsewhere.example"},
        {"Accept": "application/json"},
    ],
    ids=["cross-site", "foreign-origin", "json"],
)
def test_another_sites_form_or_a_script_gets_no_page(app, client, ended, headers):
    response = client.post("/candidates/new", data=_form(ended), headers=headers)
    assert response.status_code == 302
    assert "HIMSS" not in response.get_data(as_text=True)
    assert _candidates(app) == 0


def test_the_same_sites_form_says_so_and_gets_the_page(client, ended):
    for headers in (
        {"Sec-Fetch-Site": "same-origin"},
        {"Origin": "http://localhost"},
    ):
        response = client.post("/candidates/new", data=_form(ended), headers=headers)
        assert response.status_code == 401
