"""Lists are paginated, filtered, searched and counted in the database."""

import html
import re
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interview.extensions import db
from interview.models import Candidate, Discipline, Loop, LoopStatus, Role
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate
from interview.search import fold
from interview.timeutil import utcnow

from .builders import populate
from .rubric_samples import dump, rubric


@pytest.fixture
def world(app, make_user):
    """Two managers' requisitions, 30 + 3 loops; Clara (clinical) and Tom (technical)
    sit on the first 30, Ann and Ted on the other 3."""
    people = {
        "ta": make_user(Role.TALENT_ACQUISITION),
        "manager": make_user(Role.HIRING_MANAGER, name="Mona Manager"),
        "other_manager": make_user(Role.HIRING_MANAGER, name="Otto Other"),
        "clara": make_user(Role.INTERVIEWER, name="Clara Jensen"),
        "tom": make_user(
            Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="Tom Okafor"
        ),
        "ann": make_user(Role.INTERVIEWER, name="Ann Lee"),
        "ted": make_user(
            Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="Ted Ito"
        ),
    }
    with app.app_context():
        rubric_id = save_rubric(None, validate(dump(rubric())).rubric).version.rubric_id
        pair = (people["clara"].id, people["tom"].id)
        people["loops"] = populate(people["manager"].id, rubric_id, pair, 30)
        people["other_loops"] = populate(
            people["other_manager"].id,
            rubric_id,
            (people["ann"].id, people["ted"].id),
            3,
            start=30,
        )
    return people


def names(page: str) -> list[str]:
    """The row headers of the page's table, in order."""
    return re.findall(r'<th scope="row"[^>]*>(?:<a [^>]*>)?([^<]+)<', page)


def get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_candidates_are_paginated_in_name_order(client, auth, world):
    auth.login(world["ta"])
    first = get(client, "/candidates/")
    assert "Showing 1–25 of 33 candidates" in first
    second = get(client, "/candidates/?page=2")
    assert "Showing 26–33 of 33 candidates" in second
    shown = [html.unescape(n) for n in names(first) + names(second)]
    assert len(shown) == len(set(shown)) == 33
    # Alphabetical, accents and case aside: Łukasz among the Ls, Zoë last.
    assert shown == sorted(shown, key=fold)
    assert shown.index("Łukasz Wójcik 3") < shown.index("Siobhán O'Brien 2")
    assert 'rel="next"' in first and 'aria-current="page"' in second


# The read-only checks of a list run as subtests of one test: the world of 33 loops
# they read takes seconds to build, once instead of once for each case.
OUT_OF_RANGE = [
    ("page=999999", "Showing 26–33 of 33"),
    ("page=99999999999999999999999", "Showing 26–33 of 33"),
    ("page=0", "Showing 1–25 of 33"),
    ("page=-3", "Showing 1–25 of 33"),
    ("page=two", "Showing 1–25 of 33"),
    ("size=100000", "Showing 1–33 of 33"),
    ("size=30", "Showing 1–25 of 33"),
    ("size=-1&page=2", "Showing 26–33 of 33"),
    ("sort=name;drop table", "Showing 1–25 of 33"),
    ("sort=newest", "Showing 1–25 of 33"),
]


def test_out_of_range_paging_gets_the_nearest_valid_page(client, auth, world, subtests):
    auth.login(world["ta"])
    for args, summary in OUT_OF_RANGE:
        with subtests.test(args=args):
            assert summary in get(client, f"/candidates/?{args}")


def test_newest_first_order(client, auth, world):
    auth.login(world["ta"])
    shown = names(get(client, "/candidates/?sort=newest&size=50"))
    assert shown[0].endswith(" 32") and shown[-1].endswith(" 0")


CANDIDATE_SEARCHES = [
    ("zoe", 7),  # Zoë Ångström 0, 5, 10, ... 30
    ("ZOË ANGSTRÖM", 7),
    ("angstrom zoe", 7),  # every word, in any order
    ("lukasz wojcik", 6),
    ("nunez 11", 1),
    ("person17@", 1),  # email
    ("candidate.example", 33),
    ("o'brien", 7),
    ("%", 0),  # wildcards are literal
    ("_", 0),
    ("zoe%", 0),
]


