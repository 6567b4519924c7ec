"""The requisitions list's search box in a real browser: labelled, a plain GET form,
the count of what was found takes the focus, and axe-core finds nothing serious."""

import uuid

from playwright.sync_api import Page, expect

from interview.extensions import db
from interview.models import Discipline, Requisition, Role

from .test_accessibility import _assert_axe_clean, sign_in


def test_talent_acquisition_finds_a_requisition_by_its_title(
    page: Page, live_app, make_account
):
    # A title of this test's own: the live database outlives a test on SQLite.
    title = f"Pharmacien référent {uuid.uuid4().hex[:8]}"
    manager = make_account(Role.HIRING_MANAGER)
    with live_app.app_context():
        db.session.add(
            Requisition(
                title=title,
                discipline=Discipline.CLINICAL,
                hiring_manager_id=manager.id,
            )
        )
        db.session.commit()
        db.session.remove()
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto("/requisitions/")
    box = page.get_by_label("Title, discipline or hiring manager")
    expect(box).to_have_attribute("type", "search")
    typed = title.upper().replace("É", "E")
    box.fill(typed)
    box.press("Enter")
    summary = page.locator(".list-summary")
    expect(summary).to_have_text("Showing 1 requisition")
    expect(summary).to_be_focused()
    expect(page.get_by_role("link", name=title, exact=True)).to_be_visible()
    expect(box).to_have_value(typed)
    _assert_axe_clean(page)
    page.get_by_role("link", name="Clear").click()
    expect(box).to_have_value("")
