"""A refused decision (issue 14) is a page of its own, reached by a redirect: Reload
and Back never post it again, and nothing typed is lost, whether fields are
missing, the decision was sent twice, recorded meanwhile in another tab, or sent
after the session ended."""

import re
import secrets

import sqlalchemy as sa

from interview.debrief import views as debrief_views
from interview.debrief.operations import record_decision
from interview.extensions import db
from interview.models import HiringDecision, Loop, User

from .test_guards import _in_debrief, _status, postgresql_only, race
from .test_loops import team  # noqa: F401  (a fixture)

RATIONALE = "Strong on every competency the panel heard so far."
DRAFT_URL = r"/loops/{}/decision\?draft=[\w-]+$"


def _decisions(app) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(HiringDecision.outcome, HiringDecision.rationale)
        )
        return [(o.value, r) for o, r in rows]


def test_a_refused_decision_redirects_to_every_error_and_reloads(
    app,
    client,
    auth,
    team,  # noqa: F811
):
    loop_id = _in_debrief(app, client, auth, team)
    auth.login(team["hm"])
    refused = client.submit(f"/loops/{loop_id}/decision", {"rationale": ""})
    assert refused.status_code == 302  # a GET follows: Reload never posts again
    assert re.match(DRAFT_URL.format(loop_id), refused.location)
    first, again = client.get(refused.location), client.get(refused.location)
    for page in (first, again):
        assert page.status_code == 422  # refused, as every refused form says
        assert "both fields need attention" in page.text
        assert "Choose hire, no hire or hold." in page.text
        assert "Write the rationale behind the decision." in page.text
        # The summary takes the focus, each error linked to its field.
        assert 'id="decision-errors" tabindex="-1" autofocus' in page.text
        assert 'href="#outcome-0"' in page.text and 'href="#rationale"' in page.text
    short = client.submit(
        f"/loops/{loop_id}/decision", {"outcome": "hire", "rationale": "Strong <b>."}
    )
    assert short.status_code == 302
    page = client.get(short.location).text
    assert "one field needs attention" in page and "at least 20 characters" in page
    assert re.search(r'<input checked[^>]*value="hire"', page)  # every field kept
    assert "Strong &lt;b&gt;.</textarea>" in page
    assert _status(app, loop_id) == "debrief" and _decisions(app) == []
    # No draft, or one not kept: a clean form, no crash.
    for tail in ("?draft=", "?draft=nothing-here", ""):
        clean = client.get(f"/loops/{loop_id}/decision{tail}")
        assert clean.status_code == 200
        assert (
            "Strong &lt;b&gt;." not in clean.text
            and "decision-errors" not in clean.text
        )
    # Recorded at last: the drafts go.
    done = client.submit(
        f"/loops/{loop_id}/decision", {"outcome": "hire", "rationale": RATIONALE}
    )
    assert done.status_code == 302 and _status(app, loop_id) == "decided"
    assert "Strong &lt;b&gt;." not in client.get(short.location).text


def test_a_refused_decision_too_long_to_keep_is_answered_directly(
    app,
    client,
    auth,
    team,  # noqa: F811
):
    """The cookie holds about 4 KB: a refused form too large for it is answered as
    before (422, every error, the text on the page), never lost; a shorter one on
    the same loop still goes to its draft."""
    loop_id = _in_debrief(app, client, auth, team)
    auth.login(team["hm"])
    long = " ".join(secrets.token_hex(4) for _ in range(700))  # ~6 KB, no repeats
    refused = client.submit(f"/loops/{loop_id}/decision", {"rationale": long})
    assert refused.status_code == 422
    assert long in refused.text and "Choose hire, no hire or hold." in refused.text
    assert 'id="decision-errors" tabindex="-1" autofocus' in refused.text
    shorter = client.submit(f"/loops/{loop_id}/decision", {"rationale": long[:900]})
    assert shorter.status_code == 302
    assert long[:900] in client.get(shorter.location).text
    assert _status(app, loop_id) == "debrief"


def test_a_double_submit_records_one_decision_and_says_so(
    app,
    client,
    auth,
    team,  # noqa: F811
):
    loop_id = _in_debrief(app, client, auth, team)
    auth.login(team["hm"])
    data = {"outcome": "no_hire", "rationale": RATIONALE}
    assert client.submit(f"/loops/{loop_id}/decision", data).status_code == 302
    twice = client.submit(f"/loops/{loop_id}/decision", data)
    assert twice.location == f"/loops/{loop_id}/debrief"
    page = client.get(twice.location).text
    assert "Your decision was already recorded; it was sent twice." in page
    assert "not recorded" not in page
    assert _decisions(app) == [("no_hire", RATIONALE)]


