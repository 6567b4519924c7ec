"""Pickers that list everything become searchable: the candidate of a new loop, the
interviewer of a seat (eligible people only) and the time zone (canonical names, the
common ones first). Each works without JavaScript; the type-ahead answers in JSON."""

import re
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from interview import timezones
from interview.extensions import db
from interview.loops.pickers import find_candidates
from interview.models import (
    Candidate,
    Conflict,
    Discipline,
    InterviewSession,
    Loop,
    LoopStatus,
    PanelSeat,
    PlanSession,
    Requisition,
    Role,
    User,
)
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate
from interview.search import search_key

from .builders import clinical_seat, start_loop
from .queries import counting_queries
from .rubric_samples import dump, rubric

MONDAY_10 = datetime(2026, 3, 2, 10, tzinfo=UTC)

# --- time zones (pure) ---------------------------------------------------------------


@pytest.mark.parametrize(
    "alias",
    ["US/Eastern", "EST5EDT", "GB", "Etc/GMT+5", "Asia/Calcutta", "Europe/Kiev", "CET"],
)
def test_time_zones_offer_no_legacy_aliases(alias):
    assert timezones.is_loadable(alias)  # the machine knows it ...
    assert alias not in timezones.canonical_zones()  # ... the list does not offer it
    offered = {z.name for g in timezones.groups() for z in g.zones}
    assert alias not in offered


@pytest.mark.parametrize(
    "name", ["UTC", "America/New_York", "Europe/London", "Asia/Kolkata", "Europe/Kyiv"]
)
def test_time_zones_offer_the_canonical_names(name):
    assert name in timezones.canonical_zones()


def test_the_common_zones_come_first_and_every_zone_is_offered_once():
    groups = timezones.groups()
    assert groups[0].label == "Common"
    common = [z.name for z in groups[0].zones]
    assert common[:2] == ["UTC", "America/New_York"]
    assert {"Europe/London", "Asia/Kolkata", "Australia/Sydney"} <= set(common)
    offered = [z.name for g in groups for z in g.zones]
    assert len(offered) == len(set(offered)) == len(timezones.canonical_zones())
    assert [g.label for g in groups[1:4]] == ["Africa", "America", "Antarctica"]


def test_a_saved_older_name_is_offered_first_and_says_what_it_stands_for():
    groups = timezones.groups("US/Eastern")
    assert groups[0].label == "Saved"
    assert groups[0].zones[0].name == "US/Eastern"
    assert "older name for America/New_York" in groups[0].zones[0].label
    assert timezones.groups("Mars/Olympus")[0].label == "Common"  # never offered


def test_the_zone_list_reads_the_tzdata_package_without_system_data(monkeypatch):
    """A machine without /usr/share/zoneinfo (zoneinfo then loads from the tzdata
    package) gets the same canonical list from the package's own zone.tab."""
    system = set(timezones.canonical_zones())
    monkeypatch.setattr(zoneinfo, "TZPATH", ())
    for cached in (timezones._described, timezones._links):
        cached.cache_clear()
    try:
        package = set(timezones.canonical_zones())
        assert "America/New_York" in package and "US/Eastern" not in package
        assert timezones.alias_target("Asia/Calcutta") == "Asia/Kolkata"
        assert len(package ^ system) < 10  # different tz releases differ a little
    finally:
        for cached in (timezones._described, timezones._links):
            cached.cache_clear()


def test_zone_files_are_parsed_as_the_tz_database_writes_them():
    countries = timezones.parse_countries("# comment\nDE\tGermany\nUS\tUnited States\n")
    tab = (
        "# code\tcoordinates\tTZ\tcomments\n"
        "DE\t+5230+01322\tEurope/Berlin\tmost of Germany\n"
        "US\t+415100-0873900\tAmerica/Chicago\tCentral (most areas)\n"
    )
    assert timezones.parse_zone_tab(tab, countries) == {
        "Europe/Berlin": "Germany, most of Germany",
        "America/Chicago": "United States, Central (most areas)",
    }
    zi = "Z America/New_York -4:56:2 - LMT 1883\nL America/New_York US/Eastern\n"
    assert timezones.parse_links(zi) == {"US/Eastern": "America/New_York"}


# --- fixtures ------------------------------------------------------------------------


@pytest.fixture
def ta(make_user):
    return make_user(Role.TALENT_ACQUISITION, name="Tara Okafor")


