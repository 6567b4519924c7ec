"""The calibration index lists requisitions a page at a time, found by title,
discipline or hiring manager (issue 11): it listed the first 200 by title, and a
hospital's others could not be reached at all."""

import re
from html import unescape

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.models import Discipline, Requisition, Role

PAGE = 25


@pytest.fixture
def reqs(app, make_user):
    """30 requisitions of one manager, 2 of another whose name is searchable."""
    ta = make_user(Role.TALENT_ACQUISITION)
    mine = make_user(Role.HIRING_MANAGER, name="Hana Mori")
    other = make_user(Role.HIRING_MANAGER, name="Zelda Quist")
    with app.app_context():
        db.session.add_all(
            [
                Requisition(
                    title=f"Nurse informaticist {n:02d}",
                    discipline=Discipline.CLINICAL,
                    hiring_manager_id=mine.id,
                )
                for n in range(30)
            ]
            + [
                Requisition(
                    title=title,
                    discipline=Discipline.TECHNICAL,
                    hiring_manager_id=other.id,
                )
                for title in ("Interface engineer", "Ångström <b>data</b> lead")
            ]
        )
        db.session.commit()
    return {"ta": ta, "mine": mine, "other": other}


def _listed(page: str) -> list[str]:
    """The requisition titles the page links to, in order."""
    found = re.findall(r'href="/calibration/requisitions/\d+">([^<]*)</a>', page)
    return [unescape(title) for title in found]


def _summary(page: str) -> str:
    found = re.search(r'class="list-summary"[^>]*>(.*?)</p>', page, re.DOTALL)
    return " ".join(unescape(found.group(1)).split()) if found else ""


def test_requisitions_come_a_page_at_a_time(client, auth, reqs):
    auth.login(reqs["ta"])
    first = client.get("/calibration/").get_data(as_text=True)
    assert len(_listed(first)) == PAGE
    assert _summary(first) == "Showing 1–25 of 32 requisitions"
    assert 'aria-label="Pages of requisitions"' in first
    second = client.get("/calibration/?page=2").get_data(as_text=True)
    assert _summary(second) == "Showing 26–32 of 32 requisitions"
    together = _listed(first) + _listed(second)
    assert len(set(together)) == 32  # every one reachable, none twice
    assert together == sorted(together, key=lambda t: t.casefold().replace("å", "a"))


def test_a_search_finds_by_title_discipline_or_manager(client, auth, reqs):
    auth.login(reqs["ta"])

    def found(q: str) -> list[str]:
        return _listed(client.get(f"/calibration/?q={q}").get_data(as_text=True))

    assert found("informaticist 07") == ["Nurse informaticist 07"]
    assert found("angstrom") == ["Ångström <b>data</b> lead"]  # accents aside
    assert sorted(found("quist")) == ["Interface engineer", "Ångström <b>data</b> lead"]
    assert len(found("technical")) == 2
    page = client.get("/calibration/?q=nobody+at+all").get_data(as_text=True)
    assert _summary(page) == "No requisitions match."


def test_typed_titles_are_escaped(client, auth, reqs):
    auth.login(reqs["ta"])
    page = client.get("/calibration/?q=data").get_data(as_text=True)
    assert "&lt;b&gt;data&lt;/b&gt;" in page
    assert "<b>data</b>" not in page


def test_a_manager_finds_only_their_own(client, auth, reqs):
    auth.login(reqs["mine"])
    page = client.get("/calibration/?size=100").get_data(as_text=True)
    assert len(_listed(page)) == 30
    assert "Interface engineer" not in page
    # Another manager's name finds nothing of theirs: a manager searches titles.
    quist = client.get("/calibration/?q=quist").get_data(as_text=True)
    assert _listed(quist) == []
    assert "Zelda Quist" not in quist


@pytest.mark.parametrize(
    "query",
    [
        "?page=abc",
        "?page=99999999999",
        "?page=-3",
        "?size=100000",
        "?sort=drop+table",
        "?q=" + "x" * 5000,
        "?q=%25%25_%5C",
    ],
)
def test_bad_paging_and_search_input_gets_a_page(client, auth, reqs, query):
    auth.login(reqs["ta"])
    answer = client.get(f"/calibration/{query}")
    assert answer.status_code == 200
    assert "list-summary" in answer.get_data(as_text=True)


def test_interviewers_still_may_not_see_it(client, auth, make_user, reqs):
    auth.login(make_user(Role.INTERVIEWER))
    assert client.get("/calibration/?q=nurse").status_code == 403


def test_the_requisition_page_links_to_its_calibration(client, auth, reqs, app):
    with app.app_context():
        own = db.session.scalar(
            sa.select(Requisition.id).where(
                Requisition.hiring_manager_id == reqs["mine"].id
            )
        )
    for person in (reqs["ta"], reqs["mine"]):
        auth.login(person)
        page = client.get(f"/requisitions/{own}").get_data(as_text=True)
        link = f'href="/calibration/requisitions/{own}"'
        assert link in page
        assert client.get(f"/calibration/requisitions/{own}").status_code == 200
        auth.logout()
