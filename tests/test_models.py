"""Database-level rules: the database itself refuses bad data, whatever the code does.

Each refusal is checked against the constraint's name (PostgreSQL) or message
(SQLite), and next to a control that the same data without the fault is accepted,
so a missing constraint or a broken builder makes the test fail.
"""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from interview.extensions import db
from interview.models import (
    Anchor,
    AssessedBy,
    AuditEntry,
    Candidate,
    Competency,
    DecisionOutcome,
    Discipline,
    HiringDecision,
    InterviewSession,
    LoginFailure,
    Loop,
    PanelSeat,
    Question,
    Rating,
    Requisition,
    Role,
    Rubric,
    RubricVersion,
    ScaleLevel,
    Scorecard,
    User,
)
from interview.models.guards import ImmutableRecordError

LEVELS = ("Strong no", "No", "Yes", "Strong yes")
FK_FAILED = "FOREIGN KEY constraint failed"  # SQLite does not name the constraint


# --- builders -----------------------------------------------------------------


def add_user(role: Role, discipline: Discipline | None = None, n: int = 1) -> User:
    user = User(
        email=f"{role.value}{n}@example.org",
        name=f"{role.label} {n}",
        password_hash="not-a-real-hash",
        role=role,
        discipline=discipline,
    )
    db.session.add(user)
    return user


def add_rubric_version(key: str = "core") -> SimpleNamespace:
    """A published version: a 1..4 scale, two competencies, one anchor each.

    Built and flushed in one go, as an import does: the guard refuses parts added to
    a version that is already saved.
    """
    competencies = [
        Competency(
            position=position,
            key=name,
            name=name.title(),
            definition=f"How well the candidate shows {name}.",
            assessed_by=AssessedBy.BOTH,
            min_level=2,
            anchors=[
                Anchor(level=4, text="Names the risk unprompted and explains it.")
            ],
            questions=[Question(position=0, text=f"Tell me about {name}.")],
        )
        for position, name in enumerate(("judgement", "communication"))
    ]
    version = RubricVersion(
        rubric=Rubric(key=key, title=key),
        number=1,
        title=key,
        levels=[ScaleLevel(value=v, label=label) for v, label in enumerate(LEVELS, 1)],
        competencies=competencies,
    )
    db.session.add(version)
    db.session.flush()
    return SimpleNamespace(version=version, competencies=competencies)


def add_seat(session: InterviewSession, interviewer: User) -> PanelSeat:
    seat = PanelSeat(
        session=session, interviewer=interviewer, discipline=interviewer.discipline
    )
    db.session.add(seat)
    return seat


@pytest.fixture
def world(app_ctx):
    """One loop with one session, one seat and a draft scorecard, committed.

    On SQLite every transaction starts with BEGIN IMMEDIATE, so a test that uses a
    second connection must end db.session's transaction first.
    """
    manager = add_user(Role.HIRING_MANAGER)
    interviewer = add_user(Role.INTERVIEWER, Discipline.CLINICAL)
    rubric = add_rubric_version()
    requisition = Requisition(
        title="Clinical informatics lead",
        discipline=Discipline.CLINICAL,
        hiring_manager=manager,
    )
    candidate = Candidate(name="Ada Example", email="ada@example.org")
    loop = Loop(
        candidate=candidate, requisition=requisition, rubric_version=rubric.version
    )
    session = InterviewSession(loop=loop, title="Clinical judgement")
    seat = add_seat(session, interviewer)
    scorecard = Scorecard(
        seat=seat, interviewer=interviewer, rubric_version=rubric.version
    )
    db.session.add(scorecard)
    db.session.commit()
    return SimpleNamespace(
        manager=manager,
        interviewer=interviewer,
        version=rubric.version,
        competencies=rubric.competencies,
        loop=loop,
        session=session,
        seat=seat,
        scorecard=scorecard,
    )


