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
