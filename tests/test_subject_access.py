"""Subject access: talent acquisition exports everything held about one candidate
in one zip (a JSON document and each loop's packet), and nobody else may."""

import io
import json
import re
import threading
import time
import zipfile
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from interview.audit import document as doc_module
from interview.debrief.renderer import RendererPool, RenderError
from interview.extensions import db
from interview.loops.operations import add_conflict, create_loop
from interview.models import (
    AuditEntry,
    Candidate,
    Competency,
    DecisionOutcome,
    Discipline,
    HiringDecision,
    Loop,
    LoopStatus,
    PacketFile,
    PanelSeat,
    PlanSession,
    Rating,
    Requisition,
    Role,
    Scorecard,
    ScorecardStatus,
    User,
)
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate

from .builders import start_loop
from .rubric_samples import dump, rubric
from .test_packet import pages_text

NAME = "Ximena Quispe-Lindqvist"
EMAIL = "ximena@candidate.example"
AT = datetime(2026, 3, 3, 9, tzinfo=UTC)


def _requisition(manager_id: int, rubric_id: int, title: str, sessions: list[str]):
    requisition = Requisition(
        title=title,
        discipline=Discipline.CLINICAL,
        hiring_manager_id=manager_id,
        default_rubric_id=rubric_id,
        plan=[
            PlanSession(title=t, position=n, competency_keys=["workflow"])
            for n, t in enumerate(sessions)
        ],
    )
    db.session.add(requisition)
    return requisition


def _card(seat, author: User, marker: str, submitted: bool = True) -> Scorecard:
    """A scorecard on ``seat`` rating workflow 3, its texts carrying ``marker``."""
    version_id = seat.session.loop.rubric_version_id
    workflow = db.session.scalar(
        sa.select(Competency).where(
            Competency.rubric_version_id == version_id, Competency.key == "workflow"
        )
    )
    seat.interviewer_id = author.id
    seat.assigned_at = AT
    card = Scorecard(
        seat=seat,
        interviewer_id=author.id,
        rubric_version_id=version_id,
        status=ScorecardStatus.SUBMITTED if submitted else ScorecardStatus.DRAFT,
        submitted_at=AT if submitted else None,
        overall_recommendation=3 if submitted else None,
        summary=f"Summary {marker}",
    )
    card.ratings.append(
        Rating(
            rubric_version_id=version_id,
            competency_id=workflow.id,
            level=3,
            evidence=f"Evidence {marker}",
            notes=f"Notes {marker}",
        )
    )
    db.session.add(card)
    return card


@pytest.fixture
def held(app, make_user):
    """Ximena: two loops (three sessions), two submitted scorecards and a draft, a
    decision and a conflict; another candidate with data of their own."""
    people = {
        "ta": make_user(Role.TALENT_ACQUISITION, name="Tess Acquisition"),
        "manager": make_user(Role.HIRING_MANAGER, name="Mona Manager"),
        "clara": make_user(Role.INTERVIEWER, name="Clara Jensen"),
        "tom": make_user(
            Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="Tom Okafor"
        ),
        "zed": make_user(Role.INTERVIEWER, name="Zed Conflicted"),
    }
    with app.app_context():
        rubric_id = save_rubric(None, validate(dump(rubric())).rubric).version.rubric_id
        manager = people["manager"].id
        person = Candidate(
            name=NAME, email=EMAIL, phone="+1 555 0100", notes="Notes MARK-CANDIDATE"
        )
        db.session.add(person)
        first = create_loop(
            None, _requisition(manager, rubric_id, "EHR analyst", ["Case"]), person
        )
        second = create_loop(
            None,
            _requisition(manager, rubric_id, "Nurse informaticist", ["Ward", "Build"]),
            person,
        )
        db.session.flush()
        first.sessions[0].starts_at = AT
        by_discipline = {s.discipline: s for s in first.sessions[0].seats}
        clara, tom = (db.session.get(User, people[k].id) for k in ("clara", "tom"))
        _card(by_discipline[Discipline.CLINICAL], clara, "MARK-ONE")
        _card(by_discipline[Discipline.TECHNICAL], tom, "DRAFT-SECRET", False)
        _card(second.sessions[1].seats[0], clara, "MARK-TWO")
        db.session.add(
            HiringDecision(
                loop=first,
                outcome=DecisionOutcome.HIRE,
                rationale="Rationale MARK-DECISION: strong workflow evidence.",
                decided_by_id=manager,
                decided_at=AT,
            )
        )
        zed = db.session.get(User, people["zed"].id)
        add_conflict(None, person, zed, "Reason MARK-CONFLICT: former colleague")
        plan = [PlanSession(title="Case", competency_keys=["workflow"])]
        other = start_loop(manager, rubric_id, plan, "Otto Other")
        db.session.flush()
        _card(other.sessions[0].seats[0], clara, "OTHER-CARD")
        add_conflict(None, other.candidate, zed, "Reason OTHER-CONFLICT: neighbour")
        db.session.commit()
        ids = {
            "candidate": person.id,
            "loops": [first.id, second.id],
            "other_loop": other.id,
        }
    return {**people, **ids}


