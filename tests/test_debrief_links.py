"""The loop page offers the panel's scorecards and the debrief once they have
something to show (a submitted scorecard), or once the loop is in debrief, where the
hiring manager records the decision; the debrief page offers the PDF packet once
there is a scorecard or a decision to put in it."""

import pytest

from interview.extensions import db
from interview.models import Loop, LoopStatus, PanelSeat, Role, ScorecardStatus
from interview.timeutil import utcnow

from .builders import add_scorecard

PANEL = "Read the submitted scorecards"
DEBRIEF = ">Debrief</a>"
PACKET = 'id="packet-links"'


@pytest.fixture
def loop_id(app, seat):
    with app.app_context():
        return db.session.get(PanelSeat, seat["id"]).session.loop_id


@pytest.fixture
def readers(make_user, seat):
    return {"ta": make_user(Role.TALENT_ACQUISITION), "manager": seat["manager"]}


def _set_status(app, loop_id: int, status: LoopStatus) -> None:
    with app.app_context():
        db.session.get(Loop, loop_id).status = status
        db.session.commit()


def _submit(app, seat) -> None:
    with app.app_context():
        add_scorecard(
            seat["id"],
            seat["clara"].id,
            status=ScorecardStatus.SUBMITTED,
            submitted_at=utcnow(),
            overall_recommendation=3,
            summary="Clear on handovers.",
        )


def _text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


@pytest.mark.parametrize("reader", ["ta", "manager"])
@pytest.mark.parametrize("status", [LoopStatus.PLANNED, LoopStatus.INTERVIEWING])
def test_no_debrief_offered_before_a_scorecard_is_in(
    app, client, auth, readers, loop_id, reader, status
):
    _set_status(app, loop_id, status)
    auth.login(readers[reader])
    page = _text(client, f"/loops/{loop_id}")
    assert PANEL not in page and DEBRIEF not in page
    assert 'id="debrief-later"' in page
    # Typed in, the debrief says why it is empty and offers no empty packet.
    debrief = _text(client, f"/loops/{loop_id}/debrief")
    assert "No scorecard has been submitted yet" in debrief
    assert PACKET not in debrief


@pytest.mark.parametrize("reader", ["ta", "manager"])
def test_debrief_offered_once_a_scorecard_is_in(
    app, client, auth, readers, seat, loop_id, reader
):
    _set_status(app, loop_id, LoopStatus.INTERVIEWING)
    _submit(app, seat)
    auth.login(readers[reader])
    page = _text(client, f"/loops/{loop_id}")
    assert PANEL in page and DEBRIEF in page
    assert 'id="debrief-later"' not in page
    assert PACKET in _text(client, f"/loops/{loop_id}/debrief")


def test_a_loop_in_debrief_offers_the_debrief_for_the_decision(
    app, client, auth, readers, loop_id
):
    _set_status(app, loop_id, LoopStatus.DEBRIEF)
    auth.login(readers["manager"])
    page = _text(client, f"/loops/{loop_id}")
    assert DEBRIEF in page and PANEL not in page  # no scorecard to read
    debrief = _text(client, f"/loops/{loop_id}/debrief")
    assert "Record the decision" in debrief
    assert PACKET not in debrief


def test_an_interviewer_who_submitted_is_offered_the_debrief(
    app, client, auth, seat, loop_id
):
    _set_status(app, loop_id, LoopStatus.INTERVIEWING)
    _submit(app, seat)
    auth.login(seat["clara"])
    page = _text(client, f"/loops/{loop_id}")
    assert PANEL in page and DEBRIEF in page
