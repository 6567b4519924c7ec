"""The panel proposal (issue 14): previewed with its reasons before anyone is seated,
seated by "Seat this panel" only as shown, and its reasons kept on the loop page."""

import re

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.models import Loop, LoopStatus, PanelSeat, Training, User

from .test_guards import postgresql_only, race
from .test_loops import _build_loop, _seat, _seats, team  # noqa: F401  (a fixture)


@pytest.fixture
def trained(app, team):  # noqa: F811
    """Everyone trained on both competencies, so a full panel can be proposed."""
    with app.app_context():
        for person in ("clara", "kwame", "ines", "wei"):
            for key in ("workflow", "privacy"):
                db.session.add(Training(user_id=team[person].id, competency_key=key))
        db.session.commit()
    return team


def _seated(app) -> list:
    with app.app_context():
        return db.session.scalars(
            sa.select(PanelSeat.interviewer_id)
            .where(PanelSeat.removed_at.is_(None))
            .order_by(PanelSeat.id)
        ).all()


def _preview(client, loop_id: int):
    response = client.get(f"/loops/{loop_id}/propose")
    page = response.get_data(as_text=True)
    found = re.search(r'name="panel" value="([^"]*)"', page)
    return response, page, found.group(1) if found else None


def _reasons(page: str) -> str:
    found = re.search(
        r'<section[^>]*id="proposal-reasons".*?</section>', page, re.DOTALL
    )
    return found.group(0) if found else ""


def test_the_proposal_is_previewed_then_seated_and_its_reasons_kept(
    app, client, auth, trained
):
    auth.login(trained["ta"])
    loop_id = _build_loop(client, app, trained)
    response, page, panel = _preview(client, loop_id)
    assert response.status_code == 200
    assert "Proposed panel: nobody seated yet" in page
    assert page.count("is trained on") == 4  # a reason for each seat
    assert "Seat this panel" in page
    assert _seated(app) == [None] * 4  # nothing seated by the preview
    assert _reasons(page) == ""
    seated = client.submit(f"/loops/{loop_id}/propose", {"seat": "y", "panel": panel})
    assert seated.status_code == 302
    assert None not in _seated(app)
    shown = _reasons(client.get(f"/loops/{loop_id}").get_data(as_text=True))
    assert "Why the proposed panel was chosen" in shown
    assert shown.count("is trained on") == 4
    assert "changed by hand" not in shown


def test_a_panel_changed_since_the_preview_is_shown_again_not_seated(
    app, client, auth, trained
):
    auth.login(trained["ta"])
    loop_id = _build_loop(client, app, trained)
    _, _, panel = _preview(client, loop_id)
    seats = _seats(app, loop_id)
    _seat(client, loop_id, seats[("Clinical case", "clinical")], trained["kwame"])
    before = _seated(app)
    again = client.submit(f"/loops/{loop_id}/propose", {"seat": "y", "panel": panel})
    # A GET page, so Back and Reload never send "Seat this panel" again.
    assert again.status_code == 302
    assert again.location == f"/loops/{loop_id}/propose"
    shown = client.get(again.location).get_data(as_text=True)
    assert "The seats changed since the proposal you confirmed" in shown
    assert _seated(app) == before  # nobody else seated
    # Said once: reloaded, or the address opened again, it is a plain preview.
    _, page, _ = _preview(client, loop_id)
    assert "Proposed panel: nobody seated yet" in page
    assert "The seats changed since" not in page


def test_a_seat_changed_by_hand_says_the_reason_was_for_the_proposed_panel(
    app, client, auth, trained
):
    auth.login(trained["ta"])
    loop_id = _build_loop(client, app, trained)
    _, _, panel = _preview(client, loop_id)
    client.submit(f"/loops/{loop_id}/propose", {"seat": "y", "panel": panel})
    seat_id = _seats(app, loop_id)[("Clinical case", "clinical")]
    _seat(client, loop_id, seat_id, None)  # emptied by hand
    shown = _reasons(client.get(f"/loops/{loop_id}").get_data(as_text=True))
    assert shown.count("This reason was for the proposed panel") == 1
    # Proposing again replaces the reason of the seat changed since.
    _, _, panel = _preview(client, loop_id)
    client.submit(f"/loops/{loop_id}/propose", {"seat": "y", "panel": panel})
    shown = _reasons(client.get(f"/loops/{loop_id}").get_data(as_text=True))
    assert "This reason was for the proposed panel" not in shown
    assert shown.count("is trained on") == 4


def test_the_reasons_are_escaped(app, client, auth, trained):
    with app.app_context():
        for person in ("clara", "kwame"):
            user = db.session.get(User, trained[person].id)
            user.name = f"<em>{user.name}</em>"
        db.session.commit()
    auth.login(trained["ta"])
    loop_id = _build_loop(client, app, trained)
    _, page, panel = _preview(client, loop_id)
    assert "<em>" not in page and "&lt;em&gt;" in page
    client.submit(f"/loops/{loop_id}/propose", {"seat": "y", "panel": panel})
    shown = _reasons(client.get(f"/loops/{loop_id}").get_data(as_text=True))
    assert "<em>" not in shown and "&lt;em&gt;" in shown


