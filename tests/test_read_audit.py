"""Read audit: opening a debrief, downloading its packet (page and command line) and
exporting a candidate are recorded (who, what, which object, when), committed
although the request is a page view; a refused read is not recorded, nor a HEAD
request, and the same read repeated within the window is recorded once."""

import json
import threading
from datetime import timedelta

import sqlalchemy as sa

from interview.extensions import db
from interview.models import AuditEntry, Candidate, Loop, LoopStatus, Role
from interview.timeutil import utcnow

from .test_scorecards import _form


def _reads(app, action: str | None = None) -> list[AuditEntry]:
    """The read entries, from a fresh session (so only committed ones)."""
    with app.app_context():
        query = sa.select(AuditEntry).where(
            AuditEntry.action.in_(["debrief.view", "debrief.packet"])
            if action is None
            else AuditEntry.action == action
        )
        found = db.session.scalars(query.order_by(AuditEntry.id)).all()
        db.session.expunge_all()
        return found


def _loop_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Loop.id))


def _assert_no_personal_data(entry: AuditEntry) -> None:
    text = json.dumps([entry.before, entry.after, entry.reason])
    for personal in ("Priya", "Raman", "candidate.example", "Clara"):
        assert personal not in text


def test_viewing_a_debrief_is_recorded(app, client, auth, seat, make_user):
    ta = make_user(Role.TALENT_ACQUISITION)
    loop_id = _loop_id(app)
    auth.login(ta)
    assert client.get(f"/loops/{loop_id}/debrief").status_code == 200
    (entry,) = _reads(app)
    assert (entry.actor_id, entry.action) == (ta.id, "debrief.view")
    assert (entry.object_type, entry.object_id) == ("loops", loop_id)
    assert entry.at is not None and entry.before is None and entry.after is None
    _assert_no_personal_data(entry)
    client.get(f"/loops/{loop_id}/debrief")
    assert len(_reads(app)) == 1  # a reload within the window is the same read


def test_a_refused_or_missing_debrief_is_not_recorded(
    app, client, auth, seat, make_user
):
    loop_id = _loop_id(app)
    auth.login(seat["clara"])  # seated, nothing submitted: not yet allowed
    assert client.get(f"/loops/{loop_id}/debrief").status_code == 403
    assert client.get(f"/loops/{loop_id}/debrief.pdf").status_code == 403
    auth.logout()
    auth.login(make_user(Role.TALENT_ACQUISITION))
    assert client.get(f"/loops/{loop_id + 100}/debrief").status_code == 404
    assert client.get(f"/loops/{loop_id + 100}/debrief.pdf").status_code == 404
    assert _reads(app) == []


def test_an_interviewers_read_is_recorded_once_allowed(app, client, auth, seat):
    loop_id = _loop_id(app)
    auth.login(seat["clara"])
    client.submit(f"/interviews/{seat['id']}", _form(submit="y"))
    assert client.get(f"/loops/{loop_id}/debrief").status_code == 200
    (entry,) = _reads(app)
    assert entry.actor_id == seat["clara"].id


def test_reading_the_panels_scorecards_is_recorded(app, client, auth, seat):
    loop_id = _loop_id(app)
    auth.login(seat["clara"])
    url = f"/interviews/loops/{loop_id}/scorecards"
    assert client.get(url).status_code == 403  # before her own is submitted
    assert _reads(app, "scorecards.panel") == []
    client.submit(f"/interviews/{seat['id']}", _form(submit="y"))
    assert client.get(url).status_code == 200
    (entry,) = _reads(app, "scorecards.panel")
    assert (entry.actor_id, entry.object_id) == (seat["clara"].id, loop_id)


def test_downloading_a_packet_is_recorded(app, client, auth, seat):
    loop_id = _loop_id(app)
    auth.login(seat["manager"])
    response = client.get(f"/loops/{loop_id}/debrief.pdf?size=letter")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    (entry,) = _reads(app)
    assert (entry.actor_id, entry.action) == (seat["manager"].id, "debrief.packet")
    assert (entry.object_type, entry.object_id) == ("loops", loop_id)
    assert entry.after == {"size": "letter", "archival": False}
    _assert_no_personal_data(entry)
    client.get(f"/loops/{loop_id}/debrief.pdf?size=letter")  # the kept packet
    assert len(_reads(app, "debrief.packet")) == 1  # fetched again: the same read


