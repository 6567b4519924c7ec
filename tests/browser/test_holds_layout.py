"""The legal holds and the erasure page in a browser: typed reasons of any length
stay inside the page, and the erase button looks like what it does."""

from playwright.sync_api import Page, expect

from interview.extensions import db
from interview.lifecycle.holds import place_hold
from interview.models import Candidate, Role, User

from .test_accessibility import sign_in

WIDE = "() => document.documentElement.scrollWidth > window.innerWidth"


def test_a_long_reason_without_spaces_stays_inside_the_page(
    page: Page, live_app, make_account
):
    ta = make_account(Role.TALENT_ACQUISITION)
    with live_app.app_context():
        person = Candidate(name="Held Person", email="held@candidate.example")
        db.session.add(person)
        db.session.flush()
        place_hold(db.session.get(User, ta.id), person, "X" * 500)
        db.session.commit()
        candidate_id = person.id
    sign_in(page, ta)
    for viewport in ({"width": 1280, "height": 800}, {"width": 768, "height": 1024}):
        page.set_viewport_size(viewport)
        page.goto(f"/candidates/{candidate_id}/edit")
        expect(page.locator("#holds")).to_contain_text("XXXX")
        assert not page.evaluate(WIDE), (
            f"the candidate page scrolls sideways {viewport}"
        )
        page.goto(f"/candidates/{candidate_id}/erase")
        expect(page.locator(".form-errors")).to_contain_text("XXXX")
        assert not page.evaluate(WIDE), f"the erase page scrolls sideways {viewport}"


def test_the_erase_button_is_drawn_as_a_danger(page: Page, live_app, make_account):
    ta = make_account(Role.TALENT_ACQUISITION)
    with live_app.app_context():
        person = Candidate(name="Leaving Person", email="leaving@candidate.example")
        db.session.add(person)
        db.session.commit()
        candidate_id = person.id
    sign_in(page, ta)
    page.goto(f"/candidates/{candidate_id}/erase")
    button = page.get_by_role("button", name="Erase")
    colour = button.evaluate("b => getComputedStyle(b).color")
    plain = page.get_by_role("link", name="Cancel").evaluate(
        "b => getComputedStyle(b).color"
    )
    assert colour != plain, (colour, plain)


def test_placing_and_releasing_a_hold_lands_on_the_holds_section(
    page: Page, live_app, make_account
):
    """Keyboard and screen reader users land where they acted: the redirect's #holds
    takes the focus and scrolls there, and the outcome is said in the section."""
    ta = make_account(Role.TALENT_ACQUISITION)
    with live_app.app_context():
        person = Candidate(name="Focus Person", email="focus@candidate.example")
        db.session.add(person)
        db.session.commit()
        candidate_id = person.id
    sign_in(page, ta)
    page.set_viewport_size({"width": 1280, "height": 500})
    page.goto(f"/candidates/{candidate_id}/edit")
    holds = page.locator("#holds")

    page.get_by_label("Reason for a new legal hold").fill("Tribunal claim 12")
    with page.expect_navigation():
        page.get_by_role("button", name="Place a legal hold").press("Enter")
    assert page.url.endswith(f"/candidates/{candidate_id}/edit#holds")
    expect(holds).to_be_focused()
    expect(holds).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 0, "the page stayed at its top"
    placed = "Placed the legal hold: erasure and retention wait for its release."
    expect(holds.locator("#holds-note")).to_have_text(placed)
    expect(holds).to_have_accessible_name("Legal holds")
    expect(holds).to_have_accessible_description(placed)
    expect(page.locator(".flashes")).to_have_count(0)  # said once, where it happened

    release = page.get_by_role("button", name="Release the hold “Tribunal claim 12”")
    with page.expect_navigation():
        release.press("Enter")
    expect(holds).to_be_focused()
    expect(holds).to_be_in_viewport()
    released = "Released the legal hold; it stays on record."
    expect(holds.locator("#holds-note")).to_have_text(released)

    page.reload()  # said once: a reload shows the section without the note
    expect(holds.locator("#holds-note")).to_have_count(0)
    expect(holds).to_contain_text("Released")


def test_a_refused_erasure_focuses_the_error_summary_that_links_the_box(
    page: Page, live_app, make_account
):
    ta = make_account(Role.TALENT_ACQUISITION)
    with live_app.app_context():
        person = Candidate(name="Unticked Person", email="unticked@candidate.example")
        db.session.add(person)
        db.session.commit()
        candidate_id = person.id
    sign_in(page, ta)
    page.goto(f"/candidates/{candidate_id}/erase")
    with page.expect_navigation():
        page.get_by_role("button", name="Erase the candidate").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    link = summary.get_by_role("link", name="Tick the box to confirm the erasure.")
    link.click()
    expect(page.locator("#confirm")).to_be_focused()
