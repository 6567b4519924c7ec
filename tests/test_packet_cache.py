"""Kept debrief packets: a repeat download is served from the database without a
render, and only ever the packet that rendering it now would give, for this reader."""

import shutil
import sqlite3
import threading

import pytest
import sqlalchemy as sa

from interview.debrief import documents, renderer
from interview.extensions import db
from interview.models import Loop, LoopStatus, PacketFile, Role, User
from interview.timeutil import utcnow

from .conftest import Auth
from .tabs import Tab
from .test_packet import LETTER, _page_size, _submitted_loop, _xmp, pages_text

CLARA_SAYS = "Clara walked through the medication reconciliation step by step."


@pytest.fixture
def renders(monkeypatch):
    """The HTML of every packet handed to a renderer child (the real render runs)."""
    seen: list[str] = []
    monkeypatch.setattr(renderer.RendererPool, "render", _counting(seen))
    return seen


def _counting(seen: list[str]):
    original = renderer.RendererPool.render

    def spy(self, html, **options):
        seen.append(html)
        return original(self, html, **options)

    return spy


@pytest.fixture
def loop_id(app, client, auth, seat, make_user):
    """Clara and Wei have submitted; the manager is signed in."""
    loop_id = _submitted_loop(app, client, auth, seat, make_user, CLARA_SAYS)
    auth.login(seat["manager"])
    return loop_id


def _kept(app, loop_id: int | None = None) -> list[PacketFile]:
    with app.app_context():
        query = sa.select(PacketFile).order_by(PacketFile.id)
        if loop_id is not None:
            query = query.where(PacketFile.loop_id == loop_id)
        return list(db.session.scalars(query))


def _text(data: bytes) -> str:
    return " ".join(pages_text(data))


def test_a_repeat_download_is_the_kept_packet_and_renders_nothing(
    app, client, loop_id, renders
):
    url = f"/loops/{loop_id}/debrief.pdf"
    first = client.get(url)
    assert first.status_code == 200 and len(renders) == 1
    again = client.get(url)
    assert again.status_code == 200 and len(renders) == 1
    assert again.data == first.data  # the same document, its "Prepared" time too
    assert again.mimetype == "application/pdf"
    assert again.headers["Content-Disposition"] == first.headers["Content-Disposition"]
    (kept,) = _kept(app)
    assert kept.loop_id == loop_id and kept.pdf == first.data
    assert CLARA_SAYS in _text(again.data)


def test_an_amended_scorecard_gives_a_new_packet(
    app, client, auth, seat, loop_id, renders
):
    url = f"/loops/{loop_id}/debrief.pdf"
    before = client.get(url).data
    auth.logout()
    auth.login(seat["clara"])
    amended = "After the debrief Clara added the downtime procedure she described."
    done = Tab(client, seat["id"]).post(
        amend="y",
        evidence_workflow=amended,
        amend_reason="Re-read my notes after the debrief.",
    )
    assert done.status_code == 302
    auth.logout()
    auth.login(seat["manager"])
    after = client.get(url).data
    assert len(renders) == 2 and after != before
    assert amended in _text(after) and CLARA_SAYS not in _text(after)
    assert client.get(url).data == after and len(renders) == 2


def test_a_change_to_the_loop_forgets_its_kept_packets_at_once(
    app, client, auth, seat, loop_id, renders
):
    """Words since changed (amended evidence, a corrected name) are not kept in an
    old packet until someone downloads the new one: the change deletes them."""
    other = _other_loop(app, seat)
    client.get(f"/loops/{loop_id}/debrief.pdf")
    client.get(f"/loops/{other}/debrief.pdf")
    assert len(_kept(app, loop_id)) == len(_kept(app, other)) == 1
    auth.logout()
    auth.login(seat["clara"])
    done = Tab(client, seat["id"]).post(
        amend="y",
        evidence_workflow="Clara's corrected account of the downtime procedure.",
        amend_reason="A detail was wrong.",
    )
    assert done.status_code == 302
    assert _kept(app, loop_id) == [] and len(_kept(app, other)) == 1
    client.get(f"/loops/{loop_id}/debrief.pdf")
    with app.app_context():
        db.session.get(Loop, loop_id).candidate.name = "Ana Souza-Lima"
        db.session.commit()
    assert _kept(app, loop_id) == [] and len(_kept(app, other)) == 1


def test_a_decision_gives_a_new_packet(app, client, loop_id, renders):
    url = f"/loops/{loop_id}/debrief.pdf"
    before = client.get(url).data
    with app.app_context():
        db.session.get(Loop, loop_id).status = LoopStatus.DEBRIEF
        db.session.commit()
    rationale = "Strong workflow evidence from both sides of the panel."
    decided = client.submit(
        f"/loops/{loop_id}/decision", {"outcome": "hire", "rationale": rationale}
    )
    assert decided.status_code == 302
    after = client.get(url).data
    assert len(renders) == 2
    assert after != before and rationale in _text(after)