def test_a_packet_written_by_the_command_line_is_recorded(app, runner, seat, tmp_path):
    loop_id = _loop_id(app)
    out = tmp_path / "packet.pdf"
    result = runner.invoke(args=["debrief", str(loop_id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    (entry,) = _reads(app)
    assert entry.actor_id is None and entry.action == "debrief.packet"
    assert entry.object_id == loop_id and entry.after["via"] == "command line"


def test_packets_written_for_every_decided_loop_are_recorded(
    app, runner, seat, tmp_path
):
    loop_id = _loop_id(app)
    with app.app_context():
        db.session.get(Loop, loop_id).status = LoopStatus.DECIDED
        db.session.commit()
    result = runner.invoke(
        args=["debrief", "--all-decided", "--out-dir", str(tmp_path), "-j", "1"]
    )
    assert result.exit_code == 0, result.output
    assert [(e.object_id, e.actor_id) for e in _reads(app)] == [(loop_id, None)]


def test_a_read_is_recorded_when_someone_wrote_since_the_page_began(
    app, client, auth, seat, monkeypatch
):
    """On SQLite the page's own transaction reads an old snapshot by then, which
    may not write; the entry goes in a transaction of its own."""
    from interview.debrief import views

    loop_id = _loop_id(app)
    render = views._render

    def render_while_someone_writes(loop, form, status=200):
        with db.engine.begin() as other:  # another writer commits meanwhile
            other.execute(sa.update(Candidate.__table__).values(notes="Changed."))
        return render(loop, form, status)

    monkeypatch.setattr(views, "_render", render_while_someone_writes)
    auth.login(seat["manager"])
    assert client.get(f"/loops/{loop_id}/debrief").status_code == 200
    assert [e.action for e in _reads(app)] == ["debrief.view"]


def test_a_read_that_cannot_be_recorded_is_not_served(
    app, client, auth, seat, monkeypatch
):
    from interview.debrief import views

    def fail(*args, **kwargs):
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(views, "record_read", fail)
    auth.login(seat["manager"])
    response = client.get(f"/loops/{_loop_id(app)}/debrief")
    assert response.status_code == 503
    assert "Priya Raman" not in response.get_data(as_text=True)


# The decision form shown again (it shows the debrief) -------------------------------


def _in_debrief(app, loop_id: int) -> None:
    with app.app_context():
        db.session.get(Loop, loop_id).status = LoopStatus.DEBRIEF
        db.session.commit()


def test_a_refused_decision_shows_the_debrief_and_records_the_read(
    app, client, auth, seat
):
    loop_id = _loop_id(app)
    _in_debrief(app, loop_id)
    auth.login(seat["manager"])
    url = f"/loops/{loop_id}/decision"
    # A refusal redirects to its draft (04307f9), which shows the debrief again.
    short = client.submit(url, {"outcome": "hold", "rationale": "Not sure."})
    assert short.status_code == 302
    assert "Priya Raman" in client.get(short.location).get_data(as_text=True)
    (entry,) = _reads(app)
    assert (entry.actor_id, entry.action) == (seat["manager"].id, "debrief.view")
    assert (entry.object_type, entry.object_id) == ("loops", loop_id)
    again = client.submit(url, {"outcome": "hold", "rationale": "Still not sure."})
    client.get(again.location)
    assert len(_reads(app)) == 1  # shown again within the window: the same read


def test_a_decision_the_loop_refuses_records_the_read(app, client, auth, seat):
    loop_id = _loop_id(app)  # planned, not in debrief: record_decision refuses
    auth.login(seat["manager"])
    response = client.submit(
        f"/loops/{loop_id}/decision",
        {"outcome": "hire", "rationale": "Strong clinical workflow evidence here."},
    )
    assert response.status_code == 302  # to its draft (04307f9)
    page = client.get(response.location).get_data(as_text=True)
    assert "once it is in debrief" in page
    assert [(e.actor_id, e.action) for e in _reads(app)] == [
        (seat["manager"].id, "debrief.view")
    ]


# Repeated fetches and HEAD ----------------------------------------------------------


def test_a_head_request_records_nothing(app, client, auth, seat):
    loop_id = _loop_id(app)
    auth.login(seat["manager"])
    assert client.head(f"/loops/{loop_id}/debrief").status_code == 200
    assert client.head(f"/loops/{loop_id}/debrief.pdf").status_code == 200
    assert _reads(app) == []
    client.get(f"/loops/{loop_id}/debrief")
    assert [e.action for e in _reads(app)] == ["debrief.view"]


def test_one_read_per_reader_object_and_options_within_the_window(
    app, client, auth, seat, make_user, monkeypatch
):
    from interview import auditing

    loop_id = _loop_id(app)
    pdf = f"/loops/{loop_id}/debrief.pdf"
    auth.login(seat["manager"])
    for url in (pdf, f"{pdf}?size=letter", pdf, f"{pdf}?size=letter"):
        assert client.get(url, headers={"Range": "bytes=0-1023"}).status_code < 300
    assert [e.after["size"] for e in _reads(app)] == ["A4", "letter"]
    auth.logout()
    ta = make_user(Role.TALENT_ACQUISITION)
    auth.login(ta)
    client.get(pdf)
    client.get(pdf)
    assert [e.actor_id for e in _reads(app)][-1:] == [ta.id]
    assert len(_reads(app)) == 3
    # The window (10 minutes by default) past: the same read is a new one.
    later = utcnow() + timedelta(minutes=11)
    monkeypatch.setattr(auditing, "utcnow", lambda: later)
    client.get(pdf)
    assert [e.at for e in _reads(app)][-1] == later and len(_reads(app)) == 4
    client.get(pdf)
    assert len(_reads(app)) == 4


def test_the_window_is_a_setting_and_zero_records_every_read(app, client, auth, seat):
    app.config["READ_AUDIT_WINDOW_SECONDS"] = 0
    loop_id = _loop_id(app)
    auth.login(seat["manager"])
    for _ in range(3):
        client.get(f"/loops/{loop_id}/debrief")
    assert len(_reads(app)) == 3


def test_a_read_racing_the_same_read_waits_and_is_not_recorded_twice(
    app, client, auth, seat, databases
):
    """PostgreSQL: another worker's identical read, inserted and not yet committed,
    is invisible to this one's check; the advisory lock makes it wait for the commit
    and then see it. (SQLite's writers take turns on the database's lock anyway.)"""
    import pytest

    from interview import auditing

    if databases.name != "postgresql":
        pytest.skip("PostgreSQL only")
    loop_id = _loop_id(app)
    manager = seat["manager"]
    values = {
        "at": utcnow(),
        "actor_id": manager.id,
        "action": "debrief.view",
        "object_type": "loops",
        "object_id": loop_id,
        "after": None,
    }
    auth.login(manager)
    statuses = []
    with app.app_context():
        other = db.engine.connect()
    try:
        with other.begin():  # the other worker's read, committed at the block's end
            other.execute(
                sa.select(sa.func.pg_advisory_xact_lock(auditing._lock_key(values)))
            )
            table = AuditEntry.__table__
            other.execute(auditing._insert_once(table, values, timedelta(minutes=10)))
            worker = threading.Thread(
                target=lambda: statuses.append(
                    client.get(f"/loops/{loop_id}/debrief").status_code
                )
            )
            worker.start()
            worker.join(3)  # the page takes well under a second otherwise
            assert worker.is_alive() and statuses == []  # waiting for the commit
        worker.join(10)
    finally:
        other.close()
    assert statuses == [200]
    assert len(_reads(app)) == 1


def test_the_check_for_a_recent_read_uses_an_index(app, databases):
    """One object's entries of the window are read, however long the log is."""
    from interview import auditing

    values = {
        "at": utcnow(),
        "actor_id": 1,
        "action": "debrief.packet",
        "object_type": "loops",
        "object_id": 3,
        "after": {"size": "A4", "archival": False},
    }
    statement = auditing._insert_once(
        AuditEntry.__table__, values, timedelta(minutes=10)
    )
    with app.app_context(), db.engine.connect() as connection:
        compiled = statement.compile(db.engine)
        if databases.name == "sqlite":
            params = [
                json.dumps(v) if isinstance(v, dict) else v
                for v in (compiled.params[n] for n in compiled.positiontup)
            ]
            params = [str(v) if hasattr(v, "isoformat") else v for v in params]
            explain = f"EXPLAIN QUERY PLAN {compiled}"
            rows = connection.exec_driver_sql(explain, tuple(params))
            plan = " | ".join(row[-1] for row in rows)
        else:
            connection.exec_driver_sql("SET enable_seqscan = off")
            params = {
                k: json.dumps(v) if isinstance(v, dict) else v
                for k, v in compiled.params.items()
            }
            rows = connection.exec_driver_sql(f"EXPLAIN {compiled}", params)
            plan = " | ".join(row[0] for row in rows)
            connection.rollback()
    assert "ix_audit_log_" in plan, plan
    assert "SCAN audit_log" not in plan and "Seq Scan" not in plan, plan
