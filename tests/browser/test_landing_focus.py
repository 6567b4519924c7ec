"""Focus after an action that lands on a section of the page (issue 14 follow-up):
"Seat this panel" lands on #proposal-reasons and "Save time and place" on the
session, and the browser focused that section, which does not say how the action
went. The flash message saying so takes the focus, is read out, and links on to the
section; a refused form's messages take it as elsewhere."""

from playwright.sync_api import Page, expect

from interview.extensions import db
from interview.models import Discipline, Loop, Role, Training

from .test_accessibility import focused, sign_in

FLASHES = "document.activeElement.id"


def _session_id(live_app, loop_id: int) -> int:
    with live_app.app_context():
        session_id = db.session.get(Loop, loop_id).sessions[0].id
        db.session.remove()
    return session_id


def _go_to_section(page: Page, name: str, section: str, keys: bool = True) -> None:
    """Tab from the messages reaches their link, which focuses the section; so does
    a click without key or pointer, as a screen reader's own."""
    link = page.get_by_role("link", name=f"Go to the section “{name}”")
    if keys:
        page.keyboard.press("Tab")
        expect(link).to_be_focused()
        page.keyboard.press("Enter")
    else:
        link.dispatch_event("click")
    expect(page.locator(f"#{section}")).to_be_focused()
    assert focused(page) == section


def test_seat_this_panel_focuses_its_message_then_leads_to_the_reasons(
    page: Page, live_app, make_account, demo_loop
):
    technical = make_account(Role.INTERVIEWER, discipline=Discipline.TECHNICAL)
    key = "clinical_workflow_understanding"
    with live_app.app_context():  # trained: someone to propose for the empty seat
        for person in (technical, demo_loop["clinician"]):
            db.session.add(Training(user_id=person.id, competency_key=key))
        db.session.commit()
        db.session.remove()
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto(f"/loops/{demo_loop['loop']}/propose")
    with page.expect_navigation():
        page.get_by_role("button", name="Seat this panel").press("Enter")
    assert page.url.endswith("#proposal-reasons")
    flashes = page.locator("#flashes")
    expect(flashes).to_be_focused()
    assert page.evaluate(FLASHES) == "flashes"
    # Focused, it is read out by what it says.
    expect(flashes).to_have_accessible_name(
        "Proposed panel seated; its reasons are kept under the panel."
    )
    _go_to_section(page, "Why the proposed panel was chosen", "proposal-reasons")
    expect(page.locator("#proposal-reasons")).to_be_in_viewport()


def test_save_time_and_place_focuses_its_message_or_the_refusal(
    page: Page, live_app, make_account, demo_loop
):
    loop_id = demo_loop["loop"]
    session_id = _session_id(live_app, loop_id)
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto(f"/loops/{loop_id}?edit={session_id}")
    page.locator(f"#session-{session_id}-location").fill("Room 4")
    with page.expect_navigation():
        page.get_by_role("button", name="Save time and place").press("Enter")
    assert page.url.endswith(f"#session-{session_id}")
    flashes = page.locator("#flashes")
    expect(flashes).to_be_focused()
    assert page.evaluate(FLASHES) == "flashes"
    expect(flashes).to_have_accessible_name("Clinical case: time and place saved.")
    _go_to_section(page, "Clinical case", f"session-{session_id}", keys=False)
    expect(page.locator(f"#session-{session_id}")).to_contain_text("Room 4")

    # Refused: the messages saying why take the focus, announced as an alert.
    page.goto(f"/loops/{loop_id}?edit={session_id}")
    page.locator(f"#session-{session_id}-duration_minutes").fill("0")
    with page.expect_navigation():
        page.get_by_role("button", name="Save time and place").press("Enter")
    expect(flashes).to_be_focused()
    expect(flashes.get_by_role("alert")).to_contain_text("Between 1 minute and 8")
    expect(flashes.get_by_role("link")).to_have_count(0)
