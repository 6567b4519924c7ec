"""The interview kit and scorecard: drafts, submission, amendment, independence."""

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.models import (
    AuditEntry,
    Discipline,
    Requisition,
    Role,
    Scorecard,
)

EVIDENCE = "She traced the failed ADT merge to the registration workflow and fixed it."


def _form(version="0", **overrides):
    data = {
        "version": version,
        "level_workflow": "3",
        "evidence_workflow": EVIDENCE,
        "notes_workflow": "asked about merges",
        "level_privacy": "na",
        "evidence_privacy": "",
        "recommendation": "3",
        "summary": "Solid workflow judgement; privacy not covered today.",
    }
    data.update(overrides)
    return data


def _card(app):
    with app.app_context():
        card = db.session.scalar(sa.select(Scorecard))
        if card is None:
            return None
        return {
            "status": str(card.status),
            "version": card.version,
            "summary": card.summary,
            "evidence": {r.competency.key: r.evidence for r in card.ratings},
            "amendments": card.amendment_count,
        }


def test_the_kit_shows_the_questions_and_the_anchored_scale(client, auth, seat):
    auth.login(seat["clara"])
    page = client.get(f"/interviews/{seat['id']}").get_data(as_text=True)
    assert "Tell me about a go-live that went wrong." in page
    assert "3 Yes: Names the cause and the change they made to the build." in page
    assert "Not assessed in this interview" in page
    assert (
        "Listen for whether they asked the ward what changed." in page
    )  # clinical cue


@pytest.mark.parametrize("who", [Role.TALENT_ACQUISITION, Role.HIRING_MANAGER, "other"])
def test_nobody_else_opens_the_kit_or_saves_to_it(
    app, client, auth, seat, make_user, who
):
    other = (
        make_user(Role.INTERVIEWER, discipline=Discipline.CLINICAL)
        if who == "other"
        else make_user(who)
    )
    auth.login(other)
    assert client.get(f"/interviews/{seat['id']}").status_code == 403
    assert (
        client.submit(f"/interviews/{seat['id']}", _form(submit="y")).status_code == 403
    )
    assert _card(app) is None


def test_a_draft_is_kept_and_shown_again(app, client, auth, seat):
    auth.login(seat["clara"])
    saved = client.submit(
        f"/interviews/{seat['id']}", _form(save="y"), follow_redirects=True
    )
    page = saved.get_data(as_text=True)
    assert (
        "Draft saved at" in page and EVIDENCE in page and "asked about merges" in page
    )
    assert _card(app)["status"] == "draft"