@pytest.fixture
def board(app, make_user):
    """A loop with one session (two clinical seats, one technical) on Monday 10:00."""
    manager = make_user(Role.HIRING_MANAGER)
    with app.app_context():
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        plan = [
            PlanSession(
                title="Case",
                competency_keys=["workflow"],
                clinical_seats=2,
                technical_seats=1,
            )
        ]
        loop = start_loop(manager.id, version.rubric_id, plan, candidate="Amara Nwosu")
        loop.sessions[0].starts_at = MONDAY_10
        db.session.commit()
        seats = loop.sessions[0].seats
        return {
            "loop": loop.id,
            "session": loop.sessions[0].id,
            "candidate": loop.candidate_id,
            "requisition": loop.requisition_id,
            "manager": manager,
            "clinical": [s.id for s in seats if s.discipline == Discipline.CLINICAL],
            "technical": next(
                s.id for s in seats if s.discipline == Discipline.TECHNICAL
            ),
        }


def _interviewers(app, names, discipline=Discipline.CLINICAL, **fields) -> list[int]:
    """Interviewer accounts inserted in bulk (search keys filled by hand)."""
    rows = [
        {
            "email": f"{re.sub(r'[^a-z0-9]', '', name.lower())}-{i}@hospital.example",
            "name": name,
            "role": Role.INTERVIEWER,
            "discipline": discipline,
            "password_hash": "x",
            **fields,
        }
        for i, name in enumerate(names)
    ]
    for row in rows:
        row["search_key"] = search_key(row["name"], row["email"])
    with app.app_context():
        db.session.execute(sa.insert(User), rows)
        db.session.commit()
        emails = [r["email"] for r in rows]
        found = db.session.execute(
            sa.select(User.email, User.id).where(User.email.in_(emails))
        ).all()
        ids = dict(found)
        return [ids[e] for e in emails]


def _candidates(app, people: list[tuple[str, str | None]]) -> None:
    rows = [
        {"name": name, "email": email, "search_key": search_key(name, email)}
        for name, email in people
    ]
    with app.app_context():
        db.session.execute(sa.insert(Candidate), rows)
        db.session.commit()


def _options(page: str, seat_id: int) -> dict[str, str]:
    """The options of a seat's select on the loop page: {value: label}."""
    select = re.search(
        rf'<select[^>]*name="seat-{seat_id}-interviewer_id"[^>]*>(.*?)</select>',
        page,
        re.DOTALL,
    ).group(1)
    return dict(
        re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select)
    )


def _typed(page: str) -> str:
    """The text in the new-loop page's search box."""
    return re.search(r'<input type="search" id="q"[^>]*value="([^"]*)"', page).group(1)


# --- the candidate of a new loop ------------------------------------------------------


def test_candidate_search_ignores_accents_and_case(app, client, auth, ta):
    _candidates(
        app,
        [
            ("Zoë Ångström", "zoe.a@example.org"),
            ("ZOE Brown", None),
            ("Chloé Zoeller", "cz@example.org"),
            ("Priya Raman", "priya@example.org"),
        ],
    )
    auth.login(ta)
    found = client.get("/candidates/search?q=zoe").get_json()
    # In alphabetical order, accents and case aside.
    assert [r["name"] for r in found["results"]] == [
        "Chloé Zoeller",
        "Zoë Ångström",
        "ZOE Brown",
    ]
    assert found["results"][1]["email"] == "zoe.a@example.org"
    assert found["total"] == 3 and not found["more"]
    angstrom = client.get("/candidates/search?q=ANGSTRÖM%20zoë").get_json()
    assert [r["name"] for r in angstrom["results"]] == ["Zoë Ångström"]


def test_candidate_search_shows_twenty_and_says_how_many_match(app, client, auth, ta):
    _candidates(app, [(f"Sam Taylor {i:02}", f"sam{i}@example.org") for i in range(25)])
    auth.login(ta)
    found = client.get("/candidates/search?q=sam").get_json()
    assert len(found["results"]) == 20 and found["total"] == 25 and found["more"]
    assert found["summary"] == "Showing 20 of 25 matches; type more to narrow."


def test_a_picker_counts_no_further_than_its_cap(app, client, auth, ta, monkeypatch):
    """Past the cap (a thousand) the count stops and says "more than"."""
    from interview.loops import pickers

    assert pickers.COUNT_CAP == 1_000
    monkeypatch.setattr(pickers, "COUNT_CAP", 21)
    _candidates(app, [(f"Sam Taylor {i:02}", f"sam{i}@example.org") for i in range(25)])
    auth.login(ta)
    found = client.get("/candidates/search?q=sam").get_json()
    assert found["total"] == 22 and len(found["results"]) == 20
    assert found["summary"].startswith("Showing 20 of more than 21 matches")


@pytest.mark.parametrize(
    "query, expected",
    [
        ("x" * 100_000, []),
        ("%", ["100% Ready"]),
        ("_", ["snake_case"]),
        ("%_%", []),
        ("\\", ["back\\slash"]),
        ("'; DROP TABLE candidates; --", []),
    ],
    ids=["100KB", "percent", "underscore", "wildcards", "backslash", "quote"],
)
def test_any_candidate_query_is_safe_bounded_and_literal(
    app, client, auth, ta, query, expected
):
    _candidates(
        app,
        [
            ("100% Ready", None),
            ("snake_case", None),
            ("back\\slash", None),
            ("Ann", None),
        ],
    )
    auth.login(ta)
    response = client.get("/candidates/search", query_string={"q": query})
    assert response.status_code == 200
    assert [r["name"] for r in response.get_json()["results"]] == expected