@pytest.mark.parametrize("who", ["hm", "clara"])
def test_only_talent_acquisition_proposes_or_seats(app, client, auth, trained, who):
    auth.login(trained["ta"])
    loop_id = _build_loop(client, app, trained)
    _, _, panel = _preview(client, loop_id)
    auth.logout()
    auth.login(trained[who])
    for data in ({}, {"seat": "y", "panel": panel}):
        assert client.submit(f"/loops/{loop_id}/propose", data).status_code == 403
    assert _seated(app) == [None] * 4
    # The preview's address shows them the loop, without the proposal's reasons.
    _, page, found = _preview(client, loop_id)
    assert found is None and "is trained on" not in page


def test_the_preview_is_a_page_reached_by_a_get(app, client, auth, trained):
    """Reload and Back never meet "Confirm form resubmission": the propose button
    asks for the preview by a GET, which seats nobody however often it is shown."""
    auth.login(trained["ta"])
    loop_id = _build_loop(client, app, trained)
    page = client.get(f"/loops/{loop_id}").get_data(as_text=True)
    # A link (a GET; issue 14: no bare "?" as a GET form without fields sent).
    assert f'<a class="button" href="/loops/{loop_id}/propose">' in page
    for _ in range(2):  # shown, then reloaded
        response, page, panel = _preview(client, loop_id)
        assert response.status_code == 200 and panel
        assert "Proposed panel: nobody seated yet" in page
    assert _seated(app) == [None] * 4
    # A POST without "Seat this panel" (an older page's button) goes to the preview.
    asked = client.submit(f"/loops/{loop_id}/propose")
    assert asked.location == f"/loops/{loop_id}/propose"
    assert _seated(app) == [None] * 4


def _proposal(page: str) -> str:
    found = re.search(r'<section[^>]*id="proposal".*?</section>', page, re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0))).strip()


def test_seat_this_panel_sent_again_says_the_panel_is_already_seated(
    app, client, auth, trained
):
    auth.login(trained["ta"])
    loop_id = _build_loop(client, app, trained)
    _, _, panel = _preview(client, loop_id)
    client.submit(f"/loops/{loop_id}/propose", {"seat": "y", "panel": panel})
    seated = _seated(app)
    again = client.submit(f"/loops/{loop_id}/propose", {"seat": "y", "panel": panel})
    assert again.location == f"/loops/{loop_id}/propose"
    shown = _proposal(client.get(again.location).get_data(as_text=True))
    assert shown.startswith("The panel is already seated")
    assert "nobody else was seated" in shown
    assert "nobody seated yet" not in shown
    assert "Every seat is already filled" not in shown
    assert _seated(app) == seated


@postgresql_only
def test_two_seat_this_panel_at_once_seat_it_once(
    app, client, auth, trained, monkeypatch
):
    """Both requests in flight: the second waits for the first, then finds the
    panel seated (a redirect to the preview saying so), never a server error."""
    from interview.loops import guard_views

    auth.login(trained["ta"])
    loop_id = _build_loop(client, app, trained)
    _, _, panel = _preview(client, loop_id)
    url, data = f"/loops/{loop_id}/propose", {"seat": "y", "panel": panel}
    answers = race(app, client, monkeypatch, guard_views, "propose_for", url, data)
    assert answers == [302, 302]
    assert None not in _seated(app) and len(_seated(app)) == 4


@pytest.mark.parametrize("who", ["hm", "clara"])
def test_the_reasons_are_talent_acquisitions_to_read(app, client, auth, trained, who):
    """They name colleagues' weekly load: not for interviewers or the manager."""
    auth.login(trained["ta"])
    loop_id = _build_loop(client, app, trained)
    _, _, panel = _preview(client, loop_id)
    client.submit(f"/loops/{loop_id}/propose", {"seat": "y", "panel": panel})
    assert "is trained on" in _reasons(
        client.get(f"/loops/{loop_id}").get_data(as_text=True)
    )
    auth.logout()
    auth.login(trained[who])
    page = client.get(f"/loops/{loop_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Why the proposed panel was chosen" not in text
    assert "is trained on" not in text


@pytest.mark.parametrize("status", ["withdrawn", "decided"])
def test_a_closed_loops_preview_offers_nothing_to_seat(
    app, client, auth, trained, status
):
    """Review: a bookmarked preview of a loop withdrawn or decided since still
    offered "Seat this panel", which then only refused."""
    auth.login(trained["ta"])
    loop_id = _build_loop(client, app, trained)
    with app.app_context():
        loop = db.session.get(Loop, loop_id)
        loop.status = LoopStatus(status)
        db.session.commit()
    response, page, panel = _preview(client, loop_id)
    assert response.status_code == 200
    assert panel is None and "Seat this panel" not in page
    assert f"Nothing to propose now: the loop is {status}" in page
    assert _seated(app) == [None] * 4
