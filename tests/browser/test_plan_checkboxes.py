"""The interview plan's competencies are checkboxes (issue 14): with the keyboard
alone, Space ticks one more without dropping those already ticked (a multi-select
kept only the last on a plain click or Space), and the plan saves them all."""

from playwright.sync_api import expect

from interview.models import Role

from .test_accessibility import focused, sign_in, tab_to


def test_a_keyboard_user_ticks_several_competencies(page, make_account, demo_loop):
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto(f"/requisitions/{demo_loop['requisition']}/plan")
    boxes = page.get_by_role("group", name="Competencies it covers")
    expect(boxes.get_by_role("checkbox")).to_have_count(6)
    expect(page.locator("select[multiple]")).to_have_count(0)
    first, second = "sessions-0-competency_keys-0", "sessions-0-competency_keys-1"
    tab_to(page, first)
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert focused(page) == second
    page.keyboard.press("Space")
    # The one the plan had (clinical workflow) stays ticked beside the two new ones.
    for box in (first, second, "sessions-0-competency_keys-2"):
        expect(page.locator(f"#{box}")).to_be_checked()
    for _ in range(20):  # back up to "Save plan", above the sessions
        page.keyboard.press("Shift+Tab")
        if focused(page) == "submit":
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # Three of the six are left out: saved once confirmed (review of issue 14).
    page.get_by_role("button", name="Save the plan anyway").click()
    plan = page.locator("ol.list")
    for name in (
        "Adaptability and learning agility",
        "Translating technical ideas for non-technical stakeholders",
        "Clinical workflow understanding",
    ):
        expect(plan).to_contain_text(name)
    expect(plan).not_to_contain_text("clinical_workflow_understanding")
