"""The requisitions list's search box in a real browser: labelled, a plain GET form,
the count of what was found takes the focus, and axe-core finds nothing serious."""

from playwright.sync_api import Page, expect

from interview.models import Role

from .test_accessibility import _assert_axe_clean, sign_in


def test_talent_acquisition_finds_a_requisition_by_its_title(
    page: Page, make_account, demo_loop
):
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto("/requisitions/")
    box = page.get_by_label("Title, discipline or hiring manager")
    expect(box).to_have_attribute("type", "search")
    box.fill("ÉHR ANALYST")
    box.press("Enter")
    summary = page.locator(".list-summary")
    expect(summary).to_have_text("Showing 1–1 of 1 requisitions")
    expect(summary).to_be_focused()
    expect(page.get_by_role("link", name="EHR analyst", exact=True)).to_be_visible()
    expect(box).to_have_value("ÉHR ANALYST")
    _assert_axe_clean(page)
    page.get_by_role("link", name="Clear").click()
    expect(box).to_have_value("")