@pytest.mark.parametrize("role", [Role.HIRING_MANAGER, Role.INTERVIEWER])
def test_only_talent_acquisition_may_search_the_pickers(
    app, client, auth, make_user, board, role
):
    auth.login(make_user(role))
    seat = board["clinical"][0]
    for url in (
        "/candidates/search?q=a",
        f"/loops/{board['loop']}/seats/{seat}/eligible?q=a",
    ):
        response = client.get(url)
        assert response.status_code == 403
        assert "Amara" not in response.get_data(as_text=True)


def test_anonymous_pickers_go_to_sign_in(client, board):
    seat = board["clinical"][0]
    for url in ("/candidates/search", f"/loops/{board['loop']}/seats/{seat}/eligible"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in")


def test_a_new_loop_without_javascript(app, client, auth, ta, board):
    """Search with the GET form, choose a radio button, start the loop; a missing or
    vanished choice comes back with the query kept and a clear message."""
    _candidates(
        app,
        [
            ("Zoë Adams", "zoe.adams@example.org"),
            ("Zoë Adams", "zadams@elsewhere.example"),
            ("Lukas Becker", "lukas@example.org"),
        ],
    )
    url = f"/requisitions/{board['requisition']}/loops/new"
    auth.login(ta)
    page = client.get(url, query_string={"q": "zoe"}).get_data(as_text=True)
    assert page.count('type="radio" name="candidate_id"') == 2
    # Two people of one name are told apart by their email.
    assert "zoe.adams@example.org" in page and "zadams@elsewhere.example" in page
    assert "Lukas" not in page
    assert _typed(page) == "zoe"
    assert "2 candidates match “zoe”." in page

    nothing = client.submit(url, {"q": "zoe"})
    assert nothing.status_code == 422
    text = nothing.get_data(as_text=True)
    assert "Choose a candidate: search, then pick one." in text
    assert _typed(text) == "zoe"  # the query is kept
    assert text.count('type="radio" name="candidate_id"') == 2

    gone = client.submit(url, {"q": "zoe", "candidate_id": "987654"})
    assert gone.status_code == 422
    assert "no longer on file" in gone.get_data(as_text=True)
    forged = client.submit(url, {"q": "zoe", "candidate_id": "1 OR 1=1"})
    assert forged.status_code == 422
    assert "Choose a candidate from the list." in forged.get_data(as_text=True)

    # Any candidate on file may be chosen, not only those the search showed.
    with app.app_context():
        lukas = db.session.scalar(
            sa.select(Candidate.id).where(Candidate.name == "Lukas Becker")
        )
    started = client.submit(url, {"q": "zoe", "candidate_id": str(lukas)})
    assert started.status_code == 302
    with app.app_context():
        loop_id = int(started.headers["Location"].rsplit("/", 1)[1])
        assert db.session.get(Loop, loop_id).candidate_id == lukas


def test_without_javascript_a_second_search_keeps_the_choice(
    app, client, auth, ta, board
):
    """Search, choose, search again for someone else: the choice stays chosen and
    marked (it is sent along with the query), and the loop starts with it. A search
    saves nothing, and a bad query is refused next to the box."""
    _candidates(
        app,
        [("Zoë Adams", "zoe.adams@example.org"), ("Lukas Becker", "lukas@example.org")],
    )
    with app.app_context():
        zoe = db.session.scalar(
            sa.select(Candidate.id).where(Candidate.name.like("Z%"))
        )
    url = f"/requisitions/{board['requisition']}/loops/new"
    auth.login(ta)
    again = client.submit(url, {"q": "lukas", "candidate_id": str(zoe), "search": "y"})
    assert again.status_code == 200
    page = again.get_data(as_text=True)
    assert _typed(page) == "lukas"
    assert f'value="{zoe}" id="candidate-{zoe}" checked>' in page
    assert "Your choice, Zoë Adams, stays listed first" in page
    assert "1 candidate matches “lukas”." in page
    with app.app_context():
        assert (
            db.session.scalar(sa.select(sa.func.count(Loop.id))) == 1
        )  # the board's own
    # A choice that is no longer on file, or was never an id, is simply not kept.
    for gone in ("987654", "1 OR 1=1", ""):
        page = client.submit(url, {"q": "lukas", "candidate_id": gone, "search": "y"})
        assert page.status_code == 200
        assert "stays listed first" not in page.get_data(as_text=True)
    refused = client.submit(url, {"q": "luk\x00as", "search": "y"})
    assert refused.status_code == 422
    assert 'aria-describedby="q-error candidate-summary"' in refused.get_data(
        as_text=True
    )
    # Searching is a form post like any other: without its token it is refused.
    forged = client.post(url, data={"q": "lukas", "search": "y"})
    assert forged.status_code == 400
    started = client.submit(url, {"q": "lukas", "candidate_id": str(zoe)})
    assert started.status_code == 302
    with app.app_context():
        loop_id = int(started.headers["Location"].rsplit("/", 1)[1])
        assert db.session.get(Loop, loop_id).candidate_id == zoe


def test_the_new_loop_page_lists_candidates_by_name_without_a_query(
    app, client, auth, ta, board
):
    """By name, accents and case aside, as the Candidates list sorts (review of
    issue 14: the newest came first, an order nobody picking can predict)."""
    _candidates(app, [(f"Person {i:02}", None) for i in range(26)])
    _candidates(app, [("émile Zola", None), ("Zoë Adams", None), ("adam Berg", None)])
    _candidates(app, [("Béatrice Roy", None)])
    auth.login(ta)
    page = client.get(f"/requisitions/{board['requisition']}/loops/new")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert text.count('type="radio"') == 20
    names = re.findall(r'data-name="([^"]*)"', text)
    assert names[:5] == [
        "adam Berg",
        "Amara Nwosu",
        "Béatrice Roy",
        "émile Zola",
        "Person 00",
    ]
    assert "Person 15" in text and "Person 16" not in text
    assert "Zoë Adams" not in text  # the newest, but last by name
    assert "The first 20 of 31 candidates by name" in text
    assert "<select" not in text.split('id="candidate-choices"')[1].split("</form>")[0]


def _erase(app, names: list[str]) -> list[int]:
    """Add and erase candidates by those names (issue 13); their ids."""
    from interview.lifecycle.erasure import erase_candidate

    with app.app_context():
        people = [Candidate(name=name, email=f"{name[:3]}@x.example") for name in names]
        db.session.add_all(people)
        db.session.flush()
        for person in people:
            erase_candidate(None, person)
        db.session.commit()
        return [person.id for person in people]


def test_erased_candidates_are_never_offered_for_a_new_loop(
    app, client, auth, ta, board
):
    """Listed without a query (by name) or found by the name and id they keep,
    an erased candidate was offered and the loop then refused."""
    _candidates(app, [("Sam Alive", None)])
    gone = _erase(app, ["Sam Gone", "Zed Gone"])
    auth.login(ta)
    recent = client.get("/candidates/search").get_json()
    assert [r["name"] for r in recent["results"]] == ["Amara Nwosu", "Sam Alive"]
    assert recent["total"] == 2 and recent["summary"] == "2 candidates."
    for query in ("erased", "erased candidate", f"#{gone[0]}", str(gone[1])):
        found = client.get("/candidates/search", query_string={"q": query}).get_json()
        assert found["results"] == [] and found["total"] == 0, query
    page = client.get(f"/requisitions/{board['requisition']}/loops/new")
    text = page.get_data(as_text=True)
    assert "Erased candidate" not in text and text.count('type="radio"') == 2
    searched = client.get(
        f"/requisitions/{board['requisition']}/loops/new", query_string={"q": "eras"}
    ).get_data(as_text=True)
    assert "Erased candidate" not in searched and 'type="radio"' not in searched


# --- the interviewer of a seat ---------------------------------------------------------


def _ineligible_pool(app, board) -> dict[str, int]:
    """One person for each reason a clinical seat of the board must refuse them."""
    ids = {}
    (ids["eligible"],) = _interviewers(app, ["Eve Eligible"])
    (ids["inactive"],) = _interviewers(app, ["Ian Inactive"], is_active=False)
    (ids["technical"],) = _interviewers(app, ["Tom Technical"], Discipline.TECHNICAL)
    (ids["manager"],) = _interviewers(app, ["Mona Manager"], role=Role.HIRING_MANAGER)
    (ids["conflicted"],) = _interviewers(app, ["Cora Conflict"])
    (ids["seated"],) = _interviewers(app, ["Sid Seated"])
    (ids["busy"],) = _interviewers(app, ["Bea Busy"])
    (ids["full"],) = _interviewers(app, ["Finn Full"], weekly_interview_limit=1)
    with app.app_context():
        db.session.add(
            Conflict(
                user_id=ids["conflicted"],
                candidate_id=board["candidate"],
                reason="referred the candidate",
            )
        )
        db.session.get(PanelSeat, board["clinical"][1]).interviewer_id = ids["seated"]
        # Another loop: Bea at 10:30 the same Monday, Finn on Thursday that week.
        other = start_loop(
            board["manager"].id,
            db.session.scalar(sa.select(Requisition.default_rubric_id)),
            [PlanSession(title="Other", competency_keys=["workflow"])],
            candidate="Lukas Becker",
        )
        first = other.sessions[0]
        first.starts_at = MONDAY_10 + timedelta(minutes=30)
        clinical_seat(other).interviewer_id = ids["busy"]
        db.session.flush()
        later = InterviewSession(
            loop=other, title="Later", starts_at=MONDAY_10 + timedelta(days=3)
        )
        db.session.add(later)
        db.session.add(
            PanelSeat(
                session=later,
                discipline=Discipline.CLINICAL,
                interviewer_id=ids["full"],
            )
        )
        db.session.commit()
    return ids


def _listed(client, board, seat: int) -> dict[str, str]:
    """A seat's options once Find is pressed without JavaScript (nothing typed)."""
    page = client.get(
        f"/loops/{board['loop']}", query_string={"seat": seat, "find": ""}
    ).get_data(as_text=True)
    return _options(page, seat)


def test_a_seat_lists_only_eligible_people(app, client, auth, ta, board):
    ids = _ineligible_pool(app, board)
    auth.login(ta)
    seat = board["clinical"][0]
    options = _listed(client, board, seat)
    assert set(options) == {"", str(ids["eligible"])}
    assert options[str(ids["eligible"])].startswith("Eve Eligible (")
    found = client.get(f"/loops/{board['loop']}/seats/{seat}/eligible").get_json()
    assert [r["id"] for r in found["results"]] == [ids["eligible"]]
    assert found["summary"] == (
        "1 eligible clinical interviewer. Choose one in the list, then Seat."
    )
    # Sid holds the other seat: his own select keeps him, and offers Eve too.
    assert set(_listed(client, board, board["clinical"][1])) == {
        "",
        str(ids["seated"]),
        str(ids["eligible"]),
    }


def test_the_calendar_rules_stop_at_the_session_and_its_week(
    app, client, auth, ta, board
):
    """Busy right before the session, or at the limit in another week: eligible; at
    the limit counting the loop's own other session that week, or agreed to no
    interviews at all: not."""
    (before,) = _interviewers(app, ["Ada Before"])
    _interviewers(app, ["Zed Zero"], weekly_interview_limit=0)
    last_week, same_loop = _interviewers(
        app, ["Lee Last Week", "Sol Same Loop"], weekly_interview_limit=1
    )
    with app.app_context():
        board_loop = db.session.get(Loop, board["loop"])
        other = start_loop(
            board["manager"].id,
            db.session.scalar(sa.select(Requisition.default_rubric_id)),
            [PlanSession(title="Other", competency_keys=["workflow"])],
            candidate="Lukas Becker",
        )
        first = other.sessions[0]
        first.starts_at = MONDAY_10 - timedelta(hours=1)  # 9:00 to 10:00
        first.duration_minutes = 60
        clinical_seat(other).interviewer_id = before
        sunday = InterviewSession(  # the week before: Sunday 23:00 to midnight
            loop=other, title="Sunday", starts_at=MONDAY_10 - timedelta(hours=11)
        )
        mine = InterviewSession(
            loop=board_loop,
            title="Friday",
            starts_at=MONDAY_10 + timedelta(days=4),
        )
        db.session.add_all([sunday, mine])
        for session, person in ((sunday, last_week), (mine, same_loop)):
            db.session.add(
                PanelSeat(
                    session=session,
                    discipline=Discipline.CLINICAL,
                    interviewer_id=person,
                )
            )
        db.session.commit()
    auth.login(ta)
    seat = board["clinical"][0]
    found = client.get(f"/loops/{board['loop']}/seats/{seat}/eligible").get_json()
    names = {r["name"] for r in found["results"]}
    assert names == {"Ada Before", "Lee Last Week"}
    response = client.submit(
        f"/loops/{board['loop']}/seats/{seat}",
        {f"seat-{seat}-interviewer_id": str(same_loop), f"seat-{seat}-current": ""},
        follow_redirects=True,
    )
    assert "Sol Same Loop already has 1 interview that week" in response.get_data(
        as_text=True
    )


def test_the_loop_page_lists_people_only_for_the_seat_being_chosen(
    app, client, auth, ta, board
):
    _interviewers(app, ["Eve Eligible", "Ed Eligible"])
    auth.login(ta)
    seat = board["clinical"][0]
    page = client.get(f"/loops/{board['loop']}").get_data(as_text=True)
    assert set(_options(page, seat)) == {""}
    assert (
        "Type a name or email, or press Find, to list eligible clinical interviewers."
        in page
    )
    assert "data-picker-lazy" in page  # picker.js lists them on focus


@pytest.mark.parametrize(
    "who, message",
    [
        ("inactive", "Ian Inactive is not an active interviewer."),
        ("technical", "for a clinical interviewer"),
        ("manager", "Mona Manager is not an active interviewer."),
        ("conflicted", "cannot sit on this panel: referred the candidate."),
        ("seated", "Sid Seated already sits on this session."),
        ("busy", "Bea Busy is already interviewing then"),
        ("full", "Finn Full already has 1 interview that week, their limit is 1."),
    ],
)
def test_an_ineligible_choice_posted_by_hand_is_refused(
    app, client, auth, ta, board, who, message
):
    ids = _ineligible_pool(app, board)
    auth.login(ta)
    seat = board["clinical"][0]
    response = client.submit(
        f"/loops/{board['loop']}/seats/{seat}",
        {f"seat-{seat}-interviewer_id": str(ids[who]), f"seat-{seat}-current": ""},
        follow_redirects=True,
    )
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(PanelSeat, seat).interviewer_id is None


def test_a_seat_shows_twenty_keeps_its_holder_and_searches_without_javascript(
    app, client, auth, ta, board
):
    names = [f"Nurse {i:02}" for i in range(30)] + ["Zoë Ångström"]
    ids = _interviewers(app, names)
    seat = board["clinical"][0]
    with app.app_context():
        db.session.get(PanelSeat, seat).interviewer_id = ids[-1]
        db.session.commit()
    auth.login(ta)
    page = client.get(f"/loops/{board['loop']}").get_data(as_text=True)
    assert _options(page, seat) == {"": "Nobody yet", str(ids[-1]): "Zoë Ångström"}
    listed = client.get(
        f"/loops/{board['loop']}", query_string={"seat": seat, "find": ""}
    ).get_data(as_text=True)
    options = _options(listed, seat)
    assert len(options) == 22  # nobody, the holder, 20 of the 30 eligible
    assert options[str(ids[-1])] == "Zoë Ångström"
    assert (
        "Showing 20 of 30 eligible clinical interviewers; type a name or email to "
        "narrow." in listed
    )

    searched = client.get(
        f"/loops/{board['loop']}", query_string={"seat": seat, "find": "nurse 2"}
    ).get_data(as_text=True)
    options = _options(searched, seat)
    assert [label.split(" (")[0] for label in list(options.values())[2:]] == [
        "Nurse 02",
        "Nurse 12",
        "Nurse 20",
        "Nurse 21",
        "Nurse 22",
        "Nurse 23",
        "Nurse 24",
        "Nurse 25",
        "Nurse 26",
        "Nurse 27",
        "Nurse 28",
        "Nurse 29",
    ]
    assert 'value="nurse 2"' in searched
    # The other clinical seat lists nobody until it is searched in turn.
    assert len(_options(searched, board["clinical"][1])) == 1

    found = client.get(
        f"/loops/{board['loop']}/seats/{seat}/eligible", query_string={"q": "NURSE"}
    ).get_json()
    assert len(found["results"]) == 20 and found["total"] == 30 and found["more"]
    assert found["summary"] == (
        "Showing 20 of 30 matches; type more to narrow. "
        "Choose one in the list, then Seat."
    )

    # A person the list did not show (beyond the first 20) can still be seated.
    response = client.submit(
        f"/loops/{board['loop']}/seats/{seat}",
        {
            f"seat-{seat}-interviewer_id": str(ids[29]),
            f"seat-{seat}-current": str(ids[-1]),
        },
        follow_redirects=True,
    )
    assert "clinical seat now Nurse 29" in response.get_data(as_text=True)


# --- the interviewer of a conflict of interest ---------------------------------------


def _conflict_options(page: str) -> dict[str, str]:
    select = re.search(
        r'<select[^>]*name="interviewer_id"[^>]*>(.*?)</select>', page, re.DOTALL
    ).group(1)
    return dict(
        re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select)
    )


