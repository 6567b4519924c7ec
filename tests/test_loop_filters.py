"""The loop list's requisition and manager filters say what the list is filtered by.

An id the reader may not choose (no such requisition or manager, another manager's
requisition, a filter the reader is not shown) counts as not given: the filter shows
"Any" and the list shows every loop the reader may see, never an empty list that
nothing on the page explains.
"""

import re

import pytest

from interview.extensions import db
from interview.models import Discipline, Loop, Role
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate

from .builders import populate
from .rubric_samples import dump, rubric


@pytest.fixture
def two_managers(app, make_user):
    """Mona's requisition with 3 loops, Otto's with 2; Clara and Tom sit on all."""
    people = {
        "ta": make_user(Role.TALENT_ACQUISITION),
        "mona": make_user(Role.HIRING_MANAGER, name="Mona Manager"),
        "otto": make_user(Role.HIRING_MANAGER, name="Otto Other"),
        "clara": make_user(Role.INTERVIEWER, name="Clara Jensen"),
        "tom": make_user(
            Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="Tom Okafor"
        ),
    }
    with app.app_context():
        rubric_id = save_rubric(None, validate(dump(rubric())).rubric).version.rubric_id
        pair = (people["clara"].id, people["tom"].id)
        mona = populate(people["mona"].id, rubric_id, pair, 3)
        otto = populate(people["otto"].id, rubric_id, pair, 2, start=3)
        people["mona_req"] = db.session.get(Loop, mona[0]).requisition_id
        people["otto_req"] = db.session.get(Loop, otto[0]).requisition_id
    return people


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def _selected(page: str, select: str) -> str:
    """The label of the chosen option of a filter ("Any" when none is)."""
    body = re.search(rf'<select id="{select}"[^>]*>(.*?)</select>', page, re.DOTALL)
    chosen = re.search(r"<option [^>]*selected>([^<]*)<", body.group(1))
    return chosen.group(1) if chosen else "Any"


def test_an_unknown_requisition_is_no_filter(client, auth, two_managers):
    auth.login(two_managers["ta"])
    page = _page(client, "/loops/?requisition=999")
    assert _selected(page, "requisition") == "Any"
    assert "of 5 loops" in page


def test_a_known_requisition_filters_and_shows_as_chosen(client, auth, two_managers):
    auth.login(two_managers["ta"])
    page = _page(client, f"/loops/?requisition={two_managers['otto_req']}")
    assert _selected(page, "requisition") == "Requisition 3"
    assert "of 2 loops" in page


def test_another_managers_requisition_is_no_filter_for_a_manager(
    client, auth, two_managers
):
    auth.login(two_managers["mona"])
    page = _page(client, f"/loops/?requisition={two_managers['otto_req']}")
    assert _selected(page, "requisition") == "Any"
    assert "of 3 loops" in page  # Mona's own, not an unexplained empty list
    own = _page(client, f"/loops/?requisition={two_managers['mona_req']}")
    assert _selected(own, "requisition") == "Requisition 0"
    assert "of 3 loops" in own
    unknown = _page(client, "/loops/?requisition=999")
    assert _selected(unknown, "requisition") == "Any" and "of 3 loops" in unknown


def test_an_interviewer_is_not_filtered_by_a_requisition_they_are_not_shown(
    client, auth, two_managers
):
    auth.login(two_managers["clara"])
    page = _page(client, f"/loops/?requisition={two_managers['otto_req']}")
    assert 'id="requisition"' not in page
    assert "of 5 loops" in page


@pytest.mark.parametrize("who", ["999", "ta", "clara"])
def test_a_manager_id_that_is_no_hiring_manager_is_no_filter(
    client, auth, two_managers, who
):
    manager = who if who.isdecimal() else two_managers[who].id
    auth.login(two_managers["ta"])
    page = _page(client, f"/loops/?manager={manager}")
    assert _selected(page, "manager") == "Any"
    assert "of 5 loops" in page


def test_a_hiring_manager_filters_and_shows_as_chosen(client, auth, two_managers):
    auth.login(two_managers["ta"])
    page = _page(client, f"/loops/?manager={two_managers['otto'].id}")
    assert _selected(page, "manager") == "Otto Other"
    assert "of 2 loops" in page


# ... and the list says so, in the sentence a screen reader is taken to ----------------


def _summary(page: str) -> str:
    """The list's summary sentence, tags and spacing aside."""
    text = re.search(r'<p class="list-summary"[^>]*>(.*?)</p>', page, re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", "", text.group(1)).split())


NOT_OFFERED = "the address named one this list does not offer you."


def test_a_filter_not_applied_is_named_in_the_lists_summary(client, auth, two_managers):
    auth.login(two_managers["ta"])
    for url, noun in [
        ("/loops/?requisition=999", "requisition"),
        ("/loops/?requisition=abc", "requisition"),
        ("/loops/?status=bogus", "status"),
        (f"/loops/?manager={two_managers['clara'].id}", "hiring manager"),
    ]:
        summary = _summary(_page(client, url))
        assert summary == f"Showing 1–5 of 5 loops. Of any {noun}: {NOT_OFFERED}", url
    both = _summary(_page(client, "/loops/?status=bogus&manager=999"))
    assert both.endswith(
        "Of any status and any hiring manager: the address named some this list "
        "does not offer you."
    )
    # A filter applied, or left empty, is not mentioned.
    for url in ("/loops/", "/loops/?status=&requisition=&manager=", "/loops/?q=zz"):
        assert "Of any" not in _summary(_page(client, url)), url
    applied = _summary(_page(client, f"/loops/?requisition={two_managers['otto_req']}"))
    assert applied == "Showing 1–2 of 2 loops"


def test_another_managers_requisition_reads_as_an_unknown_one(
    client, auth, two_managers
):
    """A hiring manager cannot tell another's requisition from no requisition."""
    auth.login(two_managers["mona"])
    theirs = _page(client, f"/loops/?requisition={two_managers['otto_req']}")
    unknown = _page(client, "/loops/?requisition=999999")
    assert _summary(theirs) == _summary(unknown)
    assert (
        _summary(theirs) == f"Showing 1–3 of 3 loops. Of any requisition: {NOT_OFFERED}"
    )


def test_accounts_and_requisitions_name_their_filters_not_applied(
    client, auth, two_managers
):
    auth.login(two_managers["ta"])
    accounts = _summary(_page(client, "/accounts/?role=wizard"))
    assert accounts.endswith(f". Of any role: {NOT_OFFERED}")
    assert "Of any" not in _summary(_page(client, "/accounts/?role=hiring_manager"))
    requisitions = _summary(_page(client, "/requisitions/?status=bogus"))
    assert requisitions.endswith(f". Of any status: {NOT_OFFERED}")
    assert "Of any" not in _summary(_page(client, "/requisitions/?status=open"))
