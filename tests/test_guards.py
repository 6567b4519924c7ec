"""Guards that ask first (issue 14): a second open loop for the same candidate and
requisition, a move to debrief with scorecards missing, and the decision form that
names every missing field and survives a reload. No JavaScript: the test client
sends the forms as a browser without scripts would."""

import re
import threading

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.models import Loop, LoopStatus, ScorecardStatus
from interview.timeutil import utcnow

from .builders import add_scorecard
from .conftest import PG_URL
from .test_loops import _build_loop, _seat, _seats, team  # noqa: F401  (a fixture)

postgresql_only = pytest.mark.skipif(
    not PG_URL, reason="two overlapping requests need PostgreSQL"
)
# How long a request that should be waiting on a lock waits for the other anyway.
WAIT_S = 1.0

PANEL = [
    ("Clinical case", "clinical", "clara"),
    ("Clinical case", "technical", "ines"),
    ("Privacy scenario", "clinical", "kwame"),
    ("Privacy scenario", "technical", "wei"),
]


def _interviewing(app, client, team, submitted=()) -> int:  # noqa: F811
    """A loop with its whole panel seated, interviewing; ``submitted`` names who
    has submitted a scorecard."""
    loop_id = _build_loop(client, app, team)
    seats = _seats(app, loop_id)
    with app.app_context():
        loop = db.session.get(Loop, loop_id)
        for session in loop.sessions:
            for seat in session.seats:
                person = next(
                    p
                    for title, side, p in PANEL
                    if (title, side) == (session.title, str(seat.discipline))
                )
                seat.interviewer_id = team[person].id
        loop.status = LoopStatus.INTERVIEWING
        db.session.commit()
    for title, side, person in PANEL:
        if person in submitted:
            with app.app_context():
                add_scorecard(
                    seats[(title, side)],
                    team[person].id,
                    status=ScorecardStatus.SUBMITTED,
                    submitted_at=utcnow(),
                )
    return loop_id


def _status(app, loop_id: int) -> str:
    with app.app_context():
        return str(db.session.get(Loop, loop_id).status)


def _confirm_debrief(client, page: str, loop_id: int):
    """Send the page's "Move to debrief anyway" form as shown."""
    shown = re.search(r'name="missing" value="([^"]*)"', page).group(1)
    data = {"status": "debrief", "confirm": "y", "missing": shown}
    return client.submit(f"/loops/{loop_id}/status", data)


def race(app, client, monkeypatch, module, name: str, url: str, data: dict) -> list:
    """Post ``data`` to ``url`` twice at once, as the signed-in ``client``; both
    requests meet after ``module.name`` ran (unless one waits on a lock, then the
    other goes on after WAIT_S). The answers' status codes, or what was raised."""
    barrier = threading.Barrier(2, timeout=WAIT_S)
    real = getattr(module, name)

    def meeting(*args):
        found = real(*args)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass  # the other request waits on a lock: go on alone
        return found

    monkeypatch.setattr(module, name, meeting)
    data = {**data, "csrf_token": client.csrf_token()}
    results = []

    def post():
        other = app.test_client()
        for cookie in client._cookies.values():
            other.set_cookie(cookie.key, cookie.value, path=cookie.path)
        try:
            results.append(other.post(url, data=data).status_code)
        except Exception as exc:  # noqa: BLE001  (the test app raises what would be a 500)
            results.append(type(exc).__name__)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return sorted(results, key=str)