def _export(client, auth, held) -> zipfile.ZipFile:
    auth.login(held["ta"])
    response = client.get(f"/candidates/{held['candidate']}/export.zip")
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.data))


def _document(zipped: zipfile.ZipFile, held) -> dict:
    return json.loads(zipped.read(f"candidate-{held['candidate']}.json"))


def test_the_export_holds_everything_about_the_candidate(client, auth, held):
    auth.login(held["ta"])
    client.get(f"/loops/{held['loops'][0]}/debrief")  # a read, to find in the log
    zipped = _export(client, auth, held)
    first, second = held["loops"]
    assert sorted(zipped.namelist()) == [
        f"candidate-{held['candidate']}.json",
        f"packets/debrief-{first}.pdf",
        f"packets/debrief-{second}.pdf",
    ]
    doc = _document(zipped, held)
    assert (
        "Draft scorecards" in doc["about"] and doc["exported_by"] == "Tess Acquisition"
    )
    person = doc["candidate"]
    assert (person["name"], person["email"]) == (NAME, EMAIL)
    assert person["phone"] == "+1 555 0100" and "MARK-CANDIDATE" in person["notes"]

    one, two = doc["loops"]
    assert (one["id"], one["requisition"]) == (first, "EHR analyst")
    assert (two["id"], two["requisition"]) == (second, "Nurse informaticist")
    assert [s["title"] for s in two["sessions"]] == ["Ward", "Build"]
    (session,) = one["sessions"]
    assert session["title"] == "Case" and session["starts_at"].startswith(
        "2026-03-03T09"
    )
    seats = {seat["interviewer"]: seat for seat in session["seats"]}
    assert seats["Clara Jensen"]["discipline"] == "clinical"
    assert seats["Tom Okafor"]["discipline"] == "technical"
    card = seats["Clara Jensen"]["scorecard"]
    assert card["summary"] == "Summary MARK-ONE"
    assert (card["recommendation_level"], card["recommendation"]) == (3, "Yes")
    (rating,) = card["ratings"]
    assert rating["competency_key"] == "workflow" and rating["level"] == 3
    assert rating["evidence"] == "Evidence MARK-ONE" and rating["level_label"] == "Yes"
    assert card["status"] == "submitted"
    draft = seats["Tom Okafor"]["scorecard"]  # held about them too: in, marked
    assert draft["status"] == "draft" and draft["submitted_at"] is None
    assert draft["summary"] == "Summary DRAFT-SECRET"
    assert [r["evidence"] for r in draft["ratings"]] == ["Evidence DRAFT-SECRET"]
    assert one["draft_scorecards"] == 1 and two["draft_scorecards"] == 0
    later = two["sessions"][1]["seats"][0]["scorecard"]
    assert later["ratings"][0]["evidence"] == "Evidence MARK-TWO"
    (decision,) = one["decisions"]
    assert decision["outcome"] == "hire" and "MARK-DECISION" in decision["rationale"]
    assert decision["decided_by"] == "Mona Manager" and two["decisions"] == []
    assert one["packet"] == {"file": f"packets/debrief-{first}.pdf"}

    (conflict,) = doc["conflicts_of_interest"]
    assert conflict["interviewer"] == "Zed Conflicted"
    assert "MARK-CONFLICT" in conflict["reason"]
    assert doc["legal_holds"] in (None, [])  # none set (None: no holds kept here)
    logged = {(e["action"], e["object_type"], e["object_id"]) for e in doc["audit_log"]}
    assert {
        ("loop.create", "loops", first),
        ("loop.create", "loops", second),
        ("candidate.conflict", "candidates", held["candidate"]),
        ("debrief.view", "loops", first),
    } <= logged
    assert all(e["object_id"] != held["other_loop"] for e in doc["audit_log"])


