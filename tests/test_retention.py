"""Retention: `flask --app interview retention run [--dry-run]` erases whoever is due
(lifecycle/rules.py), once, one candidate per transaction; holds keep people."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from interview import create_app
from interview.extensions import db
from interview.lifecycle import retention
from interview.lifecycle.holds import place_hold
from interview.loops.operations import create_loop
from interview.models import (
    Candidate,
    DecisionOutcome,
    Discipline,
    HiringDecision,
    LegalHold,
    Loop,
    LoopStatus,
    PlanSession,
    Requisition,
    Role,
    User,
)
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate
from interview.timeutil import utcnow

from .conftest import BASE_CONFIG
from .rubric_samples import dump, rubric

DAYS = 365
# name: (loop statuses, days since closing, hold) -- None: no loop at all.
PEOPLE = {
    "Decided Long-Ago": (["decided"], 400, None),
    "Withdrawn Long-Ago": (["withdrawn"], 366, None),
    "Never Interviewed": (None, 500, None),
    "Both Closed": (["decided", "withdrawn"], 380, None),
    "Decided Recently": (["decided"], 100, None),
    "Due In Two Weeks": (["decided"], 351, None),
    "Still Interviewing": (["decided", "interviewing"], 400, None),
    "Held Person": (["decided"], 400, "candidate"),
    "Held Through Requisition": (["decided"], 400, "requisition"),
}
DUE = {"Decided Long-Ago", "Withdrawn Long-Ago", "Never Interviewed", "Both Closed"}


@pytest.fixture
def population(app, make_user):
    """The people above; returns {name: candidate id}."""
    ta = make_user(Role.TALENT_ACQUISITION, name="Tess Acquisition")
    manager = make_user(Role.HIRING_MANAGER)
    with app.app_context():
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        ta = db.session.get(User, ta.id)
        held_requisition = None
        ids = {}
        for n, (name, (statuses, ago, hold)) in enumerate(PEOPLE.items()):
            then = utcnow() - timedelta(days=ago)
            requisition = Requisition(
                title=f"Role {n}",
                discipline=Discipline.CLINICAL,
                hiring_manager_id=manager.id,
                default_rubric_id=version.rubric_id,
                plan=[PlanSession(title="Case", competency_keys=["workflow"])],
            )
            person = Candidate(name=name, email=f"person{n}@candidate.example")
            db.session.add_all([requisition, person])
            for status in statuses or ():
                _loop(requisition, person, status, then, manager.id)
            db.session.flush()
            person.updated_at = then
            if hold == "candidate":
                place_hold(ta, person, "Claim 2026/7: keep this candidate")
            elif hold == "requisition":
                held_requisition = requisition
            ids[name] = person.id
        place_hold(ta, held_requisition, "Audit of this role's hiring")
        db.session.commit()
        return ids


def _loop(requisition, person, status, then, manager_id) -> None:
    loop = create_loop(None, requisition, person)
    loop.status = LoopStatus(status)
    db.session.flush()
    if status == "decided":
        db.session.add(
            HiringDecision(
                loop=loop,
                outcome=DecisionOutcome.NO_HIRE,
                rationale="Not this time: see the panel's evidence.",
                decided_by_id=manager_id,
                decided_at=then,
            )
        )
    loop.updated_at = then  # the decision or withdrawal was then
    if status in ("decided", "withdrawn"):
        loop.closed_at = then
    db.session.flush()


def _erased(app) -> set[int]:
    """The ids of everyone erased so far."""
    with app.app_context():
        gone = set(
            db.session.scalars(
                sa.select(Candidate.id).where(Candidate.erased_at.is_not(None))
            )
        )
    return gone


def _snapshot(app) -> list:
    with app.app_context():
        return db.session.execute(
            sa.select(Candidate.id, Candidate.name, Candidate.erased_at).order_by(
                Candidate.id
            )
        ).all()


REASONS = ("Claim 2026/7: keep this candidate", "Audit of this role's hiring")


def _no_personal_data(output: str) -> None:
    """Cron mails the output and the journal keeps it: no name, no hold's reason."""
    for text in (*PEOPLE, *REASONS, "candidate.example"):
        assert text not in output, text


