"""Destructive actions ask first (issue 14, fresh-user review): withdrawing a loop
cancels the interviews on its interviewers' calendars, so it happens only once talent
acquisition has read who will be told, as the move-to-debrief guard does. No
JavaScript: the test client sends the forms as a browser without scripts would."""

import html
import re
from datetime import timedelta

import sqlalchemy as sa

from interview.extensions import db
from interview.models import Discipline, Loop, OutboxMessage
from interview.timeutil import utcnow

from .test_notify_triggers import (  # noqa: F401  (team is a fixture)
    _mark_sent,
    _schedule,
    _seat_with,
    team,
)

LAST_WEEK = (utcnow() - timedelta(days=7)).strftime("%Y-%m-%dT10:00")


def _ready(app, auth, team):  # noqa: F811
    """Clara and Theo seated on a session next week; signed in as talent acquisition."""
    with app.app_context():
        _seat_with(team, Discipline.CLINICAL, team["clara"])
        _seat_with(team, Discipline.TECHNICAL, team["theo"])
        _schedule(team)
    auth.login(team["ta"])
    return team["loop_id"]


def _state(app, loop_id: int) -> tuple[str, int]:
    """The loop's status and how many messages are queued for anyone."""
    with app.app_context():
        queued = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))
        return str(db.session.get(Loop, loop_id).status), queued


def test_withdrawing_names_who_will_be_told_and_waits(app, client, auth, team):  # noqa: F811
    loop_id = _ready(app, auth, team)
    before = _state(app, loop_id)
    asked = client.submit(f"/loops/{loop_id}/status", {"status": "withdrawn"})
    assert asked.location == f"/loops/{loop_id}/withdraw"  # a page of its own
    assert _state(app, loop_id) == before  # nothing withdrawn, nobody told
    page = html.unescape(client.get(asked.location).get_data(as_text=True))
    assert re.search(
        r'<h2 id="confirm-withdraw-heading" tabindex="-1" autofocus>Withdrawing '
        r"cancels 1 session on 2 interviewers' calendars</h2>",
        page,
    )
    assert "<li>Clara, Workflow</li>" in page and "<li>Theo, Workflow</li>" in page
    told = re.search(r'name="told" value="([^"]*)"', page).group(1)

    # A stale confirmation (Cleo now sits where Clara did) asks again, naming Cleo.
    with app.app_context():
        _seat_with(team, Discipline.CLINICAL, team["cleo"])
    data = {"status": "withdrawn", "confirm": "y", "told": told}
    again = client.submit(f"/loops/{loop_id}/status", data)
    assert again.location == f"/loops/{loop_id}/withdraw"
    page = html.unescape(client.get(again.location).get_data(as_text=True))
    assert "Who would be told changed since you confirmed" in page
    assert "<li>Cleo, Workflow</li>" in page
    # Said once (a note in the cookie): the page reloaded asks without it.
    reloaded = client.get(again.location).get_data(as_text=True)
    assert "changed since you confirmed" not in reloaded
    status, queued = _state(app, loop_id)
    assert status != "withdrawn"

    data["told"] = re.search(r'name="told" value="([^"]*)"', page).group(1)
    done = client.submit(f"/loops/{loop_id}/status", data)
    assert done.status_code == 302
    status, now = _state(app, loop_id)
    assert status == "withdrawn" and now == queued + 2  # Cleo's and Theo's CANCEL


def test_withdrawing_with_people_seated_but_no_time_asks_first(
    app,
    client,
    auth,
    team,  # noqa: F811
):
    """Issue 14: seats filled but no time set told nobody, so withdrawing asked
    nothing. It now asks whenever people are seated, saying nobody is sent a
    cancellation, and withdraws once confirmed (still telling nobody)."""
    with app.app_context():
        _seat_with(team, Discipline.CLINICAL, team["clara"])  # no time: nobody told
    auth.login(team["ta"])
    loop_id = team["loop_id"]
    before = _state(app, loop_id)
    asked = client.submit(f"/loops/{loop_id}/status", {"status": "withdrawn"})
    assert asked.location == f"/loops/{loop_id}/withdraw"
    assert _state(app, loop_id) == before  # nothing withdrawn
    page = html.unescape(client.get(asked.location).get_data(as_text=True))
    assert "Withdrawing takes 1 seated interviewer off this loop" in page
    assert "Seated, but sent no cancellation, as the session is on no calendar:" in page
    assert "<li>Clara, Workflow (no time is set)</li>" in page
    assert "Each gets an email cancelling" not in page
    data = {"status": "withdrawn", "confirm": "y", "told": _told(page)}
    done = client.submit(f"/loops/{loop_id}/status", data)
    assert done.status_code == 302
    assert _state(app, loop_id) == ("withdrawn", before[1])  # nobody told


