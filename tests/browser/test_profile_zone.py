"""The profile page offers the browser's own time zone when it differs from the one
saved: "Your browser is in Europe/Berlin: use it" chooses it (saving stays the
person's); without JavaScript, or when they agree, nothing is offered."""

import pytest
from playwright.sync_api import Page, expect

from interview.models import Role

from .test_accessibility import _assert_axe_clean, sign_in

FILTER = "Filter the time zones (city, country or region)"


def _open_profile(new_context, make_account, zone: str, **options) -> Page:
    page = new_context(timezone_id=zone, **options).new_page()
    sign_in(page, make_account(Role.HIRING_MANAGER))
    page.goto("/account")
    return page


def test_the_browsers_zone_is_offered_chosen_and_saved(new_context, make_account):
    page = _open_profile(new_context, make_account, "Europe/Berlin")
    select = page.get_by_label("Your time zone", exact=True)
    expect(select).to_have_value("UTC")
    offer = page.locator(".browser-zone")
    expect(offer).to_have_text("Your browser is in Europe/Berlin: use it")
    _assert_axe_clean(page)
    # A filter hiding Berlin does not stop the offer: the list comes back whole.
    page.get_by_label(FILTER).fill("tokyo")
    button = page.get_by_role("button", name="use it")
    expect(button).to_have_accessible_description("Your browser is in Europe/Berlin:")
    button.click()
    expect(select).to_have_value("Europe/Berlin")
    expect(select).to_be_focused()
    expect(offer).to_be_hidden()  # chosen: nothing more to offer
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator(".flash")).to_have_text(
        "Your profile is saved. Times are now shown in Europe/Berlin."
    )
    expect(page.locator(".browser-zone")).to_have_count(0)  # saved: they agree


def test_choosing_another_zone_brings_the_offer_back(new_context, make_account):
    page = _open_profile(new_context, make_account, "America/Chicago")
    select = page.get_by_label("Your time zone", exact=True)
    offer = page.locator(".browser-zone")
    page.get_by_role("button", name="use it").click()
    expect(offer).to_be_hidden()
    select.select_option("Asia/Kolkata")
    expect(offer).to_be_visible()
    expect(offer).to_have_text("Your browser is in America/Chicago: use it")


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "Europe/Kyiv"])
def test_a_browser_naming_its_zone_by_an_older_name_is_offered_the_list_s_name(
    new_context, make_account, zone
):
    """Chromium may say Asia/Calcutta or Europe/Kiev; the list's name is offered."""
    page = _open_profile(new_context, make_account, zone)
    expect(page.locator(".browser-zone")).to_have_text(
        f"Your browser is in {zone}: use it"
    )
    page.get_by_role("button", name="use it").click()
    expect(page.get_by_label("Your time zone", exact=True)).to_have_value(zone)


def test_nothing_is_offered_without_javascript(new_context, make_account):
    page = _open_profile(
        new_context, make_account, "Europe/Berlin", java_script_enabled=False
    )
    expect(page.get_by_label("Your time zone", exact=True)).to_have_value("UTC")
    expect(page.get_by_text("Your browser is in")).to_have_count(0)


def test_nothing_is_offered_when_the_browser_agrees(new_context, make_account):
    page = _open_profile(new_context, make_account, "UTC")
    expect(page.get_by_label("Your time zone", exact=True)).to_have_value("UTC")
    page.wait_for_load_state("load")  # the deferred script has run
    expect(page.get_by_text("Your browser is in")).to_have_count(0)


def test_after_a_refused_save_the_offer_follows_the_zone_saved(
    new_context, make_account
):
    """A refusal keeps the zone typed chosen (Berlin, as the browser); the zone saved
    is still UTC, so choosing another brings the offer of Berlin back."""
    page = _open_profile(new_context, make_account, "Europe/Berlin")
    select = page.get_by_label("Your time zone", exact=True)
    page.get_by_label("Your name").fill("")
    select.select_option("Europe/Berlin")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Enter your name.").first).to_be_visible()
    expect(select).to_have_value("Europe/Berlin")
    offer = page.locator(".browser-zone")
    expect(offer).to_be_hidden()  # chosen already
    select.select_option("Asia/Kolkata")
    expect(offer).to_have_text("Your browser is in Europe/Berlin: use it")
