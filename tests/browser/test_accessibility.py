"""The pages in a real browser: axe-core finds no serious problems, everything works
with the keyboard alone, and nothing needs horizontal scrolling on a tablet or at 200%
zoom."""

import uuid

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from interview.extensions import db
from interview.models import Discipline, Role, User

from ..conftest import PASSWORD

AXE = Axe()
BLOCKING_IMPACTS = {"serious", "critical"}
VIEWPORTS = [
    pytest.param({"width": 768, "height": 1024}, id="tablet-768x1024"),
    # 200% zoom on a 1280x1024 screen lays the page out in 640x512 CSS pixels.
    pytest.param({"width": 640, "height": 512}, id="zoom-200pct-640"),
]

# The element that has focus, named by its id, else by its tag and text.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  return el.id || `${el.tagName.toLowerCase()}:${(el.innerText || el.value || '').trim()}`;
}"""


def sign_in(page: Page, user: User) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {user.name}")


def focused(page: Page) -> str | None:
    return page.evaluate(FOCUSED)


def tab_to(page: Page, target: str, limit: int = 40) -> list[str | None]:
    """Press Tab until the element described as ``target`` has focus; return the stops."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stops.append(focused(page))
        if stops[-1] == target:
            return stops
    raise AssertionError(f"Tab never reached {target!r}; the stops were {stops}")


# --- 1. axe-core ------------------------------------------------------------------


def _sign_in_empty(page, make_account):
    page.goto("/sign-in")


def _sign_in_errors(page, make_account):
    page.goto("/sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")


def _home(role, discipline=None):
    def open_home(page, make_account):
        sign_in(page, make_account(role, discipline=discipline))

    return open_home


def _accounts(page, make_account):
    make_account(Role.HIRING_MANAGER)
    make_account(Role.INTERVIEWER, discipline=Discipline.TECHNICAL)
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto("/accounts/")
    expect(page.get_by_role("table")).to_be_visible()


def _new_account_errors(page, make_account):
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto("/accounts/new")
    page.get_by_role("button", name="Save account").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Full name")).to_have_attribute("aria-invalid", "true")


def _change_password(page, make_account):
    sign_in(page, make_account(Role.INTERVIEWER))
    page.goto("/account/password")
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")


def _not_found(page, make_account):
    sign_in(page, make_account(Role.HIRING_MANAGER))
    response = page.goto("/no-such-page")
    assert response.status == 404


def _rubric(path, role=Role.TALENT_ACQUISITION, then=None):
    def open_rubric_page(page, make_account):
        sign_in(page, make_account(role))
        page.goto(path)
        if then:
            then(page)

    return open_rubric_page


def _save_with_errors(page):
    page.get_by_label("Title").fill("")
    page.locator("#competencies-1-anchors-2").fill("")
    page.locator("#save").click()
    expect(page.get_by_role("alert")).to_contain_text("2 things to fix")


def _upload_bad_file(page):
    page.get_by_label("Rubric file").set_input_files(
        files=[
            {"name": "bad.yaml", "mimeType": "application/yaml", "buffer": b"key: ["}
        ]
    )
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("alert")).to_contain_text("not valid YAML")


def _audit_log(page, make_account):
    """Issue 13, read audit: the audit log with an entry and a filter's message."""
    manager = make_account(Role.HIRING_MANAGER)
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto("/accounts/")
    page.get_by_role("button", name=f"Deactivate {manager.name}").click()
    page.goto("/audit/?action=user.deactivate&from=2999-12-31&to=2000-01-01")
    expect(page.get_by_role("alert").first).to_contain_text("was after")
    expect(page.get_by_role("cell", name=manager.name)).to_have_count(0)
    expect(page.locator("table.audit tbody tr").first).to_be_visible()


RUBRIC = "/rubrics/core-cross-functional"
RUBRIC_PAGES = [
    pytest.param(_rubric("/rubrics/", Role.INTERVIEWER), id="rubric-list"),
    pytest.param(_rubric(RUBRIC, Role.HIRING_MANAGER), id="rubric-show"),
    pytest.param(_rubric(RUBRIC + "/edit"), id="rubric-editor"),
    pytest.param(
        _rubric(RUBRIC + "/edit", then=_save_with_errors), id="rubric-editor-errors"
    ),
    pytest.param(_rubric(RUBRIC + "/compare"), id="rubric-compare"),
    pytest.param(
        _rubric("/rubrics/upload", then=_upload_bad_file), id="rubric-upload-errors"
    ),
]

