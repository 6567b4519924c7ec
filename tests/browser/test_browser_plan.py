"""The interview plan in Chromium, review of issue 14: the coverage line names what
no session covers as boxes are ticked, before saving; saving such a plan asks to
confirm with the focus on the question; Save plan ends the form (reached by Tab after
the sessions); and Back or Reload after a refused save shows the form again, as
typed, not Chromium's "Confirm form resubmission"."""

from playwright.sync_api import Page, expect

from interview.models import Role

from .test_accessibility import _assert_axe_clean, focused, sign_in, tab_to

EVERYTHING = "Every competency of the rubric has the interviewers it needs."


def test_the_coverage_line_follows_the_boxes_and_saving_a_gap_asks_first(
    page: Page, make_account, demo_loop
):
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto(f"/requisitions/{demo_loop['requisition']}/plan")
    line = page.locator("#plan-coverage-status")
    expect(line).to_have_attribute("role", "status")
    # The plan covers one competency of six: the five others are named.
    expect(line).to_contain_text(
        "Not covered yet: Adaptability and learning agility (no session covers it);"
    )
    boxes = page.get_by_role("group", name="Competencies it covers")
    for box in boxes.get_by_role("checkbox").all():
        box.check()
    expect(line).to_have_text(EVERYTHING)
    boxes.get_by_role("checkbox", name="Mission alignment and patient impact").uncheck()
    expect(line).to_have_text(
        "Not covered yet: Mission alignment and patient impact (no session covers it)."
    )
    page.get_by_label("Technical interviewers").fill("0")
    expect(line).to_contain_text(
        "Adaptability and learning agility (no technical interviewer)"
    )
    page.get_by_label("Technical interviewers").fill("1")
    expect(line).to_have_text(
        "Not covered yet: Mission alignment and patient impact (no session covers it)."
    )
    page.get_by_label("Session title").fill("Whole case")
    page.locator("#submit-end").click()  # Save plan, at the end of the form
    heading = page.get_by_role(
        "heading", name="1 competency of the rubric would have no interviewer"
    )
    expect(heading).to_be_focused()
    confirm = page.locator("#confirm-plan")
    expect(confirm.get_by_role("listitem")).to_have_text(
        ["Mission alignment and patient impact (no session covers it)"]
    )
    expect(page.get_by_label("Session title")).to_have_value("Whole case")
    _assert_axe_clean(page)
    asked = page.url
    assert "draft=" in asked
    page.get_by_role("button", name="Save the plan anyway").click()
    expect(page.locator(".flash-warning")).to_contain_text(
        "Loops started from this plan will show coverage gaps: Mission alignment "
        "and patient impact (no session covers it)."
    )
    # Back: the plan page again (a GET), not "Confirm form resubmission"; saved
    # meanwhile, it shows the plan saved and asks nothing more.
    page.go_back()
    assert page.url == asked
    expect(page.get_by_role("heading", level=1)).to_contain_text("Interview plan")
    expect(page.get_by_label("Session title")).to_have_value("Whole case")
    expect(confirm).to_have_count(0)
    page.reload()
    expect(page.get_by_label("Session title")).to_have_value("Whole case")


def test_a_refused_save_reloads_as_typed(page: Page, make_account, demo_loop):
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto(f"/requisitions/{demo_loop['requisition']}/plan")
    page.get_by_label("Session title").fill("")
    page.get_by_label("Length in minutes").fill("5")
    page.get_by_role("button", name="Save plan").first.click()
    expect(page.get_by_text("Name the session.", exact=True)).to_be_visible()
    refused = page.url
    assert "draft=" in refused
    page.reload()  # a GET: no question from Chromium, the same page
    assert page.url == refused
    expect(page.get_by_text("Name the session.", exact=True)).to_be_visible()
    expect(page.get_by_label("Length in minutes")).to_have_value("5")
    page.go_back()  # the page before the refusal, not a resubmission question
    assert page.url.endswith("/plan")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Interview plan")


def test_tab_goes_from_the_sessions_to_save_plan_at_the_end(
    page: Page, make_account, demo_loop
):
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto(f"/requisitions/{demo_loop['requisition']}/plan")
    stops = tab_to(page, "sessions-0-competency_keys-5", limit=60)
    assert "submit" in stops  # Save plan first, before the session
    assert stops.index("submit") < stops.index("sessions-0-title")
    after = [focused(page) for _ in range(2) if page.keyboard.press("Tab") is None]
    assert after == ["button:Add a session", "submit-end"]
    expect(page.locator("#submit-end")).to_have_value("Save plan")