def test_a_renamed_candidate_gives_a_new_packet(app, client, loop_id, renders):
    url = f"/loops/{loop_id}/debrief.pdf"
    client.get(url)
    with app.app_context():
        db.session.get(Loop, loop_id).candidate.name = "Ana Souza-Lima"
        db.session.commit()
    assert "Ana Souza-Lima" in _text(client.get(url).data) and len(renders) == 2


def test_each_reader_gets_their_own_packet(
    app, client, auth, seat, make_user, loop_id, renders
):
    url = f"/loops/{loop_id}/debrief.pdf"
    mine = client.get(url).data
    auth.logout()
    tara = make_user(Role.TALENT_ACQUISITION, name="Tara Okafor")
    auth.login(tara)
    theirs = client.get(url).data
    assert len(renders) == 2
    assert "for Tara Okafor" in _text(theirs)
    assert seat["manager"].name not in _text(theirs).split("Prepared")[1][:80]
    assert client.get(url).data == theirs and len(renders) == 2
    with app.app_context():  # a new time zone: every time in it reads differently
        db.session.get(User, tara.id).time_zone = "America/Chicago"
        db.session.commit()
    client.get(url)
    assert len(renders) == 3
    auth.logout()
    auth.login(seat["manager"])
    again = client.get(url).data
    assert again == mine and len(renders) == 3
    assert f"for {seat['manager'].name}" in _text(again)


def test_who_may_not_read_the_debrief_gets_no_kept_packet(
    app, client, auth, make_user, loop_id
):
    url = f"/loops/{loop_id}/debrief.pdf"
    assert client.get(url).status_code == 200
    auth.logout()
    auth.login(make_user(Role.HIRING_MANAGER))
    assert client.get(url).status_code == 403
    auth.logout()
    assert client.get(url).status_code == 302  # to sign-in


def test_sizes_and_the_archival_variant_are_kept_apart(app, client, loop_id, renders):
    url = f"/loops/{loop_id}/debrief.pdf"
    variants = ["", "?size=letter", "?archival=1", "?size=letter&archival=1"]
    first = {v: client.get(url + v).data for v in variants}
    assert len(renders) == 4 and len(set(first.values())) == 4
    assert {v: client.get(url + v).data for v in variants} == first
    assert len(renders) == 4 and len(_kept(app)) == 4
    assert _page_size(first["?size=letter"]) == LETTER
    assert _page_size(first["?size=letter&archival=1"]) == LETTER
    assert "pdfaid" in _xmp(first["?archival=1"]) and "pdfaid" not in _xmp(first[""])


def test_only_the_newest_packets_of_a_loop_are_kept(app, client, loop_id, seat):
    other = _other_loop(app, seat)
    with app.test_request_context():
        assert documents.keep_packet(other, "0" * 64, b"another loop's")
        for n in range(documents.KEEP_PER_LOOP + 3):
            assert documents.keep_packet(loop_id, f"{n:064x}", f"pdf {n}".encode())
    kept = _kept(app, loop_id)
    assert [k.key for k in kept] == [
        f"{n:064x}" for n in range(3, documents.KEEP_PER_LOOP + 3)
    ]
    assert len(_kept(app, other)) == 1


def _other_loop(app, seat) -> int:
    from interview.models import PlanSession

    from .builders import start_loop

    with app.app_context():
        first = db.session.get(Loop, db.session.scalar(sa.select(Loop.id)))
        plan = [PlanSession(title="Case", competency_keys=["workflow"])]
        rubric_id = first.rubric_version.rubric_id
        loop = start_loop(seat["manager"].id, rubric_id, plan, candidate="Ana Souza")
        db.session.commit()
        return loop.id


def test_the_same_packet_stored_twice_is_kept_once(app, loop_id):
    with app.test_request_context():
        assert documents.keep_packet(loop_id, "a" * 64, b"first")
        assert documents.keep_packet(loop_id, "a" * 64, b"second")  # no error
    assert [k.pdf for k in _kept(app)] == [b"first"]