def rating(scorecard: Scorecard, competency: Competency, **values) -> Rating:
    return Rating(
        scorecard_id=scorecard.id,
        rubric_version_id=scorecard.rubric_version_id,
        competency_id=competency.id,
        **values,
    )


def accepted(*objects) -> None:
    db.session.add_all(objects)
    db.session.commit()


def refused(match: str, *objects) -> None:
    """Flush the objects and expect the database to refuse them."""
    db.session.add_all(objects)
    with pytest.raises(IntegrityError, match=match):
        db.session.flush()
    db.session.rollback()


# --- scorecards and ratings ---------------------------------------------------


def test_one_scorecard_per_seat(world):
    """A seat holds one scorecard, so a panel member cannot be counted twice."""
    colleague = add_user(Role.INTERVIEWER, Discipline.TECHNICAL, n=2)
    other_seat = add_seat(world.session, colleague)
    accepted(
        Scorecard(seat=other_seat, interviewer=colleague, rubric_version=world.version)
    )

    refused(
        r"scorecards\.seat_id|uq_scorecards_seat_id",
        Scorecard(
            seat_id=world.seat.id,
            interviewer_id=world.interviewer.id,
            rubric_version_id=world.version.id,
        ),
    )


def test_one_rating_per_competency_per_scorecard(world):
    """A second rating of the same competency would double its weight."""
    judgement, communication = world.competencies
    accepted(
        rating(world.scorecard, judgement, level=3),
        rating(world.scorecard, communication, level=2),
    )

    refused(
        r"ratings\.scorecard_id, ratings\.competency_id"
        r"|uq_ratings_scorecard_id_competency_id",
        rating(world.scorecard, judgement, level=4),
    )


@pytest.mark.parametrize(
    ("level", "ok"),
    [(1, True), (4, True), (None, True), (5, False), (0, False)],
    ids=["lowest", "highest", "not-assessed", "above-scale", "below-scale"],
)
def test_rating_level_must_be_on_the_versions_scale(world, level, ok):
    """The composite key to scale_levels keeps levels on the 1..4 scale."""
    judgement = world.competencies[0]
    new = rating(world.scorecard, judgement, level=level)
    if ok:
        accepted(new)
        assert db.session.execute(sa.select(Rating.level)).scalar_one() == level
    else:
        refused(f"{FK_FAILED}|fk_ratings_rubric_version_id_level_scale_levels", new)


def test_not_assessed_rating_cannot_carry_a_level(world):
    """A rating marked not assessed cannot also carry a level; the two contradict."""
    judgement, communication = world.competencies
    accepted(rating(world.scorecard, judgement, is_not_assessed=True, level=None))

    refused(
        "ck_ratings_level_or_not_assessed",
        rating(world.scorecard, communication, is_not_assessed=True, level=3),
    )


def test_rating_cannot_use_a_competency_of_another_rubric_version(world):
    """A scorecard is scored against its own rubric version and nothing else."""
    other = add_rubric_version("other")
    db.session.commit()
    accepted(rating(world.scorecard, world.competencies[0], level=3))

    foreign = other.competencies[1]
    refused(
        f"{FK_FAILED}|fk_ratings_rubric_version_id_competency_id_competencies",
        rating(world.scorecard, foreign, level=3),
    )
    # Claiming the other version as the rating's own is refused as well.
    refused(
        f"{FK_FAILED}|fk_ratings_scorecard_id_rubric_version_id_scorecards",
        Rating(
            scorecard_id=world.scorecard.id,
            rubric_version_id=other.version.id,
            competency_id=foreign.id,
            level=3,
        ),
    )


# --- accounts, rubrics, decisions ---------------------------------------------


def test_interviewer_needs_a_discipline(app_ctx):
    """Panels are staffed by discipline, so an interviewer without one is refused."""
    accepted(add_user(Role.HIRING_MANAGER, discipline=None))

    refused(
        "ck_users_interviewer_has_discipline",
        add_user(Role.INTERVIEWER, discipline=None, n=2),
    )