def test_candidate_search_ignores_case_and_accents(client, auth, world, subtests):
    auth.login(world["ta"])
    for query, found in CANDIDATE_SEARCHES:
        with subtests.test(query=query):
            page = get(client, "/candidates/?" + _q(query))
            if found == 1:
                assert "Showing 1 candidate<" in page
            elif found:
                assert f"of {found} candidates" in page
            else:
                assert "No candidates match." in page


def _q(text: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"q": text})


ODD_SEARCHES = [
    "x" * 100_000,
    "zoe " * 5000,
    "😀𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u202e 中文 العربية",
    "\\",
    "a\\%b",
]


def test_any_search_text_is_safe(client, auth, world, subtests):
    auth.login(world["ta"])
    for query in ODD_SEARCHES:
        with subtests.test(query=query[:20]):
            page = get(client, "/candidates/?" + _q(query))
            assert "candidates" in page


def test_search_text_with_a_nul_byte_is_safe(client, auth, world):
    auth.login(world["ta"])
    response = client.get("/candidates/?q=zo%00e")
    assert response.status_code in (200, 400)


def test_candidate_rows_show_their_loops(client, auth, world):
    auth.login(world["ta"])
    page = get(client, "/candidates/?" + _q("nunez 1"))
    assert f'href="/loops/{world["loops"][1]}"' in page
    assert "(planned)" in page


def test_loops_filter_by_status_requisition_and_manager(app, client, auth, world):
    with app.app_context():
        for loop_id in world["loops"][:4]:
            db.session.get(Loop, loop_id).status = LoopStatus.DEBRIEF
        db.session.commit()
    auth.login(world["ta"])
    assert "of 33 loops" in get(client, "/loops/")
    assert "Showing 1–4 of 4 loops" in get(client, "/loops/?status=debrief")
    other = world["other_manager"].id
    page = get(client, f"/loops/?manager={other}")
    assert "of 3 loops" in page and "Otto Other" in page
    assert "of 0" not in get(client, f"/loops/?manager={other}&status=planned")
    assert "No loops match." in get(client, f"/loops/?manager={other}&status=debrief")
    with app.app_context():
        requisition_id = db.session.get(Loop, world["other_loops"][0]).requisition_id
    assert "of 3 loops" in get(client, f"/loops/?requisition={requisition_id}")
    # Nonsense filters mean no filter, never an error.
    assert "of 33 loops" in get(client, "/loops/?status=gone&manager=x&requisition=-1")
    assert "of 7 loops" in get(client, "/loops/?" + _q("ZOE"))


def test_loop_list_orders(client, auth, world):
    auth.login(world["ta"])
    assert "of 33 loops" in get(client, "/loops/?sort=candidate")  # no such order
    newest = names(get(client, "/loops/?sort=newest&size=50"))
    assert newest[0].endswith(" 32")
    oldest = names(get(client, "/loops/?sort=oldest&size=50"))
    assert oldest == list(reversed(newest))


def test_loop_rows_count_scorecards_in(client, auth, world):
    auth.login(world["ta"])
    assert "<td>1 of 2</td>" in get(client, "/loops/")


def test_interviewers_see_their_loops_and_find_them_by_name_only(client, auth, world):
    auth.login(world["ann"])
    page = get(client, "/loops/")
    assert "of 3 loops" in page
    assert "Scorecards in" not in page  # others' progress is part of the panel
    assert "Showing 1 loop<" in get(client, "/loops/?" + _q("nunez 31"))
    # The email is talent acquisition's: searching it finds nothing for others.
    assert "No loops match." in get(client, "/loops/?" + _q("person31"))
    assert 'name="manager"' not in page and 'name="requisition"' not in page


def test_hiring_manager_lists_only_their_own(client, auth, world):
    auth.login(world["other_manager"])
    assert "of 3 loops" in get(client, "/loops/")
    assert "of 3 loops" in get(client, f"/loops/?manager={world['manager'].id}")
    page = get(client, "/requisitions/")
    assert "Showing 1 requisition<" in page
    assert "Requisition 30" in page and "Requisition 0" not in page
    assert "planned 3" in page
    home = get(client, "/")
    assert "3 interview loops" in home