def test_debrief_with_scorecards_missing_names_them_and_waits(
    app,
    client,
    auth,
    team,  # noqa: F811
):
    auth.login(team["ta"])
    loop_id = _interviewing(app, client, team, submitted={"clara"})
    asked = client.submit(f"/loops/{loop_id}/status", {"status": "debrief"})
    # Issue 14: the question is a page of its own (Back never posts again).
    assert asked.status_code == 302
    assert asked.location == f"/loops/{loop_id}/move-to-debrief"
    page = client.get(asked.location).get_data(as_text=True)
    assert client.get(asked.location).status_code == 200  # reloaded: asked anew
    assert "3 scorecards are not submitted yet" in page
    assert "Inés Delgado (Technical), Clinical case: not started" in page
    assert "Kwame Mensah (Clinical), Privacy scenario: not started" in page
    assert "Wei Zhang (Technical), Privacy scenario: not started" in page
    assert "Clara Jensen (Clinical)" not in page  # she submitted
    # The confirmation keeps the choice: the same target, confirmed.
    confirm = re.search(
        r'<section[^>]*id="confirm-debrief".*?</section>', page, re.DOTALL
    ).group(0)
    assert 'name="status" value="debrief"' in confirm
    assert "Move to debrief anyway" in confirm
    # A screen reader hears one sentence, not the form; the focus is on the heading.
    assert 'role="alert"' not in confirm.split(">", 1)[0]
    assert re.findall(r'<p role="alert">([^<]*)</p>', confirm) == [
        "The loop is still interviewing: check who is missing before moving it to "
        + "debrief."
    ]
    assert re.search(
        r'<h2 id="confirm-debrief-heading" tabindex="-1" autofocus>', confirm
    )
    assert _status(app, loop_id) == "interviewing"  # nothing moved
    moved = _confirm_debrief(client, page, loop_id)
    assert moved.status_code == 302
    assert _status(app, loop_id) == "debrief"
    # Said in plain words (review of issue 14: not "The loop is now debrief.").
    said = client.get(f"/loops/{loop_id}").get_data(as_text=True)
    assert "The loop moved to debrief." in said
    # With every scorecard in there is nobody to name: it moves at once.
    everyone = {person for _, _, person in PANEL}
    complete = _interviewing(app, client, team, submitted=everyone)
    moved = client.submit(f"/loops/{complete}/status", {"status": "debrief"})
    assert moved.status_code == 302
    assert _status(app, complete) == "debrief"


def test_a_stale_or_unread_confirmation_asks_again(
    app,
    client,
    auth,
    team,  # noqa: F811
):
    """ "Move to debrief anyway" moves the loop only for the scorecards it named."""
    auth.login(team["ta"])
    loop_id = _interviewing(app, client, team, submitted={"clara"})
    # Sent without the page (or a bookmarked confirmation): nothing was read.
    unread = client.submit(
        f"/loops/{loop_id}/status", {"status": "debrief", "confirm": "y"}
    )
    assert unread.location == f"/loops/{loop_id}/move-to-debrief"
    assert _status(app, loop_id) == "interviewing"
    page = client.get(unread.location).get_data(as_text=True)
    assert "3 scorecards are not submitted yet" in page
    # Clara's submitted seat is handed to Kwame after the page was read: his
    # scorecard is missing too, and the confirmation never named it.
    seats = _seats(app, loop_id)
    _seat(client, loop_id, seats[("Clinical case", "clinical")], team["kwame"])
    stale = _confirm_debrief(client, page, loop_id)
    assert stale.location == f"/loops/{loop_id}/move-to-debrief"
    assert _status(app, loop_id) == "interviewing"
    again = client.get(stale.location).get_data(as_text=True)
    assert "4 scorecards are not submitted yet" in again
    assert "Kwame Mensah (Clinical), Clinical case: not started" in again
    assert "The missing scorecards changed since you confirmed" in again
    # Confirmed as now shown, it moves.
    assert _confirm_debrief(client, again, loop_id).status_code == 302
    assert _status(app, loop_id) == "debrief"


@postgresql_only
def test_two_confirmations_of_a_second_loop_at_once_start_one(
    app,
    client,
    auth,
    team,  # noqa: F811
    monkeypatch,
):
    """A double click on "Start another loop anyway", both requests in flight: the
    second waits for the first, sees its loop, and asks again."""
    from interview.loops import views as loop_views

    auth.login(team["ta"])
    first = _build_loop(client, app, team)
    with app.app_context():
        loop = db.session.get(Loop, first)
        url = f"/requisitions/{loop.requisition_id}/loops/new"
        amara = str(loop.candidate_id)
    data = {"q": "amara", "candidate_id": amara, "again": "y", "confirmed": str(first)}
    answers = race(app, client, monkeypatch, loop_views, "open_loops_of", url, data)
    assert answers == [302, 303]  # the second redirected to the question again
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Loop.id))) == 2


@pytest.mark.parametrize("who", ["hm", "clara"])
def test_only_talent_acquisition_moves_a_loop(
    app,
    client,
    auth,
    team,  # noqa: F811
    who,
):
    auth.login(team["ta"])
    loop_id = _interviewing(app, client, team)
    auth.logout()
    auth.login(team[who])
    for data in ({"status": "debrief"}, {"status": "debrief", "confirm": "y"}):
        assert client.submit(f"/loops/{loop_id}/status", data).status_code == 403
    assert _status(app, loop_id) == "interviewing"


