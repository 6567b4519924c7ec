"""A session's time zone changed with the keyboard alone, with and without
JavaScript: the loop page links each session to its time-and-place form (the zone
list is drawn only there), which opens with focus in its first field."""

import pytest
from playwright.sync_api import expect

from interview.extensions import db
from interview.models import InterviewSession, Loop, Role

from .test_accessibility import _assert_axe_clean, sign_in, tab_to


def _session_id(live_app, loop_id: int) -> int:
    with live_app.app_context():
        session_id = db.session.get(Loop, loop_id).sessions[0].id
        db.session.remove()
    return session_id


@pytest.mark.parametrize("script", [True, False], ids=["script", "no-script"])
def test_a_keyboard_user_changes_a_sessions_zone(
    new_context, live_app, make_account, demo_loop, script
):
    loop_id = demo_loop["loop"]
    session_id = _session_id(live_app, loop_id)
    prefix = f"session-{session_id}-"
    page = new_context(java_script_enabled=script).new_page()
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto(f"/loops/{loop_id}")
    expect(page.locator("select[name$=time_zone]")).to_have_count(0)
    tab_to(page, f"time-{session_id}-change", limit=80)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/loops/{loop_id}?edit={session_id}")
    form = page.get_by_role("form", name="Time and place of Clinical case")
    expect(form).to_be_visible()
    expect(page.locator(f"#{prefix}starts_local")).to_be_focused()
    select = page.locator(f"#{prefix}time_zone")
    expect(select).to_have_value("UTC")
    # Tab passes the date's own parts, then reaches the zone: picker.js's filter box
    # first, where Enter takes the one zone found; without it, the closed select,
    # which jumps to the place typed.
    stops = tab_to(
        page, f"{prefix}time_zone-filter" if script else f"{prefix}time_zone"
    )
    assert set(stops[:-1]) == {f"{prefix}starts_local"}
    page.keyboard.type("chicago")
    if script:
        page.keyboard.press("Enter")
    expect(select).to_have_value("America/Chicago")
    tab_to(page, f"{prefix}submit")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".flash-success")).to_contain_text(
        "Clinical case: time and place saved."
    )
    assert page.url.endswith(f"/loops/{loop_id}#session-{session_id}")
    # Focus lands on the message saying so (focus.js), which links to the session;
    # without the script, on the session saved (not the page's body).
    landed = page.locator("#flashes" if script else f"#session-{session_id}")
    expect(landed).to_be_focused()
    expect(page.locator(f"#session-{session_id}")).to_contain_text(
        "Not scheduled yet (to be planned in America/Chicago)"
    )
    with live_app.app_context():
        assert db.session.get(InterviewSession, session_id).time_zone == (
            "America/Chicago"
        )
        db.session.remove()


def test_the_open_time_and_place_form_has_no_serious_axe_finding(
    page, live_app, make_account, demo_loop
):
    loop_id = demo_loop["loop"]
    session_id = _session_id(live_app, loop_id)
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto(f"/loops/{loop_id}?edit={session_id}")
    expect(page.locator(f"#session-{session_id}-time_zone")).to_be_visible()
    _assert_axe_clean(page)
