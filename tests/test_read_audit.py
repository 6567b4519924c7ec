"""Read audit: opening a debrief, downloading its packet (page and command line) and
exporting a candidate are recorded (who, what, which object, when), committed
although the request is a page view; a refused read is not recorded."""

import json

import sqlalchemy as sa

from interview.extensions import db
from interview.models import AuditEntry, Candidate, Loop, LoopStatus, Role

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
    assert len(_reads(app)) == 2  # every view, not the first one only


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
    assert len(_reads(app, "debrief.packet")) == 2


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