def test_legal_holds_and_their_entries_are_in_the_export(app, client, auth, held):
    """Holds on the candidate and on a requisition they were interviewed for
    (issue 13's lifecycle part keeps them), with the audit entries about them."""
    holds = pytest.importorskip("interview.lifecycle.holds")
    with app.app_context():
        ta = db.session.get(User, held["ta"].id)
        person = db.session.get(Candidate, held["candidate"])
        mine = holds.place_hold(ta, person, "Reason MARK-HOLD: a claim is pending")
        requisition = person.loops[0].requisition
        theirs = holds.place_hold(ta, requisition, "Reason MARK-REQUISITION-HOLD")
        holds.release_hold(ta, theirs)
        db.session.commit()
        ids = [mine.id, theirs.id]
    zipped = _export(client, auth, held)
    doc = _document(zipped, held)
    assert [h["id"] for h in doc["legal_holds"]] == ids
    on_them, on_requisition = doc["legal_holds"]
    assert (on_them["on"], on_requisition["on"]) == ("candidate", "requisition")
    # Named like the rest of the file, ids kept beside.
    assert on_them["placed_by"] == "Tess Acquisition"
    assert on_them["placed_by_id"] == held["ta"].id
    assert on_them["released_by"] is None and on_them["released_at"] is None
    assert on_requisition["released_by"] == "Tess Acquisition"
    assert on_requisition["placed_at"] and on_requisition["released_at"]
    # A hold's reason is privileged: withheld, and the note says so.
    assert "reason" not in on_them and "reason" not in on_requisition
    text = zipped.read(f"candidate-{held['candidate']}.json").decode()
    assert "MARK-HOLD" not in text and "MARK-REQUISITION-HOLD" not in text
    assert "reason is withheld" in doc["about"]
    logged = {(e["action"], e["object_type"], e["object_id"]) for e in doc["audit_log"]}
    assert {("hold.place", "legal_holds", i) for i in ids} <= logged


def test_the_export_holds_nothing_of_others_and_packets_no_drafts(client, auth, held):
    zipped = _export(client, auth, held)
    raw = zipped.read(f"candidate-{held['candidate']}.json").decode()
    for absent in ("Otto Other", "OTHER-CARD", "OTHER-CONFLICT"):
        assert absent not in raw
    assert "Draft scorecards are included" in raw and "DRAFT-SECRET" in raw
    for name in zipped.namelist():
        if name.endswith(".pdf"):
            text = " ".join(pages_text(zipped.read(name)))
            assert NAME in text and "Otto Other" not in text
            assert "DRAFT-SECRET" not in text


def _seat_reader(app, held, seats: list[tuple[int, int, bool | None]]) -> None:
    """Seat the exporting talent acquisition user: (loop index, session index,
    submitted?) each, with a scorecard (None: none written yet)."""
    with app.app_context():
        ta = db.session.get(User, held["ta"].id)
        for loop_index, session_index, submitted in seats:
            loop = db.session.get(Loop, held["loops"][loop_index])
            seat = PanelSeat(
                session=loop.sessions[session_index],
                discipline=Discipline.CLINICAL,
                interviewer_id=ta.id,
                assigned_at=AT,
            )
            db.session.add(seat)
            if submitted is not None:
                _card(seat, ta, f"TESS-{session_index}", submitted)
        db.session.commit()