def test_the_conflict_form_lists_twenty_interviewers_and_finds_the_rest(
    app, client, auth, ta, board
):
    ids = _interviewers(app, [f"Nurse {i:02}" for i in range(30)] + ["Zoë Ångström"])
    auth.login(ta)
    edit = f"/candidates/{board['candidate']}/edit"
    page = client.get(edit).get_data(as_text=True)
    options = _conflict_options(page)
    assert len(options) == 21  # the prompt and 20 people
    assert options[""] == "Choose an interviewer"
    assert "Showing 20 of 31 interviewers; type a name or email to narrow." in page
    assert "data-picker" in page and "picker.js" in page

    searched = client.get(edit, query_string={"find": "zoe angstrom"})
    options = _conflict_options(searched.get_data(as_text=True))
    assert [label.split(" (")[0] for label in options.values()] == [
        "Choose an interviewer",
        "Zoë Ångström",
    ]
    found = client.get("/interviewers/search", query_string={"q": "NURSE 2"})
    assert [r["name"] for r in found.get_json()["results"]][:2] == [
        "Nurse 02",
        "Nurse 12",
    ]
    assert found.get_json()["summary"] == "12 interviewers match “NURSE 2”."

    # Someone the list did not show (beyond the first 20) can be recorded.
    response = client.submit(
        f"/candidates/{board['candidate']}/conflicts",
        {"interviewer_id": str(ids[29]), "reason": "former colleague"},
        follow_redirects=True,
    )
    assert "Nurse 29: former colleague" in response.get_data(as_text=True)


