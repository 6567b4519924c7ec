"""Typed titles of any length stay inside the page on a tablet: a session or
requisition title written as one long word wraps instead of pushing the
loop, requisition and My interviews pages sideways (fresh-user test at 768 px)."""

import pytest
from playwright.sync_api import Page

from interview.extensions import db
from interview.models import InterviewSession, Loop, Role

from .test_accessibility import sign_in

WORD = "Interoperability" * 12  # 192 characters, no space (titles hold 200)
WIDE = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
def long_titles(live_app, demo_loop):
    with live_app.app_context():
        loop = db.session.get(Loop, demo_loop["loop"])
        loop.requisition.title = WORD
        for session in db.session.scalars(
            db.select(InterviewSession).where(InterviewSession.loop_id == loop.id)
        ):
            session.title = WORD
        db.session.commit()
    return demo_loop


@pytest.mark.parametrize("width", [768, 1280])
def test_long_titles_wrap_inside_the_page(page: Page, make_account, long_titles, width):
    page.set_viewport_size({"width": width, "height": 1024})
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    for path in (
        f"/loops/{long_titles['loop']}",
        f"/requisitions/{long_titles['requisition']}",
    ):
        page.goto(path)
        assert WORD[:40] in page.content()
        assert page.evaluate(WIDE) <= 0, f"{path} scrolls sideways at {width} px"
    page.context.clear_cookies()
    sign_in(page, long_titles["clinician"])
    page.goto("/my-interviews")
    assert WORD[:40] in page.content()
    assert page.evaluate(WIDE) <= 0, f"My interviews scrolls sideways at {width} px"
