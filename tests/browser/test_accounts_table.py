"""The accounts table on a tablet: every action and value fits its region at 768 px
(and at 200% zoom) without a sideways scroll, and stays whole and axe-clean on a
desktop."""

import uuid

import pytest
from playwright.sync_api import expect

from interview.auth.operations import set_password
from interview.extensions import db
from interview.models import Discipline, Role, User

from ..conftest import PASSWORD
from .test_accessibility import _assert_axe_clean, sign_in

# How far the table reaches past its scrollable region, and the region's own width.
OVERFLOW = """() => {
  const wrap = document.querySelector('.table-wrap');
  return [wrap.scrollWidth - wrap.clientWidth, wrap.clientWidth];
}"""


def _long_accounts(live_app) -> str:
    """Accounts with the long names and addresses hospitals have, one deactivated
    (its action, Reactivate, is the longest): returns that one's name."""
    tag = uuid.uuid4().hex[:6]
    people = [
        ("Maximiliana Konstantinopoulou-Vanderbilt", Role.INTERVIEWER, True),
        ("Bartholomew Oyelaran-Whitfield", Role.HIRING_MANAGER, True),
        (f"Siobhán Ní Mhaoldomhnaigh {tag}", Role.INTERVIEWER, False),
    ]
    with live_app.app_context():
        for name, role, active in people:
            local = ".".join(name.lower().split()[:2])
            user = User(
                email=f"{local}.{tag}@stjohns-regional-health.example.org",
                name=name,
                role=role,
                discipline=Discipline.TECHNICAL if role == Role.INTERVIEWER else None,
                is_active=active,
            )
            set_password(user, PASSWORD)
            db.session.add(user)
        db.session.commit()
        db.session.remove()
    return people[-1][0]


@pytest.mark.parametrize(
    "viewport",
    [
        pytest.param({"width": 768, "height": 1024}, id="tablet-768x1024"),
        pytest.param({"width": 1280, "height": 1024}, id="desktop-1280"),
        pytest.param({"width": 640, "height": 512}, id="zoom-640"),
    ],
)
def test_the_accounts_table_fits_its_region(
    new_context, live_app, make_account, viewport
):
    name = _long_accounts(live_app)
    page = new_context(viewport=viewport).new_page()
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto("/accounts/?size=100")
    table = page.get_by_role("table")
    expect(table).to_be_visible()
    overflow, width = page.evaluate(OVERFLOW)
    assert overflow <= 0, f"the table reaches {overflow}px past its {width}px region"
    # Every row's actions are there, whole, and reachable.
    row = page.get_by_role("row").filter(has_text=name)
    for action in (
        row.get_by_role("button", name=f"Reactivate {name}"),
        row.get_by_role("link", name=f"Edit {name}"),
    ):
        action.scroll_into_view_if_needed()
        expect(action).to_be_in_viewport(ratio=1)
    # Nothing is lost: on a tablet the discipline joins the role.
    for header in ("Name", "Email", "Role", "Status"):
        expect(page.get_by_role("columnheader", name=header)).to_be_visible()
    expect(row.get_by_role("cell", name="Deactivated")).to_be_visible()
    if viewport["width"] < 960:
        expect(page.get_by_role("columnheader", name="Discipline")).to_be_hidden()
        expect(row.get_by_role("cell", name="Interviewer, technical")).to_be_visible()
    else:
        expect(page.get_by_role("columnheader", name="Discipline")).to_be_visible()
        expect(row.get_by_role("cell", name="Technical", exact=True)).to_be_visible()
        expect(row.get_by_role("cell", name="Interviewer", exact=True)).to_be_visible()
    _assert_axe_clean(page)