def _refused(app, client, auth, held) -> str:
    """The export's answer when refused: a 409 page, no zip, nothing recorded."""
    auth.login(held["ta"])
    response = client.get(f"/candidates/{held['candidate']}/export.zip")
    assert response.status_code == 409, response.status_code
    assert response.mimetype == "text/html"
    with app.app_context():
        exports = sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.action == "candidate.export"
        )
        assert db.session.scalar(exports) == 0
    return " ".join(re.sub(r"<[^>]+>", "", response.get_data(as_text=True)).split())


def test_a_reader_with_a_draft_on_the_panel_is_refused_and_told_what_to_do(
    app, client, auth, held
):
    """The file holds every interviewer's scores and drafts: a reader seated on the
    candidate's panel without a submitted scorecard may not read them (the
    independence rule), whatever their role."""
    _seat_reader(app, held, [(1, 0, False)])
    text = _refused(app, client, auth, held)
    second = held["loops"][1]
    assert "Submit your own scorecard first" in text
    assert f"Loop {second}: Nurse informaticist, your seat in Ward: a draft" in text
    assert "ask a colleague in talent acquisition" in text
    assert "MARK" not in text and "DRAFT-SECRET" not in text
    assert f'href="/loops/{second}"' in client.get(
        f"/candidates/{held['candidate']}/export.zip"
    ).get_data(as_text=True)


def test_a_draft_left_on_a_closed_loop_refuses_nothing(app, client, auth, held):
    """A decided or withdrawn loop takes no more scorecards: a seat left with a
    draft there could never be submitted, and must not refuse the export for good."""
    _seat_reader(app, held, [(1, 0, False)])
    _refused(app, client, auth, held)
    with app.app_context():
        loop = db.session.get(Loop, held["loops"][1])
        loop.status = LoopStatus.WITHDRAWN
        db.session.commit()
    auth.login(held["ta"])
    response = client.get(f"/candidates/{held['candidate']}/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"


def test_two_seats_on_a_loop_one_submitted_is_still_refused(app, client, auth, held):
    """One seat submitted, the other a draft: refused, naming the seat still open;
    with a seat and no scorecard at all on the other loop, both loops are named."""
    _seat_reader(app, held, [(1, 0, True), (1, 1, False)])
    text = _refused(app, client, auth, held)
    second = held["loops"][1]
    assert f"Loop {second}: Nurse informaticist, your seat in Build: a draft" in text
    assert "your seat in Ward" not in text  # submitted: not what stands in the way
    _seat_reader(app, held, [(0, 0, None)])
    text = _refused(app, client, auth, held)
    first = f"Loop {held['loops'][0]}: EHR analyst, your seat in Case: no scorecard"
    assert first in text
    assert "you sit on loops of theirs" in text
    with app.app_context():  # the draft submitted, the empty seat left: exported
        mine = sa.select(PanelSeat).where(PanelSeat.interviewer_id == held["ta"].id)
        for seat in db.session.scalars(mine):
            if seat.scorecard is None:
                seat.removed_at = AT
            else:
                seat.scorecard.status = ScorecardStatus.SUBMITTED
                seat.scorecard.submitted_at = AT
        db.session.commit()
    doc = _document(_export(client, auth, held), held)
    build = doc["loops"][1]["sessions"][1]["seats"]
    assert "Summary TESS-1" in {
        s["scorecard"]["summary"] for s in build if s["scorecard"]
    }


def test_the_download_name_carries_no_personal_data(client, auth, held):
    auth.login(held["ta"])
    response = client.get(f"/candidates/{held['candidate']}/export.zip")
    header = response.headers["Content-Disposition"]
    assert re.fullmatch(
        rf"attachment; filename=candidate-{held['candidate']}-export-\d{{8}}\.zip",
        header,
    ), header
    assert "Ximena" not in header and "no-store" in response.headers["Cache-Control"]


def test_the_export_is_recorded_without_personal_data(app, client, auth, held):
    _export(client, auth, held)
    with app.app_context():
        (entry,) = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "candidate.export")
        ).all()
        assert entry.actor_id == held["ta"].id
        assert (entry.object_type, entry.object_id) == ("candidates", held["candidate"])
        assert entry.after == {"loops": held["loops"], "packets": 2}
        assert "Ximena" not in json.dumps([entry.before, entry.after, entry.reason])