def test_requisition_page_counts_its_loops_and_shows_the_newest(
    client, auth, app, world
):
    with app.app_context():
        requisition_id = db.session.get(Loop, world["loops"][0]).requisition_id
    auth.login(world["ta"])
    page = get(client, f"/requisitions/{requisition_id}")
    assert "30 loops:" in page and "planned 30" in page
    assert len(re.findall(r'href="/loops/\d+"', page)) == 20
    assert "All 30 loops of this requisition" in page


def test_my_interviews_splits_upcoming_from_history(app, client, auth, world):
    now = utcnow()
    with app.app_context():
        loops = [db.session.get(Loop, i) for i in world["loops"]]
        for n, loop in enumerate(loops):
            # 0..9 ahead, 10 under way now, 11.. past (one a day further back)
            start = (
                now + timedelta(days=n + 1) if n < 10 else now - timedelta(days=n - 10)
            )
            if n == 10:
                start = now - timedelta(minutes=30)
            loop.sessions[0].starts_at = start
        db.session.commit()
    auth.login(world["clara"])
    page = get(client, "/my-interviews")
    upcoming, past = page.split('id="past-heading"')
    assert upcoming.count("interview kit and scorecard<") == 11  # under way counts
    assert "Showing 1–19 of 19 past interviews" in past
    assert past.index(" 11</a>") < past.index(" 12</a>")  # most recent first
    paged = get(client, "/my-interviews?size=25&page=9")
    assert "Showing 1–19 of 19" in paged


def test_accounts_filter_and_search(client, auth, world, make_user):
    make_user(Role.INTERVIEWER, name="Zoë Gone", is_active=False)
    auth.login(world["ta"])
    assert "of 8 accounts" in get(client, "/accounts/")
    assert "of 4 accounts" in get(client, "/accounts/?role=interviewer&state=active")
    page = get(client, "/accounts/?state=deactivated")
    assert "Showing 1 account<" in page and "Zoë Gone" in page
    assert "Showing 1 account<" in get(client, "/accounts/?" + _q("zoe"))
    assert "of 8 accounts" in get(client, "/accounts/?role=admin&state=x&sort=evil")
    assert names(get(client, "/accounts/?sort=name")) == sorted(
        names(get(client, "/accounts/?sort=name"))
    )


@pytest.mark.parametrize("who", ["clara", "manager"])
def test_candidate_list_is_talent_acquisitions(client, auth, world, who):
    auth.login(world[who])
    assert client.get("/candidates/?q=zoe").status_code == 403


def test_renamed_candidate_is_found_by_the_new_name(app, client, auth, world):
    auth.login(world["ta"])
    with app.app_context():
        person = db.session.scalars(db.select(Candidate).limit(1)).one()
        person.name = "Renée Dubois"
        db.session.commit()
    assert "Showing 1 candidate<" in get(client, "/candidates/?" + _q("renee"))


FIRST = ["Zoë", "Zoe", "José", "Jose", "Siobhán", "Łukasz", "Ana", "Anaïs", "Bjørn"]
LAST = ["Ångström", "Núñez", "O'Brien", "Wójcik", "García", "Garcia", "Müller", "Li"]


@pytest.fixture
def crowd(app, users):
    """Forty candidates whose names differ by accents and case."""
    import random

    chooser = random.Random(11)
    people = []
    with app.app_context():
        for n in range(40):
            name = f"{chooser.choice(FIRST)} {chooser.choice(LAST)}"
            email = f"{name.split()[0].lower()}.{n}@Example.org"
            people.append((name, email))
            db.session.add(Candidate(name=name, email=email))
        db.session.commit()
    return people


def _found(client, query: str) -> list[str]:
    from urllib.parse import urlencode

    page = get(client, "/candidates/?" + urlencode({"q": query, "size": 100}))
    return [html.unescape(n) for n in names(page)]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_search_finds_exactly_the_candidates_whose_folded_text_holds_every_word(
    client, auth, users, crowd, data
):
    """Whatever is typed (parts of names and emails in any case or accent, or noise),
    the list shows exactly the candidates a plain reading of the rule would."""
    from interview.search import search_key, terms

    auth.login(users["talent_acquisition"])
    part = st.sampled_from([t for name, email in crowd for t in (name, email)]).flatmap(
        lambda text: st.tuples(
            st.integers(0, len(text)), st.integers(0, len(text))
        ).map(lambda ij: text[min(ij) : max(ij)])
    )
    noise = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=4)
    pieces = data.draw(st.lists(part | noise, max_size=3))
    query = " ".join(p.upper() if data.draw(st.booleans()) else p for p in pieces)
    words = terms(query)
    expected = sorted(
        name
        for name, email in crowd
        if all(w in search_key(name, email) for w in words)
    )
    assert sorted(_found(client, query)) == expected


