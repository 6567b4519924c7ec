"""The Candidates list's cells (issue 14): an ordinary email address stays on one
line on a laptop and a tablet, and a 200-character value with no space wraps inside
its cell instead of widening the table past its region.

Wrapping anywhere in every typed cell (commit 6c9a107) let the table squeeze the
email column to 8rem, breaking amara.okafor@northwind-health.example mid-word."""

import uuid

import pytest
from playwright.sync_api import Page, expect

from interview.extensions import db
from interview.loops.operations import save_candidate
from interview.models import Role, User

from .test_accessibility import sign_in

EMAIL = "amara.okafor@northwind-health.example"
WORD = "Interoperability" * 12 + "Informatic"  # 202 characters, no space

# For the row holding ``text``: the lines its email cell's text takes, and how far
# each cell's text reaches past its cell; for the table, how far it reaches past its
# scrollable region.
MEASURE = """(text) => {
  const row = [...document.querySelectorAll('tbody tr')].find(
    tr => tr.textContent.includes(text));
  const rects = cell => {
    const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    const out = [];
    for (let node; (node = walk.nextNode()); ) {
      if (node.parentElement.closest('.visually-hidden')) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      out.push(...[...range.getClientRects()].filter(r => r.width > 0));
    }
    return out;
  };
  const lines = cell => new Set(rects(cell).map(r => Math.round(r.top))).size;
  const spill = cell => Math.max(0, ...rects(cell).map(
    r => r.right - cell.getBoundingClientRect().right));
  const wrap = document.querySelector('.table-wrap');
  return {
    emailLines: lines(row.cells[1]),
    spill: Math.max(...[...row.cells].map(spill)),
    overflow: wrap.scrollWidth - wrap.clientWidth,
  };
}"""


@pytest.fixture
def candidates(live_app, make_account):
    """Amara with an ordinary address, and Ysolde whose source is one long word; both
    carry a tag that finds them alone (and names no other browser test searches for:
    the browser tests share one database)."""
    tag = uuid.uuid4().hex[:8]
    ta = make_account(Role.TALENT_ACQUISITION)
    people = [
        {"name": f"Amara Okafor {tag}", "email": EMAIL, "phone": "+1 (555) 010-0199"},
        {
            "name": f"Ysolde Lindqvist {tag}",
            "email": "ysolde@candidate.example",
            "phone": "+44 20 7946 0958",
            "source": WORD[:200],
        },
    ]
    with live_app.app_context():
        actor = db.session.get(User, ta.id)
        for person in people:
            save_candidate(actor, None, {"source": "", "notes": "", **person})
        db.session.commit()
        db.session.remove()
    return tag, ta


@pytest.mark.parametrize("width", [1280, 768])
def test_an_email_keeps_one_line_and_a_long_word_wraps_in_its_cell(
    page: Page, candidates, width
):
    tag, ta = candidates
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, ta)
    page.goto(f"/candidates?q={tag}")
    expect(page.get_by_role("cell", name=EMAIL)).to_be_visible()
    amara = page.evaluate(MEASURE, EMAIL)
    assert amara["emailLines"] == 1, f"{EMAIL} is broken over lines at {width} px"
    zoe = page.evaluate(MEASURE, WORD[:200])
    assert zoe["spill"] <= 0.5, f"the long source spills {zoe['spill']}px"
    assert zoe["overflow"] <= 0, f"the table is {zoe['overflow']}px past its region"


