"""Subject access: talent acquisition exports everything held about one candidate
in one zip (a JSON document and each loop's packet), and nobody else may."""

import io
import json
import re
import zipfile
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from interview.audit import document as doc_module
from interview.debrief.renderer import RenderError
from interview.extensions import db
from interview.loops.operations import add_conflict, create_loop
from interview.models import (
    AuditEntry,
    Candidate,
    Competency,
    DecisionOutcome,
    Discipline,
    HiringDecision,
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
    assert seats["Tom Okafor"]["scorecard"] is None  # a draft is not a record
    assert one["draft_scorecards_not_included"] == 1
    assert two["draft_scorecards_not_included"] == 0
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
        db.session.commit()
        ids = [mine.id, theirs.id]
    doc = _document(_export(client, auth, held), held)
    assert [h["id"] for h in doc["legal_holds"]] == ids
    assert "MARK-HOLD" in doc["legal_holds"][0]["reason"]
    logged = {(e["action"], e["object_type"], e["object_id"]) for e in doc["audit_log"]}
    assert {("hold.place", "legal_holds", i) for i in ids} <= logged


def test_the_export_holds_nothing_of_others_nor_drafts(client, auth, held):
    zipped = _export(client, auth, held)
    raw = zipped.read(f"candidate-{held['candidate']}.json").decode()
    for absent in ("Otto Other", "OTHER-CARD", "OTHER-CONFLICT", "DRAFT-SECRET"):
        assert absent not in raw
    for name in zipped.namelist():
        if name.endswith(".pdf"):
            text = " ".join(pages_text(zipped.read(name)))
            assert NAME in text and "Otto Other" not in text
            assert "DRAFT-SECRET" not in text


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


def test_a_packet_that_cannot_render_is_said_and_left_out(
    client, auth, held, monkeypatch
):
    from interview.audit import export

    keep = export.kept_packet_pdf

    def fail_second(loop, **options):
        if loop.id == held["loops"][1]:
            raise RenderError("The packet took too long to lay out.")
        return keep(loop, **options)

    monkeypatch.setattr(export, "kept_packet_pdf", fail_second)
    zipped = _export(client, auth, held)
    assert f"packets/debrief-{held['loops'][1]}.pdf" not in zipped.namelist()
    second = _document(zipped, held)["loops"][1]
    assert second["packet"]["not_included"].startswith("could not be rendered")


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
    assert full["draft_scorecards_not_included"] == 2
    (session,) = full["sessions"]
    assert [seat["scorecard"] for seat in session["seats"]] == [
        None,
        {"id": 40, "ratings": [{"level": 2}]},
    ]
    text = doc_module.to_json(doc).decode()
    assert '"exported_at": "2026-03-03T09:00:00+00:00"' in text
    assert json.loads(text)["legal_holds"] is None


def test_the_zip_names_hold_ids_only():
    json_name, packets = doc_module.names(7, [3, 4])
    assert json_name == "candidate-7.json"
    assert packets == {3: "packets/debrief-3.pdf", 4: "packets/debrief-4.pdf"}
    data = doc_module.archive([(json_name, b"{}"), (packets[3], b"%PDF")], AT)
    zipped = zipfile.ZipFile(io.BytesIO(data))
    assert zipped.read(packets[3]) == b"%PDF"
    assert zipped.getinfo(json_name).date_time == (2026, 3, 3, 9, 0, 0)
