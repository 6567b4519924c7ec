"""Finding a time zone in a real browser: without JavaScript a closed select jumps to
the place typed (the labels start with it); with it, the filter box also knows the
zones' former names ("Kiev", "Calcutta", "US/Eastern") and their offsets."""

import pytest
from playwright.sync_api import Page, expect

from interview.models import Role

from .test_accessibility import sign_in

FILTER = "Filter the time zones (city, country or region)"


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("kyiv", "Europe/Kyiv"),
        ("Kolkata", "Asia/Kolkata"),
        ("new york", "America/New_York"),
        ("ho chi", "Asia/Ho_Chi_Minh"),
        ("buenos", "America/Argentina/Buenos_Aires"),
    ],
)
def test_without_javascript_typing_a_place_in_the_closed_select_finds_it(
    new_context, make_account, typed, zone
):
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto("/accounts/new")
    expect(page.get_by_label(FILTER)).to_have_count(0)  # no script, no filter box
    select = page.get_by_label("Time zone", exact=True)
    expect(select).to_have_value("UTC")
    expect(select).to_have_attribute("aria-describedby", "time_zone-hint")
    expect(page.locator("#time_zone-hint")).to_contain_text("type a city's name")
    select.focus()
    page.keyboard.type(typed)
    expect(select).to_have_value(zone)


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Kiev", "Europe/Kyiv"),
        ("calcutta", "Asia/Kolkata"),
        ("Saigon", "Asia/Ho_Chi_Minh"),
        ("US/Eastern", "America/New_York"),
        ("europe/kiev", "Europe/Kyiv"),
    ],
)
def test_the_filter_finds_a_zone_by_its_former_name(
    page: Page, make_account, typed, zone
):
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto("/accounts/new")
    box = page.get_by_label(FILTER)
    box.fill(typed)
    expect(page.locator("#time_zone-filter-status")).to_contain_text("1 zone listed: ")
    select = page.locator("#time_zone")
    # The zone chosen before (UTC) stays listed, uncounted, and chosen; the one
    # found is the other, offered (issue 14: the filter does not choose).
    values = [o.get_attribute("value") for o in select.locator("option").all()]
    assert values == ["UTC", zone]
    expect(select).to_have_value("UTC")
    box.press("Enter")  # the person's choice
    expect(select).to_have_value(zone)


def test_the_filter_finds_zones_by_offset_and_utc_alone_by_utc(
    page: Page, make_account
):
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto("/accounts/new")
    select = page.locator("#time_zone")
    select.select_option("Europe/Berlin")
    box = page.get_by_label(FILTER)
    for typed in ("+5:30", "UTC+05:30", "gmt+5:30"):
        box.fill(typed)
        values = [o.get_attribute("value") for o in select.locator("option").all()]
        assert values == ["Europe/Berlin", "Asia/Kolkata", "Asia/Colombo"], typed
    box.fill("utc")
    expect(page.locator("#time_zone-filter-status")).to_contain_text(
        "1 zone listed: UTC — Coordinated universal time. Press Enter or choose it"
    )
    values = [o.get_attribute("value") for o in select.locator("option").all()]
    assert values == ["UTC", "Europe/Berlin"]
    expect(select).to_have_value("Europe/Berlin")  # offered, not chosen


def test_the_session_zone_picker_on_the_loop_page_finds_former_names(
    page: Page, make_account, demo_loop
):
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto(f"/loops/{demo_loop['loop']}")
    page.get_by_role("link", name="Change time and place").first.click()
    box = page.get_by_label(FILTER).first
    box.fill("calcutta")
    select = page.locator("select[data-zone-filter]").first
    values = [o.get_attribute("value") for o in select.locator("option").all()]
    assert values == ["UTC", "Asia/Kolkata"]


def test_enter_in_the_filter_chooses_the_one_zone_listed_and_sends_nothing(
    page: Page, make_account
):
    """Typing "Kiev" then Enter chooses Europe/Kyiv; it does not send the form with
    the zone still the old one. With several listed, Enter moves to the list."""
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto("/accounts/new")
    url = page.url
    zone_filter = page.get_by_label(FILTER)
    select = page.get_by_label("Time zone", exact=True)
    zone_filter.fill("Kiev")
    zone_filter.press("Enter")
    expect(select).to_have_value("Europe/Kyiv")
    expect(page.get_by_role("status").filter(has_text="Chosen")).to_contain_text("Kyiv")
    assert page.url == url  # nothing was sent
    zone_filter.fill("america")
    zone_filter.press("Enter")
    expect(select).to_be_focused()
    expect(select).to_have_value("Europe/Kyiv")
    assert page.url == url


def test_a_place_typed_but_not_chosen_is_not_saved_as_the_old_zone(
    page: Page, make_account, demo_loop
):
    """Typing "america" in the filter and pressing the form's button does not save
    the session in the zone still shown (UTC): nothing is sent until a listed zone
    is chosen, and the page says so. Typing on to "chicago" leaves one zone, which
    is offered, not chosen (issue 14): the button still sends nothing until the
    person chooses it in the list, then saves it."""
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto(f"/loops/{demo_loop['loop']}")
    page.get_by_role("link", name="Change time and place").first.click()
    form = page.locator("details[open] form").first
    select = form.locator("select[data-zone-filter]")
    before = select.input_value()
    url = page.url
    form.get_by_label(FILTER).fill("america")
    form.locator("[type=submit]").click()
    expect(form.locator("[id$=time_zone-filter-status]")).to_contain_text(
        "Nothing was sent: the zone is still"
    )
    expect(select).to_be_focused()
    assert page.url == url and select.input_value() == before
    form.get_by_label(FILTER).fill("chicago")
    expect(select).to_have_value(before)
    status = form.locator("[id$=time_zone-filter-status]")
    expect(status).to_contain_text("1 zone listed: Chicago")
    expect(status).to_contain_text("America/Chicago")
    form.locator("[type=submit]").click()
    expect(status).to_contain_text("Nothing was sent: the zone is still")
    expect(status).to_contain_text("Choose the zone listed for “chicago”")
    assert page.url == url and select.input_value() == before
    select.select_option("America/Chicago")
    form.locator("[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("#main")).to_contain_text("America/Chicago")