def test_every_export_is_recorded_even_within_the_read_window(app, client, auth, held):
    """A repeat export is another copy leaving the system: each is recorded."""
    _export(client, auth, held)
    _export(client, auth, held)
    with app.app_context():
        entries = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "candidate.export")
        ).all()
    assert len(entries) == 2


def test_a_packet_that_cannot_render_is_said_and_left_out(
    client, auth, held, monkeypatch
):
    real = RendererPool.render

    def fail_second(pool, html, **options):
        if "Nurse informaticist" in html:
            raise RenderError("The packet took too long to lay out.")
        return real(pool, html, **options)

    monkeypatch.setattr(RendererPool, "render", fail_second)
    zipped = _export(client, auth, held)
    assert f"packets/debrief-{held['loops'][1]}.pdf" not in zipped.namelist()
    assert f"packets/debrief-{held['loops'][0]}.pdf" in zipped.namelist()
    second = _document(zipped, held)["loops"][1]
    assert second["packet"]["not_included"].startswith("could not be rendered")


class _SlowRenderer:
    """Stands in for the renderer children: each packet takes ``seconds``; counts
    how many were laid out and how many at once."""

    def __init__(self, seconds: float):
        self.seconds, self.calls, self.now, self.most = seconds, 0, 0, 0
        self.lock = threading.Lock()

    def __call__(self, html, **options):  # an attribute of the class, not bound
        with self.lock:
            self.calls += 1
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(self.seconds)
        with self.lock:
            self.now -= 1
        return b"%PDF-1.7 laid out for " + str(len(html)).encode()


def test_missing_packets_are_laid_out_side_by_side_and_kept(
    app, client, auth, held, monkeypatch
):
    """One after another, ten loops' packets came close to gunicorn's 30 s timeout:
    the missing ones are laid out at once over several renderers, and kept, so a
    second export lays out none."""
    from interview.audit import packets

    slow = _SlowRenderer(0.3)
    monkeypatch.setattr(RendererPool, "render", slow)
    monkeypatch.setattr(packets.os, "cpu_count", lambda: 8)
    zipped = _export(client, auth, held)
    first, second = held["loops"]
    assert slow.calls == 2 and slow.most == 2
    assert zipped.read(f"packets/debrief-{second}.pdf").startswith(b"%PDF-1.7 laid")
    with app.app_context():
        kept = sa.select(PacketFile.loop_id).order_by(PacketFile.loop_id)
        assert db.session.scalars(kept).all() == [first, second]
    again = _export(client, auth, held)
    assert slow.calls == 2  # both served as kept
    assert again.read(f"packets/debrief-{first}.pdf") == zipped.read(
        f"packets/debrief-{first}.pdf"
    )


def test_packets_not_laid_out_in_time_are_said_and_the_next_download_adds_them(
    app, client, auth, held, monkeypatch
):
    """Past the export's time budget no packet is started: the file says which are
    missing and why, and the next download (the others kept) brings them."""
    from interview.audit import packets

    slow = _SlowRenderer(0)
    monkeypatch.setattr(RendererPool, "render", slow)
    first, second = held["loops"]
    _export(client, auth, held)  # both laid out and kept
    with app.app_context():
        db.session.execute(sa.delete(PacketFile).where(PacketFile.loop_id == second))
        db.session.commit()
    monkeypatch.setattr(packets, "PACKET_SECONDS", 0)
    zipped = _export(client, auth, held)
    assert slow.calls == 2  # the kept one served, the missing one not started
    assert f"packets/debrief-{first}.pdf" in zipped.namelist()
    assert f"packets/debrief-{second}.pdf" not in zipped.namelist()
    note = _document(zipped, held)["loops"][1]["packet"]["not_included"]
    assert (
        note.startswith("not laid out in time") and "download the export again" in note
    )
    monkeypatch.setattr(packets, "PACKET_SECONDS", 15.0)
    later = _export(client, auth, held)
    assert f"packets/debrief-{second}.pdf" in later.namelist() and slow.calls == 3