def test_a_second_open_loop_needs_confirming_and_a_double_submit_starts_one(
    app,
    client,
    auth,
    team,  # noqa: F811
):
    auth.login(team["ta"])
    first = _build_loop(client, app, team)
    with app.app_context():
        loop = db.session.get(Loop, first)
        url = f"/requisitions/{loop.requisition_id}/loops/new"
        amara = str(loop.candidate_id)

    def count() -> int:
        with app.app_context():
            return db.session.scalar(sa.select(sa.func.count(Loop.id)))

    asked = client.submit(url, {"q": "amara", "candidate_id": amara})
    # The POST does not answer with the question: it redirects to a GET of it, so
    # Reload and Back never send the form again.
    assert asked.status_code == 303
    question = f"{url}?candidate={amara}&again=1&q=amara"
    assert asked.location == question
    assert count() == 1
    for _ in range(2):  # reloaded, it asks the same and starts nothing
        shown = client.get(question)
        assert shown.status_code == 200
        page = shown.get_data(as_text=True)
        assert "Amara Nwosu already has an open loop for this requisition" in page
        assert 'id="open-loop-heading" tabindex="-1" autofocus' in page
        assert f'href="/loops/{first}">Loop {first}</a>' in page
        assert f'value="{amara}" id="candidate-{amara}" checked' in page  # chosen
        assert "Start another loop anyway" in page
        assert f'name="confirmed" value="{first}"' in page
    assert count() == 1
    confirmed = {"q": "amara", "candidate_id": amara, "again": "y"}
    confirmed["confirmed"] = str(first)
    assert client.submit(url, confirmed).status_code == 302
    assert count() == 2
    # The same confirmation sent twice (a double click): the loop it started is
    # open now, which the confirmation did not cover, so it asks again.
    twice = client.submit(url, confirmed)
    assert twice.status_code == 303 and twice.location == question
    assert count() == 2
    with app.app_context():
        second = db.session.scalar(sa.select(sa.func.max(Loop.id)))
    again = client.get(question).get_data(as_text=True)
    assert f'name="confirmed" value="{first},{second}"' in again


def test_the_second_loop_question_once_the_open_loop_is_gone_is_the_plain_form(
    app,
    client,
    auth,
    team,  # noqa: F811
):
    """Opened again after the open loop was withdrawn: nothing to ask, the form
    with the candidate chosen, and Start the loop starts it."""
    auth.login(team["ta"])
    first = _build_loop(client, app, team)
    with app.app_context():
        loop = db.session.get(Loop, first)
        url = f"/requisitions/{loop.requisition_id}/loops/new"
        amara = str(loop.candidate_id)
        loop.status = LoopStatus.WITHDRAWN
        db.session.commit()
    shown = client.get(f"{url}?candidate={amara}&again=1")
    assert shown.status_code == 200
    page = shown.get_data(as_text=True)
    assert "already has an open loop" not in page
    assert "Start another loop anyway" not in page
    assert f'value="{amara}" id="candidate-{amara}" checked' in page
    assert client.submit(url, {"candidate_id": amara}).status_code == 302


@pytest.mark.parametrize(
    ("candidate", "code", "message"),
    [
        (
            "999999",
            404,
            "That candidate is no longer on file; search and choose again.",
        ),
        ("abc", 400, "That link does not name a candidate; search and choose one."),
        ("1" * 12, 400, "That link does not name a candidate; search and choose one."),
    ],
)
def test_a_second_loop_question_naming_no_candidate_says_so(
    app,
    client,
    auth,
    team,  # noqa: F811
    candidate,
    code,
    message,
):
    auth.login(team["ta"])
    first = _build_loop(client, app, team)
    with app.app_context():
        requisition = db.session.get(Loop, first).requisition_id
    url = f"/requisitions/{requisition}/loops/new?candidate={candidate}&again=1"
    shown = client.get(url)
    assert shown.status_code == code
    page = shown.get_data(as_text=True)
    assert message in page
    assert "Start another loop anyway" not in page
    assert " checked>" not in page  # nobody chosen