def test_submission_needs_evidence_and_keeps_what_was_typed(app, client, auth, seat):
    auth.login(seat["clara"])
    response = client.submit(
        f"/interviews/{seat['id']}",
        _form(submit="y", evidence_workflow="Good.", summary="Fine"),
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert [r.status_code for r in response.history] == [302]  # to its ?draft=
    assert response.status_code == 422
    assert (
        'id="evidence_workflow-error">Write at least 20 characters of evidence' in page
    )
    assert "Write a summary of at least 20 characters." in page
    assert "\nGood.</textarea>" in page
    # A screen reader hears which field is wrong and why: each marked field points
    # at its own message.
    assert (
        '<div class="field field-invalid">\n  <label class="label" '
        'for="evidence_workflow">' in page
    )
    assert (
        '<textarea aria-describedby="evidence_workflow-error" aria-invalid="true" '
        'id="evidence_workflow"' in page
    )
    assert '<textarea id="notes_workflow" name="notes_workflow"' in page  # valid
    checked = '<input checked id="level_workflow-2" name="level_workflow" type="radio" value="3">'
    assert checked in page
    assert "and it is saved as your draft" in page
    kept = _card(app)  # a refused submission still keeps what was typed as a draft
    assert kept["status"] == "draft" and kept["evidence"]["workflow"] == "Good."


def test_submit_once_even_when_clicked_twice(app, client, auth, seat):
    from .tabs import Tab

    auth.login(seat["clara"])
    tab = Tab(client, seat["id"])
    click = tab.request(submit="y")
    first = client.submit(f"/interviews/{seat['id']}", click, follow_redirects=True)
    assert "Scorecard submitted." in first.get_data(as_text=True)
    second = client.submit(f"/interviews/{seat['id']}", click, follow_redirects=True)
    assert "Already submitted from this page; nothing changed." in second.get_data(
        as_text=True
    )
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("scorecard.submit") == 1
    refused = client.submit(
        f"/interviews/{seat['id']}",
        _form(version="1", save="y"),
        follow_redirects=True,
    )
    assert "This scorecard is submitted; amend it instead." in refused.get_data(
        as_text=True
    )


def test_a_second_tabs_submit_is_a_conflict_not_thrown_away(app, client, auth, seat):
    from .tabs import Tab

    auth.login(seat["clara"])
    first, second = Tab(client, seat["id"]), Tab(client, seat["id"])
    assert first.post(submit="y").status_code == 302
    other = "Typed and submitted in the second tab, which must not vanish."
    response = second.post(submit="y", summary=other)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "submitted from another window" in page
    assert other in page  # the second tab's text is still in its form
    assert _card(app)["summary"] != other


def test_a_stale_second_tab_is_refused_and_shows_both_texts(app, client, auth, seat):
    auth.login(seat["clara"])
    client.submit(
        f"/interviews/{seat['id']}",
        _form(save="y", summary="Typed in the first tab, kept."),
    )
    stale = client.submit(
        f"/interviews/{seat['id']}",
        _form(save="y", summary="Typed in the second tab."),
        follow_redirects=True,
    )
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "Changed in another window" in page
    assert (
        "Typed in the second tab." in page and "Typed in the first tab, kept." in page
    )
    assert _card(app)["summary"] == "Typed in the first tab, kept."


def test_an_amendment_needs_a_reason_and_keeps_the_old_text(app, client, auth, seat):
    auth.login(seat["clara"])
    client.submit(f"/interviews/{seat['id']}", _form(submit="y"))
    version = str(_card(app)["version"])
    no_reason = client.submit(
        f"/interviews/{seat['id']}",
        _form(version=version, amend="y", level_workflow="2"),
        follow_redirects=True,
    )
    assert "Say why you amend it" in no_reason.get_data(as_text=True)
    done = client.submit(
        f"/interviews/{seat['id']}",
        _form(
            version=version,
            amend="y",
            level_workflow="2",
            amend_reason="Re-read my notes: the fix came from her lead.",
        ),
        follow_redirects=True,
    )
    assert "Amendment submitted." in done.get_data(as_text=True)
    assert _card(app)["amendments"] == 1
    with app.app_context():
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "scorecard.amend")
        )
        assert entry.before["ratings"]["workflow"]["level"] == 3
        assert entry.after["ratings"]["workflow"]["level"] == 2
        assert entry.reason == "Re-read my notes: the fix came from her lead."


def test_long_unicode_evidence_is_kept_exactly_and_too_long_is_refused(
    app, client, auth, seat
):
    auth.login(seat["clara"])
    text = ("Explained it to the charge nurse 👩‍⚕️ — שלום\r\nline two " * 400)[:20_000]
    assert len(text) == 20_000
    client.submit(f"/interviews/{seat['id']}", _form(save="y", evidence_workflow=text))
    assert _card(app)["evidence"]["workflow"] == text  # exactly, line breaks too
    too_long = client.submit(
        f"/interviews/{seat['id']}",
        _form(version="1", save="y", evidence_workflow=text + "!"),
        follow_redirects=True,  # kept in the cookie: it compresses well
    )
    page = too_long.get_data(as_text=True)
    assert too_long.status_code == 422
    assert "20,001 characters; the limit is 20,000." in page
    assert "line two" in page  # the text is still in the form


def test_html_in_evidence_is_shown_as_text(client, auth, seat):
    auth.login(seat["clara"])
    client.submit(
        f"/interviews/{seat['id']}",
        _form(
            save="y", evidence_workflow="<b>bold</b> <script>x()</script> and more text"
        ),
    )
    page = client.get(f"/interviews/{seat['id']}").get_data(as_text=True)
    assert "&lt;script&gt;x()&lt;/script&gt;" in page and "<script>x()" not in page


