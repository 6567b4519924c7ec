"""Starting a loop without JavaScript: a candidate chosen but refused (the requisition
cannot start loops yet) stays chosen and marked, apart from the search's matches."""

import re

import pytest

from interview.extensions import db
from interview.models import Candidate, Discipline, Requisition, Role


@pytest.fixture
def refused(app, make_user):
    """A requisition without a rubric (starting a loop is refused) and two people."""
    ta = make_user(Role.TALENT_ACQUISITION)
    manager = make_user(Role.HIRING_MANAGER)
    with app.app_context():
        requisition = Requisition(
            title="Ward clerk",
            discipline=Discipline.CLINICAL,
            hiring_manager_id=manager.id,
        )
        zoe = Candidate(name="Zoë Adams", email="zoe@example.org")
        lukas = Candidate(name="Lukas Becker", email="lukas@example.org")
        db.session.add_all([requisition, zoe, lukas])
        db.session.commit()
        return {
            "ta": ta,
            "url": f"/requisitions/{requisition.id}/loops/new",
            "zoe": zoe.id,
        }


def _choices(page: str) -> list[str]:
    """The labels of the candidate radio buttons, tags and notes as plain text."""
    block = page.split('id="candidate-choices">')[1].split("</div>")[0]
    labels = re.findall(r"<label[^>]*>(.*?)</label>", block, re.DOTALL)
    return [" ".join(re.sub(r"<[^>]+>", " ", label).split()) for label in labels]


def test_a_refused_choice_the_search_does_not_match_is_kept_marked_and_uncounted(
    client, auth, refused
):
    auth.login(refused["ta"])
    response = client.submit(
        refused["url"], {"q": "lukas", "candidate_id": str(refused["zoe"])}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Give the requisition a rubric before starting loops." in page
    assert _choices(page) == [
        "Zoë Adams · zoe@example.org Chosen (your earlier choice, not in these results)",
        "Lukas Becker · lukas@example.org Chosen",  # the tag shows only if checked
    ]
    assert re.search(
        r'<label class="check kept-choice"[^>]*><input type="radio" '
        rf'name="candidate_id" value="{refused["zoe"]}" id="candidate-\d+" checked>',
        page,
    )
    assert page.count(" checked>") == 1
    summary = re.search(r'id="candidate-summary"[^>]*>([^<]*)</p>', page).group(1)
    assert summary == (
        "1 candidate matches “lukas”. Your choice, Zoë Adams, stays listed first; "
        "it is not among the candidates shown."
    )


def test_a_refused_choice_among_the_matches_stays_in_its_place(client, auth, refused):
    auth.login(refused["ta"])
    response = client.submit(
        refused["url"], {"q": "zoe", "candidate_id": str(refused["zoe"])}
    )
    page = response.get_data(as_text=True)
    assert _choices(page) == ["Zoë Adams · zoe@example.org Chosen"]
    assert "kept-choice" not in page and "Your choice" not in page
    assert page.count(" checked>") == 1


def test_an_erased_candidate_sent_as_the_choice_is_not_offered_again(
    app, client, auth, refused
):
    """Erased while the page was open (or an id typed by hand): the search and the
    refused start no longer list them as the earlier choice."""
    from interview.lifecycle.erasure import erase_candidate

    with app.app_context():
        zoe = db.session.get(Candidate, refused["zoe"])
        erase_candidate(None, zoe)
        db.session.commit()
    auth.login(refused["ta"])
    chosen = {"candidate_id": str(refused["zoe"])}
    searched = client.submit(refused["url"], {"q": "lukas", "search": "y", **chosen})
    assert _choices(searched.get_data(as_text=True)) == [
        "Lukas Becker · lukas@example.org Chosen"
    ]
    started = client.submit(refused["url"], {"q": "lukas", **chosen})
    assert started.status_code == 422
    page = started.get_data(as_text=True)
    assert "Erased candidate" not in page and "kept-choice" not in page


def test_enter_searches_a_changed_query_and_starts_with_the_one_chosen(
    client, auth, refused
):
    """Issue 14: Enter presses the form's hidden first button ("enter"): with the
    query as the list was drawn for it ("shown") and someone chosen, it means
    "Start the loop" (refused here: no rubric); with the query changed, or nobody
    chosen, it means Search, keeping the choice."""
    auth.login(refused["ta"])
    chosen = {"candidate_id": str(refused["zoe"]), "enter": "y"}
    started = client.submit(refused["url"], {"q": "zoe", "shown": "zoe", **chosen})
    assert started.status_code == 422
    assert "Give the requisition a rubric before starting loops." in started.text
    searched = client.submit(refused["url"], {"q": "lukas", "shown": "zoe", **chosen})
    assert searched.status_code == 200
    assert "Give the requisition a rubric" not in searched.text
    assert _choices(searched.text)[0].startswith("Zoë Adams")  # kept, chosen
    assert 'name="shown" value="lukas"' in searched.text  # drawn for the new query
    unchosen = {"q": "zoe", "shown": "zoe", "enter": "y"}
    nobody = client.submit(refused["url"], unchosen)
    assert nobody.status_code == 200 and "Choose a candidate" not in nobody.text