def test_a_run_erases_whoever_is_due_and_a_second_run_nobody(app, runner, population):
    first = runner.invoke(args=["retention", "run"])
    assert first.exit_code == 0, first.output
    assert "Erased 4 candidates." in first.output
    _no_personal_data(first.output)
    assert _erased(app) == {population[name] for name in DUE}
    after_first = _snapshot(app)
    second = runner.invoke(args=["retention", "run"])
    assert second.exit_code == 0, second.output
    assert "Nobody is due" in second.output
    assert _snapshot(app) == after_first
    again = runner.invoke(args=["retention", "run", "--dry-run"])
    assert again.output.endswith("Would erase nobody.\n"), again.output


def test_one_day_is_said_in_the_singular(app, runner, population):
    app.config["RETENTION_DAYS"] = 1
    runner.invoke(args=["retention", "run"])
    second = runner.invoke(args=["retention", "run"])
    assert "(personal data kept 1 day after closing)" in second.output


def test_a_dry_run_lists_who_would_go_by_id_and_changes_nothing(
    app, runner, population
):
    before = _snapshot(app)
    result = runner.invoke(args=["retention", "run", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Would erase 4 candidates:" in result.output
    listed = dict(re.findall(r"  #(\d+) due since (\S+)\n", result.output))
    assert {int(i) for i in listed} == {population[name] for name in DUE}
    due = utcnow() - timedelta(days=400 - DAYS)  # Decided Long-Ago's
    assert listed[str(population["Decided Long-Ago"])] == f"{due:%Y-%m-%d}"
    _no_personal_data(result.output)
    assert _snapshot(app) == before


def test_holds_keep_people_past_their_date_and_the_run_says_which(
    app, runner, population
):
    result = runner.invoke(args=["retention", "run"])
    with app.app_context():
        holds = dict(
            db.session.execute(sa.select(LegalHold.reason, LegalHold.id)).all()
        )
    for name, reason in zip(
        ("Held Person", "Held Through Requisition"), REASONS, strict=True
    ):
        assert population[name] not in _erased(app)
        assert (
            f"Kept: candidate #{population[name]} is due, but legal hold "
            f"#{holds[reason]} stops the erasure."
        ) in result.output
    _no_personal_data(result.output)


def test_an_interrupted_run_finishes_on_the_next(app, runner, population, monkeypatch):
    real = retention.erase_candidate
    calls = []

    def fail_after_the_first(*args, **kwargs):
        calls.append(args)
        if len(calls) > 1:
            raise KeyboardInterrupt  # the operator's Ctrl-C, mid-way
        return real(*args, **kwargs)

    monkeypatch.setattr(retention, "erase_candidate", fail_after_the_first)
    broken = runner.invoke(args=["retention", "run"])
    assert broken.exit_code != 0
    assert len(_erased(app)) == 1  # the first one, committed whole
    monkeypatch.setattr(retention, "erase_candidate", real)
    finished = runner.invoke(args=["retention", "run"])
    assert "Erased 3 candidates." in finished.output
    assert _erased(app) == {population[name] for name in DUE}


def _sql_and_rule_agree(app) -> set[int]:
    """due_query picks exactly whom rules.is_due would, at several moments; returns
    everyone due at any of them."""
    from interview.lifecycle.holds import holds_over

    due = set()
    with app.app_context():
        people = db.session.scalars(sa.select(Candidate)).all()
        for shift in (-200, -20, 0, 14, 16, 30, 400):
            now = utcnow() + timedelta(days=shift)
            by_sql = set(retention.due_ids(now, DAYS))
            by_rule = {
                c.id
                for c in people
                if retention.rules.is_due(
                    retention.facts_of(c, held=bool(holds_over(c))), now, DAYS
                )
            }
            assert by_sql == by_rule, shift
            due |= by_sql
    return due


def test_the_sql_selection_agrees_with_the_rule(app, population):
    _sql_and_rule_agree(app)


def test_a_closed_loop_without_closed_at_is_never_due_by_either(app, population):
    """A decided or withdrawn loop whose closed_at is NULL (written around the
    application): the SQL reads it as open, and so does the rule."""
    cleared = {  # Both Closed: its decided loop only, the withdrawn one keeps it
        "Decided Long-Ago": "decided",
        "Withdrawn Long-Ago": "withdrawn",
        "Both Closed": "decided",
    }
    with app.app_context():
        for name, status in cleared.items():
            db.session.execute(
                sa.text(
                    "UPDATE loops SET closed_at = NULL"
                    " WHERE candidate_id = :id AND status = :status"
                ),
                {"id": population[name], "status": status},
            )
        db.session.commit()
    due = _sql_and_rule_agree(app)
    assert not due & {population[name] for name in cleared}
    assert population["Never Interviewed"] in due


def test_talent_acquisition_sees_who_falls_due_in_the_next_30_days(
    app, client, auth, make_user, population
):
    auth.login(make_user(Role.TALENT_ACQUISITION))
    page = client.get("/candidates/retention")
    assert page.status_code == 200
    for name in PEOPLE:
        expected = name in DUE or name == "Due In Two Weeks"
        assert (name in page.text) == expected, name
    assert page.text.count("(overdue)") == len(DUE)


def _shape(client, loop: Loop, title: str):
    """Rename the loop's first session through its page, as talent acquisition."""
    session = loop.sessions[0]
    fields = {
        "title": title,
        "competency_keys": ["workflow"],
        "duration_minutes": "60",
        "clinical_seats": "1",
        "technical_seats": "1",
    }
    return client.submit(
        f"/loops/{loop.id}/sessions/{session.id}/shape",
        {f"shape-{session.id}-{key}": value for key, value in fields.items()},
    )


def test_a_withdrawn_loop_edited_later_keeps_its_due_date(
    app, client, auth, make_user, population
):
    """Withdrawn 366 days ago, then an attempt to rename its session (refused: a
    withdrawn loop no longer changes) and its row written again (which moves
    updated_at, as any later write of the row does): still due, from the
    withdrawal. Counted from updated_at, the write kept the person a year more."""
    auth.login(make_user(Role.TALENT_ACQUISITION))
    person = population["Withdrawn Long-Ago"]
    with app.app_context():
        loop = db.session.scalar(sa.select(Loop).where(Loop.candidate_id == person))
        closed = loop.closed_at
        refused = _shape(client, loop, "Case, renamed")
        assert refused.status_code == 302 and "?draft=" in refused.location
        assert client.get(refused.location).status_code == 422
    with app.app_context():
        loop = db.session.get(Loop, loop.id)
        assert loop.sessions[0].title != "Case, renamed"
        loop.updated_at = utcnow()  # a later write of the row
        db.session.commit()
        assert loop.closed_at == closed
        now = utcnow()
        due = dict(retention.due_dates(now, DAYS))
        assert due[person] == closed + timedelta(days=DAYS) <= now
        candidate = db.session.get(Candidate, person)
        facts = retention.facts_of(candidate, held=False)
        assert retention.rules.due_at(facts, DAYS) == due[person]


def test_closing_is_recorded_when_a_loop_is_decided_or_withdrawn(
    app, make_user, population
):
    """Withdrawn: stamped; planned again: cleared; decided: stamped; reopened to
    debrief: cleared; a stamp is never moved by setting the same status again."""
    from interview.debrief.operations import record_decision
    from interview.loops.operations import change_status, reopen_loop

    ta = make_user(Role.TALENT_ACQUISITION)
    with app.app_context():
        ta = db.session.get(User, ta.id)
        manager = db.session.scalar(sa.select(User).where(User.name != ta.name))
        person = db.session.get(Candidate, population["Decided Recently"])
        loop = create_loop(None, person.loops[0].requisition, person)
        db.session.flush()
        assert loop.closed_at is None
        change_status(ta, loop, "withdrawn")
        withdrawn = loop.closed_at
        assert withdrawn is not None and utcnow() - withdrawn < timedelta(minutes=1)
        loop.status = LoopStatus.WITHDRAWN
        assert loop.closed_at == withdrawn
        change_status(ta, loop, "planned")
        assert loop.closed_at is None
        loop.status = LoopStatus.DEBRIEF  # the panel's path, as tests take it
        record_decision(manager, loop, "hire", "Strong evidence across the panel.")
        decided = loop.closed_at
        assert decided is not None and decided >= withdrawn
        reopen_loop(ta, loop, "An interviewer amends their scorecard.")
        assert loop.closed_at is None
        db.session.commit()
        assert db.session.get(Loop, loop.id).closed_at is None


def test_the_migration_records_closings_on_record_and_downgrades(empty_app):
    """0018 backfills closed_at: a decided loop's latest decision, a withdrawn
    loop's latest status change in the audit log, else its updated_at; open loops
    none. Downgrading drops the column and upgrading again fills it the same."""
    from flask_migrate import downgrade, upgrade

    from interview.models import AuditEntry

    t = utcnow().replace(microsecond=0) - timedelta(days=100)
    with empty_app.app_context():
        upgrade()
        manager = User(
            email="m@example.org",
            name="Mona",
            role=Role.HIRING_MANAGER,
            password_hash="x",
        )
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        requisition = Requisition(
            title="Role",
            discipline=Discipline.CLINICAL,
            hiring_manager=manager,
            default_rubric_id=version.rubric_id,
            plan=[PlanSession(title="Case", competency_keys=["workflow"])],
        )
        person = Candidate(name="Pat Past", email="pat@candidate.example")
        db.session.add_all([manager, requisition, person])
        loops = [create_loop(None, requisition, person) for _ in range(4)]
        db.session.flush()
        db.session.add(
            HiringDecision(
                loop=loops[0],
                outcome=DecisionOutcome.HIRE,
                rationale="Strong evidence across the panel.",
                decided_by_id=manager.id,
                decided_at=t,
            )
        )
        for loop, status in zip(loops, ["decided", "withdrawn", "withdrawn"]):
            loop.status = LoopStatus(status)
        db.session.commit()
        ids = [loop.id for loop in loops]
        db.session.remove()
        downgrade(revision="0017_redaction_keeps_enums")
        later = {n: t + timedelta(days=n + 1) for n in range(4)}
        for n, loop_id in enumerate(ids):  # written since, before 0018 existed
            db.session.execute(
                sa.update(Loop.__table__)
                .where(Loop.__table__.c.id == loop_id)
                .values(updated_at=later[n] + timedelta(days=10))
            )
        db.session.add(  # the withdrawal of the second loop, as audited
            AuditEntry(
                action="loop.status",
                object_type="loops",
                object_id=ids[1],
                before={"status": "planned"},
                after={"status": "withdrawn"},
                at=later[1],
            )
        )
        db.session.commit()
        columns = [c["name"] for c in sa.inspect(db.engine).get_columns("loops")]
        assert "closed_at" not in columns
        upgrade()
        closed = dict(db.session.execute(sa.select(Loop.id, Loop.closed_at)).all())
        assert [closed[i] for i in ids] == [
            t,
            later[1],
            later[2] + timedelta(days=10),
            None,
        ]
        db.session.remove()


@pytest.mark.parametrize("value", [0, -5, "365", True, 3.5])
def test_a_bad_retention_setting_stops_start_up_with_its_name(value, capsys):
    with pytest.raises(SystemExit):
        create_app({**BASE_CONFIG, "RETENTION_DAYS": value})
    assert "RETENTION_DAYS" in capsys.readouterr().err


def test_a_run_leaves_no_trigram_of_an_erased_key_in_the_text_index(
    app, runner, population
):
    from .test_erasure import in_text_index, only_theirs

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL's trigram index follows the column (README)")
    theirs = set().union(*(only_theirs(app, population[name]) for name in DUE))
    assert in_text_index(app, theirs)
    runner.invoke(args=["retention", "run"])
    assert in_text_index(app, theirs) == set()
