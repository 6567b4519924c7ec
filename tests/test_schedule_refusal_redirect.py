"""A refused time-and-place form redirects to its own address with ?draft=<token>
(issue 14, fresh-user test: it answered the POST with a 422 page, so Reload asked to
send it again): a time that does not exist, one an interviewer's weekly limit
refuses, and invalid fields each come back from that address, however often it is
reloaded, with the time, zone and place as typed and the message, inside the form
too. And a past time the weekly limit refuses is refused at once, never asked about
first (confirming it only to be refused)."""

import html
import re

from interview.extensions import db
from interview.models import Discipline, InterviewSession, User

from .test_notify_triggers import NEXT_WEEK, _seat_with, team  # noqa: F401
from .test_past_session_time import _form, _saved, _url

LIMIT = "Workflow cannot move there: Clara already has 0 interviews that week, their limit is 0."


def _over_her_limit(app, team):  # noqa: F811
    """Clara sits on the session and takes no more interviews a week."""
    with app.app_context():
        _seat_with(team, Discipline.CLINICAL, team["clara"])
        db.session.get(User, team["clara"].id).weekly_interview_limit = 0
        db.session.commit()


def _refused(client, team, form):  # noqa: F811
    """Post the form: a redirect to the schedule's ?draft= address, whose page."""
    answer = client.submit(_url(team), form)
    assert answer.status_code == 302, answer.status_code
    assert re.fullmatch(re.escape(_url(team)) + r"\?draft=[\w-]+", answer.location), (
        answer.location
    )
    return answer.location


def _editor(page: str) -> str:
    """The time-and-place form of the session."""
    return page.split('aria-label="Time and place of Workflow"')[1].split("</form>")[0]


def test_a_weekly_limit_refusal_comes_back_from_its_draft(app, client, auth, team):  # noqa: F811
    _over_her_limit(app, team)
    auth.login(team["ta"])
    before = _saved(app, team)
    where = _refused(client, team, _form(team, when=NEXT_WEEK))
    assert _saved(app, team) == before  # nothing written, nobody told
    prefix = f"session-{team['session_id']}-"
    for _ in range(2):  # reloading shows the same, and posts nothing
        page = client.get(where)
        assert page.status_code == 422
        text = page.get_data(as_text=True)
        assert LIMIT in html.unescape(text)
        editor = _editor(text)
        assert (
            html.unescape(re.search(r'<p class="error">([^<]*)</p>', editor)[1])
            == LIMIT
        )
        assert f'value="{NEXT_WEEK}"' in editor
        assert 'value="Room &lt;4&gt;"' in editor and 'value="45"' in editor
        assert re.search(r'<option[^>]*value="Europe/Berlin"[^>]*selected', editor)
        assert (
            f'name="{prefix}video_url" type="text" value="https://meet.example.org/abc"'
            in editor
        )
    assert _saved(app, team) == before
    # Her limit raised, the same form saves, and its draft goes.
    with app.app_context():
        db.session.get(User, team["clara"].id).weekly_interview_limit = 4
        db.session.commit()
    saved = client.submit(_url(team), _form(team, when=NEXT_WEEK))
    assert saved.status_code == 302 and "draft" not in saved.location
    assert _saved(app, team)[0] is not None
    plain = client.get(where)
    assert plain.status_code == 200 and LIMIT not in html.unescape(plain.text)


def test_a_time_that_does_not_exist_comes_back_from_its_draft(app, client, auth, team):  # noqa: F811
    auth.login(team["ta"])
    before = _saved(app, team)
    # Clocks in Berlin go from 02:00 to 03:00 on 28 March 2027.
    where = _refused(client, team, _form(team, when="2027-03-28T02:30"))
    assert _saved(app, team) == before
    for _ in range(2):
        page = client.get(where)
        assert page.status_code == 422
        text = html.unescape(page.get_data(as_text=True))
        assert "Workflow: " in text and "does not exist" in text, text
        assert 'value="2027-03-28T02:30"' in _editor(page.get_data(as_text=True))


def test_invalid_fields_come_back_from_their_draft(app, client, auth, team):  # noqa: F811
    auth.login(team["ta"])
    before = _saved(app, team)
    where = _refused(
        client,
        team,
        _form(team, when=NEXT_WEEK, duration_minutes="0", video_url="ftp://x"),
    )
    assert _saved(app, team) == before
    for _ in range(2):
        page = client.get(where)
        assert page.status_code == 422
        text = page.get_data(as_text=True)
        assert "Between 1 minute and 8 hours." in text
        assert "Enter a full https:// link." in text
        editor = _editor(text)
        assert 'value="ftp://x"' in editor and 'value="Room &lt;4&gt;"' in editor


def test_no_draft_or_another_accounts_shows_the_loop_page(app, client, auth, team):  # noqa: F811
    auth.login(team["ta"])
    where = _refused(client, team, _form(team, when="2027-03-28T02:30"))
    for tail in ("", "?draft=", "?draft=nothing-here"):
        page = client.get(_url(team) + tail)
        assert page.status_code == 200 and "2027-03-28T02:30" not in page.text
    auth.logout()
    auth.login(team["ta2"])
    page = client.get(where)
    assert page.status_code == 200 and "2027-03-28T02:30" not in page.text


def test_a_past_time_the_limit_refuses_is_refused_before_asking(
    app,
    client,
    auth,
    team,  # noqa: F811
):
    """Issue 14: asked "This time is in the past", confirmed, then refused by the
    weekly limit; now refused at once, and the question never shown."""
    _over_her_limit(app, team)
    auth.login(team["ta"])
    before = _saved(app, team)
    where = _refused(client, team, _form(team))  # 2024-03-04, long past
    assert "past=" not in where
    text = html.unescape(client.get(where).get_data(as_text=True))
    assert LIMIT in text
    assert "This time is in the past" not in text
    assert "Record the past time" not in text
    assert _saved(app, team) == before
    with app.app_context():  # the trial save left nothing behind
        assert db.session.get(InterviewSession, team["session_id"]).starts_at is None


def test_the_refused_form_saves_with_its_own_token(app, client, auth, team):  # noqa: F811
    """Shown from its draft, the form carries the page's CSRF token (drawn from the
    cookie, it had none: the browser's next Save was a 400 'form expired' page)."""
    _over_her_limit(app, team)
    auth.login(team["ta"])
    page = client.get(_refused(client, team, _form(team, when=NEXT_WEEK)))
    token = re.search(r'name="csrf_token" value="([^"]+)"', _editor(page.text))
    assert token, "the refused form carries no CSRF token"
    with app.app_context():
        db.session.get(User, team["clara"].id).weekly_interview_limit = 4
        db.session.commit()
    typed = {**_form(team, when=NEXT_WEEK), "csrf_token": token[1]}
    saved = client.post(_url(team), data=typed)
    assert saved.status_code == 302 and "draft" not in saved.location
    assert _saved(app, team)[0] is not None
