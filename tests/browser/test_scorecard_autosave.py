"""Drafts that are never lost: autosave, a copy in the browser, an ended session."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from interview.extensions import db
from interview.models import Rating, Scorecard

from ..conftest import PASSWORD
from .test_accessibility import AXE, BLOCKING_IMPACTS, describe, sign_in

EVIDENCE = (
    "Walked me through the failed ADT merge and how she fixed the registration step."
)


def _saved_evidence(live_app, seat_id: int) -> list[str]:
    """Evidence saved on this seat's scorecard (browser tests share their database)."""
    with live_app.app_context():
        found = db.session.scalars(
            sa.select(Rating.evidence)
            .join(Scorecard)
            .where(Scorecard.seat_id == seat_id)
        ).all()
        db.session.remove()
    return found


def test_typing_is_saved_a_moment_after_it_stops(page: Page, live_app, kit_seat):
    sign_in(page, kit_seat["user"])
    page.goto(f"/interviews/{kit_seat['id']}")
    page.get_by_label("Evidence for Workflow: what the candidate said or did").fill(
        EVIDENCE
    )
    expect(page.locator("#save-status")).to_contain_text("Saved at", timeout=10_000)
    assert EVIDENCE in _saved_evidence(live_app, kit_seat["id"])
    page.reload()
    expect(page.locator("#evidence_workflow")).to_have_value(EVIDENCE)


def test_an_ended_session_loses_nothing(page: Page, context, live_app, kit_seat):
    sign_in(page, kit_seat["user"])
    page.goto(f"/interviews/{kit_seat['id']}")
    context.clear_cookies()  # the session ends while the interviewer types
    page.locator("#evidence_workflow").fill(EVIDENCE)
    expect(page.locator("#save-status")).to_contain_text(
        "you are signed out", timeout=10_000
    )
    assert EVIDENCE not in _saved_evidence(live_app, kit_seat["id"])

    sign_in(page, kit_seat["user"])
    page.goto(f"/interviews/{kit_seat['id']}")
    expect(page.locator("#evidence_workflow")).to_have_value(EVIDENCE)
    expect(page.locator("#save-status")).to_contain_text("Saved at", timeout=10_000)
    assert EVIDENCE in _saved_evidence(live_app, kit_seat["id"])


