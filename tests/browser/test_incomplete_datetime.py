"""A date and time half typed is refused in the browser (issue 14): Chromium sends a
datetime-local with a part cleared as empty (validity.badInput), which the server
would read as "no time yet". datetime.js keeps the form from being sent, says why
next to the field (role="alert") and puts the focus back on it."""

from playwright.sync_api import expect

from interview.extensions import db
from interview.models import InterviewSession, Role

from .test_accessibility import sign_in
from .test_session_zone_keyboard import _session_id


def _starts_at(live_app, session_id: int):
    with live_app.app_context():
        starts_at = db.session.get(InterviewSession, session_id).starts_at
        db.session.remove()
    return starts_at


def test_a_half_typed_date_is_not_sent(new_context, live_app, make_account, demo_loop):
    loop_id = demo_loop["loop"]
    session_id = _session_id(live_app, loop_id)
    field_id = f"session-{session_id}-starts_local"
    before = _starts_at(live_app, session_id)
    page = new_context().new_page()
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto(f"/loops/{loop_id}?edit={session_id}")
    field = page.locator(f"#{field_id}")
    field.fill("2031-05-06T10:00")
    field.focus()  # the first part (month or day), cleared: the rest stays typed
    page.keyboard.press("Backspace")
    assert field.evaluate("f => f.validity.badInput && f.value === ''")
    requests = []
    page.on("request", lambda r: requests.append(r) if r.method == "POST" else None)
    page.locator(f"#session-{session_id}-submit").click()
    message = page.locator(f"#{field_id}-incomplete")
    expect(message).to_have_attribute("role", "alert")
    expect(message).to_contain_text("The date and time are incomplete:")
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    assert field_id + "-incomplete" in field.get_attribute("aria-describedby")
    page.wait_for_timeout(300)
    assert requests == []  # nothing was sent
    assert page.url.endswith(f"/loops/{loop_id}?edit={session_id}")
    assert _starts_at(live_app, session_id) == before
    # Typed in full again, it is sent and saved.
    field.fill("2031-05-06T10:00")
    with page.expect_navigation():
        page.locator(f"#session-{session_id}-submit").click()
    expect(page.locator(".flash-success")).to_contain_text("time and place saved.")
