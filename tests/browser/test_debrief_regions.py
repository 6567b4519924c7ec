"""The debrief page's tables scroll sideways on a narrow screen: a keyboard user can
reach and scroll each one, and a screen reader hears its name (axe
scrollable-region-focusable)."""

from playwright.sync_api import expect

from .test_accessibility import AXE, BLOCKING_IMPACTS, describe, sign_in

# 400% zoom on a 1280-pixel screen (WCAG reflow): wide tables must scroll.
NARROW = {"width": 320, "height": 512}
SCROLLING = """() => [...document.querySelectorAll('.table-wrap')]
  .filter(e => e.scrollWidth > e.clientWidth).length"""


def test_each_scrolling_table_is_a_named_region_the_keyboard_can_scroll(
    new_context, debrief_loop
):
    page = new_context(viewport=NARROW).new_page()
    sign_in(page, debrief_loop["manager"])
    page.goto(f"/loops/{debrief_loop['loop']}/debrief")
    assert page.evaluate(SCROLLING) >= 1  # the check below has something to check
    violations = AXE.run(page).response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, describe(blocking)

    means = page.get_by_role("region", name="The numbers behind the chart")
    expect(means).to_be_visible()
    means.focus()
    expect(means).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => document.activeElement.scrollLeft > 0", polling=50, timeout=2000
    )
    expect(
        page.get_by_role("region", name="Each seat and its scorecard")
    ).to_be_visible()
