"""A refused Save or Submit of the kit's form redirects to the kit's ?draft= address
(issue 14): Reload and Back never send the form again, and the address shows the
text and every message however often it is reloaded; nothing typed is lost, and a
draft is shown to nobody but the interviewer who typed it."""

import random
import re
import string

import sqlalchemy as sa

from interview.extensions import db
from interview.models import AuditEntry, Discipline, PanelSeat, Role

from .conftest import Auth
from .tabs import Tab, hidden
from .test_scorecard_edits import _decide
from .test_scorecards import _card, _form, _second_seat

SHORT = "Good, short."
DRAFTS = "interview_drafts"


def _kit(seat) -> str:
    return f"/interviews/{seat['id']}"


def _redirected(response, seat) -> str:
    """The ?draft= address a refused POST redirected to (never a page of its own)."""
    assert response.status_code == 302, response.status_code
    assert re.fullmatch(re.escape(_kit(seat)) + r"\?draft=[\w-]+", response.location)
    return response.location


def _from(page: str, **fields) -> dict:
    """The next request of the page shown, as its form sends it."""
    state = {n: hidden(page, n) for n in ("version", "edit_token", "restored_from")}
    state["edit_seq"] = str(int(hidden(page, "edit_seq")) + 1)
    return _form(**state, **fields)


def test_a_refused_submit_redirects_and_its_address_shows_it_again(
    app, client, auth, seat
):
    auth.login(seat["clara"])
    tab = Tab(client, seat["id"])
    posted = client.submit(
        _kit(seat), tab.request(submit="y", evidence_workflow=SHORT, summary="Fine")
    )
    address = _redirected(posted, seat)
    for _ in range(2):  # Reload, and again: the same page each time
        shown = client.get(address)
        page = shown.get_data(as_text=True)
        assert shown.status_code == 422
        assert f"\n{SHORT}</textarea>" in page and "asked about merges" in page
        assert (
            'id="evidence_workflow-error">Write at least 20 characters of evidence'
            in page
        )
        assert "Write a summary of at least 20 characters." in page
        assert "and it is saved as your draft" in page
        assert 'checked id="level_workflow-2"' in page  # the rating chosen, 3
    # The text is in the database, not in the cookie: only the messages are.
    with client.session_transaction() as session:
        (kept,) = session[DRAFTS].values()
    assert kept["pairs"] == [] and SHORT not in str(kept)
    assert _card(app)["evidence"]["workflow"] == SHORT

    # Fixed and submitted from the page shown: it goes through, once.
    fixed = _from(page, submit="y")
    done = client.submit(_kit(seat), fixed)
    assert done.status_code == 302 and done.location == _kit(seat)
    assert _card(app)["status"] == "submitted"
    again = client.submit(_kit(seat), fixed, follow_redirects=True)
    assert "Already submitted from this page; nothing changed." in again.text
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("scorecard.submit") == 1
    after = client.get(address)  # the draft went with the submission
    assert after.status_code == 200 and "Write a summary of at least" not in after.text


def test_the_page_shown_saves_as_the_page_that_was_refused(app, client, auth, seat):
    """The refused page's own autosave landed after it had read its version: the
    page shown takes over from it (restored_from), so its save is no conflict; a
    late request of the refused page changes nothing after it."""
    auth.login(seat["clara"])
    tab = Tab(client, seat["id"])
    assert tab.beacon(summary="Saved by the page's own autosave.").json["ok"]
    typed = "Evidence with a stray\x1bescape in it, typed carefully."
    late = tab.request(summary="The refused page's unload save, arriving late.")
    address = _redirected(
        client.submit(_kit(seat), tab.request(save="y", evidence_workflow=typed)),
        seat,
    )
    page = client.get(address).get_data(as_text=True)
    assert 'id="evidence_workflow-error">Remove the invisible control' in page
    assert "Evidence with a stray" in page
    assert hidden(page, "restored_from") == tab.token
    assert hidden(page, "edit_token") not in ("", tab.token)
    clean = typed.replace("\x1b", " ")
    saved = client.submit(_kit(seat), _from(page, save="y", evidence_workflow=clean))
    assert saved.status_code == 302 and saved.location == _kit(seat)
    assert _card(app)["evidence"]["workflow"] == clean
    assert tab.beacon(late).status_code == 409  # stale now: nothing overwritten
    assert _card(app)["evidence"]["workflow"] == clean


