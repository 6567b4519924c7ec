"""Concurrent writes of one scorecard (two or eight tabs at once, through a barrier):
one wins, every other gets a clear refusal, never a server error. Runs on SQLite and,
with INTERVIEW_TEST_DATABASE_URL set, on PostgreSQL, where requests really overlap."""

import threading

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.models import AuditEntry

from .conftest import Auth
from .tabs import Tab
from .test_scorecards import _card


def _race(app, seat, threads: int, send) -> list:
    """Open one tab per thread, then let them all send at the same moment."""
    tabs = []
    for _ in range(threads):
        client = app.test_client()
        Auth(client).login(seat["clara"])
        tabs.append(Tab(client, seat["id"]))
    barrier = threading.Barrier(threads)
    results: list = [None] * threads

    def run(n: int) -> None:
        data = tabs[n].request(summary=f"Summary written in tab number {n}, in full.")
        barrier.wait()
        try:
            results[n] = send(tabs[n], data)
        except Exception as exc:  # noqa: BLE001 (shown with the others in the assert)
            results[n] = exc

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return results


@pytest.fixture(params=["new", "existing"])
def draft(request, app, seat):
    """Race on a scorecard not yet saved (an insert) or on a saved draft (an update)."""
    if request.param == "existing":
        client = app.test_client()
        Auth(client).login(seat["clara"])
        Tab(client, seat["id"]).autosave()
    return request.param


@pytest.mark.parametrize("threads", [2, 8])
def test_concurrent_autosaves_one_wins_the_rest_are_told(app, seat, draft, threads):
    results = _race(app, seat, threads, lambda tab, data: tab.autosave(data))
    codes = sorted(r.status_code for r in results)
    assert codes == [200] + [409] * (threads - 1), results
    winner = next(r for r in results if r.status_code == 200)
    assert all(r.json["stale"] for r in results if r.status_code == 409)
    assert _card(app)["version"] == winner.json["version"]


@pytest.mark.parametrize("threads", [2, 8])
def test_concurrent_draft_saves_one_wins_the_rest_are_told(app, seat, draft, threads):
    results = _race(
        app, seat, threads, lambda tab, data: tab.post(data | {"save": "y"})
    )
    codes = sorted(r.status_code for r in results)
    assert codes == [302] + [409] * (threads - 1), codes
    for r in results:
        if r.status_code == 409:
            assert "Changed in another window" in r.get_data(as_text=True)


@pytest.mark.parametrize("threads", [2, 8])
def test_concurrent_submits_submit_once(app, seat, draft, threads):
    results = _race(
        app, seat, threads, lambda tab, data: tab.post(data | {"submit": "y"})
    )
    codes = [r.status_code for r in results]
    assert set(codes) <= {302, 409} and codes.count(302) >= 1, codes
    stored = _card(app)
    assert stored["status"] == "submitted"
    with app.app_context():
        submits = db.session.scalar(
            sa.select(sa.func.count()).where(AuditEntry.action == "scorecard.submit")
        )
    assert submits == 1
    # The losers were told: already submitted (on the page they are sent to) or
    # changed in another window; the stored text is one tab's, whole.
    assert stored["summary"].startswith("Summary written in tab number")


def test_an_amendment_waits_for_a_decision_being_recorded_and_then_is_refused(
    app, seat
):
    """A decision committing while an amendment is under way: the amendment waits
    for it and is refused (frozen), never committed after the loop was decided."""
    from interview.models import Loop, PanelSeat

    client = app.test_client()
    Auth(client).login(seat["clara"])
    tab = Tab(client, seat["id"])
    assert tab.post(tab.request(submit="y")).status_code == 302
    with app.app_context():
        loop_id = db.session.get(PanelSeat, seat["id"]).session.loop_id
        db.session.get(Loop, loop_id).status = "debrief"
        db.session.commit()
        engine = db.engine
    data = tab.request(
        amend="y",
        level_workflow="2",
        amend_reason="Re-read my notes during the debrief.",
    )
    result = {}
    with engine.connect() as decider:
        deciding = decider.begin()  # the decision's transaction, holding the loop
        decider.execute(
            sa.select(Loop.__table__.c.id)
            .where(Loop.__table__.c.id == loop_id)
            .with_for_update()
        )
        worker = threading.Thread(target=lambda: result.update(r=tab.post(data)))
        worker.start()
        worker.join(timeout=1.5)
        assert worker.is_alive(), "the amendment went ahead while the loop was locked"
        decider.execute(
            Loop.__table__.update()
            .where(Loop.__table__.c.id == loop_id)
            .values(status="decided", version=Loop.__table__.c.version + 1)
        )
        deciding.commit()
    worker.join(timeout=30)
    assert result["r"].status_code == 409
    assert "its scorecards are frozen" in result["r"].get_data(as_text=True)
    assert _card(app)["amendments"] == 0