@pytest.mark.parametrize("posted", ["manager", "999999", "x1", "12345678901"])
def test_a_conflict_with_someone_not_an_interviewer_is_refused_clearly(
    app, client, auth, ta, board, posted
):
    auth.login(ta)
    value = str(board["manager"].id) if posted == "manager" else posted
    response = client.submit(
        f"/candidates/{board['candidate']}/conflicts",
        {"interviewer_id": value, "reason": "referred the candidate"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "That is not an interviewer&#39;s account; find them by name" in page
    assert 'value="referred the candidate"' in page  # the reason typed is kept
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Conflict.id))) == 0


# --- time zones in the forms -----------------------------------------------------------


def test_the_account_form_offers_canonical_zones_common_first(client, auth, ta):
    auth.login(ta)
    page = client.get("/accounts/new").get_data(as_text=True)
    select = re.search(
        r'<select[^>]*name="time_zone".*?</select>', page, re.DOTALL
    ).group(0)
    assert "data-zone-filter" in select
    assert select.index('label="Common"') < select.index('label="Africa"')
    assert 'value="Asia/Kolkata"' in select and 'value="Asia/Calcutta"' not in select
    for alias in ("US/Eastern", "EST5EDT", "GB", "Etc/GMT+5"):
        assert f'value="{alias}"' not in select
    assert select.count('value="Europe/London"') == 1
    assert "picker.js" in page


