"""Field limits (issue 14, fresh-user review): text longer than its column, or a
phone that is not one, is refused at its field, every field in error named at once
at the top and the typed text kept; the browser is told each limit (data-limit, not
maxlength, which cut a paste silently) and counts against it; a long word in a list's
cell wraps instead of widening the table."""

import html
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.loops.forms import plausible_phone
from interview.models import Candidate, Requisition, Role, User

LONG = "Zoë בדיקה 🧪" + "L" * 3000
STYLE = Path(__file__).parent.parent / "interview" / "static" / "style.css"


@pytest.fixture
def ta(auth, make_user):
    person = make_user(Role.TALENT_ACQUISITION, name="Tara Okafor")
    auth.login(person)
    return person


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _refused(client, url: str, data: dict):
    """A refused form redirects to its draft (issue 14), shown there with 422."""
    response = client.submit(url, data)
    assert response.status_code == 302 and "?draft=" in response.location
    page = client.get(response.location)
    assert page.status_code == 422
    return page


def _text(page) -> str:
    return html.unescape(page.get_data(as_text=True))


def test_long_candidate_fields_are_named_at_once_and_kept(app, client, ta):
    data = {"name": LONG, "email": "zoe@candidate.example", "phone": LONG}
    # Refused: a redirect to the form as typed (issue 14: Reload never posts again)
    page = client.submit(
        "/candidates/new", {**data, "source": LONG}, follow_redirects=True
    )
    text = _text(page)
    assert _count(app, Candidate) == 0
    assert "These fields need attention: Name, Phone and Source;" in text
    assert text.count("Too long: 3,011 characters, at most 200.") == 2  # name, source
    assert "Too long: 3,011 characters, at most 64." in text
    assert text.count(f'value="{LONG}"') == 3  # each kept as typed
    for name, limit in (("name", 200), ("email", 254), ("phone", 64), ("source", 200)):
        assert re.search(rf'<input[^>]*data-limit="{limit}"[^>]*name="{name}"', text)
    assert not re.search(
        r'<input[^>]*maxlength[^>]*name="(name|email|phone|source)"', text
    )


@pytest.mark.parametrize(
    "phone",
    ["+44 20 7946 0000", "(555) 123-4567 x123", "+49 (0)30 1234567", "555.0100 ext. 7"],
)
def test_phone_numbers_as_written_anywhere_are_saved(app, client, ta, phone):
    saved = client.submit("/candidates/new", {"name": "Amara Nwosu", "phone": phone})
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Candidate.phone)) == phone


@pytest.mark.parametrize("phone", ["call me", "12", "+44 20 7946 0000 LLL", "Zoë"])
def test_a_phone_that_is_not_one_is_refused_and_kept(app, client, ta, phone):
    typed = {"name": "Amara Nwosu", "phone": phone}
    page = client.submit("/candidates/new", typed, follow_redirects=True)
    text = _text(page)
    assert "Enter a phone number: digits, spaces and + ( ) - . only" in text
    assert "This field needs attention: Phone;" in text
    assert f'value="{phone}"' in text
    assert _count(app, Candidate) == 0


def test_plausible_phone():
    assert plausible_phone("+1 (555) 123-4567 extension 7")
    assert not plausible_phone("1-800-FLOWERS")
    assert not plausible_phone("+" + "1" * 21)


def test_requisition_and_account_names_are_bounded(app, client, ta, make_user):
    hm = make_user(Role.HIRING_MANAGER, name="Hamid Rahimi")
    req = {"title": LONG, "discipline": "technical", "hiring_manager_id": str(hm.id)}
    text = _text(_refused(client, "/requisitions/new", {**req, "status": "open"}))
    assert "Too long: 3,011 characters, at most 200." in text
    assert re.search(r'<input[^>]*data-limit="200"[^>]*name="title"', text)
    assert _count(app, Requisition) == 0
    users = _count(app, User)
    account = {"name": LONG, "email": "x@hospital.example", "role": "hiring_manager"}
    text = _text(_refused(client, "/accounts/new", account))
    assert "Too long: 3,011 characters, at most 200." in text
    assert "Full name" in text.split("see the messages below")[0].split("attention:")[1]
    assert _count(app, User) == users


def test_list_cells_of_typed_text_wrap_long_words(app, client, ta):
    """Free text holding a run of over 24 characters wraps anywhere, ordinary words
    only between words (.words); an email address is read whole, as wide as it is up
    to a bound (tests/browser/test_list_cells.py measures them in Chromium)."""
    person = {"name": "Zoë " + "L" * 190, "phone": "1" * 20, "source": "L" * 200}
    person["email"] = "amara.okafor@northwind-health.example"
    assert client.submit("/candidates/new", person).status_code == 302
    page = client.get("/candidates", follow_redirects=True).get_data(as_text=True)
    row = re.search(r"<tr><th[^>]*><a[^>]*>Zoë.*?</tr>", page, re.DOTALL).group()
    assert '<th scope="row" class="">' in row  # 190 Ls: anywhere
    assert f'<td class="typed words">{person["phone"]}</td>' in row
    assert f'<td class="typed">{person["source"]}</td>' in row
    assert f'<td class="whole"><span>{person["email"]}</span></td>' in row
    css = STYLE.read_text()
    rule = re.search(
        r'\.table tbody th\[scope="row"\], \.table td\.typed \{([^}]*)', css
    )
    assert "overflow-wrap: anywhere" in rule.group(1)  # the name, a row's header
    words = re.search(
        r'\.table tbody th\[scope="row"\]\.words, \.table td\.typed\.words \{([^}]*)',
        css,
    )
    assert "overflow-wrap: break-word" in words.group(1)
    whole = re.search(r"\.table td\.whole > span \{([^}]*)", css).group(1)
    # Its own width, bounded, never squeezed below it by the table.
    assert "width: max-content" in whole and "max-width: min(26rem, 42vw)" in whole


def test_every_kind_of_control_character_in_a_field_is_named_at_once(app, client, ta):
    notes = "Met at the fair.\x00 Follow up\x07 next week.\x00"
    page = client.submit(
        "/candidates/new",
        {"name": "Amara Nwosu", "notes": notes},
        follow_redirects=True,  # a refused form is shown again at its ?draft= address
    )
    text = _text(page)
    assert (
        "Remove the invisible control characters U+0000 (first at character 17) and "
        "U+0007 (first at character 28): they cannot be stored." in text
    )
    assert _count(app, Candidate) == 0
