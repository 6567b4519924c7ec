"""Finding a time zone: labels start with the place people type (a closed select jumps
to it without JavaScript), sorted by place, with the zone's former names from the tz
data's links for the filter box ("Kiev" finds Europe/Kyiv)."""

import re

import pytest

from interview import timezones
from interview.accounts.forms import zone_options
from interview.models import Role

# --- pure ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "place"),
    [
        ("Europe/Kyiv", "Kyiv"),
        ("America/New_York", "New York"),
        ("America/Argentina/Buenos_Aires", "Buenos Aires"),
        ("UTC", "UTC"),
    ],
)
def test_a_zone_is_named_by_its_place(name, place):
    assert timezones.place(name) == place


@pytest.mark.parametrize(
    ("name", "offset"),
    [
        ("UTC", "UTC+00:00"),
        ("Asia/Kolkata", "UTC+05:30"),
        ("Asia/Kathmandu", "UTC+05:45"),
        ("America/New_York", "UTC-05:00"),  # winter time, not summer's -04:00
        ("America/St_Johns", "UTC-03:30"),
        ("Australia/Sydney", "UTC+10:00"),  # winter is July there
        ("Europe/Dublin", "UTC+00:00"),  # GMT in winter (negative DST in the data)
    ],
)
def test_the_standard_offset_is_winter_time_in_either_hemisphere(name, offset):
    assert timezones.standard_offset(name, 2026) == offset


def test_a_label_starts_with_the_place_then_where_name_and_offset():
    assert (
        timezones.place_label("Europe/Kyiv", "Ukraine", 2026)
        == "Kyiv — Ukraine · Europe/Kyiv · UTC+02:00"
    )
    # Nothing said twice: Singapore's description is its place.
    assert (
        timezones.place_label("Asia/Singapore", "Singapore", 2026)
        == "Singapore · Asia/Singapore · UTC+08:00"
    )
    assert (
        timezones.place_label("UTC", "Coordinated universal time", 2026)
        == "UTC — Coordinated universal time"
    )


def test_links_to_one_target_are_one_zones_former_names():
    links = timezones.parse_links(
        "L Europe/Kyiv Europe/Kiev\n"
        "L Europe/Kyiv Europe/Zaporozhye\n"
        "L Etc/UTC UTC\n"
        "L Etc/UTC Zulu\n"
        "L Etc/GMT GMT\n"
    )
    former = timezones.group_links(links, {"Europe/Kyiv", "UTC"})
    assert former == {
        "Europe/Kyiv": ("Europe/Kiev", "Europe/Zaporozhye"),
        # UTC is itself a link: what links to its target is its former name too.
        "UTC": ("Etc/UTC", "Zulu"),
    }


@pytest.mark.parametrize(
    ("name", "former"),
    [
        ("Europe/Kyiv", "Europe/Kiev"),
        ("Asia/Kolkata", "Asia/Calcutta"),
        ("Asia/Ho_Chi_Minh", "Asia/Saigon"),
        ("America/New_York", "US/Eastern"),
        ("UTC", "Etc/UTC"),
    ],
)
def test_the_offered_zones_carry_their_former_names_from_the_tz_data(name, former):
    assert former in timezones.former_names(name)
    (zone,) = [z for g in timezones.groups() for z in g.zones if z.name == name]
    assert former in zone.former


def _offered(current=None):
    return [z for g in timezones.groups(current, year=2026) for z in g.zones]


def test_every_label_starts_with_its_place_and_regions_are_sorted_by_place():
    groups = timezones.groups(year=2026)
    assert groups[0].label == "Common"  # the common ones stay first, in their order
    assert [z.name for z in groups[0].zones][:2] == ["UTC", "America/New_York"]
    for zone in (z for g in groups for z in g.zones):
        assert zone.label.startswith(timezones.place(zone.name)), zone
    for group in groups[1:]:
        places = [timezones.place(z.name).casefold() for z in group.zones]
        assert places == sorted(places), group.label


def test_typing_a_place_in_a_closed_select_finds_that_zone_first():
    """A closed select selects the first option whose label starts with what is
    typed: for every zone, typing its place lands on it ("Bahia" before "Bahia
    Banderas", "Dawson" before "Dawson Creek")."""
    offered = _offered()
    for zone in offered:
        typed = timezones.place(zone.name).casefold()
        first = next(z for z in offered if z.label.casefold().startswith(typed))
        assert first.name == zone.name, (typed, first.name)


def test_a_saved_older_name_keeps_saying_what_it_stands_for():
    saved = _offered("Asia/Calcutta")[0]
    assert saved.name == "Asia/Calcutta"
    assert saved.label == "Asia/Calcutta — older name for Asia/Kolkata"


# --- the select ------------------------------------------------------------------


def test_the_select_carries_former_names_for_the_filter():
    html = str(zone_options("UTC"))
    kyiv = re.search(r'<option value="Europe/Kyiv"[^>]*>', html).group(0)
    assert re.search(r'data-former="[^"]*\bEurope/Kiev\b', kyiv)
    assert 'data-former="US/Eastern"' in html
    assert re.search(r'<option value="UTC" data-former="[^"]*" selected>UTC —', html)
    assert html.count(" selected") == 1


def test_the_zone_field_tells_how_to_find_a_zone_without_javascript(
    client, auth, make_user
):
    auth.login(make_user(Role.TALENT_ACQUISITION))
    page = client.get("/accounts/new").get_data(as_text=True)
    assert 'aria-describedby="time_zone-hint"' in page
    hint = re.search(r'<p class="hint" id="time_zone-hint">([^<]*)</p>', page)
    assert "type a city&#39;s name" in hint.group(1)
    assert ">Kolkata — India · Asia/Kolkata · UTC+05:30</option>" in page