def test_withdrawing_with_nobody_seated_needs_no_confirmation(app, client, auth, team):  # noqa: F811
    auth.login(team["ta"])
    done = client.submit(f"/loops/{team['loop_id']}/status", {"status": "withdrawn"})
    assert done.status_code == 302
    assert _state(app, team["loop_id"])[0] == "withdrawn"


def test_removing_a_session_names_who_will_be_told_and_waits(app, client, auth, team):  # noqa: F811
    loop_id = _ready(app, auth, team)
    url = f"/loops/{loop_id}/sessions/{team['session_id']}/remove"
    before = _state(app, loop_id)
    asked = client.submit(url)
    assert asked.location == url.replace("/remove", "/removal")  # a page of its own
    assert _state(app, loop_id) == before
    page = html.unescape(client.get(asked.location).get_data(as_text=True))
    assert re.search(
        r'id="confirm-withdraw-heading" tabindex="-1" autofocus>Removing Workflow '
        r"cancels it on 2 interviewers' calendars</h2>",
        page,
    )
    assert "<li>Clara, Workflow</li>" in page and "<li>Theo, Workflow</li>" in page
    told = re.search(r'name="told" value="([^"]*)"', page).group(1)
    done = client.submit(url, {"confirm": "y", "told": told})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(Loop, loop_id).sessions == []
    assert _state(app, loop_id)[1] == before[1] + 2  # Clara's and Theo's CANCEL


def test_removing_a_session_with_people_seated_but_no_time_asks_first(
    app,
    client,
    auth,
    team,  # noqa: F811
):
    """Issue 14: a session nobody was invited to (no time) was removed unasked with
    Clara seated; it now asks, saying she is sent no cancellation."""
    with app.app_context():
        _seat_with(team, Discipline.CLINICAL, team["clara"])  # no time: nobody told
    auth.login(team["ta"])
    loop_id, session_id = team["loop_id"], team["session_id"]
    url = f"/loops/{loop_id}/sessions/{session_id}/remove"
    asked = client.submit(url)
    assert asked.location == f"/loops/{loop_id}/sessions/{session_id}/removal"
    page = html.unescape(client.get(asked.location).get_data(as_text=True))
    assert "Seated, but sent no cancellation, as the session is on no calendar:" in page
    assert "<li>Clara, Workflow (no time is set)</li>" in page
    assert f'action="{url}"' in page  # the session is still there to remove
    done = client.submit(url, {"confirm": "y", "told": _told(page)})
    assert done.location == f"/loops/{loop_id}"
    assert f'action="{url}"' not in client.get(done.location).text


def test_removing_a_session_nobody_is_seated_on_needs_no_confirmation(
    app,
    client,
    auth,
    team,  # noqa: F811
):
    auth.login(team["ta"])
    url = f"/loops/{team['loop_id']}/sessions/{team['session_id']}/remove"
    assert client.submit(url).status_code == 302


def test_a_session_moved_into_the_past_updates_calendars(app, team):  # noqa: F811
    """Fresh-user review: the old time stayed on the calendars (nothing was sent for
    a session ending in the past)."""
    with app.app_context():
        _seat_with(team, Discipline.CLINICAL, team["clara"])
        _schedule(team)
        invited = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))
        _mark_sent()
        db.session.commit()
        _schedule(team, "2024-03-04T10:00")
        rows = db.session.scalars(
            sa.select(OutboxMessage).order_by(OutboxMessage.id).offset(invited)
        ).all()
    assert [r.key.rsplit(":", 1)[1] for r in rows] == ["2"]  # the new time, sequence 2
    assert "Updated interview: Amara Nwosu for EHR analyst, Mon 4 Mar 2024" in (
        rows[0].message.decode()
    )  # the real time, 10:00 in Berlin


def test_the_removal_confirmations_address_opened_again_shows_the_loop(
    app,
    client,
    auth,
    team,  # noqa: F811
):
    """The confirmation is the answer to a POST: its address typed again, or
    reloaded as a GET, shows the loop page (no 405) and removes nothing."""
    loop_id = _ready(app, auth, team)
    url = f"/loops/{loop_id}/sessions/{team['session_id']}/remove"
    opened = client.get(url)
    assert opened.status_code == 200
    assert "Workflow" in opened.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.get(Loop, loop_id).sessions) == 1