@pytest.mark.parametrize(("weight", "ok"), [(0.5, True), (0.0, False), (-1.0, False)])
def test_competency_weight_must_be_positive(app_ctx, weight, ok):
    """A zero or negative weight would silently drop or invert a competency."""
    version = RubricVersion(
        rubric=Rubric(key="weights", title="Weights"),
        number=1,
        title="Weights",
        levels=[ScaleLevel(value=v, label=label) for v, label in enumerate(LEVELS, 1)],
        competencies=[
            Competency(
                position=0,
                key="extra",
                name="Extra",
                definition="A weighted competency.",
                weight=weight,
                assessed_by=AssessedBy.CLINICAL,
            )
        ],
    )
    if ok:
        accepted(version)
    else:
        refused("ck_competencies_weight_positive", version)


def test_hiring_decision_needs_a_rationale(world):
    """Every decision records why; an empty rationale is refused."""

    def decision(rationale: str) -> HiringDecision:
        return HiringDecision(
            loop_id=world.loop.id,
            outcome=DecisionOutcome.HOLD,
            rationale=rationale,
            decided_by_id=world.manager.id,
        )

    accepted(decision("Waiting for the second clinical reference."))

    refused("ck_hiring_decisions_rationale_given", decision(""))
    refused("ck_hiring_decisions_rationale_given", decision("    "))


# --- immutability -------------------------------------------------------------


@pytest.fixture
def audit_entry(app_ctx):
    entry = AuditEntry(
        action="user.create", object_type="user", object_id=1, reason="original"
    )
    accepted(entry)
    return entry


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET reason = 'tampered' WHERE id = :id",
        "DELETE FROM audit_log WHERE id = :id",
    ],
    ids=["update", "delete"],
)
def test_audit_log_is_append_only_in_the_database(audit_entry, statement):
    """Triggers refuse raw SQL too, not only changes made through the ORM."""
    entry_id = audit_entry.id
    with pytest.raises(sa.exc.DBAPIError, match="audit_log is append-only"):
        db.session.execute(sa.text(statement), {"id": entry_id})
    db.session.rollback()

    reason = db.session.scalar(sa.select(AuditEntry.reason).filter_by(id=entry_id))
    assert reason == "original"


def test_audit_log_cannot_be_truncated_on_postgresql(audit_entry, databases):
    """TRUNCATE skips row triggers, so PostgreSQL has a statement trigger for it."""
    if databases.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    with pytest.raises(sa.exc.DBAPIError, match="audit_log is append-only"):
        db.session.execute(sa.text("TRUNCATE audit_log"))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 1


def test_orm_guard_refuses_changes_to_audit_entries(audit_entry):
    """The ORM guard stops the change before any SQL is sent."""
    audit_entry.reason = "tampered"
    with pytest.raises(ImmutableRecordError):
        db.session.flush()
    db.session.rollback()

    db.session.delete(audit_entry)
    with pytest.raises(ImmutableRecordError):
        db.session.flush()
    db.session.rollback()

    assert db.session.scalar(sa.select(AuditEntry.reason)) == "original"


def test_orm_guard_refuses_changes_to_a_published_rubric_version(world):
    """Loops point at a version, so editing it would rewrite past scorecards."""
    world.loop.candidate.name = "Ada B. Example"  # control: ordinary rows may change
    db.session.commit()

    world.version.title = "Quietly edited"
    with pytest.raises(ImmutableRecordError):
        db.session.flush()
    db.session.rollback()

    world.competencies[0].weight = 3.0
    with pytest.raises(ImmutableRecordError):
        db.session.flush()
    db.session.rollback()

    assert db.session.scalar(sa.select(RubricVersion.title)) == "core"


