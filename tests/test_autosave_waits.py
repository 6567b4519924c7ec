"""An autosave that waits for the seat's lock while another write of the scorecard
commits: it decides on what that write stored, never on what it read before.

On PostgreSQL the autosave reads the seat and its scorecard in the statement that
takes the lock (scorecards/drafts.py), so the scorecard it sees first can be older
than the write it waited for. Here a second connection holds the lock, the autosave
is sent and left waiting, and the connection then commits what another request would
have (an earlier request of the same page, a newer one, another tab, a submission).
On SQLite the second connection holds the write lock and the autosave waits at BEGIN.
"""

import threading
import time

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.models import Scorecard
from interview.scorecards.rules import MAX_TEXT

from .conftest import Auth
from .tabs import Tab
from .test_scorecards import _card

WAITING = """
    SELECT count(*) FROM pg_stat_activity
    WHERE wait_event_type = 'Lock' AND datname = current_database()
"""


def _stored(app, seat_id: int) -> dict:
    with app.app_context():
        row = db.session.execute(
            sa.select(Scorecard.updated_at).where(Scorecard.seat_id == seat_id)
        ).one()
    return {"updated_at": row.updated_at}


def _lock(app, seat_id: int):
    """A connection holding the seat's lock (SQLite: the database's write lock)."""
    with app.app_context():
        connection = db.engine.connect()
    if connection.dialect.name == "sqlite":  # begun by the app's own BEGIN (db.py)
        connection.execute(
            sa.text("UPDATE panel_seats SET id = id WHERE id = :id"), {"id": seat_id}
        )
    else:
        connection.execute(
            sa.text("SELECT 1 FROM panel_seats WHERE id = :id FOR UPDATE"),
            {"id": seat_id},
        )
    return connection


def _until_waiting(app, connection) -> None:
    """Return once the autosave waits for the lock (PostgreSQL: as the server says)."""
    if connection.dialect.name == "sqlite":
        time.sleep(0.3)
        return
    with app.app_context():
        engine = db.engine
    deadline = time.monotonic() + 10
    with engine.connect() as watcher:
        while watcher.scalar(sa.text(WAITING)) == 0:
            assert time.monotonic() < deadline, "the autosave never waited"
            watcher.rollback()  # the activity view is read once per transaction
            time.sleep(0.01)


# What another request commits while the autosave waits, given the stored scorecard
# and the waiting page's edit token and request number.
MEANWHILE = {
    "an earlier request of this page": lambda card, token, seq: {
        "edit_token": token,
        "edit_seq": seq - 1,
        "summary": "Sent first by the same page.",
    },
    "a newer request of this page": lambda card, token, seq: {
        "edit_token": token,
        "edit_seq": seq + 1,
        "summary": "Sent later by the same page, stored first.",
    },
    "another tab": lambda card, token, seq: {
        "edit_token": "another-tab",
        "edit_seq": 1,
        "summary": "Written in another tab.",
    },
    "a submission": lambda card, token, seq: {
        "status": "submitted",
        "submitted_at": card["updated_at"],
        "summary": "Submitted from another tab.",
    },
}
# (status, the summary stored afterwards: None for the waiting autosave's own)
EXPECTED = {
    "an earlier request of this page": (200, None),
    "a newer request of this page": (200, "Sent later by the same page, stored first."),
    "another tab": (409, "Written in another tab."),
    "a submission": (409, "Submitted from another tab."),
}


def _wait_then(app, seat, meanwhile, tab, data):
    """Send ``data`` while another connection holds the lock, commit ``meanwhile``
    there, and return the autosave's answer."""
    before = _stored(app, seat["id"])
    holder = _lock(app, seat["id"])
    answer: list = []
    sender = threading.Thread(target=lambda: answer.append(tab.autosave(data)))
    try:
        sender.start()
        _until_waiting(app, holder)
        change = MEANWHILE[meanwhile](before, tab.token, tab.seq)
        holder.execute(
            sa.text(
                "UPDATE scorecards SET "
                + ", ".join(f"{name} = :{name}" for name in change)
                + ", version = version + 1 WHERE seat_id = :seat"
            ),
            {**change, "seat": seat["id"]},
        )
        holder.commit()
    finally:
        holder.close()
        sender.join(timeout=30)
    return answer[0]


def _tab(app, seat) -> Tab:
    client = app.test_client()
    Auth(client).login(seat["clara"])
    tab = Tab(client, seat["id"])
    assert tab.autosave(summary="The first save.").status_code == 200
    return tab


@pytest.mark.parametrize("meanwhile", sorted(MEANWHILE))
def test_an_autosave_that_waited_decides_on_what_was_stored(app, seat, meanwhile):
    tab = _tab(app, seat)
    # It changes a rating too: on PostgreSQL written with the scorecard, or not at all.
    data = tab.request(
        summary="The save that waited for the lock.",
        evidence_workflow="Evidence the waiting save wrote.",
    )
    response = _wait_then(app, seat, meanwhile, tab, data)
    status, summary = EXPECTED[meanwhile]
    assert response.status_code == status, response.get_data(as_text=True)
    stored = _card(app)
    assert stored["summary"] == (summary or "The save that waited for the lock.")
    written = stored["evidence"]["workflow"] == "Evidence the waiting save wrote."
    assert written == (summary is None)
    if status == 200:  # the page learns the version that is stored
        assert response.json["version"] == stored["version"]
    elif meanwhile == "another tab":
        assert response.json["stale"] is True
    else:
        assert response.json["submitted"] is True


# An over-long save that waited: refused for its length only when it would be written
# (code review: PostgreSQL answered 422 in every case, SQLite 409, 409 and 200).
TOO_LONG = {
    "an earlier request of this page": (422, "problems"),
    "a newer request of this page": (200, "version"),
    "another tab": (409, "stale"),
    "a submission": (409, "submitted"),
}


@pytest.mark.parametrize("meanwhile", sorted(TOO_LONG))
def test_an_over_long_autosave_that_waited_is_answered_on_what_was_stored(
    app, seat, meanwhile
):
    tab = _tab(app, seat)
    data = tab.request(summary="x" * (MAX_TEXT + 1))
    response = _wait_then(app, seat, meanwhile, tab, data)
    status, key = TOO_LONG[meanwhile]
    assert response.status_code == status, response.get_data(as_text=True)
    assert key in response.json
    assert _card(app)["summary"] != data["summary"]
