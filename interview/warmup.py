"""Compile the statements of talent acquisition's heaviest writes when the app starts.

On SQLite a form post holds the database's one write lock from its first statement
to its COMMIT (db.tune_sqlite), and every other writer, an interviewer's autosave
among them, waits for it meanwhile. The first time a process runs a statement,
SQLAlchemy compiles it to SQL (the ORM plans its loads and flushes too) and keeps
the result in the engine's cache: a loop start issues about twenty statements, and
the first one in a new process held the lock for 28 ms of CPU (median of five)
against 12 ms the second time, an autosave meanwhile waiting 123 ms on a busy
two-core host (19 ms the second time); a rubric upload of 30 competencies 18 ms
against 6.

So at start-up the app rehearses those writes once, on a database of its own in
memory, through its own engine and operations: a rubric saved, a new version of it,
a loop started (with the reads its view makes first), a candidate erased. Every
statement they use is then compiled, cached, and reused by the real ones; the real
database is not even opened (a server that forks after loading the app, gunicorn's
``--preload``, hands its workers no connection, and a command that never uses it
does not create it).
The cache is keyed by the statement's structure, not its values, so the
rehearsal's made-up rubric, requisition and candidate stand for any.

SQLite only: on PostgreSQL a loop start locks its own rows, not the database, and
nobody's autosave waits for it to compile.
"""

import sqlite3
import time

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool
from sqlalchemy.schema import CreateTable

from .config import on_except_testing
from .extensions import db


def init_app(app: Flask) -> None:
    """``WARM_WRITES``: True rehearses the heavy writes in ``create_app``, False
    leaves their statements to be compiled when first used; None (the default)
    rehearses them except under ``TESTING`` (a test's app is made and dropped in
    milliseconds)."""
    if not on_except_testing(app.config, "WARM_WRITES"):
        return
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        try:
            warm_writes(app)
        except Exception:  # a worker that could not rehearse serves all the same
            app.logger.warning("heavy writes not rehearsed", exc_info=True)


def warm_writes(app: Flask) -> float:
    """Rehearse the heavy writes on a scratch database; the seconds it took."""
    started = time.perf_counter()
    engine = db.engine
    scratch = StaticPool(_scratch_connection, dialect=engine.dialect)
    with sa.engine.Connection(engine, connection=scratch.connect()) as connection:
        if engine.dialect.server_version_info is None:
            # What the engine's first connection does (SQLite's version, read from
            # the library, the same here): nothing is compiled before it. The real
            # database is not opened; its first connection does this again.
            engine.dialect.initialize(connection)
        for table in db.metadata.sorted_tables:  # tables alone: no index is used
            connection.execute(CreateTable(table))
        connection.commit()
        session = Session(bind=connection)
        db.session.registry.set(session)
        try:
            _rehearse()
        finally:
            db.session.remove()
    scratch.dispose()
    return time.perf_counter() - started


def _scratch_connection():
    # As tune_sqlite's connections: the driver leaves transactions to the app.
    return sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)


def _rehearse() -> None:
    from .lifecycle.erasure import erase_candidate
    from .loops.operations import create_loop, open_loops_of
    from .models import Candidate, Discipline, PlanSession, Requisition, Role, User
    from .rubrics.operations import library_files, save_rubric
    from .rubrics.schema import validate

    shipped = validate(library_files()[0].read_bytes()).rubric
    # Two competencies: the statements are the same for thirty (one per table).
    spec = shipped.model_copy(update={"competencies": shipped.competencies[:2]})
    people = [
        User(
            email=f"{role.value}@warm.invalid",
            name="Warm-up",
            password_hash="!",
            role=role,
        )
        for role in (Role.TALENT_ACQUISITION, Role.HIRING_MANAGER)
    ]
    db.session.add_all(people)
    db.session.commit()
    ta, manager = people
    version = save_rubric(ta, spec).version  # a new rubric
    db.session.commit()
    save_rubric(ta, spec.model_copy(update={"title": spec.title + "."}))  # a version
    db.session.commit()
    keys = [c.key for c in version.competencies]
    requisition = Requisition(
        title="Warm-up",
        discipline=Discipline.CLINICAL,
        hiring_manager_id=manager.id,
        default_rubric_id=version.rubric_id,
        plan=[
            PlanSession(
                position=position,
                title="Warm-up",
                duration_minutes=45,
                competency_keys=keys[position::2],
                clinical_seats=1,
                technical_seats=1,
            )
            for position in range(2)
        ],
    )
    candidate = Candidate(name="Warm-up")
    db.session.add_all([requisition, candidate])
    db.session.commit()
    ids = ta.id, requisition.id, candidate.id
    db.session.expunge_all()
    # As the loop start's view reads, then the loop itself.
    ta = db.session.get(User, ids[0])
    requisition = db.session.get(Requisition, ids[1])
    candidate = db.session.get(Candidate, ids[2], with_for_update=True)
    open_loops_of(requisition, candidate)
    loop = create_loop(ta, requisition, candidate)
    db.session.commit()
    # Expired by the commit, read again by the view for its message and redirect.
    _ = candidate.name, loop.id
    # A candidate erased, as the erasure's view does it.
    erased = Candidate(name="Warm-up", email="erased@warm.invalid")
    db.session.add(erased)
    db.session.commit()
    ids = ta.id, erased.id
    db.session.expunge_all()
    ta = db.session.get(User, ids[0])
    erase_candidate(ta, db.session.get(Candidate, ids[1]))
    db.session.commit()