@pytest.mark.parametrize("who", ["hm", "clara"])
def test_only_talent_acquisition_sees_the_second_loop_question(
    app,
    client,
    auth,
    team,  # noqa: F811
    who,
):
    auth.login(team["ta"])
    first = _build_loop(client, app, team)
    with app.app_context():
        loop = db.session.get(Loop, first)
        url = f"/requisitions/{loop.requisition_id}/loops/new"
        url += f"?candidate={loop.candidate_id}&again=1"
    assert client.get(url).status_code == 200
    auth.logout()
    auth.login(team[who])
    shown = client.get(url)
    assert shown.status_code == 403
    assert "already has an open loop" not in shown.get_data(as_text=True)


def _in_debrief(app, client, auth, team) -> int:  # noqa: F811
    auth.login(team["ta"])
    loop_id = _interviewing(app, client, team, submitted={"clara"})
    with app.app_context():
        db.session.get(Loop, loop_id).status = LoopStatus.DEBRIEF
        db.session.commit()
    auth.logout()
    return loop_id


def test_the_decision_form_names_every_missing_field_at_once(
    app,
    client,
    auth,
    team,  # noqa: F811
):
    loop_id = _in_debrief(app, client, auth, team)
    auth.login(team["hm"])
    refused = client.submit(f"/loops/{loop_id}/decision", {"rationale": ""})
    assert refused.status_code == 302  # to the kept draft: Reload never re-posts
    page = client.get(refused.location).get_data(as_text=True)
    assert "both fields need attention" in page
    assert "Choose hire, no hire or hold." in page
    assert "Write the rationale behind the decision." in page
    short = client.submit(
        f"/loops/{loop_id}/decision", {"outcome": "hire", "rationale": "Strong."}
    )
    assert short.status_code == 302
    page = client.get(short.location).get_data(as_text=True)
    assert "at least 20 characters" in page
    assert re.search(r'<input checked[^>]*value="hire"', page)  # kept
    assert "Strong.</textarea>" in page
    assert _status(app, loop_id) == "debrief"


def test_reloading_a_refused_forms_address_shows_its_page(
    app,
    client,
    auth,
    team,  # noqa: F811
):
    """A reload (GET) of the address a refused form was posted to is the page the
    form lives on, never a 405."""
    loop_id = _in_debrief(app, client, auth, team)
    auth.login(team["hm"])
    debrief = client.get(f"/loops/{loop_id}/decision")
    assert debrief.status_code == 200
    assert f'action="/loops/{loop_id}/decision"' in debrief.get_data(as_text=True)
    auth.logout()
    auth.login(team["ta"])
    with app.app_context():
        session_id = db.session.get(Loop, loop_id).sessions[0].id
    for tail in (
        "propose",
        "status",
        "reopen",
        "sessions",
        f"sessions/{session_id}/schedule",
        f"sessions/{session_id}/shape",
    ):
        page = client.get(f"/loops/{loop_id}/{tail}")
        assert page.status_code == 200, tail
        assert 'id="coverage"' in page.get_data(as_text=True), tail  # the loop page
    assert _status(app, loop_id) == "debrief"  # a GET changes nothing
    # A session that is not this loop's is not found, as its POST would say.
    for tail in ("schedule", "shape"):
        assert client.get(f"/loops/{loop_id}/sessions/999999/{tail}").status_code == 404
    with app.app_context():
        candidate_id = db.session.get(Loop, loop_id).candidate_id
    conflicts = client.get(f"/candidates/{candidate_id}/conflicts")
    assert conflicts.status_code == 200  # the candidate's page, its conflict form
    shown = conflicts.get_data(as_text=True)
    assert f'action="/candidates/{candidate_id}/conflicts"' in shown
    # The details form on that page still saves the details, not a conflict.
    assert f'action="/candidates/{candidate_id}/edit"' in shown


@pytest.mark.parametrize("who", ["ta", "clara"])
def test_only_the_hiring_manager_decides(
    app,
    client,
    auth,
    team,  # noqa: F811
    who,
):
    loop_id = _in_debrief(app, client, auth, team)
    auth.login(team[who])
    data = {"outcome": "hire", "rationale": "A clear hire on every competency here."}
    assert client.submit(f"/loops/{loop_id}/decision", data).status_code == 403
    assert _status(app, loop_id) == "debrief"