def test_a_scorecard_sent_after_the_session_ended_says_its_text_comes_back(
    page: Page, context, live_app, kit_seat
):
    """Issue 14: the 400 page of a kit post whose session ended said to copy what
    was typed, although the kit keeps it and puts it back; following its advice
    (back, reload, sign in) brings the text back."""
    sign_in(page, kit_seat["user"])
    page.goto(f"/interviews/{kit_seat['id']}")
    context.clear_cookies()  # the session ends while the interviewer types
    page.locator("#evidence_workflow").fill(EVIDENCE)
    page.locator("#save").click()
    main = page.locator("main")
    expect(main).to_contain_text("what you typed is kept in this browser")
    expect(main).not_to_contain_text("copy anything you typed")
    assert EVIDENCE not in _saved_evidence(live_app, kit_seat["id"])

    page.go_back()
    page.reload()  # signed out: the sign-in page, which leads back to the kit
    page.get_by_label("Email").fill(kit_seat["user"].email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#evidence_workflow")).to_have_value(EVIDENCE)
    expect(page.locator("#save-status")).to_contain_text("Saved at", timeout=10_000)
    assert EVIDENCE in _saved_evidence(live_app, kit_seat["id"])


def test_a_dropped_connection_retries_until_saved(
    page: Page, context, live_app, kit_seat
):
    sign_in(page, kit_seat["user"])
    page.goto(f"/interviews/{kit_seat['id']}")
    context.set_offline(True)
    page.locator("#evidence_workflow").fill(EVIDENCE)
    expect(page.locator("#save-status")).to_contain_text(
        "Not saved, retrying", timeout=10_000
    )
    # Marked as a problem, unlike a save (not by colour alone: weight and border).
    expect(page.locator("#save-status")).to_have_class(
        "save-status save-status-problem"
    )
    expect(page.locator("#save-status")).to_have_css("font-weight", "600")
    context.set_offline(False)
    expect(page.locator("#save-status")).to_contain_text("Saved at", timeout=20_000)
    expect(page.locator("#save-status")).to_have_class("save-status")
    assert EVIDENCE in _saved_evidence(live_app, kit_seat["id"])


def test_the_rating_is_chosen_with_arrow_keys(page: Page, kit_seat):
    sign_in(page, kit_seat["user"])
    page.goto(f"/interviews/{kit_seat['id']}")
    page.locator("#level_workflow-0").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#level_workflow-2")).to_be_checked()  # "3 Yes"
    violations = AXE.run(page).response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, describe(blocking)


def test_double_clicking_submit_submits_once(page: Page, live_app, kit_seat):
    from interview.models import AuditEntry

    sign_in(page, kit_seat["user"])
    page.goto(f"/interviews/{kit_seat['id']}")
    page.locator("#level_workflow-2").check()
    page.locator("#evidence_workflow").fill(EVIDENCE)
    page.locator("#level_privacy-4").check()  # not assessed
    page.locator("#recommendation-2").check()
    page.locator("#summary").fill(
        "Solid on workflow; privacy not covered in this session."
    )
    page.get_by_role("button", name="Submit scorecard").dblclick()
    expect(page.get_by_role("heading", name="Your submitted scorecard")).to_be_visible()
    expect(page.locator("#submitted-view")).to_contain_text(EVIDENCE)
    with live_app.app_context():
        card_id = db.session.scalar(
            sa.select(Scorecard.id).where(Scorecard.seat_id == kit_seat["id"])
        )
        submits = db.session.scalars(
            sa.select(AuditEntry).where(
                AuditEntry.action == "scorecard.submit", AuditEntry.object_id == card_id
            )
        ).all()
        db.session.remove()
    assert len(submits) == 1


def test_the_kit_prints_with_its_questions_and_without_the_navigation(
    page: Page, kit_seat
):
    from io import BytesIO

    sign_in(page, kit_seat["user"])
    page.goto(f"/interviews/{kit_seat['id']}")
    page.emulate_media(media="print")
    expect(
        page.get_by_text("Tell me about a go-live that went wrong.").first
    ).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(BytesIO(pdf).getvalue()) > 1000


@pytest.mark.parametrize("attempt", range(3))
def test_submitting_at_once_then_fixing_never_conflicts(
    page: Page, live_app, kit_seat, attempt
):
    """Pick ratings, press Submit within three seconds (the page's unload save races
    it), get "fix the marked fields", fix them, submit: no conflict, ever."""
    sign_in(page, kit_seat["user"])
    page.goto(f"/interviews/{kit_seat['id']}")
    page.locator("#level_workflow-2").check()
    page.locator("#level_privacy-4").check()  # not assessed
    page.locator("#recommendation-2").check()
    page.get_by_role("button", name="Submit scorecard").click()
    expect(page.locator(".form-errors")).to_contain_text("Fix the marked fields")
    page.locator("#evidence_workflow").fill(EVIDENCE)
    page.locator("#summary").fill("Solid on workflow; privacy not covered this time.")
    page.wait_for_timeout(200 * attempt)  # sometimes before, sometimes after a save
    page.get_by_role("button", name="Submit scorecard").click()
    expect(page.get_by_role("heading", name="Your submitted scorecard")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Changed in another window")


def test_reloading_right_after_typing_loses_nothing(page: Page, live_app, kit_seat):
    """The reloaded page is served before the old page's unload save lands: putting
    the old page's copy back is not a conflict, and nothing typed is lost."""
    sign_in(page, kit_seat["user"])
    page.goto(f"/interviews/{kit_seat['id']}")
    evidence = page.locator("#evidence_workflow")
    evidence.fill(EVIDENCE)
    expect(page.locator("#save-status")).to_contain_text("Saved at", timeout=10_000)
    evidence.fill(EVIDENCE + " Then she named the interface engine.")
    page.reload()  # within the three seconds before the next save
    page.locator("#summary").fill("And typed after the reload, which must stay.")
    expect(page.locator("#save-status")).to_contain_text("Saved at", timeout=10_000)
    expect(page.locator("#save-status")).not_to_contain_text("another window")
    page.reload()
    expect(page.locator("#evidence_workflow")).to_have_value(
        EVIDENCE + " Then she named the interface engine."
    )
    expect(page.locator("#summary")).to_have_value(
        "And typed after the reload, which must stay."
    )


def test_text_refused_as_stale_is_offered_back_not_dropped(
    page: Page, context, live_app, kit_seat
):
    sign_in(page, kit_seat["user"])
    page.goto(f"/interviews/{kit_seat['id']}")
    other = context.new_page()
    other.goto(f"/interviews/{kit_seat['id']}")
    other.locator("#summary").fill("Saved from the other window first, and kept.")
    expect(other.locator("#save-status")).to_contain_text("Saved at", timeout=10_000)
    other.close()
    page.locator("#summary").fill("Typed in this older window, refused as stale.")
    expect(page.locator("#save-status")).to_contain_text(
        "another window", timeout=10_000
    )
    page.reload()
    box = page.locator("#kept-copy")
    expect(box).to_be_visible()
    expect(box).to_contain_text("Typed in this older window, refused as stale.")
    expect(page.locator("#summary")).to_have_value(
        "Saved from the other window first, and kept."
    )
    page.get_by_role("button", name="Put it back into the form").click()
    # Both texts stay: the other window's saved one, then what this one kept.
    expect(page.locator("#summary")).to_have_value(
        "Saved from the other window first, and kept.\n\n"
        "Typed in this older window, refused as stale."
    )
    expect(page.locator("#save-status")).to_contain_text("Saved at", timeout=10_000)


def test_putting_back_keeps_what_the_other_window_added_to_the_same_text(
    page: Page, context, live_app, kit_seat
):
    """Two windows added to one saved text: putting this window's copy back keeps
    the other's addition too (it replaced it before, as a fresh-user review saw)."""
    sign_in(page, kit_seat["user"])
    page.goto(f"/interviews/{kit_seat['id']}")
    evidence = page.locator("#evidence_workflow")
    evidence.fill(EVIDENCE)
    expect(page.locator("#save-status")).to_contain_text("Saved at", timeout=10_000)
    other = context.new_page()
    other.goto(f"/interviews/{kit_seat['id']}")
    other.locator("#evidence_workflow").fill(EVIDENCE + " Added in window A.")
    expect(other.locator("#save-status")).to_contain_text("Saved at", timeout=10_000)
    other.close()
    evidence.fill(EVIDENCE + " Added in window B.")
    expect(page.locator("#save-status")).to_contain_text(
        "another window", timeout=10_000
    )
    page.reload()
    page.get_by_role("button", name="Put it back into the form").click()
    expect(evidence).to_have_value(
        EVIDENCE + " Added in window A.\n\nAdded in window B."
    )
    expect(page.locator("#save-status")).to_contain_text("Saved at", timeout=10_000)
    assert any(
        "window A." in e and "window B." in e
        for e in _saved_evidence(live_app, kit_seat["id"])
    )
