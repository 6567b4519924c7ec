"""No word lost, none invented: versions that move on every change, a tab that never
conflicts with itself, refused versions, frozen decided loops and control characters."""

import re

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interview.extensions import db
from interview.models import (
    AuditEntry,
    DecisionOutcome,
    HiringDecision,
    Loop,
    LoopStatus,
    PanelSeat,
    Rating,
    Role,
    Scorecard,
)

from .tabs import Tab
from .test_scorecards import EVIDENCE, _card, _form


def test_a_change_to_a_rating_alone_moves_the_version(app, client, auth, seat):
    auth.login(seat["clara"])
    Tab(client, seat["id"]).autosave()
    with app.app_context():
        rating = db.session.scalar(sa.select(Rating).where(Rating.evidence != ""))
        before = rating.scorecard.version
        rating.evidence += " Later she added the downtime procedure."
        db.session.commit()
        after_evidence = rating.scorecard.version
        rating.level = 2
        db.session.commit()
        assert before < after_evidence < rating.scorecard.version


def test_a_second_tab_that_changed_only_evidence_is_not_overwritten(
    app, client, auth, seat
):
    auth.login(seat["clara"])
    first = Tab(client, seat["id"])
    assert first.autosave().json["ok"]
    second = Tab(client, seat["id"])  # opened now: it knows the saved version
    changed = EVIDENCE + " Second look: she also named the interface engine."
    assert first.autosave(evidence_workflow=changed).json["ok"]  # evidence only
    refused = second.autosave(summary="Typed in the second tab, an older copy.")
    assert refused.status_code == 409 and refused.json["stale"]
    assert _card(app)["evidence"]["workflow"] == changed


@pytest.mark.parametrize("beacon_first", [True, False])
def test_one_tab_never_conflicts_with_its_own_unload_save(
    app, client, auth, seat, beacon_first
):
    """Pick ratings, press Submit at once (the page also sends its unload save),
    get "fix the marked fields", fix them, submit again: never a conflict."""
    auth.login(seat["clara"])
    tab = Tab(client, seat["id"])
    for attempt in range(12):
        unload = tab.request(evidence_workflow="Too short.", summary="")
        submit = tab.request(submit="y", evidence_workflow="Too short.", summary="")
        if beacon_first:
            assert tab.beacon(unload).status_code != 409, attempt
        shown = tab.post(submit)
        assert shown.status_code == 422, (attempt, shown.status_code)
        assert "Fix the marked fields" in shown.get_data(as_text=True)
        if not beacon_first:
            assert tab.beacon(unload).status_code != 409, attempt
    done = tab.post(tab.request(submit="y"))
    assert done.status_code == 302
    assert _card(app)["status"] == "submitted"


def test_an_older_request_of_the_same_tab_arriving_late_changes_nothing(
    app, client, auth, seat
):
    auth.login(seat["clara"])
    tab = Tab(client, seat["id"])
    older = tab.request(summary="The older text, sent first, arriving last.")
    newer = tab.request(summary="The newer text, sent second, arriving first.")
    assert tab.autosave(newer).json["ok"]
    late = tab.autosave(older)
    assert late.status_code == 200 and late.json["ok"]
    assert _card(app)["summary"] == "The newer text, sent second, arriving first."


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    order=st.permutations(range(5)),
    kinds=st.lists(st.booleans(), min_size=5, max_size=5),
)
def test_any_delivery_order_of_one_tabs_saves_keeps_its_latest_text(
    app, client, auth, seat, order, kinds
):
    """Requests of one tab may arrive in any order: none is a conflict, and what is
    stored is the text of the last one the tab sent."""
    with app.app_context():
        db.session.execute(sa.delete(Rating))
        db.session.execute(sa.delete(Scorecard))
        db.session.commit()
    auth.login(seat["clara"])
    tab = Tab(client, seat["id"])
    sent = [tab.request(summary=f"Summary number {n} from this tab.") for n in range(5)]
    for n in order:
        response = (
            tab.autosave(sent[n]) if kinds[n] else tab.post(sent[n] | {"save": "y"})
        )
        assert response.status_code in (200, 302), (n, response.status_code)
    assert _card(app)["summary"] == "Summary number 4 from this tab."


@pytest.mark.parametrize("version", [None, "", "-1", "abc", "1.5", "\u0663", "+1"])
def test_a_save_without_a_valid_version_is_refused_and_keeps_the_text(
    app, client, auth, seat, version
):
    auth.login(seat["clara"])
    data = _form(save="y", summary="Typed before the version went missing.")
    if version is None:
        del data["version"]
    else:
        data["version"] = version
    page = client.submit(f"/interviews/{seat['id']}", data, follow_redirects=True)
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "did not say which saved version" in text
    assert "Typed before the version went missing." in text
    data.pop("save")
    autosave = client.submit(f"/interviews/{seat['id']}/autosave", data)
    assert autosave.status_code == 400 and not autosave.json["ok"]
    assert _card(app) is None