def test_open_requisitions_come_first(app, client, auth, world):
    """ "Open first" means open, then on hold, then closed; the manager's home page,
    which shows ten, never hides an open requisition behind closed ones."""
    from interview.models import Requisition, RequisitionStatus

    manager = world["other_manager"]
    with app.app_context():
        for n in range(12):
            db.session.add(
                Requisition(
                    title=f"Old {n:02}",
                    discipline=Discipline.CLINICAL,
                    hiring_manager_id=manager.id,
                    status=RequisitionStatus.CLOSED,
                )
            )
        db.session.add(
            Requisition(
                title="Paused",
                discipline=Discipline.CLINICAL,
                hiring_manager_id=manager.id,
                status=RequisitionStatus.ON_HOLD,
            )
        )
        db.session.commit()
    auth.login(manager)
    listed = names(get(client, "/requisitions/"))
    assert listed[:2] == ["Requisition 30", "Paused"] and listed[2] == "Old 00"
    home = get(client, "/")
    assert "Requisition 30" in home and "Paused" in home and "Old 11" not in home


@pytest.mark.parametrize("sort", ["title", "status"])
def test_requisitions_are_ordered_as_people_read_titles(app, client, auth, world, sort):
    """Case and accents aside, on both databases: "Échographie" with the Es, a
    lower-case title among the others (a byte order put them after Z)."""
    from interview.models import Requisition

    manager = world["other_manager"]
    titles = ["zebra rota lead", "Échographie lead", "Apple integration", "Dermatology"]
    with app.app_context():
        for title in titles:
            db.session.add(
                Requisition(
                    title=title,
                    discipline=Discipline.CLINICAL,
                    hiring_manager_id=manager.id,
                )
            )
        db.session.commit()
    auth.login(manager)
    listed = [
        t for t in names(get(client, f"/requisitions/?sort={sort}")) if t in titles
    ]
    assert listed == [
        "Apple integration",
        "Dermatology",
        "Échographie lead",
        "zebra rota lead",
    ]


@pytest.mark.parametrize("url", ["/candidates/", "/loops/"])
def test_page_links_ignore_arguments_that_are_not_the_lists(
    client, auth, world, url, subtests
):
    auth.login(world["ta"])
    for extra in [
        "endpoint=x",
        "_method=POST",
        "_anchor=evil",
        "_external=1",
        "_scheme=javascript",
    ]:
        with subtests.test(extra=extra):
            page = get(client, f"{url}?size=25&{extra}")
            links = re.findall(r'href="([^"]*page=2[^"]*)"', page)
            assert links and all(extra.split("=")[0] not in link for link in links)
            assert all(link.startswith("/") for link in links)


def test_after_a_search_focus_goes_to_the_result_count(client, auth, world):
    """Without JavaScript a search reloads the page: the count of what was found
    takes the focus, so that a screen reader says it; a bare list keeps focus alone."""
    auth.login(world["ta"])
    searched = get(client, "/candidates/?q=zoe")
    assert re.search(
        r'<p class="list-summary" role="status" tabindex="-1" autofocus>', searched
    )
    assert "autofocus" not in get(client, "/candidates/")


# --- requisitions found by text ---------------------------------------------------


@pytest.fixture
def titled(app, world):
    """Three more requisitions: accented titles, both disciplines, both managers."""
    from interview.models import Requisition

    mona, otto = world["manager"].id, world["other_manager"].id
    with app.app_context():
        for title, discipline, manager in [
            ("Infirmière de nuit", Discipline.CLINICAL, mona),
            ("Développeur FHIR", Discipline.TECHNICAL, otto),
            ("Nurse Informaticist", Discipline.CLINICAL, otto),
        ]:
            db.session.add(
                Requisition(
                    title=title, discipline=discipline, hiring_manager_id=manager
                )
            )
        db.session.commit()
    return world