def test_the_confirmations_are_pages_of_their_own_for_talent_acquisition(
    app,
    client,
    auth,
    team,  # noqa: F811
):
    """Issue 14: the confirmation was the answer to a POST, so Back or Reload asked
    to send the form again. The POST now redirects to a GET page: reloaded or opened
    from a copied link it asks anew, changes nothing, and only talent acquisition,
    who may do the step, sees it."""
    loop_id = _ready(app, auth, team)
    removal = f"/loops/{loop_id}/sessions/{team['session_id']}/removal"
    before = _state(app, loop_id)
    for url in (f"/loops/{loop_id}/withdraw", removal):
        first, again = client.get(url), client.get(url)
        assert first.status_code == again.status_code == 200
        assert _told(first.text) == _told(again.text)
        assert "<li>Clara, Workflow</li>" in html.unescape(first.text)
    assert _state(app, loop_id) == before
    auth.logout()
    for person in (team["clara"], team["manager"]):
        auth.login(person)
        for url in (f"/loops/{loop_id}/withdraw", removal):
            assert client.get(url).status_code == 403
        auth.logout()
    # Once withdrawn, the address says there is nothing to confirm (no 500, no 405).
    auth.login(team["ta"])
    page = client.get(f"/loops/{loop_id}/withdraw").text
    told = re.search(r'name="told" value="([^"]*)"', page).group(1)
    data = {"status": "withdrawn", "confirm": "y", "told": told}
    assert client.submit(f"/loops/{loop_id}/status", data).status_code == 302
    later = client.get(f"/loops/{loop_id}/withdraw")
    assert later.status_code == 200
    assert "Nothing to confirm for withdrawing it now" in later.text


def _told(page: str) -> str:
    return re.search(r'name="told" value="([^"]*)"', page).group(1)


def test_nothing_to_confirm_reads_naturally_for_every_status(app, client, auth, team):  # noqa: F811
    """Issue 14: 'the loop is debrief' read as a typo; it is 'in debrief'. (From
    interviewing, with seats unscored, the address asks instead: 'is interviewing'
    is the status's own word, as for planned.)"""
    auth.login(team["ta"])
    expected = {
        "planned": "the loop is planned",
        "debrief": "the loop is in debrief",
        "decided": "the loop is decided",
        "withdrawn": "the loop is withdrawn",
    }
    for status, words in expected.items():
        with app.app_context():
            loop = db.session.get(Loop, team["loop_id"])
            loop.status = type(loop.status)(status)
            db.session.commit()
        page = html.unescape(
            client.get(f"/loops/{team['loop_id']}/move-to-debrief").text
        )
        assert f"Nothing to confirm for moving it to debrief now: {words} and" in page


def test_a_copied_confirmation_address_never_says_it_changed(app, client, auth, team):  # noqa: F811
    """Fresh-user review: ``?changed=1`` in the address made a bookmarked or copied
    confirmation say "changed since you confirmed" to whoever opened it. The note
    is now kept for the browser that sent the stale confirmation, and said once."""
    loop_id = _ready(app, auth, team)
    removal = f"/loops/{loop_id}/sessions/{team['session_id']}/removal"
    for url in (f"/loops/{loop_id}/withdraw", removal):
        page = client.get(url + "?changed=1").text
        assert "<li>Clara, Workflow</li>" in html.unescape(page)
        assert "changed since you confirmed" not in page
    # A stale removal says so once, on the page its redirect lands on only.
    url = removal.replace("/removal", "/remove")
    stale = client.submit(url, {"confirm": "y", "told": "stale"})
    assert stale.location == removal
    assert (
        "changed since you confirmed"
        not in client.get(f"/loops/{loop_id}/withdraw").text
    )
    assert "Who would be told changed since you confirmed" in client.get(removal).text
    assert "changed since you confirmed" not in client.get(removal).text


def test_a_stale_removal_with_nobody_told_says_so_truly(app, client, auth, team):  # noqa: F811
    """Fresh-user review: with no time set nobody is sent anything, yet the stale
    removal said "Who would be told changed"; it now says who is seated changed."""
    with app.app_context():
        _seat_with(team, Discipline.CLINICAL, team["clara"])  # no time: nobody told
    auth.login(team["ta"])
    loop_id, session_id = team["loop_id"], team["session_id"]
    url = f"/loops/{loop_id}/sessions/{session_id}/remove"
    stale = client.submit(url, {"confirm": "y", "told": "stale"})
    page = html.unescape(client.get(stale.location).text)
    assert "Who would be told" not in page
    assert (
        "Who is seated changed since you confirmed, so Workflow is still on this "
        "loop: check again. Nobody is sent anything, as no time is set."
    ) in page


