"""Focus after a confirmed step and after a refused form (issue 14): it landed on the
page's <body>, so a keyboard or screen reader user started again from the top. The
flash message that says how the step went takes the focus; a refused candidate form's
error summary does."""

from datetime import timedelta

from playwright.sync_api import Page, expect

from interview.extensions import db
from interview.models import Loop, Role
from interview.timeutil import utcnow

from .test_accessibility import focused, sign_in


def test_a_confirmed_removal_focuses_the_message_saying_so(
    page: Page, live_app, make_account, demo_loop
):
    with live_app.app_context():  # Clara is seated on a session next week
        loop = db.session.get(Loop, demo_loop["loop"])
        session = loop.sessions[0]
        session.starts_at = utcnow() + timedelta(days=7)
        session_id = session.id
        db.session.commit()
        db.session.remove()
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto(f"/loops/{demo_loop['loop']}/sessions/{session_id}/removal")
    page.get_by_role("button", name="Remove it and tell them").click()
    message = page.get_by_role("status").filter(has_text="Removed Clinical case")
    expect(message).to_be_visible()
    expect(page.locator("#flashes")).to_be_focused()  # focus.js is deferred


def test_a_refused_candidate_form_focuses_its_error_summary(page: Page, make_account):
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto("/candidates/new")
    page.get_by_role("button", name="Save candidate").click()
    summary = page.locator(".form-errors")
    expect(summary).to_contain_text("attention")
    expect(summary).to_be_focused()  # focus.js runs deferred: wait for it
    assert page.evaluate("document.activeElement.getAttribute('role')") == "alert"
    assert focused(page) is not None
