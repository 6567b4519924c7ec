"""Line breaks and tabs in single-line fields (issue 14, fresh-user test): a name
pasted as "Jane\\r\\nDoe" was stored with its line break, which a text input then
drops ("JaneDoe" on the next save), and a tab was stored raw. Each line break and
tab in a single-line field now becomes one space; multi-line fields keep theirs."""

import sqlalchemy as sa

from interview.extensions import db
from interview.models import Candidate, Role, User
from interview.text import on_one_line

NOTES = "Met at the fair.\r\nSecond line,\twith a tab."


def test_each_line_break_and_tab_is_one_space():
    assert on_one_line("Jane\r\nDoe") == "Jane Doe"
    assert on_one_line("Jane\nDoe\rSmith") == "Jane Doe Smith"
    assert on_one_line("Jane\tDoe") == "Jane Doe"
    assert on_one_line("A\u2028B\u2029C") == "A B C"
    assert on_one_line("Jane\r\n\r\nDoe") == "Jane Doe"  # a run: one space
    assert on_one_line("Wei\n\tZhang") == "Wei Zhang"  # pasted with its indent
    assert on_one_line("Wei \n Zhang") == "Wei Zhang"
    assert on_one_line("Wei  Zhang") == "Wei  Zhang"  # spaces typed stay
    assert on_one_line("Zoë Ångström") == "Zoë Ångström"


def test_a_candidate_name_keeps_its_words_apart(app, client, auth, make_user):
    auth.login(make_user(Role.TALENT_ACQUISITION))
    response = client.submit(
        "/candidates/new",
        {"name": "Jane\r\nDoe\tSmith", "email": "jane@example.org", "notes": NOTES},
    )
    assert response.status_code == 302
    with app.app_context():
        candidate = db.session.scalar(sa.select(Candidate))
        assert candidate.name == "Jane Doe Smith"
        assert candidate.notes == NOTES  # a text area keeps its lines and tabs
    page = client.get(f"/candidates/{candidate.id}/edit").get_data(as_text=True)
    assert 'value="Jane Doe Smith"' in page


def test_an_account_name_too(app, client, auth, make_user):
    auth.login(make_user(Role.TALENT_ACQUISITION))
    response = client.submit(
        "/accounts/new",
        {
            "name": "Mona\nManager",
            "email": "mona@hospital.example",
            "role": "hiring_manager",
            "discipline": "",
            "time_zone": "UTC",
            "password": "a long enough password 1",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        user = db.session.scalar(
            sa.select(User).where(User.email == "mona@hospital.example")
        )
        assert user.name == "Mona Manager"