AXE_PAGES = [
    pytest.param(_sign_in_empty, id="sign-in"),
    pytest.param(_sign_in_errors, id="sign-in-errors"),
    pytest.param(_home(Role.TALENT_ACQUISITION), id="home-talent-acquisition"),
    pytest.param(_home(Role.HIRING_MANAGER), id="home-hiring-manager"),
    pytest.param(
        _home(Role.INTERVIEWER, Discipline.CLINICAL), id="home-clinical-interviewer"
    ),
    pytest.param(_accounts, id="accounts"),
    pytest.param(_new_account_errors, id="new-account-errors"),
    pytest.param(_change_password, id="change-password"),
    pytest.param(_not_found, id="not-found"),
    pytest.param(_audit_log, id="audit-log"),  # issue 13, read audit
]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(map(str, n["target"])) for n in v["nodes"])
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} at {targets}")
    return "\n".join(lines)


def _assert_axe_clean(page: Page) -> None:
    violations = AXE.run(page).response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe violations on {page.url}:\n{describe(blocking)}"


@pytest.mark.parametrize("open_page", AXE_PAGES)
def test_axe_finds_no_serious_violations(page: Page, make_account, open_page):
    open_page(page, make_account)
    _assert_axe_clean(page)


def _as(role_key, path):
    def open_loop_page(page, make_account, demo_loop):
        user = demo_loop[role_key] if role_key in demo_loop else make_account(role_key)
        sign_in(page, user)
        page.goto(path.format(**demo_loop))

    return open_loop_page


LOOP_PAGES = [
    pytest.param(_as(Role.TALENT_ACQUISITION, "/loops/{loop}"), id="loop-manage"),
    pytest.param(_as("manager", "/loops/{loop}"), id="loop-manager-view"),
    pytest.param(
        _as(Role.TALENT_ACQUISITION, "/requisitions/{requisition}"), id="requisition"
    ),
    pytest.param(
        _as(Role.TALENT_ACQUISITION, "/requisitions/{requisition}/plan"), id="plan"
    ),
    pytest.param(
        _as(Role.TALENT_ACQUISITION, "/candidates/{candidate}/edit"), id="candidate"
    ),
    pytest.param(_as("clinician", "/my-interviews"), id="my-interviews"),
]


@pytest.mark.parametrize("open_page", LOOP_PAGES)
def test_axe_finds_no_serious_violations_on_loop_pages(
    page: Page, make_account, demo_loop, open_page
):
    open_page(page, make_account, demo_loop)
    _assert_axe_clean(page)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_loop_page_fits_a_tablet_and_200_percent_zoom(
    new_context, make_account, demo_loop, viewport
):
    page = new_context(viewport=viewport, device_scale_factor=2).new_page()
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto(f"/loops/{demo_loop['loop']}")
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert widths[0] <= widths[1], f"page is {widths[0]}px wide in {widths[1]}px"


@pytest.mark.parametrize("open_page", RUBRIC_PAGES)
def test_axe_finds_no_serious_violations_on_rubric_pages(
    page: Page, make_account, core_rubric, open_page
):
    open_page(page, make_account)
    _assert_axe_clean(page)


def test_reorder_competencies_with_the_keyboard(page: Page, make_account, core_rubric):
    """Moving a competency reloads the page with focus on the one that moved."""
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto(RUBRIC + "/edit")
    page.locator("#down-0").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#competencies-1-key")).to_be_focused()
    expect(page.locator("#competencies-1-key")).to_have_value(
        "adaptability_learning_agility"
    )
    expect(page.locator("#competencies-0-key")).to_have_value(
        "translating_technical_ideas"
    )
    page.locator("#save").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("as version 2")


# --- 2. Keyboard only -----------------------------------------------------------