def test_the_conflict_box_names_the_competency_of_each_text(app, client, auth, seat):
    auth.login(seat["clara"])
    first, second = Tab(client, seat["id"]), Tab(client, seat["id"])
    first.post(
        save="y",
        evidence_privacy="Privacy evidence from the first window here.",
        level_privacy="2",
    )
    page = second.post(save="y").get_data(as_text=True)
    assert "Changed in another window" in page
    assert (
        "Saved evidence for Workflow" in page and "Saved evidence for Privacy" in page
    )
    assert page.index("Saved evidence for Privacy") < page.index(
        "Privacy evidence from the first window here."
    )
    # Levels as the form names them, not bare numbers.
    assert re.search(r"Saved rating for Privacy</dt><dd>2 [A-Z]\w+</dd>", page)
    assert "Saved recommendation</dt><dd>3 Yes</dd>" in page


def _decide(app, seat):
    with app.app_context():
        loop = db.session.get(PanelSeat, seat["id"]).session.loop
        db.session.add(
            HiringDecision(
                loop=loop,
                outcome=DecisionOutcome.HIRE,
                rationale="Strong workflow judgement across the panel.",
                decided_by_id=seat["manager"].id,
            )
        )
        loop.status = LoopStatus.DECIDED
        db.session.commit()
        return loop.id


def test_a_decided_loop_freezes_its_scorecards_until_talent_acquisition_reopens(
    app, client, auth, seat, make_user
):
    auth.login(seat["clara"])
    tab = Tab(client, seat["id"])
    assert tab.post(submit="y").status_code == 302
    loop_id = _decide(app, seat)

    page = client.get(f"/interviews/{seat['id']}").get_data(as_text=True)
    assert "its scorecards are frozen" in page and "Submit amendment" not in page
    amended = tab.post(  # from the page opened before the decision
        amend="y",
        level_workflow="2",
        amend_reason="Re-read my notes after the debrief.",
    )
    text = amended.get_data(as_text=True)
    assert amended.status_code == 409
    assert "ask talent acquisition to reopen the loop" in text
    assert "Nothing was lost: everything you typed is below" in text
    assert "Re-read my notes after the debrief.</textarea>" in text  # the reason
    assert 'checked id="level_workflow-1"' in text  # the changed rating, 2
    assert _card(app)["amendments"] == 0

    auth.logout()
    auth.login(make_user(Role.TALENT_ACQUISITION))
    short = client.submit(f"/loops/{loop_id}/reopen", {"reason": "oops"})
    assert short.status_code == 422
    reopened = client.submit(
        f"/loops/{loop_id}/reopen",
        {"reason": "The manager asked for the clinical evidence to be amended."},
    )
    assert reopened.status_code == 302
    with app.app_context():
        assert db.session.get(Loop, loop_id).status == LoopStatus.DEBRIEF
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "loop.reopen")
        )
        assert (
            entry.reason == "The manager asked for the clinical evidence to be amended."
        )
        assert entry.before["outcome"] == "hire"

    auth.logout()
    auth.login(seat["clara"])
    tab.reload()
    done = tab.post(
        amend="y",
        level_workflow="2",
        amend_reason="Re-read my notes after the debrief.",
    )
    assert done.status_code == 302 and _card(app)["amendments"] == 1


