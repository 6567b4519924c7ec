"""A session's shape (title, length, competencies, seats) saved from a second tab
no longer silently undoes the first tab's save (issue 14, fresh-user test): the form
carries the session's edit counter (migration 0029); a form drawn before another
save is refused, nothing written, and comes back from its ?draft= address with what
was typed, the saved values beside it and the counter updated, so saving again goes
through. A form without a counter, or a garbled one, is refused the same way."""

import html
import re

import pytest

from interview.extensions import db
from interview.models import InterviewSession, PanelSeat

from .test_loops import _build_loop, _seats, team  # noqa: F401 (team is a fixture)

STALE = (
    "Someone else changed this session while you were editing. Your changes are "
    "still in the form; compare them with the saved values and save again."
)


def _state(app, session_id) -> tuple:
    with app.app_context():
        s = db.session.get(InterviewSession, session_id)
        return (
            s.title,
            s.duration_minutes,
            [c.key for c in s.competencies],
            s.clinical_seats,
            s.technical_seats,
            s.version,
        )


def _session(app, loop_id) -> int:
    seat = _seats(app, loop_id)[("Clinical case", "clinical")]
    with app.app_context():
        return db.session.get(PanelSeat, seat).session_id


def _drawn_counter(page: str, session_id: int) -> str:
    """The counter the loop page's session form carries, as a browser sends it."""
    found = re.search(
        rf'name="shape-{session_id}-version" type="hidden" value="([^"]*)"', page
    )
    assert found, "the session form carries no counter"
    return found.group(1)


def _typed(session_id, version, **changes) -> dict:
    fields = {
        "title": "Clinical case",
        "duration_minutes": "60",
        "competency_keys": ["workflow"],
        "clinical_seats": "1",
        "technical_seats": "1",
        **changes,
    }
    if version is not None:
        fields["version"] = version
    return {f"shape-{session_id}-{k}": v for k, v in fields.items()}


def _url(loop_id, session_id) -> str:
    return f"/loops/{loop_id}/sessions/{session_id}/shape"


def _section(page: str, loop_id: int, session_id: int) -> str:
    """The session's 'Competencies and seats' form, as drawn."""
    start = page.index(f'action="{_url(loop_id, session_id)}"')
    return page[start : page.index("</form>", start)]


def test_a_save_from_a_second_tab_is_refused_and_shows_both(app, client, auth, team):  # noqa: F811
    auth.login(team["ta"])
    loop_id = _build_loop(client, app, team)
    session_id = _session(app, loop_id)
    page = client.get(f"/loops/{loop_id}").get_data(as_text=True)
    drawn = _drawn_counter(page, session_id)  # both tabs show this page
    first = client.submit(
        _url(loop_id, session_id),
        _typed(
            session_id,
            drawn,
            title="Clinical case, first tab",
            competency_keys=["workflow", "privacy"],
        ),
    )
    assert first.status_code == 302 and first.location == f"/loops/{loop_id}"
    saved = _state(app, session_id)
    assert saved[:3] == ("Clinical case, first tab", 60, ["workflow", "privacy"])
    second = client.submit(
        _url(loop_id, session_id),
        _typed(
            session_id,
            drawn,
            title="Clinical case <second tab>",
            duration_minutes="90",
            clinical_seats="2",
        ),
    )
    assert second.status_code == 302  # a redirect: Reload never posts it again
    assert re.fullmatch(
        re.escape(_url(loop_id, session_id)) + r"\?draft=[\w-]+", second.location
    ), second.location
    assert _state(app, session_id) == saved  # the first tab's save stands
    for _ in range(2):  # reloading shows the same
        answer = client.get(second.location)
        assert answer.status_code == 422
        text = answer.get_data(as_text=True)
        section = re.search(
            r"<details([^>]*)>\s*<summary>Competencies and seats for this loop"
            r"</summary>\s*<form[^>]*>\s*<p class=\"error\">([^<]*)</p>",
            text,
        )
        assert section and section.group(1) == " open", "the section stays folded"
        assert html.unescape(section.group(2)) == STALE
        form = _section(text, loop_id, session_id)
        # What was typed, kept...
        assert 'value="Clinical case &lt;second tab&gt;"' in form
        assert 'value="90"' in form and 'value="2"' in form
        # ...the saved values beside it...
        saved_now = re.search(r"<h4>Saved values now</h4>(.*?)</dl>", form, re.DOTALL)
        assert saved_now, "no saved values shown"
        pairs = dict(re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", saved_now[1]))
        assert pairs == {
            "Session title": "Clinical case, first tab",
            "Length in minutes": "60",
            "Competencies it covers": "Workflow, Privacy",
            "Clinical interviewers": "1",
            "Technical interviewers": "1",
        }, pairs
        # ...and the saved counter, so the next save goes through.
        assert _drawn_counter(form, session_id) == str(saved[5])
    again = client.submit(
        _url(loop_id, session_id),
        _typed(
            session_id,
            _drawn_counter(text, session_id),
            title="Clinical case <second tab>",
            duration_minutes="90",
            clinical_seats="2",
        ),
    )
    assert again.status_code == 302 and again.location == f"/loops/{loop_id}"
    assert _state(app, session_id)[:5] == (
        "Clinical case <second tab>",
        90,
        ["workflow"],
        2,
        1,
    )
    # Saved at last: its draft went with it.
    gone = client.get(second.location)
    assert gone.status_code == 200 and STALE not in html.unescape(gone.text)


@pytest.mark.parametrize("counter", [None, "", "abc", "-1", "9" * 40, "1.0"])
def test_a_form_without_a_sound_counter_is_refused(
    app,
    client,
    auth,
    team,  # noqa: F811
    counter,
):
    auth.login(team["ta"])
    loop_id = _build_loop(client, app, team)
    session_id = _session(app, loop_id)
    before = _state(app, session_id)
    refused = client.submit(
        _url(loop_id, session_id), _typed(session_id, counter, title="Renamed")
    )
    assert refused.status_code == 302 and "?draft=" in refused.location
    assert _state(app, session_id) == before  # never saved blind
    answer = client.get(refused.location)
    assert answer.status_code == 422
    text = html.unescape(answer.get_data(as_text=True))
    assert STALE in text and 'value="Renamed"' in text
    assert _drawn_counter(answer.text, session_id) == str(before[5])


def test_the_refused_form_saves_with_its_own_token(app, client, auth, team):  # noqa: F811
    """Shown from its draft, the form carries the page's CSRF token (drawn from the
    cookie, it had none: the browser's next Save was a 400 'form expired' page)."""
    auth.login(team["ta"])
    loop_id = _build_loop(client, app, team)
    session_id = _session(app, loop_id)
    url = _url(loop_id, session_id)
    drawn = _drawn_counter(client.get(f"/loops/{loop_id}").text, session_id)
    client.submit(url, _typed(session_id, drawn, title="First tab"))
    second = client.submit(url, _typed(session_id, drawn, title="Second tab"))
    form = _section(client.get(second.location).text, loop_id, session_id)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token, "the refused form carries no CSRF token"
    typed = _typed(session_id, _drawn_counter(form, session_id), title="Second tab")
    again = client.post(url, data={**typed, "csrf_token": token[1]})
    assert again.status_code == 302 and again.location == f"/loops/{loop_id}"
    assert _state(app, session_id)[0] == "Second tab"