def test_a_saved_legacy_zone_is_shown_and_kept(app, client, auth, ta, make_user):
    person = make_user(Role.INTERVIEWER, name="Lee Legacy")
    with app.app_context():
        user = db.session.get(User, person.id)
        user.time_zone = "US/Eastern"
        db.session.commit()
        version = user.version
    auth.login(ta)
    page = client.get(f"/accounts/{person.id}/edit").get_data(as_text=True)
    assert re.search(
        r'<option selected value="US/Eastern">|value="US/Eastern" selected', page
    )
    assert "older name for America/New_York" in page
    saved = client.submit(
        f"/accounts/{person.id}/edit",
        {
            "name": "Lee Legacy",
            "email": person.email,
            "role": "interviewer",
            "discipline": "clinical",
            "time_zone": "US/Eastern",
            "weekly_interview_limit": "4",
            "version": str(version),
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, person.id).time_zone == "US/Eastern"


def test_a_session_zone_picker_keeps_a_legacy_zone(app, client, auth, ta, board):
    with app.app_context():
        db.session.get(InterviewSession, board["session"]).time_zone = "Asia/Calcutta"
        db.session.commit()
    auth.login(ta)
    page = client.get(f"/loops/{board['loop']}?edit={board['session']}")
    page = page.get_data(as_text=True)
    prefix = f"session-{board['session']}-"
    select = re.search(
        rf'<select[^>]*name="{prefix}time_zone".*?</select>', page, re.DOTALL
    ).group(0)
    assert 'label="Saved"' in select and "older name for Asia/Kolkata" in select
    assert select.count("<option") == len(timezones.canonical_zones()) + 1
    response = client.submit(
        f"/loops/{board['loop']}/sessions/{board['session']}/schedule",
        {
            prefix + "starts_local": "2026-03-02T15:30",
            prefix + "time_zone": "Asia/Calcutta",
            prefix + "duration_minutes": "60",
            prefix + "fold": "",
            prefix + "location": "",
            prefix + "video_url": "",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        session = db.session.get(InterviewSession, board["session"])
        assert session.time_zone == "Asia/Calcutta"
        assert session.starts_at == datetime(2026, 3, 2, 10, tzinfo=UTC)


# --- query counts ------------------------------------------------------------------------


def _statements(app, client, url: str) -> int:
    with counting_queries(app) as log:
        assert client.get(url).status_code == 200
    return len(log)


def test_the_pickers_cost_the_same_queries_with_3_or_300_people(
    app, client, auth, ta, board
):
    auth.login(ta)
    new_loop = f"/requisitions/{board['requisition']}/loops/new"
    loop_page = f"/loops/{board['loop']}"
    urls = [
        new_loop,
        new_loop + "?q=sam",
        loop_page,
        f"{loop_page}?seat={board['clinical'][0]}&find=nurse",
        f"{loop_page}/seats/{board['clinical'][0]}/eligible?q=nurse",
        "/candidates/search?q=sam",
        f"/candidates/{board['candidate']}/edit",
        f"/candidates/{board['candidate']}/edit?find=nurse",
        "/interviewers/search?q=nurse",
    ]
    _candidates(app, [(f"Sam {i}", None) for i in range(3)])
    _interviewers(app, [f"Nurse {i}" for i in range(3)])
    _interviewers(app, [f"Tech {i}" for i in range(3)], Discipline.TECHNICAL)
    few = [_statements(app, client, url) for url in urls]
    _candidates(app, [(f"Sam {i}", None) for i in range(3, 300)])
    nurses = _interviewers(app, [f"Nurse {i}" for i in range(3, 300)])
    _interviewers(app, [f"Tech {i}" for i in range(3, 300)], Discipline.TECHNICAL)
    with app.app_context():  # and more loops, some of them with seated people
        rubric_id = db.session.scalar(sa.select(Requisition.default_rubric_id))
        for i in range(20):
            other = start_loop(
                board["manager"].id,
                rubric_id,
                [PlanSession(title="Other", competency_keys=["workflow"])],
                candidate=f"Other {i}",
            )
            other.sessions[0].starts_at = MONDAY_10 + timedelta(hours=i)
            clinical_seat(other).interviewer_id = nurses[i]
        db.session.commit()
    many = [_statements(app, client, url) for url in urls]
    assert many == few


def test_a_refused_search_answers_the_picker_in_json(client, auth, ta):
    """A control character in a type-ahead search gets the reason as JSON, which the
    picker shows, instead of an HTML page it cannot read."""
    auth.login(ta)
    response = client.get(
        "/candidates/search?q=zoe%00", headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert "U+0000" in response.get_json()["message"]
    page = client.get("/candidates/?q=zoe%00")
    assert page.status_code == 400 and "U+0000" in page.get_data(as_text=True)


def test_a_long_query_is_quoted_cut_and_marked_as_cut(client, auth, ta):
    """A summary quotes at most 60 characters of the query, ending in "…" when it
    cut some, so it never reads as the whole query."""
    auth.login(ta)
    long = "zqx" * 40
    summary = client.get("/candidates/search", query_string={"q": long}).json["summary"]
    assert summary == f"No candidate matches “{long[:59]}…”."
    short = client.get("/candidates/search", query_string={"q": "zqxzqx"}).json
    assert short["summary"] == "No candidate matches “zqxzqx”."


def test_a_second_open_loop_for_the_same_candidate_is_started_only_when_asked_twice(
    app, client, auth, ta, board
):
    """The board already holds an open loop for Amara on this requisition: choosing
    her again names that loop and starts nothing; the confirming button starts a
    second one. A withdrawn loop does not count."""
    url = f"/requisitions/{board['requisition']}/loops/new"
    amara = str(board["candidate"])
    auth.login(ta)

    def loops() -> int:
        with app.app_context():
            return db.session.scalar(
                sa.select(sa.func.count(Loop.id)).where(
                    Loop.candidate_id == board["candidate"]
                )
            )

    first = client.submit(url, {"q": "amara", "candidate_id": amara})
    assert first.status_code == 303  # to the question, a page of its own
    page = client.get(first.location).get_data(as_text=True)
    assert "Amara Nwosu already has an open loop for this requisition" in page
    assert f'href="/loops/{board["loop"]}">Loop {board["loop"]}</a>: Planned' in page
    assert f'value="{amara}" id="candidate-{amara}" checked' in page  # still chosen
    assert loops() == 1
    confirmed = str(board["loop"])  # the open loops the confirmation was shown
    again = client.submit(
        url, {"q": "amara", "candidate_id": amara, "again": "y", "confirmed": confirmed}
    )
    assert again.status_code == 302
    assert loops() == 2
    with app.app_context():
        for loop in db.session.scalars(sa.select(Loop)):
            loop.status = LoopStatus.WITHDRAWN
        db.session.commit()
    third = client.submit(url, {"q": "amara", "candidate_id": amara})
    assert third.status_code == 302
    assert loops() == 3


def test_candidates_by_name_walk_the_name_index(app_ctx, databases):
    """Without a query the picker lists by name from ix_candidates_order (the
    Candidates list's index): 20 rows read in order, never a sort of them all."""
    sent: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, params, _context, _many):
        if "ORDER BY" in statement and "LIMIT" in statement:
            sent.append((statement, params))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        find_candidates("")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    (statement, params), *_ = sent
    if databases.name == "sqlite":
        connection = db.session.connection()
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
        plan = " | ".join(row[-1] for row in rows)
    else:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SET enable_seqscan = off")
            connection.exec_driver_sql("SET enable_sort = off")
            rows = connection.exec_driver_sql(f"EXPLAIN {statement}", params)
            plan = " | ".join(row[0] for row in rows)
            connection.rollback()
    assert "ix_candidates_order" in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