def test_a_past_interview_is_not_said_to_have_no_time(app, client, auth, team):  # noqa: F811
    """Fresh-user review: a seated interviewer of a session that already took place
    is sent nothing either, but the pages said it was "because no time was set"."""
    with app.app_context():
        _seat_with(team, Discipline.CLINICAL, team["clara"])
        _schedule(team, LAST_WEEK)
    auth.login(team["ta"])
    loop_id, session_id = team["loop_id"], team["session_id"]
    for url in (
        f"/loops/{loop_id}/withdraw",
        f"/loops/{loop_id}/sessions/{session_id}/removal",
    ):
        page = html.unescape(client.get(url).text)
        assert "<li>Clara, Workflow (it has already taken place)</li>" in page
        assert "no time" not in page
    stale = client.submit(
        f"/loops/{loop_id}/status",
        {"status": "withdrawn", "confirm": "y", "told": "stale"},
    )
    page = html.unescape(client.get(stale.location).text)
    assert "Nobody is sent anything, as it has already taken place." in page


def _recipients(app, after: int) -> list[str]:
    with app.app_context():
        return sorted(
            db.session.scalars(
                sa.select(OutboxMessage.recipient)
                .order_by(OutboxMessage.id)
                .offset(after)
            )
        )


def test_planning_a_withdrawn_loop_again_names_who_is_invited_and_waits(
    app,
    client,
    auth,
    team,  # noqa: F811
):
    """Fresh-user review: planning a withdrawn loop again sent its seated panel new
    calendar invitations without a word. It now asks first on a page of its own,
    naming who is invited, and invites them once confirmed."""
    loop_id = _ready(app, auth, team)
    page = client.get(f"/loops/{loop_id}/withdraw").text
    data = {"status": "withdrawn", "confirm": "y", "told": _told(page)}
    assert client.submit(f"/loops/{loop_id}/status", data).status_code == 302
    before = _state(app, loop_id)
    assert before[0] == "withdrawn"
    asked = client.submit(f"/loops/{loop_id}/status", {"status": "planned"})
    assert asked.location == f"/loops/{loop_id}/plan-again"
    assert _state(app, loop_id) == before  # still withdrawn, nobody invited
    page = html.unescape(client.get(asked.location).text)
    assert "Planning the loop again invites 2 interviewers anew" in page
    assert "<li>Clara, Workflow</li>" in page and "<li>Theo, Workflow</li>" in page
    # A stale confirmation asks again, saying so once.
    stale = {"status": "planned", "confirm": "y", "told": "stale"}
    again = client.submit(f"/loops/{loop_id}/status", stale)
    assert again.location == f"/loops/{loop_id}/plan-again"
    assert (
        "Who would be invited changed since you confirmed"
        in client.get(again.location).text
    )
    assert _state(app, loop_id) == before
    data = {"status": "planned", "confirm": "y", "told": _told(page)}
    done = client.submit(f"/loops/{loop_id}/status", data)
    assert done.location == f"/loops/{loop_id}"
    assert _state(app, loop_id)[0] == "planned"
    assert _recipients(app, before[1]) == sorted(
        [team["clara"].email, team["theo"].email]
    )


def test_planning_again_with_nobody_to_invite_asks_nothing(app, client, auth, team):  # noqa: F811
    """Seated but no time set: nobody is sent an invitation, so nothing to ask."""
    with app.app_context():
        _seat_with(team, Discipline.CLINICAL, team["clara"])
    auth.login(team["ta"])
    loop_id = team["loop_id"]
    page = client.get(f"/loops/{loop_id}/withdraw").text
    data = {"status": "withdrawn", "confirm": "y", "told": _told(page)}
    assert client.submit(f"/loops/{loop_id}/status", data).status_code == 302
    done = client.submit(f"/loops/{loop_id}/status", {"status": "planned"})
    assert done.location == f"/loops/{loop_id}"
    assert _state(app, loop_id)[0] == "planned"
    later = client.get(f"/loops/{loop_id}/plan-again")
    assert "Nothing to confirm for planning it again now" in later.text


def test_removal_of_a_session_on_a_closed_loop_has_nothing_to_confirm(
    app,
    client,
    auth,
    team,  # noqa: F811
):
    """Issue 14, fresh-user test: once the loop was withdrawn or decided, the removal
    page still asked "Remove it and tell them", and the button then said the loop
    can no longer change. It now says there is nothing to confirm, with the state."""
    loop_id = _ready(app, auth, team)
    removal = f"/loops/{loop_id}/sessions/{team['session_id']}/removal"
    for status in ("withdrawn", "decided"):
        with app.app_context():
            loop = db.session.get(Loop, loop_id)
            loop.status = type(loop.status)(status)
            db.session.commit()
        page = client.get(removal)
        assert page.status_code == 200
        text = html.unescape(page.text)
        assert (
            f"Nothing to confirm for removing Workflow now: the loop is {status}"
        ) in text
        assert 'name="told"' not in text  # no button that would be refused