@postgresql_only
def test_two_decisions_sent_at_once_record_one(
    app,
    client,
    auth,
    team,  # noqa: F811
    monkeypatch,
):
    """A double click: the second waits on the loop's lock, then finds its own
    decision recorded and says so (302 both), never a second decision or an error."""
    loop_id = _in_debrief(app, client, auth, team)
    auth.login(team["hm"])
    data = {"outcome": "hold", "rationale": RATIONALE}
    url = f"/loops/{loop_id}/decision"
    assert race(
        app, client, monkeypatch, debrief_views, "sessions_to_come", url, data
    ) == [
        302,
        302,
    ]
    assert _decisions(app) == [("hold", RATIONALE)]


def test_a_decision_recorded_meanwhile_keeps_the_text(
    app,
    client,
    auth,
    team,  # noqa: F811
):
    """Two tabs: the first records a decision; the second's (another outcome, or a
    form with a field missing) is refused by name, its text kept to copy."""
    loop_id = _in_debrief(app, client, auth, team)
    auth.login(team["hm"])
    url = f"/loops/{loop_id}/decision"
    assert (
        client.submit(url, {"outcome": "hire", "rationale": RATIONALE}).status_code
        == 302
    )
    mine = "No hire after all: the privacy answers were <thin>."
    for data in ({"outcome": "no_hire", "rationale": mine}, {"rationale": mine}):
        refused = client.submit(url, data)
        assert refused.status_code == 302
        assert re.match(DRAFT_URL.format(loop_id), refused.location)
        for page in (
            client.get(refused.location).text,
            client.get(refused.location).text,
        ):
            assert "Your decision was not recorded" in page
            assert (
                "A decision (Hire) was recorded meanwhile by you, in another tab "
                "or on another device, so this one was not recorded." in page
            )
            assert (
                "No hire after all: the privacy answers were &lt;thin&gt;.</textarea>"
                in page
            )
            assert 'id="decision-unrecorded-heading" tabindex="-1" autofocus' in page
            assert "readonly" in page
    assert _decisions(app) == [("hire", RATIONALE)]


def test_a_refused_draft_keeps_its_text_once_the_loop_is_decided_elsewhere(
    app,
    client,
    auth,
    team,  # noqa: F811
):
    """Review: a decision refused for its missing outcome keeps a draft; once the
    loop was decided on another device (its own cookie), the draft's address showed
    neither a form nor the text typed."""
    loop_id = _in_debrief(app, client, auth, team)
    auth.login(team["hm"])
    mine = "Strong on workflow; I had not chosen the outcome yet."
    refused = client.submit(f"/loops/{loop_id}/decision", {"rationale": mine})
    assert mine in client.get(refused.location).text
    with app.app_context():
        loop = db.session.get(Loop, loop_id)
        record_decision(db.session.get(User, team["hm"].id), loop, "hire", RATIONALE)
        db.session.commit()
    page = client.get(refused.location).text
    assert mine in page and "readonly" in page
    assert "A decision (Hire) was recorded meanwhile by you" in page
    assert _decisions(app) == [("hire", RATIONALE)]


def test_a_decision_sent_after_the_session_ended_shows_the_text(
    app,
    client,
    auth,
    team,  # noqa: F811
):
    """The session cookie gone (expired) with the form still open: the security
    token no longer matches, nothing is recorded, and the text is shown to copy."""
    loop_id = _in_debrief(app, client, auth, team)
    auth.login(team["hm"])
    token = client.csrf_token()
    client.delete_cookie("interview_session")
    mine = "Hire: clear & <strong> clinical reasoning throughout."
    sent = client.post(
        f"/loops/{loop_id}/decision",
        data={"outcome": "hire", "rationale": mine, "csrf_token": token},
    )
    assert sent.status_code == 400
    assert "Your decision was not recorded" in sent.text
    assert "Your session ended" in sent.text
    assert (
        "clear &amp; &lt;strong&gt; clinical reasoning throughout.</textarea>"
        in sent.text
    )
    assert "<strong>Hire</strong>" in sent.text
    assert f'href="/loops/{loop_id}/debrief#decision"' in sent.text
    assert _status(app, loop_id) == "debrief" and _decisions(app) == []