def test_autosave_answers_in_json_and_refuses_a_stale_tab(
    app, client, auth, seat, make_user
):
    auth.login(seat["clara"])
    url = f"/interviews/{seat['id']}/autosave"
    first = client.submit(url, _form(summary="Saved by autosave in tab one."))
    assert first.status_code == 200 and first.json["ok"] and first.json["version"] == 1
    stale = client.submit(url, _form(summary="Typed in tab two."))
    assert stale.status_code == 409 and stale.json["stale"]
    assert _card(app)["summary"] == "Saved by autosave in tab one."
    fresh = client.submit(url, _form(version="1", summary="Tab one again."))
    assert fresh.json["version"] == 2
    too_long = client.submit(url, _form(version="2", evidence_workflow="x" * 20_001))
    assert (
        too_long.status_code == 422 and "workflow.evidence" in too_long.json["problems"]
    )
    auth.logout()
    auth.login(make_user(Role.INTERVIEWER, discipline=Discipline.CLINICAL))
    assert client.submit(url, _form(version="2")).status_code == 403


def _second_seat(app, seat, make_user):
    """Wei on the technical seat of the same session."""
    wei = make_user(Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="Wei Zhang")
    with app.app_context():
        from interview.models import PanelSeat

        mine = db.session.get(PanelSeat, seat["id"])
        other = next(s for s in mine.session.seats if s.id != mine.id)
        other.interviewer_id = wei.id
        db.session.commit()
        return {"id": other.id, "wei": wei, "loop_id": mine.session.loop_id}


def test_independence_nobody_peeks_before_submitting(
    app, client, auth, seat, make_user
):
    second = _second_seat(app, seat, make_user)
    panel = f"/interviews/loops/{second['loop_id']}/scorecards"
    auth.login(second["wei"])
    client.submit(
        f"/interviews/{second['id']}",
        _form(
            submit="y",
            evidence_workflow="Wei's evidence: explained FHIR paging to the ward sister.",
        ),
    )
    auth.logout()

    auth.login(seat["clara"])  # has not submitted: no scores anywhere
    assert client.get(panel).status_code == 403
    assert "Wei&#39;s evidence" not in client.get(
        f"/loops/{second['loop_id']}"
    ).get_data(as_text=True)
    client.submit(f"/interviews/{seat['id']}", _form(save="y"))
    assert client.get(panel).status_code == 403  # a draft is not a submission
    client.submit(f"/interviews/{seat['id']}", _form(version="1", submit="y"))
    page = client.get(panel).get_data(as_text=True)
    assert "Wei&#39;s evidence: explained FHIR paging" in page and EVIDENCE in page


def test_a_requisition_can_keep_scorecards_private_after_submission(
    app, client, auth, seat, make_user
):
    second = _second_seat(app, seat, make_user)
    with app.app_context():
        db.session.scalar(sa.select(Requisition)).share_scores_after_submit = False
        db.session.commit()
    auth.login(seat["clara"])
    client.submit(f"/interviews/{seat['id']}", _form(submit="y"))
    assert (
        client.get(f"/interviews/loops/{second['loop_id']}/scorecards").status_code
        == 403
    )


def test_the_submitted_scorecard_names_each_level(client, auth, seat):
    """The read-only view says what a number means ("3 Yes"), as the form did."""
    from .tabs import Tab

    auth.login(seat["clara"])
    tab = Tab(client, seat["id"])
    client.submit(f"/interviews/{seat['id']}", tab.request(submit="y"))
    page = client.get(f"/interviews/{seat['id']}").get_data(as_text=True)
    view = page[page.index('id="submitted-view"') : page.index("</section>")]
    assert "Recommendation: 3 Yes</dt>" in view
    assert ": 3 Yes</dt>" in view.replace("Recommendation: 3 Yes</dt>", "")
    assert ": not assessed</dt>" in view
