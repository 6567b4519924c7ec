"""The Calibration pages in a real browser: axe-core finds no serious problem, the
charts have accessible names and their tables, and nothing scrolls sideways at 200%
zoom on a 1280-pixel screen."""

import random

import pytest
from playwright.sync_api import Page, expect

from interview.calibration import summaries
from interview.extensions import db
from interview.loops.operations import create_loop
from interview.models import Candidate, Discipline, PlanSession, Requisition, Role
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate

from ..rubric_samples import dump, rubric
from ..test_calibration_pages import JAN, _card
from .test_accessibility import _assert_axe_clean, sign_in


@pytest.fixture
def calibrated(live_app, make_account):
    """Twelve loops of the sample rubric, each rated by two clinical interviewers and
    a technical one."""
    people = {
        "ta": make_account(Role.TALENT_ACQUISITION),
        "clara": make_account(Role.INTERVIEWER, name="Clara Jensen"),
        "carl": make_account(Role.INTERVIEWER, name="Carl Berg"),
        "tom": make_account(Role.INTERVIEWER, discipline=Discipline.TECHNICAL),
        "manager": make_account(Role.HIRING_MANAGER),
    }
    rng = random.Random(3)
    with live_app.app_context():
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        req = Requisition(
            title="EHR analyst",
            discipline=Discipline.CLINICAL,
            hiring_manager_id=people["manager"].id,
            default_rubric_id=version.rubric_id,
            plan=[
                PlanSession(
                    title="Case",
                    competency_keys=["workflow", "privacy"],
                    clinical_seats=2,
                    technical_seats=1,
                )
            ],
        )
        db.session.add(req)
        for i in range(12):
            loop = create_loop(None, req, Candidate(name=f"Candidate {i}"))
            base = rng.randint(1, 4)
            seats = sorted(loop.sessions[0].seats, key=lambda s: s.discipline.value)
            for seat, who in zip(seats, ("clara", "carl", "tom"), strict=True):
                seat.interviewer_id = people[who].id
                _card(loop, seat, people[who].id, rng, base, JAN, False)
            summaries.loop_changed(loop.id)  # written here, not through submit()
        db.session.commit()
        db.session.remove()
    return people


@pytest.mark.parametrize("viewport", [{"width": 640, "height": 512}])
def test_the_rubric_page_is_accessible(page: Page, calibrated, viewport):
    page.set_viewport_size(viewport)
    sign_in(page, calibrated["ta"])
    page.get_by_role("link", name="Calibration").click()
    page.get_by_role("link", name="Sample rubric").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Calibration: Sample rubric"
    )
    expect(page.locator('nav a[aria-current="page"]')).to_have_text("Calibration")
    chart = page.get_by_role("img", name="Inter-rater reliability per competency")
    expect(chart).to_be_visible()
    expect(
        page.get_by_role("table", name="Reliability per competency and overall")
    ).to_be_visible()
    _assert_axe_clean(page)
    wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not wide, "the page scrolls sideways"


def test_an_interviewers_own_page_is_accessible(page: Page, calibrated):
    sign_in(page, calibrated["clara"])
    page.goto("/calibration/me")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your calibration")
    expect(page.get_by_text("Ratings compared")).to_be_visible()
    _assert_axe_clean(page)
