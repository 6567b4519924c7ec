"""The time zones people choose from: canonical IANA names, the common ones first.

``zoneinfo.available_timezones()`` lists every name the system can load, about 600
here, among them some 150 old aliases (``US/Eastern``, ``GB``, ``Asia/Calcutta``,
``Europe/Kiev``) and fixed offsets (``EST5EDT``, ``Etc/GMT+5``, whose sign is the
reverse of what people expect). Which names are aliases cannot be told from the
files themselves: Debian builds its data with ``backzone``, so ``EST5EDT`` and
``Europe/Belfast`` are zones there, not links. The tz database's own answer is
``zone.tab``: one line per location people live in (country code, coordinates,
canonical name, comment). That file ships both with the system data
(/usr/share/zoneinfo) and with the ``tzdata`` package, and it is read from the same
place ``zoneinfo`` loads zones from: ``zoneinfo.TZPATH`` first, the package second.
A name is offered when it is in ``zone.tab`` and loadable, plus "UTC".

An older name saved before this list existed stays valid (``is_loadable``) and is shown
as it is, with the canonical name it stands for where ``tzdata.zi`` says (its "L"
lines: ``L America/New_York US/Eastern``). Pure: no Flask, no database.
"""

import functools
import zoneinfo
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

UTC = "UTC"
REGIONS = (
    "Africa/",
    "America/",
    "Antarctica/",
    "Arctic/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
)

# Hospital systems' zones, shown first: US, Canada, UK and Ireland, the EU, India,
# Singapore, the Gulf, Australia and New Zealand.
COMMON: tuple[tuple[str, str], ...] = (
    ("UTC", "UTC"),
    ("America/New_York", "US Eastern"),
    ("America/Chicago", "US Central"),
    ("America/Denver", "US Mountain"),
    ("America/Phoenix", "US Arizona"),
    ("America/Los_Angeles", "US Pacific"),
    ("America/Anchorage", "US Alaska"),
    ("Pacific/Honolulu", "US Hawaii"),
    ("America/Toronto", "Canada Eastern"),
    ("America/Vancouver", "Canada Pacific"),
    ("Europe/London", "United Kingdom"),
    ("Europe/Dublin", "Ireland"),
    ("Europe/Lisbon", "Portugal"),
    ("Europe/Paris", "Central Europe, France"),
    ("Europe/Berlin", "Central Europe, Germany"),
    ("Europe/Madrid", "Central Europe, Spain"),
    ("Europe/Rome", "Central Europe, Italy"),
    ("Europe/Amsterdam", "Central Europe, Netherlands"),
    ("Europe/Stockholm", "Central Europe, Sweden"),
    ("Europe/Athens", "Eastern Europe, Greece"),
    ("Europe/Helsinki", "Eastern Europe, Finland"),
    ("Asia/Dubai", "Gulf, United Arab Emirates"),
    ("Asia/Kolkata", "India"),
    ("Asia/Singapore", "Singapore"),
    ("Australia/Perth", "Australia Western"),
    ("Australia/Adelaide", "Australia Central, South Australia"),
    ("Australia/Darwin", "Australia Central, Northern Territory"),
    ("Australia/Brisbane", "Australia Eastern, Queensland"),
    ("Australia/Sydney", "Australia Eastern, New South Wales"),
    ("Australia/Melbourne", "Australia Eastern, Victoria"),
    ("Australia/Hobart", "Australia Eastern, Tasmania"),
    ("Pacific/Auckland", "New Zealand"),
)


@dataclass(frozen=True)
class Zone:
    name: str
    label: str  # e.g. "America/Chicago — United States, Central (most areas)"


@dataclass(frozen=True)
class Group:
    label: str  # "Common", "Africa", ... or "Saved" for an older name
    zones: tuple[Zone, ...]


def parse_zone_tab(text: str, countries: dict[str, str]) -> dict[str, str]:
    """``zone.tab``'s zones with a description: {"Asia/Kolkata": "India", ...}."""
    found = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, _coordinates, name, *comment = line.split("\t")
        where = ", ".join(p for p in (countries.get(code, code), *comment) if p)
        found[name.strip()] = where
    return found


def parse_countries(text: str) -> dict[str, str]:
    """``iso3166.tab``: {"DE": "Germany", ...}."""
    rows = (line.split("\t") for line in text.splitlines() if line[:1].isalpha())
    return {row[0]: row[1].strip() for row in rows if len(row) > 1}


def parse_links(text: str) -> dict[str, str]:
    """The "L target alias" lines of ``tzdata.zi``: {"US/Eastern": "America/New_York"}."""
    links = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "L":
            links[parts[2]] = parts[1]
    return links


def _data_file(name: str) -> str:
    """A file of the tz data, from where ``zoneinfo`` loads zones; "" if none has it."""
    for folder in zoneinfo.TZPATH:
        path = Path(folder) / name
        if path.is_file():
            return path.read_text(encoding="utf-8", errors="replace")
    try:
        return (resources.files("tzdata.zoneinfo") / name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return ""


@functools.cache
def _loadable() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) | {UTC}


@functools.cache
def _described() -> dict[str, str]:
    """Every canonical zone this machine can load, with where it applies."""
    countries = parse_countries(_data_file("iso3166.tab"))
    listed = parse_zone_tab(_data_file("zone.tab"), countries)
    loadable = _loadable()
    if not listed:  # no zone.tab anywhere: the regional names that are not links
        links = _links()
        listed = {n: "" for n in loadable if n.startswith(REGIONS) and n not in links}
    zones = {name: where for name, where in listed.items() if name in loadable}
    return {UTC: "Coordinated universal time"} | dict(sorted(zones.items()))


@functools.cache
def _links() -> dict[str, str]:
    return parse_links(_data_file("tzdata.zi"))


def canonical_zones() -> tuple[str, ...]:
    """The names offered: canonical IANA zones this machine can load, and "UTC"."""
    return tuple(_described())


def is_canonical(name: str) -> bool:
    return name in _described()


def is_loadable(name: str) -> bool:
    """Any name ``zoneinfo`` can load: canonical, or an older alias saved earlier."""
    return isinstance(name, str) and name in _loadable()


def alias_target(name: str) -> str | None:
    """The canonical zone an older name stands for, where the tz data says."""
    return _links().get(name)


def label(name: str) -> str:
    """ "Asia/Kolkata — India"; an older name says what it stands for."""
    shown = name.replace("_", " ")
    if where := _described().get(name):
        return shown if name == UTC else f"{shown} — {where}"
    target = alias_target(name)
    return f"{shown} — older name" + (f" for {target}" if target else "")


def groups(current: str | None = None) -> list[Group]:
    """The choices: a saved older name first (if ``current`` is one), the common
    zones, then every canonical zone by region (America, Europe...). Each name is
    offered once: a common zone is not repeated in its region."""
    described = _described()
    result = []
    if current and not is_canonical(current) and is_loadable(current):
        result.append(Group("Saved", (Zone(current, label(current)),)))
    # Labels start with the zone's name: a closed select jumps to what is typed.
    common = tuple(
        Zone(name, f"{name.replace('_', ' ')} — {text}" if name != UTC else text)
        for name, text in COMMON
        if name in described
    )
    result.append(Group("Common", common))
    taken = {z.name for z in common}
    regions: dict[str, list[Zone]] = {}
    for name in described:
        if name not in taken:
            region = name.split("/")[0] if "/" in name else "Other"
            regions.setdefault(region, []).append(Zone(name, label(name)))
    result += [Group(region, tuple(zones)) for region, zones in regions.items()]
    return result
