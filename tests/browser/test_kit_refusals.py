"""A save or submit the kit refuses loses nothing and says where to look (issue 14)."""

from playwright.sync_api import Page, expect

from .test_accessibility import focused, sign_in
from .test_scorecard_autosave import EVIDENCE, _saved_evidence

# U+000B (a vertical tab) is what Word's line breaks paste as.
PASTED = "She said: first the interface.\x0bThen the ward round, " + EVIDENCE


def test_a_refused_autosave_names_the_field_holding_the_character(page: Page, kit_seat):
    sign_in(page, kit_seat["user"])
    page.goto(f"/interviews/{kit_seat['id']}")
    page.locator("#evidence_workflow").fill(PASTED)
    status = page.locator("#save-status")
    expect(status).to_contain_text("control character U+000B", timeout=10_000)
    expect(status).to_contain_text(
        "Evidence for Workflow: what the candidate said or did"
    )


def test_text_refused_for_a_control_character_comes_back_on_reopening(
    page: Page, live_app, kit_seat
):
    """Autosave and Submit are refused; reopening the kit brings back the rating and
    the text from this browser (they were gone, as a fresh-user tester saw)."""
    sign_in(page, kit_seat["user"])
    kit = f"/interviews/{kit_seat['id']}"
    page.goto(kit)
    page.locator("#level_workflow-2").check()
    page.locator("#evidence_workflow").fill(PASTED)
    status = page.locator("#save-status")
    expect(status).to_contain_text("control character U+000B", timeout=10_000)
    page.get_by_role("button", name="Submit scorecard").click()
    expect(page.locator(".form-errors")).to_contain_text("control character U+000B")
    assert PASTED not in _saved_evidence(live_app, kit_seat["id"])

    page.goto(kit)
    expect(page.locator("#evidence_workflow")).to_have_value(PASTED)
    expect(page.locator("#level_workflow-2")).to_be_checked()
    expect(status).to_contain_text("control character U+000B", timeout=10_000)


def test_a_refused_submit_lists_each_field_linked_and_takes_focus(page: Page, kit_seat):
    sign_in(page, kit_seat["user"])
    page.goto(f"/interviews/{kit_seat['id']}")
    page.locator("#level_workflow-2").check()
    page.locator("#level_privacy-4").check()  # not assessed
    page.locator("#evidence_workflow").fill("Too short.")
    page.get_by_role("button", name="Submit scorecard").click()
    summary = page.locator("#kit-errors")
    expect(summary).to_contain_text("Fix the marked fields")
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    expect(links).to_have_count(3)  # evidence, recommendation, summary: page order
    expect(links.nth(0)).to_contain_text("Evidence for Workflow")
    expect(links.nth(1)).to_contain_text("Overall recommendation")
    expect(links.nth(2)).to_contain_text("Summary")
    links.nth(0).click()
    assert focused(page) == "evidence_workflow"
    page.locator("#kit-errors").get_by_role("link").nth(1).click()
    assert focused(page) == "recommendation-0"


def test_the_kit_offers_to_remove_the_invisible_character(
    page: Page, live_app, kit_seat
):
    sign_in(page, kit_seat["user"])
    page.goto(f"/interviews/{kit_seat['id']}")
    page.locator("#evidence_workflow").fill(PASTED)
    status = page.locator("#save-status")
    expect(status).to_contain_text("control character U+000B", timeout=10_000)
    page.get_by_role("button", name="Remove the invisible characters").click()
    cleaned = PASTED.replace("\x0b", "\n")  # Word's line break becomes a line break
    expect(page.locator("#evidence_workflow")).to_have_value(cleaned)
    expect(page.locator("#evidence_workflow")).to_be_focused()
    expect(status).to_contain_text("Saved at", timeout=10_000)
    expect(
        page.get_by_role("button", name="Remove the invisible characters")
    ).to_be_hidden()
    # A form's text travels with CRLF line breaks, as every browser sends it.
    assert cleaned.replace("\n", "\r\n") in _saved_evidence(live_app, kit_seat["id"])


def test_reloading_a_refused_submit_sends_nothing_again(page: Page, kit_seat):
    """The refused Submit leads to the kit's ?draft= address (issue 14): Reload shows
    the same text and messages without sending the form again, and Back leaves
    it without a "Confirm form resubmission"."""
    sign_in(page, kit_seat["user"])
    kit = f"/interviews/{kit_seat['id']}"
    page.goto(kit)
    page.locator("#level_workflow-2").check()
    page.locator("#evidence_workflow").fill("Too short.")
    page.get_by_role("button", name="Submit scorecard").click()
    expect(page.locator("#kit-errors")).to_contain_text("Fix the marked fields")
    assert "?draft=" in page.url
    posts = []
    page.on(
        "request",
        lambda r: posts.append(r.url) if r.method == "POST" and kit in r.url else None,
    )
    for _ in range(2):
        page.reload()
        expect(page.locator("#kit-errors")).to_contain_text("Evidence for Workflow")
        expect(page.locator("#evidence_workflow")).to_have_value("Too short.")
        expect(page.locator("#level_workflow-2")).to_be_checked()
    page.go_back()
    expect(page.locator("#scorecard")).to_be_visible()
    assert [u for u in posts if not u.endswith("/autosave")] == []