def test_two_misses_at_once_both_serve_the_packet(
    app, client, auth, seat, loop_id, monkeypatch
):
    """Both requests look and miss before either has rendered; both store."""
    both_missed = threading.Barrier(2, timeout=60)
    original = renderer.RendererPool.render
    rendered = []

    def render_when_both_missed(self, html, **options):
        both_missed.wait()
        rendered.append(html)
        return original(self, html, **options)

    monkeypatch.setattr(renderer.RendererPool, "render", render_when_both_missed)
    second = app.test_client()
    Auth(second).login(seat["manager"])
    url = f"/loops/{loop_id}/debrief.pdf"
    answers = [None, None]

    def fetch(i, each):
        answers[i] = each.get(url)

    threads = [
        threading.Thread(target=fetch, args=(i, c))
        for i, c in enumerate((client, second))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert [a.status_code for a in answers] == [200, 200]
    assert len(rendered) == 2
    (kept,) = _kept(app)
    assert kept.pdf in (answers[0].data, answers[1].data)
    assert client.get(url).data == kept.pdf and len(rendered) == 2


def test_a_store_racing_an_uncommitted_one_waits_then_does_nothing(app, loop_id):
    """The second insert of one key waits for the first writer and then finds the
    key taken (PostgreSQL: the unique index); on SQLite, where the first holds the
    whole database's write lock, it gives up after a short wait instead of holding
    a finished packet back for the busy timeout."""
    with app.app_context():
        first = db.engine.connect()
        first.execute(
            sa.insert(PacketFile).values(
                loop_id=loop_id, key="d" * 64, pdf=b"first", created_at=utcnow()
            )
        )
        stored = []

        def second():
            with app.test_request_context():  # a GET, as the download is
                stored.append(documents.keep_packet(loop_id, "d" * 64, b"second"))

        racer = threading.Thread(target=second)
        racer.start()
        if _is_sqlite(app):
            racer.join(documents.STORE_WAIT_MS / 1000 + 5)
            assert not racer.is_alive() and stored == [False]
        else:
            racer.join(0.5)
            assert racer.is_alive()  # waiting for the first writer
        first.commit()
        first.close()
        racer.join(30)
    assert stored == [not _is_sqlite(app)]
    assert [k.pdf for k in _kept(app)] == [b"first"]


def test_a_packet_that_cannot_be_kept_is_served_all_the_same(
    app, client, loop_id, renders, monkeypatch, caplog
):
    def fail(*_args):
        raise sa.exc.OperationalError("INSERT", {}, OSError("disk I/O error"))

    monkeypatch.setattr(documents, "_insert_unless_there", fail)
    url = f"/loops/{loop_id}/debrief.pdf"
    response = client.get(url)
    assert response.status_code == 200 and CLARA_SAYS in _text(response.data)
    assert "not kept" in caplog.text and "disk I/O error" in caplog.text
    assert _kept(app) == []
    monkeypatch.undo()  # the next download renders again, and keeps it
    monkeypatch.setattr(renderer.RendererPool, "render", _counting(renders))
    assert client.get(url).status_code == 200 and len(renders) == 2
    assert len(_kept(app)) == 1


@pytest.fixture
def app_config(request):
    return getattr(request, "param", {})


@pytest.mark.parametrize("app_config", [{"SQLITE_BUSY_TIMEOUT_MS": 50}], indirect=True)
def test_a_locked_sqlite_database_keeps_no_packet_and_serves_none_unrecorded(
    app, client, loop_id, renders, caplog
):
    """Another writer holds the write lock past the wait: the packet is not kept (a
    GET's read transaction could not write it at all), and since its download
    cannot be recorded either (read audit, issue 13) it is not served: a 503 that
    says to try again."""
    if not _is_sqlite(app):
        pytest.skip("SQLite's single writer lock")
    with app.app_context():
        path = db.engine.url.database
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        response = client.get(f"/loops/{loop_id}/debrief.pdf")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert response.status_code == 503 and b"%PDF" not in response.data
    assert "The database did not answer" in response.get_data(as_text=True)
    assert "database is locked" in caplog.text and _kept(app) == []


def _is_sqlite(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "sqlite"


def test_a_deleted_loop_takes_its_packets_with_it(app, loop_id, seat):
    other = _other_loop(app, seat)
    with app.test_request_context():
        assert documents.keep_packet(other, "b" * 64, b"%PDF of the other loop")
        assert documents.keep_packet(loop_id, "c" * 64, b"%PDF of this loop")
    with app.app_context():
        from interview.models import InterviewSession, PanelSeat

        sessions = sa.select(InterviewSession.id).where(
            InterviewSession.loop_id == other
        )
        db.session.execute(
            sa.delete(PanelSeat).where(PanelSeat.session_id.in_(sessions))
        )
        db.session.execute(sa.delete(Loop).where(Loop.id == other))
        db.session.commit()
    assert [k.loop_id for k in _kept(app)] == [loop_id]


def test_the_key_covers_the_loop_the_flag_the_html_and_the_renderer(
    app, tmp_path, monkeypatch
):
    key = documents.packet_key
    assert key(1, "<p>x</p>", False) == key(1, "<p>x</p>", False)
    assert len({key(1, "<p>x</p>", False), key(2, "<p>x</p>", False)}) == 2
    assert len({key(1, "<p>x</p>", False), key(1, "<p>x</p>", True)}) == 2
    assert len({key(1, "<p>x</p>", False), key(1, "<p>y</p>", False)}) == 2
    version = documents.renderer_version.__wrapped__
    # Read afresh, not the process's: other work may edit the sources it covers.
    before = version()
    assets = tmp_path / "assets"
    shutil.copytree(documents.pdf.ASSETS, assets)
    monkeypatch.setattr(documents.pdf, "ASSETS", assets)
    assert version() == before
    (assets / "packet.css").write_text("p { color: red }")
    assert version() != before