def test_a_decided_loop_refuses_drafts_and_autosaves_too(app, client, auth, seat):
    auth.login(seat["clara"])
    tab = Tab(client, seat["id"])
    tab.post(save="y", summary="A draft written before the decision.")
    _decide(app, seat)
    page = client.get(f"/interviews/{seat['id']}").get_data(as_text=True)
    assert "its scorecards are frozen" in page and "Nothing was saved" not in page
    assert '<fieldset disabled class="frozen-fields">' in page  # nothing to type in
    assert "Save draft" not in page and "Submit scorecard" not in page
    assert tab.post(save="y").status_code == 409
    response = tab.autosave()
    assert response.status_code == 409 and response.json["frozen"]
    assert _card(app)["summary"] == "A draft written before the decision."


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\x85"])
@pytest.mark.parametrize("field", ["evidence_workflow", "notes_workflow", "summary"])
def test_control_characters_are_refused_next_to_the_field(
    app, client, auth, seat, char, field
):
    auth.login(seat["clara"])
    tab = Tab(client, seat["id"])
    typed = f"Typed text with a stray{char}character in the middle of it."
    response = tab.post(save="y", **{field: typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error">Remove the invisible control character' in page
    assert "Typed text with a stray" in page
    key = "workflow." + field.split("_")[0] if field != "summary" else "summary"
    autosave = tab.autosave(**{field: typed})
    assert autosave.status_code == 422 and key in autosave.json["problems"]
    assert _card(app) is None


def test_a_reloaded_page_takes_over_from_the_page_it_restored(app, client, auth, seat):
    """Reload within seconds of typing: the new page is served before the old page's
    unload save lands; putting back the old page's copy is not a conflict."""
    auth.login(seat["clara"])
    old = Tab(client, seat["id"])
    assert old.autosave(summary="Typed first, saved by the old page.").json["ok"]
    new = Tab(client, seat["id"])  # served now, with the version before the unload
    unload = old.beacon(summary="Typed just before the reload, sent at unload.")
    assert unload.json["ok"]
    restored = new.request(summary="Typed before and after the reload, restored.")
    taken_over = new.autosave(restored | {"restored_from": old.token})
    assert taken_over.status_code == 200, taken_over.json
    assert _card(app)["summary"] == "Typed before and after the reload, restored."
    # Without naming the page it restored, the same save is another window's.
    other = Tab(client, seat["id"])
    other.version = "1"
    assert other.autosave(summary="A stale window.").status_code == 409


def test_a_restored_from_another_page_than_the_last_writer_is_still_a_conflict(
    app, client, auth, seat
):
    auth.login(seat["clara"])
    first, second = Tab(client, seat["id"]), Tab(client, seat["id"])
    assert first.autosave(summary="The first tab's summary, saved.").json["ok"]
    third = Tab(client, seat["id"])
    assert second.autosave(summary="The second tab saves over it.").status_code == 409
    assert third.autosave(summary="The third tab, current.").json["ok"]
    # A page claiming to continue the first tab, which no longer wrote last.
    claim = first.request(summary="Claims the first tab's copy.")
    claim["restored_from"] = first.token
    claim["edit_token"] = "another-page-token"
    assert client.submit(f"/interviews/{seat['id']}/autosave", claim).status_code == 409
    assert _card(app)["summary"] == "The third tab, current."


@pytest.mark.parametrize("field", ["version", "edit_seq"])
def test_an_absurd_number_is_refused_not_a_server_error(app, client, auth, seat, field):
    auth.login(seat["clara"])
    tab = Tab(client, seat["id"])
    data = tab.request(summary="Typed with a broken page.")
    data[field] = "1" * 5000
    autosave = client.submit(f"/interviews/{seat['id']}/autosave", data)
    page = client.submit(
        f"/interviews/{seat['id']}", data | {"save": "y"}, follow_redirects=True
    )
    if field == "version":
        assert autosave.status_code == 400 and page.status_code == 400
        assert "Typed with a broken page." in page.get_data(as_text=True)
    else:  # no request number: a plain version check, which passes
        assert autosave.status_code == 200 and page.status_code == 200
        assert "?draft=" not in page.history[0].location


def _session_competencies(app, seat_id: int, keys: list[str]) -> None:
    """Talent acquisition changes which competencies the seat's session covers."""
    from interview.loops.operations import update_session

    with app.app_context():
        session = db.session.get(PanelSeat, seat_id).session
        update_session(
            None,
            session,
            {
                "title": session.title,
                "competency_keys": keys,
                "duration_minutes": session.duration_minutes,
                "clinical_seats": session.clinical_seats,
                "technical_seats": session.technical_seats,
            },
        )
        db.session.commit()


def test_a_competency_taken_out_of_the_session_keeps_what_was_written(
    app, client, auth, seat
):
    auth.login(seat["clara"])
    tab = Tab(client, seat["id"])
    tab.post(save="y", level_privacy="2", evidence_privacy="Privacy evidence kept.")
    _session_competencies(app, seat["id"], ["workflow"])
    page = client.get(f"/interviews/{seat['id']}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "taken out of this session after you rated them" in text
    done = Tab(client, seat["id"]).post(submit="y")
    assert done.status_code == 302
    assert _card(app)["evidence"]["privacy"] == "Privacy evidence kept."


def test_a_competency_added_to_the_session_is_saved_with_the_scorecard(
    app, client, auth, seat
):
    _session_competencies(app, seat["id"], ["workflow"])
    auth.login(seat["clara"])
    Tab(client, seat["id"]).post(save="y")  # the card has a workflow rating only
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Rating.id))) == 1
    _session_competencies(app, seat["id"], ["workflow", "privacy"])
    tab = Tab(client, seat["id"])
    added = "Evidence for the competency added after the draft."
    response = tab.post(submit="y", level_privacy="3", evidence_privacy=added)
    assert response.status_code == 302
    assert _card(app)["evidence"]["privacy"] == added


def test_an_autosave_follows_the_sessions_competencies_as_they_are_now(
    app, client, auth, seat
):
    """A save reads its form before it takes the lock, from the competencies the
    seat's last save found; the session changed since, so the ones it has now rule:
    a competency taken out keeps what was written, one added is saved."""
    auth.login(seat["clara"])
    tab = Tab(client, seat["id"])
    kept = "Privacy evidence kept."
    assert tab.autosave(level_privacy="2", evidence_privacy=kept).json["ok"]
    _session_competencies(app, seat["id"], ["workflow"])
    saved = tab.autosave(level_privacy="4", evidence_privacy="Typed after removal.")
    assert saved.json["ok"]
    assert _card(app)["evidence"]["privacy"] == kept
    _session_competencies(app, seat["id"], ["workflow", "privacy"])
    added = "Typed once privacy was back in the session."
    assert tab.autosave(level_privacy="3", evidence_privacy=added).json["ok"]
    assert _card(app)["evidence"]["privacy"] == added
