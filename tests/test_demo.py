"""The demo seed: re-running it changes nothing it did not create itself."""

import sqlalchemy as sa

from interview.demo import seed_demo
from interview.extensions import db
from interview.models import (
    Discipline,
    Loop,
    LoopStatus,
    Requisition,
    Rubric,
    Scorecard,
    User,
)
from interview.rubrics.operations import export_yaml, find_rubric, save_rubric
from interview.rubrics.schema import raise_for, validate


def _dump() -> dict:
    """Every row of every table, in primary-key order: the whole database."""
    found = {}
    for table in db.metadata.sorted_tables:
        query = sa.select(table).order_by(*table.primary_key.columns)
        found[table.name] = [tuple(row) for row in db.session.execute(query)]
    return found


def test_seeding_twice_creates_nothing_the_second_time(app_ctx):
    assert seed_demo() > 0
    before = _dump()
    assert seed_demo() == 0
    assert _dump() == before


def _edit_shipped_rubric():
    """Talent acquisition saves an edited version of a shipped rubric."""
    rubric = find_rubric("technical-roles")
    text = export_yaml(rubric.versions[-1]).replace(
        "title: ", "title: Edited by TA, ", 1
    )
    save_rubric(None, raise_for(validate(text.encode())))


def test_a_rerun_leaves_what_people_changed_alone(app_ctx):
    seed_demo()
    # What people do with a demo instance: edit a shipped rubric, move a loop to
    # debrief by hand, add a requisition without a plan, untrain an interviewer.
    _edit_shipped_rubric()
    interviewing = db.session.scalar(
        sa.select(Loop).where(Loop.status == LoopStatus.INTERVIEWING)
    )
    interviewing.status = LoopStatus.DEBRIEF
    manager = db.session.scalar(sa.select(User).where(User.email.like("hamid%")))
    db.session.add(
        Requisition(
            title="Nurse informaticist",
            discipline=Discipline.CLINICAL,
            hiring_manager=manager,
        )
    )
    clara = db.session.scalar(sa.select(User).where(User.email.like("clara%")))
    clara.trainings = []
    db.session.commit()
    before = _dump()
    versions = db.session.scalar(
        sa.select(sa.func.count()).select_from(Rubric).join(Rubric.versions)
    )

    assert seed_demo() == 0

    assert _dump() == before  # not a row changed, added or removed
    invented = [
        card
        for card in db.session.scalars(sa.select(Scorecard))
        if card.seat.session.loop_id == interviewing.id
    ]
    assert invented == []  # the loop moved to debrief by hand got no scorecards
    assert "Edited by TA" in find_rubric("technical-roles").versions[-1].title
    assert versions == db.session.scalar(
        sa.select(sa.func.count()).select_from(Rubric).join(Rubric.versions)
    )


def test_a_rerun_does_not_make_again_what_people_renamed(app_ctx):
    seed_demo()
    requisition = db.session.scalar(sa.select(Requisition).order_by(Requisition.id))
    requisition.title = "Renamed by talent acquisition"
    wei = db.session.scalar(sa.select(User).where(User.email.like("wei%")))
    wei.email = "wei.zhang@hospital.example"
    db.session.commit()
    before = _dump()
    assert seed_demo() == 0
    assert _dump() == before  # no second requisition, no second Wei