@pytest.fixture
def accounts(live_app, make_account):
    """Amara with an ordinary address next to colleagues with long names and
    addresses, as hospitals have; all found alone by a tag in their address."""
    from interview.auth.operations import set_password
    from interview.models import Discipline

    from ..conftest import PASSWORD

    tag = uuid.uuid4().hex[:6]
    ta = make_account(Role.TALENT_ACQUISITION)
    people = [
        ("Amara Okafor", f"amara.{tag}@northwind-health.example"),
        (
            "Maximiliana Konstantinopoulou-Vanderbilt",
            f"maximiliana.konstantinopoulou.{tag}@stjohns-regional-health.example.org",
        ),
        (
            "Bartholomew Oyelaran-Whitfield",
            f"b.oyelaran.{tag}@northwind-health.example",
        ),
    ]
    with live_app.app_context():
        for name, email in people:
            user = User(
                email=email,
                name=name,
                role=Role.INTERVIEWER,
                discipline=Discipline.CLINICAL,
            )
            set_password(user, PASSWORD)
            db.session.add(user)
        db.session.commit()
        db.session.remove()
    return tag, ta, people[0][1]


@pytest.mark.parametrize("width", [1280, 768])
def test_an_accounts_email_keeps_one_line(page: Page, accounts, width):
    """The Accounts list wrapped every address anywhere, so the table squeezed
    amara.<tag>@northwind-health.example to a few letters a line, as the
    Candidates list did; a long address still wraps inside the table's region."""
    tag, ta, email = accounts
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, ta)
    page.goto(f"/accounts/?q={tag}")
    expect(page.get_by_role("cell", name=email)).to_be_visible()
    amara = page.evaluate(MEASURE, email)
    assert amara["emailLines"] == 1, f"{email} is broken over lines at {width} px"
    assert amara["spill"] <= 0.5, f"a cell's text spills {amara['spill']}px"
    assert amara["overflow"] <= 0, f"the table is {amara['overflow']}px past its region"


# For the row holding ``text``: the words (runs of letters and digits) of its name and
# typed cells that are split over two lines; and how far the table reaches past its
# region, the page past the window, and any cell's text past its cell.
WORDS_SPLIT = """(text) => {
  const row = [...document.querySelectorAll('tbody tr')].find(
    tr => tr.textContent.includes(text));
  const split = [];
  for (const cell of row.querySelectorAll('th, td.typed')) {
    const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node; (node = walk.nextNode()); ) {
      if (node.parentElement.closest('.visually-hidden')) continue;
      for (const m of node.data.matchAll(/[\\p{L}\\p{N}]+/gu)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = [...range.getClientRects()].filter(r => r.width > 0)
          .map(r => Math.round(r.top));
        if (new Set(tops).size > 1) split.push(m[0]);
      }
    }
  }
  return split;
}"""


@pytest.mark.parametrize("width", [1280, 768])
def test_names_and_sources_wrap_between_words(
    page: Page, live_app, make_account, width
):
    """Wrapping anywhere split ordinary names and sources mid-word ("Lüdenscheidt",
    "LinkedIn") wherever the table was short of room; a 190-character name and a
    200-character source still wrap inside their cells, within the window."""
    tag = uuid.uuid4().hex[:8]
    ta = make_account(Role.TALENT_ACQUISITION)
    anna = f"Anna-Lena Müller-Lüdenscheidt {tag}"
    people = [
        {"name": anna, "email": EMAIL, "phone": "+49 30 901820", "source": "LinkedIn"},
        {"name": f"{WORD[:190]} {tag}", "email": "w@x.example", "source": WORD[:200]},
    ]
    with live_app.app_context():
        actor = db.session.get(User, ta.id)
        for person in people:
            save_candidate(actor, None, {"phone": "", "notes": "", **person})
        db.session.commit()
        db.session.remove()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, ta)
    page.goto(f"/candidates?q={tag}")
    expect(page.get_by_role("link", name=anna, exact=True)).to_be_visible()
    assert page.evaluate(WORDS_SPLIT, anna) == [], f"words split at {width} px"
    long_row = page.evaluate(MEASURE, WORD[:100])
    assert long_row["spill"] <= 0.5, f"a long word spills {long_row['spill']}px"
    assert long_row["overflow"] <= 0, f"the table is {long_row['overflow']}px wide"
    wide = "() => document.documentElement.scrollWidth - window.innerWidth"
    assert page.evaluate(wide) <= 0, f"the page scrolls sideways at {width} px"
