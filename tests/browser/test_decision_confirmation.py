"""The decision's confirmation in a real browser (issue 14): with an interview still to
come, recording a decision first shows which interviews it cancels, focuses that
heading and passes axe; confirmed, the decision is recorded and the cancellation said."""

from datetime import timedelta

from playwright.sync_api import Page, expect

from interview.extensions import db
from interview.models import Loop
from interview.timeutil import utcnow

from .test_accessibility import _assert_axe_clean, focused, sign_in


def test_the_decision_asks_first_when_an_interview_is_still_to_come(
    page: Page, live_app, debrief_loop
):
    with live_app.app_context():
        loop = db.session.get(Loop, debrief_loop["loop"])
        loop.sessions[0].starts_at = utcnow() + timedelta(days=3)
        db.session.commit()
        db.session.remove()
    sign_in(page, debrief_loop["manager"])
    page.goto(f"/loops/{debrief_loop['loop']}/debrief")
    expect(page.locator("#to-come")).to_contain_text("1 interview is still to come.")
    page.get_by_label("Hire", exact=True).check()
    page.get_by_label("Rationale").fill("Strong workflow evidence from both sides.")
    page.get_by_role("button", name="Record the decision").click()

    heading = page.get_by_role("heading", name="1 interview is still to come")
    expect(heading).to_be_visible()
    assert focused(page) == "confirm-decision-heading"
    expect(page.get_by_role("alert")).to_have_text(
        "The decision was not recorded yet: recording it now cancels this interview."
    )
    expect(page.locator("#to-come-list")).to_contain_text("Clinical case")
    expect(page.get_by_label("Rationale")).to_have_value(
        "Strong workflow evidence from both sides."
    )
    _assert_axe_clean(page)

    page.get_by_role("button", name="Record the decision anyway").click()
    expect(page.get_by_text("Decision recorded; the loop is decided.")).to_be_visible()
    expect(
        page.get_by_text("1 interview still to come was cancelled (Clinical case)")
    ).to_be_visible()