def test_a_stale_submit_from_a_second_tab_shows_both_versions(app, client, auth, seat):
    auth.login(seat["clara"])
    first, second = Tab(client, seat["id"]), Tab(client, seat["id"])
    assert (
        first.post(save="y", summary="Typed in the first tab, kept.").status_code == 302
    )
    other = "Typed and submitted in the second tab, which must not vanish."
    posted = client.submit(_kit(seat), second.request(submit="y", summary=other))
    address = _redirected(posted, seat)
    for _ in range(2):
        shown = client.get(address)
        page = shown.get_data(as_text=True)
        assert shown.status_code == 409
        assert "Changed in another window" in page
        assert 'Saved summary</dt><dd class="prose">Typed in the first tab' in page
        assert f"\n{other}</textarea>" in page
    assert _card(app)["summary"] == "Typed in the first tab, kept."
    # Saving from it again is refused again (the first tab's text is not replaced
    # unseen) and shows it again; the kit it links to saves.
    again = client.submit(_kit(seat), _from(page, save="y", summary=other))
    assert client.get(_redirected(again, seat)).status_code == 409
    assert _card(app)["summary"] == "Typed in the first tab, kept."
    assert f'href="{_kit(seat)}">open the saved scorecard</a>' in page
    fresh = Tab(client, seat["id"])
    assert fresh.post(submit="y", summary=other).status_code == 302
    assert _card(app)["summary"] == other


def test_a_stale_write_too_large_for_the_cookie_is_answered_at_once(
    app, client, auth, seat
):
    """A draft too large to keep in the cookie: the page itself answers (nothing
    lost), as before; a small one redirects."""
    auth.login(seat["clara"])
    first, second = Tab(client, seat["id"]), Tab(client, seat["id"])
    first.post(save="y", summary="Typed in the first tab, kept.")
    small = client.submit(_kit(seat), second.request(save="y"))
    _redirected(small, seat)
    words = random.Random(14).choices(string.ascii_letters + " ", k=6000)
    evidence = "".join(words)
    large = client.submit(
        _kit(seat), second.request(save="y", evidence_workflow=evidence)
    )
    assert large.status_code == 409 and evidence in large.text
    assert "Changed in another window" in large.text


def test_a_save_on_a_decided_loop_redirects_and_keeps_the_text(app, client, auth, seat):
    auth.login(seat["clara"])
    tab = Tab(client, seat["id"])
    tab.post(save="y", summary="A draft written before the decision.")
    _decide(app, seat)
    typed = "Written while the panel decided, and not to be lost."
    address = _redirected(
        client.submit(_kit(seat), tab.request(save="y", summary=typed)), seat
    )
    for _ in range(2):
        shown = client.get(address)
        page = shown.get_data(as_text=True)
        assert shown.status_code == 409
        assert "Nothing was saved: the loop was decided while you wrote." in page
        assert f"\n{typed}</textarea>" in page
        assert "frozen-fields" not in page  # the text can be selected and copied
    assert _card(app)["summary"] == "A draft written before the decision."


def test_a_save_without_its_version_redirects_and_keeps_the_text(
    app, client, auth, seat
):
    auth.login(seat["clara"])
    data = _form(save="y", summary="Typed before the version went missing.")
    del data["version"]
    address = _redirected(client.submit(_kit(seat), data), seat)
    for _ in range(2):
        shown = client.get(address)
        assert shown.status_code == 400
        assert "did not say which saved version" in shown.text
        assert "Typed before the version went missing." in shown.text
        assert f'href="{_kit(seat)}">Open the saved scorecard</a>' in shown.text
    assert _card(app) is None


