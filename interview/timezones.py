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

Each label starts with the place people type, then says where it applies, its IANA
name and its standard offset: "Kyiv — Ukraine · Europe/Kyiv · UTC+02:00". A closed
select jumps to the option whose label starts with what is typed, so without
JavaScript typing "kyiv" (or "new york") finds the zone; within a region the zones
are sorted by that label. The standard offset is the smaller of mid-January's and
mid-July's (winter time in either hemisphere, GMT for Dublin), as Windows lists them.

Former names: ``tzdata.zi``'s "L" lines (``L Europe/Kyiv Europe/Kiev``) say which
older names now mean a zone; each offered zone carries them (``Zone.former``) so the
filter finds Europe/Kyiv by "Kiev" and America/New_York by "US/Eastern". Names that
link to one target are one group: "UTC" is itself a link to Etc/UTC, so "Zulu" and
"Etc/UTC" find UTC.

An older name saved before this list existed stays valid (``is_loadable``) and is shown
as it is, with the canonical name it stands for where ``tzdata.zi`` says (its "L"
lines: ``L America/New_York US/Eastern``). Pure: no Flask, no database.
"""

import functools
import zoneinfo
from dataclasses import dataclass
from datetime import UTC as UTC_TZ
from datetime import datetime
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
    label: str  # "Chicago — United States, Central (most areas) · America/Chicago · …"
    former: tuple[str, ...] = ()  # older names meaning this zone: ("US/Central",)


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


def group_links(links: dict[str, str], offered) -> dict[str, tuple[str, ...]]:
    """The other names of each offered zone: every name linked to the same target,
    the target included ({"Europe/Kyiv": ("Europe/Kiev", ...), "UTC": ("Etc/UTC",
    "Zulu", ...)}), sorted."""
    together: dict[str, set[str]] = {}
    for alias, target in links.items():
        together.setdefault(target, {target}).add(alias)
    found = {}
    for names in together.values():
        for name in names & set(offered):
            found[name] = tuple(sorted(names - {name}))
    return found


def place(name: str) -> str:
    """Where a zone is named after, as people write it: "America/New_York" -> "New
    York", "America/Argentina/Buenos_Aires" -> "Buenos Aires"."""
    return name.rsplit("/", 1)[-1].replace("_", " ")


def standard_offset(name: str, year: int) -> str:
    """ "UTC+05:30": the smaller of the zone's offsets in mid-January and mid-July of
    ``year``, that is its winter time in either hemisphere."""
    zone = zoneinfo.ZoneInfo(name)
    offset = min(
        datetime(year, month, 15, 12, tzinfo=UTC_TZ).astimezone(zone).utcoffset()
        for month in (1, 7)
    )
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02}:{minutes:02}"


def place_label(name: str, where: str, year: int) -> str:
    """ "Kyiv — Ukraine · Europe/Kyiv · UTC+02:00": the place first, for a closed
    select jumps to what is typed; ``where`` left out when it only repeats the place."""
    if name == UTC:
        return f"UTC — {where}" if where else UTC
    shown = place(name)
    lead = f"{shown} — {where}" if where and where != shown else shown
    return f"{lead} · {name} · {standard_offset(name, year)}"


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


def former_names(name: str) -> tuple[str, ...]:
    """The older names that now mean this zone ("Europe/Kiev" for "Europe/Kyiv")."""
    return group_links(_links(), _described()).get(name, ())


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
    """ "Kolkata — India · Asia/Kolkata · UTC+05:30"; an older name says what it
    stands for ("US/Eastern — older name for America/New_York")."""
    if name in (described := _described()):
        return place_label(name, described[name], datetime.now(UTC_TZ).year)
    target = alias_target(name)
    shown = name.replace("_", " ")
    return f"{shown} — older name" + (f" for {target}" if target else "")


def groups(current: str | None = None, year: int | None = None) -> list[Group]:
    """The choices: a saved older name first (if ``current`` is one), the common
    zones, then every canonical zone by region (America, Europe...), sorted by place
    within a region. Each name is offered once: a common zone is not repeated in its
    region. Offsets are those of ``year`` (this year by default)."""
    year = year or datetime.now(UTC_TZ).year
    described = _described()
    former = group_links(_links(), described)
    result = []
    if current and not is_canonical(current) and is_loadable(current):
        result.append(Group("Saved", (Zone(current, label(current)),)))
    common = tuple(
        _zone(name, described[name] if name == UTC else text, year, former)
        for name, text in COMMON
        if name in described
    )
    result.append(Group("Common", common))
    taken = {z.name for z in common}
    regions: dict[str, list[Zone]] = {}
    for name, where in described.items():
        if name not in taken:
            region = name.split("/")[0] if "/" in name else "Other"
            regions.setdefault(region, []).append(_zone(name, where, year, former))
    for region, zones in regions.items():
        result.append(Group(region, tuple(sorted(zones, key=_by_place))))
    return result


def _zone(name: str, where: str, year: int, former: dict) -> Zone:
    return Zone(name, place_label(name, where, year), former.get(name, ()))


def _by_place(zone: Zone) -> tuple[str, str]:
    """By place alone, so that "Bahia" comes before "Bahia Banderas" and a closed
    select finds it first."""
    return place(zone.name).casefold(), zone.name
