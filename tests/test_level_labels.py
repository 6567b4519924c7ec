"""A rating or a recommendation is printed with its level's label ("2 (Developing)",
"3 Hire"), never as a bare number, on the debrief page and the panel's scorecards."""

import html

import pytest

from interview.extensions import db
from interview.models import PanelSeat

from .test_scorecards import EVIDENCE, _form


@pytest.fixture
def submitted(app, client, auth, seat):
    """Clara rated privacy 2, below its minimum of 3, and recommended 3."""
    auth.login(seat["clara"])
    response = client.submit(
        f"/interviews/{seat['id']}",
        _form(submit="y", level_privacy="2", evidence_privacy=EVIDENCE),
    )
    assert response.status_code == 302
    auth.logout()
    with app.app_context():
        loop = db.session.get(PanelSeat, seat["id"]).session.loop
        labels = {lv.value: lv.label for lv in loop.rubric_version.levels}
        return {"loop_id": loop.id, "labels": labels}


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.get_data(as_text=True))


def test_the_must_meet_sentence_names_the_levels(client, auth, seat, submitted):
    labels = submitted["labels"]
    auth.login(seat["manager"])
    page = _page(client, f"/loops/{submitted['loop_id']}/debrief")
    assert (
        f"Privacy: mean 2.00 is below the minimum 3 ({labels[3]}); "
        f"Clara Jensen rated 2 ({labels[2]})"
    ) in page


def test_the_panel_names_the_recommendation_and_ratings(client, auth, seat, submitted):
    labels = submitted["labels"]
    auth.login(seat["manager"])
    page = _page(client, f"/interviews/loops/{submitted['loop_id']}/scorecards")
    assert f"recommendation 3 {labels[3]}" in page
    assert f"Privacy: 2 {labels[2]}</dt>" in page
    assert f"Workflow: 3 {labels[3]}</dt>" in page