def test_sign_in_with_keyboard_then_skip_to_content(page: Page, make_account):
    user = make_account(Role.TALENT_ACQUISITION)  # whose home has links in main
    page.goto("/sign-in")
    # The email field takes focus on load; Tab from the top reaches it as well:
    # Shift+Tab back out of the page, then walk forward. (Autofocus lands a moment
    # after load: wait for it rather than race it on a busy machine.)
    expect(page.locator("#email")).to_be_focused()
    for _ in range(10):
        page.keyboard.press("Shift+Tab")
        if focused(page) is None:
            break
    else:
        raise AssertionError(f"Shift+Tab stays in the page, at {focused(page)!r}")
    stops = tab_to(page, "submit")
    assert stops[0] == "a:Skip to content", stops
    form_stops = [s for s in stops if s in {"email", "password", "remember", "submit"}]
    assert form_stops == ["email", "password", "remember", "submit"], stops
    assert stops.index("email") == len(stops) - 4, f"stops in between: {stops}"

    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert focused(page) == "email"
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {user.name}")

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport(ratio=1)
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    # The next Tab continues from the main content, not from the top of the page.
    page.keyboard.press("Tab")
    assert page.evaluate(
        "document.querySelector('main').contains(document.activeElement)"
    )


def test_talent_acquisition_creates_an_account_with_keyboard(
    page: Page, make_account, live_app
):
    sign_in(page, make_account(Role.TALENT_ACQUISITION))

    tab_to(page, "a:Accounts")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accounts")
    tab_to(page, "a:New account")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("New account")

    email = f"kim-{uuid.uuid4().hex[:10]}@example.org"
    tab_to(page, "name")
    page.keyboard.type("Kim Keyboard")
    page.keyboard.press("Tab")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    assert focused(page) == "role"
    page.keyboard.press("Home")  # the first option, then type to pick one
    expect(page.locator("#role")).to_have_value("talent_acquisition")
    page.keyboard.type("Interviewer")
    expect(page.locator("#role")).to_have_value("interviewer")
    page.keyboard.press("Tab")
    assert focused(page) == "discipline"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#discipline")).to_have_value("technical")
    page.keyboard.press("Tab")
    assert focused(page) == "time_zone-filter"  # picker.js: a box narrowing the zones
    page.keyboard.type("berlin")
    expect(page.locator("#time_zone")).to_have_value("UTC")  # filtering keeps it
    page.keyboard.press("Tab")
    assert focused(page) == "time_zone"
    page.keyboard.type("Berlin")  # the labels start with the place
    expect(page.locator("#time_zone")).to_have_value("Europe/Berlin")
    page.keyboard.press("Tab")
    assert focused(page) == "weekly_interview_limit"
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    assert focused(page) == "trained_keys"  # no rubric yet: nothing to choose
    page.keyboard.press("Tab")
    assert focused(page) == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    # The flash is announced (role=status), as is the list's own summary now.
    flash = page.locator(".flash[role=status]")
    expect(flash).to_have_text("Account created for Kim Keyboard.")
    with live_app.app_context():
        created = db.session.query(User).filter_by(email=email).one()
        assert created.weekly_interview_limit == 3
        assert (created.role, created.discipline, created.time_zone) == (
            Role.INTERVIEWER,
            Discipline.TECHNICAL,
            "Europe/Berlin",
        )
        db.session.remove()


# --- 3. Responsive: a tablet and 200% zoom -----------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/accounts/", "/accounts/new", RUBRIC, RUBRIC + "/edit", RUBRIC + "/compare"],
)
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_no_horizontal_scrolling(
    new_context, make_account, core_rubric, viewport, path
):
    make_account(
        Role.INTERVIEWER, name="Maximiliana Konstantinopoulou-Vanderbilt de la Cruz"
    )
    page = new_context(viewport=viewport, device_scale_factor=2).new_page()
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto(path)

    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert widths[0] <= widths[1], f"page is {widths[0]}px wide in {widths[1]}px"
    sign_out = page.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_visible()
    expect(sign_out).to_be_in_viewport(ratio=1)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_debrief_page_passes_axe_and_fits_a_tablet(
    new_context, debrief_loop, viewport
):
    page = new_context(viewport=viewport, device_scale_factor=2).new_page()
    sign_in(page, debrief_loop["manager"])
    page.goto(f"/loops/{debrief_loop['loop']}/debrief")
    pdf_link = page.get_by_role("link", name="Download the PDF packet (A4)")
    expect(pdf_link).to_be_visible()
    # Served inline (a tablet opens it in place), and no download attribute: a
    # packet that could not be laid out (503) or the sign-in page shows as a page.
    assert pdf_link.get_attribute("download") is None
    expect(page.get_by_role("img", name="Mean rating per competency")).to_be_visible()
    _assert_axe_clean(page)
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert widths[0] <= widths[1], f"page is {widths[0]}px wide in {widths[1]}px"