@pytest.mark.parametrize("part", ["level", "competency", "anchor", "question"])
def test_orm_guard_refuses_growing_a_published_rubric_version(world, part):
    """New levels or anchors would change what the scores already given mean."""
    competency = world.competencies[0]
    new = {
        "level": lambda: world.version.levels.append(ScaleLevel(value=5, label="5")),
        "competency": lambda: world.version.competencies.append(
            Competency(
                position=5,
                key="late",
                name="Late",
                definition="Added later.",
                assessed_by=AssessedBy.BOTH,
            )
        ),
        "anchor": lambda: db.session.add(
            Anchor(
                rubric_version_id=world.version.id,
                competency_id=competency.id,
                level=1,
                text="Added later.",
            )
        ),
        "question": lambda: competency.questions.append(
            Question(position=9, text="Added later?")
        ),
    }
    new[part]()
    with pytest.raises(ImmutableRecordError, match="saved rubric version"):
        db.session.flush()
    db.session.rollback()


def test_a_whole_rubric_version_is_written_in_one_flush(app_ctx):
    """Scale, competencies with a minimum level, anchors and questions, in one go."""
    built = add_rubric_version("one-flush")
    db.session.commit()
    saved = db.session.get(RubricVersion, built.version.id)
    assert [level.value for level in saved.levels] == [1, 2, 3, 4]
    assert [c.min_level for c in saved.competencies] == [2, 2]
    assert [a.level for a in saved.competencies[0].anchors] == [4]


# --- time ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "utc"),
    [
        (datetime(2026, 1, 15, 9, 30), datetime(2026, 1, 15, 14, 30)),  # EST, -5
        (datetime(2026, 7, 15, 9, 30), datetime(2026, 7, 15, 13, 30)),  # EDT, -4
    ],
    ids=["winter", "summer"],
)
def test_aware_datetime_is_stored_and_read_back_as_utc(app_ctx, databases, local, utc):
    """Whatever zone a time arrives in, the same instant comes back, in UTC."""
    new_york = local.replace(tzinfo=ZoneInfo("America/New_York"))
    utc = utc.replace(tzinfo=UTC)
    accepted(LoginFailure(email="someone@example.org", at=new_york))
    db.session.expunge_all()
    if databases.name == "postgresql":
        # The driver would otherwise hand back times in the session's zone.
        db.session.execute(sa.text("SET LOCAL TIME ZONE 'Asia/Kolkata'"))

    stored = db.session.scalar(sa.select(LoginFailure.at))
    assert stored == new_york
    assert stored.utcoffset() == timedelta(0)
    assert stored.replace(tzinfo=None) == utc.replace(tzinfo=None)
    # Stored as that instant, so a query in UTC finds it.
    assert db.session.scalar(sa.select(sa.func.count()).where(LoginFailure.at == utc))


def test_naive_datetime_is_refused(app_ctx):
    """A naive time is ambiguous; it is refused before it reaches the database."""
    db.session.add(LoginFailure(email="someone@example.org", at=datetime(2026, 1, 1)))
    with pytest.raises(sa.exc.StatementError) as excinfo:
        db.session.flush()
    db.session.rollback()

    assert isinstance(excinfo.value.orig, ValueError)
    assert "naive" in str(excinfo.value.orig)
    assert db.session.scalar(sa.select(sa.func.count(LoginFailure.id))) == 0


# --- optimistic locking -------------------------------------------------------


def test_saving_a_stale_scorecard_is_refused(world):
    """A save from an old copy (another tab) must not overwrite a newer save."""
    scorecard_id = world.scorecard.id
    db.session.rollback()  # end the read; see the world fixture

    with Session(db.engine, expire_on_commit=False) as other_tab:
        stale = other_tab.get(Scorecard, scorecard_id)
        other_tab.commit()  # the page was rendered, its transaction is over

        fresh = db.session.get(Scorecard, scorecard_id)
        fresh.summary = "Saved first."
        db.session.commit()

        stale.summary = "Saved second, from the old copy."
        with pytest.raises(StaleDataError):
            other_tab.commit()
        other_tab.rollback()

    assert db.session.get(Scorecard, scorecard_id).summary == "Saved first."
