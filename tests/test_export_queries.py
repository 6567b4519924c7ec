"""The subject access export sends as many statements for a candidate with one loop
as for one with four (issue 11: query counts do not grow with data): each loop with
two sessions, four seats, submitted scorecards with ratings, a decision, a
reopening, a hold on its requisition and its audit entries, and its packet kept, so
none is laid out; and as many for a loop nobody has scored yet."""

import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from interview.auditing import record
from interview.debrief.renderer import RendererPool
from interview.extensions import db
from interview.lifecycle.holds import place_hold
from interview.loops.operations import add_conflict, create_loop
from interview.models import (
    Candidate,
    Competency,
    DecisionOutcome,
    Discipline,
    HiringDecision,
    InterviewSession,
    Loop,
    LoopStatus,
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
from interview.timeutil import utcnow

from .queries import QueryLog, counting_queries
from .rubric_samples import dump, rubric

KEYS = ["workflow", "privacy"]


def _fake_render(pool, html, **options):
    """Stands in for the renderer children: every packet is laid out at once."""
    return b"%PDF-1.7 laid out for " + str(len(html)).encode()


@pytest.fixture
def world(app, make_user, monkeypatch):
    monkeypatch.setattr(RendererPool, "render", _fake_render)
    people = {
        "ta": make_user(Role.TALENT_ACQUISITION, name="Tess Acquisition"),
        "manager": make_user(Role.HIRING_MANAGER, name="Mona Manager"),
        "clara": make_user(Role.INTERVIEWER, name="Clara Jensen"),
        "tom": make_user(
            Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="Tom Okafor"
        ),
    }
    with app.app_context():
        rubric_id = save_rubric(None, validate(dump(rubric())).rubric).version.rubric_id
        db.session.commit()
    return {"people": people, "rubric_id": rubric_id}


def _candidate(app, world, name: str, loops: int) -> int:
    """A candidate with ``loops`` decided loops, every part of each filled in."""
    people = world["people"]
    with app.app_context():
        ta, manager, clara, tom = (
            db.session.get(User, people[k].id)
            for k in ("ta", "manager", "clara", "tom")
        )
        person = Candidate(name=name, email=f"{name.split()[0].lower()}@c.example")
        db.session.add(person)
        for n in range(loops):
            requisition = Requisition(
                title=f"{name} requisition {n}",
                discipline=Discipline.CLINICAL,
                hiring_manager_id=manager.id,
                default_rubric_id=world["rubric_id"],
                plan=[
                    PlanSession(title=title, position=i, competency_keys=KEYS)
                    for i, title in enumerate(["Case", "Build"])
                ],
            )
            db.session.add(requisition)
            loop = create_loop(ta, requisition, person)
            db.session.flush()
            # The packet reads the requisition's sharing history and the loop's
            # reopenings from the audit log: each loop has both.
            sharing = "share_scores_after_submit"
            record(
                ta, "requisition.save", requisition, {sharing: True}, {sharing: True}
            )
            record(ta, "loop.reopen", loop, reason="A reference arrived late")
            competencies = db.session.scalars(
                sa.select(Competency).where(
                    Competency.rubric_version_id == loop.rubric_version_id
                )
            ).all()
            for session in loop.sessions:
                session.starts_at = utcnow()
                for seat in session.seats:
                    author = clara if seat.discipline == Discipline.CLINICAL else tom
                    _scorecard(seat, author, competencies)
            loop.status = LoopStatus.DECIDED
            db.session.add(
                HiringDecision(
                    loop=loop,
                    outcome=DecisionOutcome.HIRE,
                    rationale="Strong workflow evidence from both sides.",
                    decided_by_id=manager.id,
                    decided_at=utcnow(),
                )
            )
            db.session.flush()
            record(manager, "loop.decision", loop, after={"status": "decided"})
            place_hold(ta, requisition, f"A claim on requisition {n} is pending")
        place_hold(ta, person, "A claim is pending")
        add_conflict(ta, person, clara, "Former colleague")
        db.session.commit()
        return person.id


def _scorecard(seat, author: User, competencies: list[Competency]) -> None:
    seat.interviewer_id = author.id
    seat.assigned_at = utcnow()
    version_id = seat.session.loop.rubric_version_id
    card = Scorecard(
        seat=seat,
        interviewer_id=author.id,
        rubric_version_id=version_id,
        status=ScorecardStatus.SUBMITTED,
        submitted_at=utcnow(),
        overall_recommendation=3,
        summary=f"Summary by {author.name}",
    )
    for competency in competencies:
        card.ratings.append(
            Rating(
                rubric_version_id=version_id,
                competency_id=competency.id,
                level=3,
                evidence=f"Evidence on {competency.key}",
            )
        )
    db.session.add(card)


def _export(app, client, candidate_id: int) -> tuple[QueryLog, dict]:
    """The statements of an export whose packets are all kept, and its document."""
    url = f"/candidates/{candidate_id}/export.zip"
    assert client.get(url).status_code == 200  # lays out and keeps the packets
    with counting_queries(app) as log:
        response = client.get(url)
    assert response.status_code == 200
    zipped = zipfile.ZipFile(io.BytesIO(response.data))
    doc = json.loads(zipped.read(f"candidate-{candidate_id}.json"))
    return log, doc


def test_an_export_sends_as_many_statements_for_four_loops_as_for_one(
    app, client, auth, world
):
    # The rubric's figures held throughout: on a slow machine, ten seconds between
    # two exports would add their recheck's statement to one (across_loops.py).
    app.config["DEBRIEF_CALIBRATION_RECHECK_SECONDS"] = 3600
    one = _candidate(app, world, "Ona Single", 1)
    four = _candidate(app, world, "Fia Many", 4)
    auth.login(world["people"]["ta"])
    few, small = _export(app, client, one)
    many, large = _export(app, client, four)
    # Every part is there, each packet kept (the file names it), in both exports.
    for doc, loops in ((small, 1), (large, 4)):
        assert len(doc["loops"]) == loops
        assert all(loop["packet"].get("file") for loop in doc["loops"])
        assert all(len(loop["sessions"]) == 2 for loop in doc["loops"])
        seats = [
            seat
            for loop in doc["loops"]
            for s in loop["sessions"]
            for seat in s["seats"]
        ]
        assert len(seats) == 4 * loops
        assert all(len(seat["scorecard"]["ratings"]) == 2 for seat in seats)
        assert all(len(loop["decisions"]) == 1 for loop in doc["loops"])
        assert len(doc["legal_holds"]) == loops + 1
    assert len(few) == len(many), (
        f"statements: {len(few)} for one loop, {len(many)} for four:\n{many}"
    )


def _unscored(app, world, name: str) -> int:
    """A candidate with one loop just planned: seats, nobody scored, no decision."""
    with app.app_context():
        ta = db.session.get(User, world["people"]["ta"].id)
        person = Candidate(name=name, email=f"{name.split()[0].lower()}@c.example")
        requisition = Requisition(
            title=f"{name} requisition",
            discipline=Discipline.CLINICAL,
            hiring_manager_id=world["people"]["manager"].id,
            default_rubric_id=world["rubric_id"],
            plan=[PlanSession(title="Case", position=0, competency_keys=KEYS)],
        )
        db.session.add_all([person, requisition])
        create_loop(ta, requisition, person)
        db.session.commit()
        return person.id


def test_a_loop_nobody_has_scored_costs_the_statements_of_a_scored_one(
    app, client, auth, world
):
    """Guards the benchmark's "queries +1": the demo's candidate, whose loop had no
    scorecard, was sent one statement fewer than the hospital's (the ratings were
    read only when there were scorecards to read them for)."""
    app.config["DEBRIEF_CALIBRATION_RECHECK_SECONDS"] = 3600
    scored = _candidate(app, world, "Ona Single", 1)
    unscored = _unscored(app, world, "Una Fresh")
    auth.login(world["people"]["ta"])
    few, blank = _export(app, client, unscored)
    many, _ = _export(app, client, scored)
    assert blank["loops"][0]["packet"].get("file")
    assert all(
        s["scorecard"] is None for s in blank["loops"][0]["sessions"][0]["seats"]
    )
    assert len(few) == len(many), (
        f"statements: {len(few)} without scorecards, {len(many)} with:\n{few}"
    )


def test_the_audit_entries_are_found_by_the_ids_already_read(app, client, auth, world):
    """Guards the export's audit statement at scale: it names the candidate's loops
    and scorecards by the ids read before it, not by subqueries nested four deep
    (scorecards of seats of sessions of loops), which PostgreSQL took about 8 ms to
    plan at 100,000 candidates (gathering._audit); the entries found are the same."""
    app.config["DEBRIEF_CALIBRATION_RECHECK_SECONDS"] = 3600
    two = _candidate(app, world, "Tia Double", 2)
    with app.app_context():
        cards = db.session.scalars(
            sa.select(Scorecard)
            .join(Scorecard.seat)
            .join(PanelSeat.session)
            .join(InterviewSession.loop)
            .where(Loop.candidate_id == two)
        ).all()
        ta = db.session.get(User, world["people"]["ta"].id)
        for card in cards:
            record(ta, "scorecard.amend", card, reason=f"Amended {card.id}")
        db.session.commit()
        card_ids = {card.id for card in cards}
    auth.login(world["people"]["ta"])
    log, doc = _export(app, client, two)
    # gathering._audit's: the union of the entries of each kind, read by id.
    audit = [s for s in log.statements if "UNION ALL" in s and "audit_log" in s]
    assert len(audit) == 1, log
    assert "panel_seats" not in audit[0] and "interview_sessions" not in audit[0]
    found = {
        entry["object_id"]
        for entry in doc["audit_log"]
        if entry["object_type"] == "scorecards"
    }
    assert found == card_ids and len(card_ids) == 8
    assert {entry["object_type"] for entry in doc["audit_log"]} >= {
        "candidates",
        "loops",
        "scorecards",
    }