@pytest.mark.parametrize("who", ["manager", "clara"])
def test_only_talent_acquisition_exports(app, client, auth, held, who):
    auth.login(held[who])
    response = client.get(f"/candidates/{held['candidate']}/export.zip")
    assert response.status_code == 403
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(AuditEntry.id)).where(
                    AuditEntry.action == "candidate.export"
                )
            )
            == 0
        )


def test_anonymous_is_sent_to_sign_in_and_a_missing_candidate_is_404(
    client, auth, held
):
    url = f"/candidates/{held['candidate']}/export.zip"
    assert client.get(url).headers["Location"].startswith("/sign-in")
    auth.login(held["ta"])
    assert (
        client.get(f"/candidates/{held['candidate'] + 99}/export.zip").status_code
        == 404
    )


def test_the_candidate_page_links_to_the_export(client, auth, held):
    auth.login(held["ta"])
    page = client.get(f"/candidates/{held['candidate']}/edit").get_data(as_text=True)
    assert f'href="/candidates/{held["candidate"]}/export.zip"' in page
    assert "Export everything held about this candidate" in page


# The document from plain rows, without a database ----------------------------------


def test_the_document_nests_rows_under_their_parents():
    held = doc_module.Held(
        candidate={"id": 1, "name": "A"},
        loops=[{"id": 10}, {"id": 11}],
        sessions=[{"id": 20, "loop_id": 11}],
        seats=[{"id": 30, "session_id": 20}, {"id": 31, "session_id": 20}],
        scorecards=[{"id": 40, "seat_id": 31}],
        ratings=[{"scorecard_id": 40, "level": 2}],
        decisions=[{"loop_id": 10, "outcome": "hire"}],
        drafts={11: 2},
    )
    packets = {10: {"file": "packets/debrief-10.pdf"}}
    doc = doc_module.document(held, packets, AT, "Tess")
    empty, full = doc["loops"]
    assert empty["sessions"] == [] and empty["decisions"] == [{"outcome": "hire"}]
    assert empty["packet"] == {"file": "packets/debrief-10.pdf"}
    assert full["packet"] == {"not_included": "not rendered"}
    assert full["draft_scorecards"] == 2
    (session,) = full["sessions"]
    assert [seat["scorecard"] for seat in session["seats"]] == [
        None,
        {"id": 40, "ratings": [{"level": 2}]},
    ]
    text = doc_module.to_json(doc).decode()
    assert '"exported_at": "2026-03-03T09:00:00+00:00"' in text
    assert json.loads(text)["legal_holds"] is None


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers(-(2**53), 2**53)
        | st.text()
        | st.binary(max_size=4)
        | st.sampled_from(list(LoopStatus))
        | st.dates()
        | st.datetimes(timezones=st.none() | st.just(UTC))
        # Outside this range the exponent differs (1e-07 or 1e-7), not the number.
        | st.floats(allow_nan=False, allow_infinity=False).filter(
            lambda f: f == 0 or 1e-4 <= abs(f) < 1e16
        ),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=12,
    )
)
def test_property_the_file_is_the_standard_librarys_indented_json(value):
    """Whatever a row holds (any script, quotes and control characters, times with
    or without a zone, statuses, bytes), the file's text is what the standard
    library writes, indented: readers and tools see no change of format."""
    expected = json.dumps(
        {"value": value}, ensure_ascii=False, indent=2, default=doc_module._plain
    )
    assert doc_module.to_json({"value": value}) == expected.encode() + b"\n"


def test_the_zip_names_hold_ids_only():
    json_name, packets = doc_module.names(7, [3, 4])
    assert json_name == "candidate-7.json"
    assert packets == {3: "packets/debrief-3.pdf", 4: "packets/debrief-4.pdf"}
    data = doc_module.archive([(json_name, b"{}"), (packets[3], b"%PDF")], AT)
    zipped = zipfile.ZipFile(io.BytesIO(data))
    assert zipped.read(packets[3]) == b"%PDF"
    assert zipped.getinfo(json_name).date_time == (2026, 3, 3, 9, 0, 0)
