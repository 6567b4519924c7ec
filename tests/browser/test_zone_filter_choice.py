"""The time-zone filter on the profile page (issue 14): a filter matching no zone says
"No zone matches" and shows the zone the person chose, not one the filter picked on
the way, and nothing is saved; clearing the filter gives back the person's own
choice (or the zone saved). A filter narrowed to one zone lists it but does not
choose it: only the person's Enter or choice in the list does (issue 14)."""

from playwright.sync_api import Page, expect

from interview.extensions import db
from interview.models import Role, User

from .test_accessibility import sign_in

FILTER = "Filter the time zones (city, country or region)"


def _profile(page: Page, make_account) -> User:
    person = make_account(Role.HIRING_MANAGER)
    sign_in(page, person)
    page.goto("/account")
    return person


def _saved_zone(live_app, person: User) -> str:
    with live_app.app_context():
        zone = db.session.get(User, person.id).time_zone
        db.session.remove()
    return zone


def test_no_match_says_so_shows_the_chosen_zone_and_saves_nothing(
    page: Page, live_app, make_account
):
    person = _profile(page, make_account)
    select = page.get_by_label("Your time zone", exact=True)
    status = page.locator("#time_zone-filter-status")
    select.select_option("Asia/Tokyo")  # the person's own choice
    box = page.get_by_label(FILTER)
    box.fill("kyiv")  # one zone left: offered, not chosen (issue 14)
    expect(status).to_contain_text("1 zone listed: Kyiv")
    expect(select).to_have_value("Asia/Tokyo")
    box.fill("kyivzz")  # nothing left
    expect(status).to_contain_text("No zone matches “kyivzz”")
    expect(status).to_contain_text("the zone stays Tokyo")
    expect(select).to_have_value("Asia/Tokyo")
    values = [o.get_attribute("value") for o in select.locator("option").all()]
    assert values == ["Asia/Tokyo"]  # the zone kept is the one shown
    url = page.url
    page.get_by_role("button", name="Save profile").click()
    expect(status).to_contain_text("Nothing was sent: no zone matches “kyivzz”")
    assert page.url == url
    assert _saved_zone(live_app, person) == "UTC"
    box.fill("")  # cleared: the person's choice, not the zone picked on the way
    expect(select).to_have_value("Asia/Tokyo")
    expect(status).to_have_text("")


def test_clearing_the_filter_gives_back_the_saved_zone_not_the_one_picked(
    page: Page, live_app, make_account
):
    person = _profile(page, make_account)
    select = page.get_by_label("Your time zone", exact=True)
    box = page.get_by_label(FILTER)
    box.fill("lisbon")
    expect(select).to_have_value("UTC")  # the only match, offered, not chosen
    box.fill("")
    expect(select).to_have_value("UTC")  # the zone saved
    expect(select.locator("option")).not_to_have_count(2)  # the whole list again
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator(".flash")).to_have_text(
        "Nothing changed: your profile is as it was."
    )
    assert _saved_zone(live_app, person) == "UTC"
    # A zone chosen in the list stays chosen whatever the filter does next.
    select.select_option("Asia/Kolkata")
    box.fill("lisbon")
    expect(select).to_have_value("Asia/Kolkata")
    box.fill("")
    expect(select).to_have_value("Asia/Kolkata")
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator(".flash")).to_contain_text(
        "Times are now shown in Asia/Kolkata"
    )


def test_a_filter_narrowed_to_one_zone_only_offers_it(
    page: Page, live_app, make_account
):
    """Issue 14, fresh-user test: typing "lisb" chose Lisbon at once, with no change
    of the person's. Now it is listed and named; Enter, or the list, chooses it."""
    person = _profile(page, make_account)
    select = page.get_by_label("Your time zone", exact=True)
    status = page.locator("#time_zone-filter-status")
    select.evaluate(
        "s => { window.changes = 0; s.addEventListener('change', () => window.changes++); }"
    )
    box = page.get_by_label(FILTER)
    for typed in ("lis", "lisb", "lisbon"):
        box.fill(typed)
        expect(status).to_contain_text("1 zone listed: Lisbon")
        expect(status).to_contain_text("Press Enter or choose it in the list")
        expect(select).to_have_value("UTC")
    assert page.evaluate("window.changes") == 0
    page.get_by_role("button", name="Save profile").click()
    expect(status).to_contain_text("Nothing was sent: the zone is still")
    assert _saved_zone(live_app, person) == "UTC"
    box.press("Enter")
    expect(select).to_have_value("Europe/Lisbon")
    expect(status).to_have_text(
        "Chosen: " + select.locator("option:checked").inner_text() + "."
    )
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator(".flash")).to_contain_text(
        "Times are now shown in Europe/Lisbon"
    )
    assert _saved_zone(live_app, person) == "Europe/Lisbon"