REQUISITION_SEARCHES = [
    ("INFIRMIERE", ["Infirmière de nuit"]),
    ("infirmière NUIT", ["Infirmière de nuit"]),
    ("developpeur", ["Développeur FHIR"]),
    ("technical", ["Développeur FHIR"]),  # the discipline
    ("otto", ["Développeur FHIR", "Nurse Informaticist", "Requisition 30"]),
    ("other nurse", ["Nurse Informaticist"]),  # manager and title together
    ("mona clinical", ["Infirmière de nuit", "Requisition 0"]),
    ("%", []),  # wildcards are literal
    ("_", []),
    ("manager@", []),  # a manager's email is not searched, only the name
]


def test_requisitions_are_found_by_title_discipline_or_manager(
    client, auth, titled, subtests
):
    auth.login(titled["ta"])
    for query, found in REQUISITION_SEARCHES:
        with subtests.test(query=query):
            page = get(client, "/requisitions/?" + _q(query) + "&sort=title")
            assert [html.unescape(n) for n in names(page)] == found
            if not found:
                assert "No requisitions match." in page
            typed = re.search(
                r'<input id="q" name="q" type="search" value="([^"]*)"', page
            )
            assert html.unescape(typed.group(1)) == query


def test_a_requisition_search_pages_and_filters_in_the_database(
    app, client, auth, titled
):
    from interview.models import Requisition, RequisitionStatus

    with app.app_context():
        for n in range(30):
            db.session.add(
                Requisition(
                    title=f"Ward clerk {n:02}",
                    discipline=Discipline.CLINICAL,
                    hiring_manager_id=titled["manager"].id,
                    status=RequisitionStatus.CLOSED if n < 4 else "open",
                )
            )
        db.session.commit()
    auth.login(titled["ta"])
    first = get(client, "/requisitions/?" + _q("WARD clerk") + "&sort=title")
    assert "Showing 1–25 of 30 requisitions" in first
    assert names(first)[0] == "Ward clerk 00"
    # The page links keep the search.
    assert 'href="/requisitions/?q=WARD+clerk&amp;sort=title&amp;page=2"' in first
    second = get(client, "/requisitions/?" + _q("WARD clerk") + "&sort=title&page=2")
    assert "Showing 26–30 of 30 requisitions" in second
    assert names(second) == [f"Ward clerk {n}" for n in range(25, 30)]
    closed = get(client, "/requisitions/?" + _q("clerk") + "&status=closed")
    assert "Showing 1–4 of 4 requisitions" in closed


def test_a_hiring_manager_searches_only_their_own_requisitions(client, auth, titled):
    auth.login(titled["other_manager"])
    page = get(client, "/requisitions/")
    assert "Title or discipline" in page and "hiring manager</label>" not in page
    assert names(get(client, "/requisitions/?" + _q("nurse"))) == [
        "Nurse Informaticist"
    ]
    assert "No requisitions match." in get(client, "/requisitions/?" + _q("infirm"))
    # Their own name is not a search of theirs: every one of theirs would match.
    assert "No requisitions match." in get(client, "/requisitions/?" + _q("otto"))


def test_renamed_requisitions_and_managers_are_found_by_their_new_names(
    app, client, auth, titled
):
    from interview.models import Requisition, User

    with app.app_context():
        requisition = db.session.scalar(
            db.select(Requisition).where(Requisition.title == "Requisition 0")
        )
        requisition.title = "Pharmacien clinique"
        db.session.get(User, titled["other_manager"].id).name = "Zuzana Novák"
        db.session.commit()
        assert requisition.search_key == "pharmacien clinique\tclinical"
    auth.login(titled["ta"])
    assert names(get(client, "/requisitions/?" + _q("PHARMACIEN"))) == [
        "Pharmacien clinique"
    ]
    assert names(get(client, "/requisitions/?q=requisition+0")) == ["Requisition 30"]
    assert len(names(get(client, "/requisitions/?" + _q("novak")))) == 3
    assert "No requisitions match." in get(client, "/requisitions/?q=otto")
