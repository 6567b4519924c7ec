"""The Loops and Requisitions lists and Accounts keep ordinary words whole
(issue 14): their names and titles wrapped anywhere, so a table short of room split
"Anna-Lena Müller-Lüdenscheidt" mid-word on a tablet, as the Candidates list did
before its cells were marked as holding ordinary words (interview/cells.py). A
200-character word still wraps inside its cell, within the table's region.

Before the change the Loops list and Accounts split words at 768 px and all three at
480 px; the Requisitions list had room at 768 px, and every list at 1280 px (those
cases guard against a change that squeezes them)."""

import uuid

import pytest
from playwright.sync_api import Page, expect

from interview.extensions import db
from interview.models import Candidate, Loop, Requisition, Role, User

from .test_accessibility import sign_in
from .test_list_cells import MEASURE, WORD, WORDS_SPLIT

ANNA = "Anna-Lena Müller-Lüdenscheidt"
MANAGER = "Maximiliana Konstantinopoulou-Vanderbilt"
TITLE = "Principal Clinical Informatics Specialist, Interoperability and Analytics"
WIDE = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
def loops(live_app, make_account, demo_loop):
    """Two loops on two requisitions, found alone by a tag: Anna's on a long title of
    ordinary words, and one whose candidate, title and manager are long words."""
    from interview.loops.operations import create_loop

    tag = uuid.uuid4().hex[:8]
    ta = make_account(Role.TALENT_ACQUISITION)
    other = make_account(Role.HIRING_MANAGER, name=f"{WORD[:180]} {tag}")
    with live_app.app_context():
        loop = db.session.get(Loop, demo_loop["loop"])
        loop.candidate.name = f"{ANNA} {tag}"
        loop.requisition.title = f"{TITLE} {tag}"
        db.session.get(User, demo_loop["manager"].id).name = f"{MANAGER} {tag}"
        requisition = Requisition(
            title=WORD[:200],
            discipline=loop.requisition.discipline,
            hiring_manager_id=other.id,
            default_rubric_id=loop.requisition.default_rubric_id,
            plan=list(loop.requisition.plan),
        )
        person = Candidate(name=f"{WORD[:190]} {tag}", email="w@candidate.example")
        db.session.add_all([requisition, person])
        create_loop(None, requisition, person)
        db.session.commit()
        db.session.remove()
    return tag, ta


def assert_words_whole(page: Page, text: str, width: int) -> None:
    """The row holding ``text`` splits no word over lines."""
    split = page.evaluate(WORDS_SPLIT, text)
    assert split == [], f"{split} split over lines at {width} px"


def assert_long_word_inside(page: Page, width: int) -> None:
    """The row holding the long word keeps it inside its cell, and the page does not
    scroll sideways; on a laptop and a tablet the table fits its region too (on a
    phone a table of whole words may scroll inside its region, as style.css says)."""
    row = page.evaluate(MEASURE, WORD[:100])
    assert row["spill"] <= 0.5, f"a long word spills {row['spill']}px at {width} px"
    if width >= 768:
        overflow = row["overflow"]
        assert overflow <= 0, f"the table is {overflow}px past its region at {width}"
    assert page.evaluate(WIDE) <= 0, f"the page scrolls sideways at {width} px"


@pytest.mark.parametrize("width", [1280, 768, 480])
def test_the_loops_list_keeps_words_whole(page: Page, loops, width):
    tag, ta = loops
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, ta)
    page.goto(f"/loops?q={tag}")
    expect(page.get_by_role("link", name=f"{ANNA} {tag}", exact=True)).to_be_visible()
    assert_words_whole(page, ANNA, width)
    assert_long_word_inside(page, width)


@pytest.mark.parametrize("width", [1280, 768, 480])
def test_the_requisitions_list_keeps_words_whole(page: Page, loops, width):
    tag, ta = loops
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, ta)
    page.goto("/requisitions?q=interoperability")
    expect(page.get_by_role("link", name=f"{TITLE} {tag}", exact=True)).to_be_visible()
    assert_words_whole(page, TITLE, width)
    assert_long_word_inside(page, width)


@pytest.mark.parametrize("width", [1280, 768, 480])
def test_account_names_keep_words_whole(page: Page, live_app, make_account, width):
    """Names of ordinary words are never split; a 190-character one wraps inside."""
    tag = uuid.uuid4().hex[:8]
    ta = make_account(Role.TALENT_ACQUISITION)
    for name in (f"{ANNA} {tag}", f"{MANAGER} {tag}", f"{WORD[:190]} {tag}"):
        make_account(Role.INTERVIEWER, name=name)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, ta)
    page.goto(f"/accounts/?q={tag}")
    expect(page.get_by_role("rowheader", name=f"{ANNA} {tag}")).to_be_visible()
    assert_words_whole(page, ANNA, width)
    assert_words_whole(page, MANAGER, width)
    assert_long_word_inside(page, width)


def test_names_stay_escaped(page: Page, loops, make_account):
    """Marking cells keeps a name's markup as text."""
    tag, ta = loops
    make_account(Role.INTERVIEWER, name=f"Ada <Lovelace> & Co {tag}")
    sign_in(page, ta)
    page.goto(f"/accounts/?q={tag}")
    expect(
        page.get_by_role("rowheader", name=f"Ada <Lovelace> & Co {tag}")
    ).to_be_visible()