def test_a_draft_address_shows_nobody_else_the_text(app, client, auth, seat, make_user):
    """An unknown token, or another interviewer's on the same loop, shows the
    plain kit: never someone else's typed text."""
    wei = _second_seat(app, seat, make_user)
    auth.login(seat["clara"])
    private = "Clara's private evidence\x1b: the candidate named the ward."
    tab = Tab(client, seat["id"])
    posted = client.submit(_kit(seat), tab.request(save="y", evidence_workflow=private))
    token = _redirected(posted, seat).split("=", 1)[1]
    for tail in ("", "?draft=", "?draft=nothing-here"):
        plain = client.get(_kit(seat) + tail)
        assert plain.status_code == 200 and "Clara&#39;s private" not in plain.text
    with client.session_transaction() as session:
        drafts = dict(session[DRAFTS])
    assert "Clara's private" in str(drafts)

    # Wei, in his own browser, with Clara's address.
    other = app.test_client()
    Auth(other).login(wei["wei"])
    page = other.get(f"/interviews/{wei['id']}?draft={token}")
    assert page.status_code == 200 and "Clara&#39;s private" not in page.text
    assert "Remove the invisible control" not in page.text
    assert other.get(f"{_kit(seat)}?draft={token}").status_code == 403

    # Wei in Clara's browser, her drafts still in the cookie (sign-out forgets
    # them; put back here as if it had not): his kit with her token is his own.
    auth.logout()
    auth.login(wei["wei"])
    with client.session_transaction() as session:
        session[DRAFTS] = drafts
    page = client.get(f"/interviews/{wei['id']}?draft={token}")
    assert page.status_code == 200 and "Clara&#39;s private" not in page.text
    assert client.get(f"{_kit(seat)}?draft={token}").status_code == 403
    # Even on her seat, given to him: the draft is hers, not the seat's.
    someone = make_user(Role.INTERVIEWER, discipline=Discipline.TECHNICAL)
    with app.app_context():
        db.session.get(PanelSeat, wei["id"]).interviewer_id = someone.id
        db.session.flush()
        db.session.get(PanelSeat, seat["id"]).interviewer_id = wei["wei"].id
        db.session.commit()
    page = client.get(f"{_kit(seat)}?draft={token}")
    assert page.status_code == 200 and "Clara&#39;s private" not in page.text


def test_a_submit_after_another_tabs_submit_keeps_the_text_in_view(
    app, client, auth, seat
):
    auth.login(seat["clara"])
    first, second = Tab(client, seat["id"]), Tab(client, seat["id"])
    assert first.post(submit="y").status_code == 302
    other = "Typed and submitted in the second tab, which must not vanish."
    posted = client.submit(_kit(seat), second.request(submit="y", summary=other))
    for _ in range(2):
        shown = client.get(_redirected(posted, seat))
        page = shown.get_data(as_text=True)
        assert shown.status_code == 409
        assert "submitted from another window" in page
        assert '<details class="card" open>' in page  # the amend form, unfolded
        assert f"\n{other}</textarea>" in page
    assert _card(app)["summary"] != other


def test_the_messages_go_once_the_scorecard_is_saved_again(app, client, auth, seat):
    """The address shows the messages of the refused Submit while the scorecard is
    as it left it; saved again since (the page's autosave), it shows the kit."""
    auth.login(seat["clara"])
    tab = Tab(client, seat["id"])
    posted = client.submit(_kit(seat), tab.request(submit="y", evidence_workflow=SHORT))
    address = _redirected(posted, seat)
    page = client.get(address).get_data(as_text=True)
    assert "Write at least 20 characters of evidence" in page
    autosave = client.submit(f"{_kit(seat)}/autosave", _from(page))
    assert autosave.json["ok"]
    again = client.get(address)
    assert again.status_code == 200
    assert "Write at least 20 characters of evidence" not in again.text
    assert "She traced the failed ADT merge" in again.text
