"""Calibration's summary tables equal what the raw ratings say, whatever sequence of
drafts, submissions, amendments, decisions and reopenings made them; the migration
and the rebuild command fill them the same way.

The reference is slow on purpose: it reads every submitted rating and computes the
rows of ``queries.unit_rows`` and ``queries.rater_rows`` in plain Python, with the
rules of the module docstrings (one rating per rater of a unit, their latest
scorecard's; halo per scorecard; a date range takes whole loops by their latest
submission).
"""

import math
import random
import threading
from collections import defaultdict
from dataclasses import replace
from datetime import timedelta

import hypothesis.strategies as hs
import numpy as np
import pytest
import sqlalchemy as sa
from hypothesis import settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from interview.calibration import figures as fg
from interview.calibration import kept, queries, summaries
from interview.db import UTCDateTime
from interview.debrief.operations import record_decision
from interview.extensions import db
from interview.loops.operations import create_loop, reopen_loop
from interview.models import (
    Candidate,
    Discipline,
    Loop,
    LoopStatus,
    PanelSeat,
    PlanSession,
    Requisition,
    Role,
    User,
)
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate
from interview.scorecards import operations as ops
from interview.scorecards.rules import Answer

from .rubric_samples import dump, rubric

# The slow reference ----------------------------------------------------------------


RAW = """
    SELECT se.loop_id, ra.competency_id, sc.id, sc.interviewer_id, ps.discipline,
           ra.level, lo.requisition_id, rv.rubric_id, us.name
    FROM ratings ra
    JOIN scorecards sc ON sc.id = ra.scorecard_id
    JOIN panel_seats ps ON ps.id = sc.seat_id
    JOIN interview_sessions se ON se.id = ps.session_id
    JOIN loops lo ON lo.id = se.loop_id
    JOIN rubric_versions rv ON rv.id = lo.rubric_version_id
    JOIN users us ON us.id = sc.interviewer_id
    WHERE sc.status = 'submitted'
"""
CARDS = """
    SELECT se.loop_id, sc.interviewer_id, sc.submitted_at, rv.rubric_id
    FROM scorecards sc
    JOIN panel_seats ps ON ps.id = sc.seat_id
    JOIN interview_sessions se ON se.id = ps.session_id
    JOIN rubric_versions rv ON rv.id = sc.rubric_version_id
    WHERE sc.status = 'submitted'
"""


def raw_data():
    """Every submitted rating, and every submitted scorecard's loop, author, time and
    rubric (in an app context)."""
    ratings = [tuple(r) for r in db.session.execute(sa.text(RAW))]
    typed = sa.text(CARDS).columns(submitted_at=UTCDateTime())
    cards = [tuple(r) for r in db.session.execute(typed)]
    return ratings, cards


def reference_rows(ratings, cards, scope: queries.Scope):
    """``unit_rows`` and ``rater_rows`` for the scope, computed from raw rows."""
    latest: dict[int, object] = {}
    for loop, _, at, _ in cards:
        latest[loop] = max(latest.get(loop, at), at)
    rubrics = None
    if scope.kind == "interviewer":
        rubrics = {rubric for _, rater, _, rubric in cards if rater == scope.id}

    def counts(row) -> bool:
        loop, _, _, _, _, _, requisition, rubric, _ = row
        if scope.kind == "rubric" and rubric != scope.id:
            return False
        if scope.kind == "requisition" and requisition != scope.id:
            return False
        if rubrics is not None and rubric not in rubrics:
            return False
        if scope.start is not None and latest[loop] < scope.start:
            return False
        return scope.end is None or latest[loop] < scope.end

    rated = [r for r in ratings if r[5] is not None and counts(r)]
    one: dict[tuple, tuple] = {}
    for row in rated:  # one rating per rater of a unit: their latest scorecard's
        key = (row[0], row[1], row[3])
        if key not in one or row[2] > one[key][2]:
            one[key] = row
    units: dict[tuple, list] = defaultdict(list)
    for row in one.values():
        units[(row[0], row[1])].append(row)
    units = {u: rows for u, rows in units.items() if len(rows) >= 2}
    return _unit_rows(units), _rater_rows(units, rated)


def _unit_rows(units):
    profiles: dict[tuple, list] = defaultdict(list)
    gaps: dict[int, list] = defaultdict(list)
    units = {u: rows for u, rows in units.items() if len(rows) <= summaries.MAX_RATINGS}
    for (_, comp), rows in units.items():  # a bigger one is out of the unit figures
        code = sum(1 << (fg.BITS * r[5]) for r in rows)
        profiles[(comp, code)].append(len(rows))
        sides = {
            d: [r[5] for r in rows if r[4] == d] for d in ("clinical", "technical")
        }
        if sides["clinical"] and sides["technical"]:
            gaps[comp].append(np.mean(sides["clinical"]) - np.mean(sides["technical"]))
    result = [("p", c, len(m), code, m[0], None) for (c, code), m in profiles.items()]
    for comp, x in gaps.items():
        result.append(("o", comp, len(x), None, sum(x), sum(v * v for v in x)))
    result.append(("l", None, len({loop for loop, _ in units}), None, None, None))
    return result


def _rater_rows(units, rated):
    names = {(r[7], r[3]): r[8] for r in rated}
    lenient: dict[tuple, list] = defaultdict(list)
    for rows in units.values():
        total = sum(r[5] for r in rows)
        for r in rows:
            d = r[5] - (total - r[5]) / (len(rows) - 1)
            lenient[(r[7], r[3])].append(d)
    cards: dict[tuple, list] = defaultdict(list)
    for r in rated:  # halo: every scorecard, both of a person seated twice
        cards[(r[7], r[3], r[2])].append(r[5])
    halo: dict[tuple, list] = defaultdict(list)
    for (rubric_id, rater, _), levels in cards.items():
        if len(levels) >= 2:
            halo[(rubric_id, rater)].append(float(np.std(levels)))
    result = []
    for (rubric_id, rater), d in lenient.items():
        x = np.array(d)
        name = names[(rubric_id, rater)]
        result.append(("l", rubric_id, rater, name, len(x), x.sum(), (x * x).sum()))
    for (rubric_id, rater), sds in halo.items():
        flat = sum(sd == 0 for sd in sds)
        name = names[(rubric_id, rater)]
        result.append(("h", rubric_id, rater, name, len(sds), flat, sum(sds)))
    return result


def normal(unit_rows, rater_rows) -> dict:
    """The rows as comparable values: offsets summed per competency, floats rounded."""
    profiles, offsets, loops = {}, defaultdict(lambda: [0, 0.0, 0.0]), 0
    for kind, comp, n, code, a, b in unit_rows:
        if kind == "p":
            profiles[(comp, int(code))] = (int(n), int(a))
        elif kind == "o":
            o = offsets[comp]
            o[0], o[1], o[2] = o[0] + int(n), o[1] + float(a), o[2] + float(b)
        else:
            loops = int(n)
    raters = {
        (kind, rubric, rater): (name, int(n), round(float(s), 9), round(float(q), 9))
        for kind, rubric, rater, name, n, s, q in rater_rows
    }
    rounded = {c: (n, round(s, 9), round(q, 9)) for c, (n, s, q) in offsets.items()}
    return {"profiles": profiles, "offsets": rounded, "loops": loops, "raters": raters}


def summary_rows(scope):
    return queries.unit_rows(scope), queries.rater_rows(scope)


def assert_same_figures(a, b, path="figures"):
    """Dataclasses field by field, floats to 1e-9."""
    if hasattr(a, "__dataclass_fields__"):
        assert type(a) is type(b), path
        for name in a.__dataclass_fields__:
            assert_same_figures(getattr(a, name), getattr(b, name), f"{path}.{name}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same_figures(x, y, f"{path}[{i}]")
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            assert_same_figures(a[key], b[key], f"{path}[{key}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-9) or (
            math.isnan(a) and math.isnan(b)
        ), path
    else:
        assert a == b, path


def check_scope(ratings, cards, scope, comps):
    """The summary's rows and figures of the scope are the reference's."""
    got = summary_rows(scope)
    want = reference_rows(ratings, cards, scope)
    assert normal(*got) == normal(*want), scope
    options = {"min_loops": 1, "min_units": 2, "resamples": 50}
    assert_same_figures(
        fg.build(*got, comps, **options), fg.build(*want, comps, **options)
    )


# Any sequence of scorecard operations ----------------------------------------------

LEVELS = hs.lists(hs.one_of(hs.none(), hs.integers(1, 4)), min_size=2, max_size=2)
EVIDENCE = "Walked me through the order set change and who signed it off."


def _answers(card, levels, evidence=EVIDENCE):
    keys = [c.key for c in card.seat.session.competencies]
    if all(level is None for level in levels):
        levels = [2, *levels[1:]]  # rate at least one
    return {
        key: Answer(level, level is None, "" if level is None else evidence)
        for key, level in zip(keys, levels, strict=False)
    }


PEOPLE = {
    "clara": (Role.INTERVIEWER, Discipline.CLINICAL),
    "carl": (Role.INTERVIEWER, Discipline.CLINICAL),
    "tom": (Role.INTERVIEWER, Discipline.TECHNICAL),
    "tina": (Role.INTERVIEWER, Discipline.TECHNICAL),
    "manager": (Role.HIRING_MANAGER, None),
    "ta": (Role.TALENT_ACQUISITION, None),
}


class Panels(RuleBasedStateMachine):
    """Three loops of one requisition: a case session (workflow and privacy) with
    Clara, Carl and Tom, and a second one (workflow) with Clara again and Tina. Each
    example has its own rubric and people, so that examples do not see each other."""

    app = None
    examples = 0

    def __init__(self):
        super().__init__()
        Panels.examples += 1
        n = Panels.examples
        with self.app.app_context():
            spec = validate(dump(rubric(key=f"sample-{n}"))).rubric
            self.rubric_id = save_rubric(None, spec).version.rubric_id
            people = {
                name: User(
                    email=f"{name}.{n}@example.org",
                    name=f"{name.title()} {n}",
                    role=role,
                    discipline=discipline,
                )
                for name, (role, discipline) in PEOPLE.items()
            }
            for user in people.values():
                user.password_hash = "x"
                db.session.add(user)
            db.session.flush()
            self.people = {name: user.id for name, user in people.items()}
            req = Requisition(
                title="EHR analyst",
                discipline=Discipline.CLINICAL,
                hiring_manager_id=self.people["manager"],
                default_rubric_id=self.rubric_id,
                plan=[
                    PlanSession(
                        title="Case",
                        competency_keys=["workflow", "privacy"],
                        clinical_seats=2,
                        technical_seats=1,
                    ),
                    PlanSession(
                        title="Second case",
                        position=1,
                        competency_keys=["workflow"],
                        clinical_seats=1,
                        technical_seats=1,
                    ),
                ],
            )
            db.session.add(req)
            self.seats, self.loops = [], []
            for i in range(3):
                loop = create_loop(None, req, Candidate(name=f"Candidate {n}.{i}"))
                case, second = loop.sessions
                who = {
                    (case.id, "clinical"): ["clara", "carl"],
                    (case.id, "technical"): ["tom"],
                    (second.id, "clinical"): ["clara"],
                    (second.id, "technical"): ["tina"],
                }
                for session in (case, second):
                    for d in ("clinical", "technical"):
                        seats = [s for s in session.seats if s.discipline == d]
                        for seat, name in zip(seats, who[(session.id, d)], strict=True):
                            seat.interviewer_id = self.people[name]
                            self.seats.append(seat)
                self.loops.append(loop.id)
            db.session.commit()
            self.requisition = req.id
            self.seats = [s.id for s in self.seats]
            self.cutoff = None

    def _card(self, index):
        seat = db.session.get(PanelSeat, self.seats[index])
        return ops.scorecard_for(seat), db.session.get(User, seat.interviewer_id)

    def _write(self, index, action):
        """Run one operation and commit, or roll back what it refused."""
        with self.app.app_context():
            card, actor = self._card(index)
            try:
                action(card, actor)
            except (ops.ScorecardProblems, ops.Frozen, ops.StaleScorecard) as refused:
                db.session.rollback()
                return refused
            db.session.commit()
            return None

    @rule(seat=hs.integers(0, 14), levels=LEVELS)
    def save_draft(self, seat, levels):
        def action(card, actor):
            edit = ops.Edit(card.version)
            ops.save_draft(actor, card, _answers(card, levels), 3, "", edit)

        self._write(seat, action)

    @rule(seat=hs.integers(0, 14), levels=LEVELS)
    def submit(self, seat, levels):
        def action(card, actor):
            if card.is_submitted:
                raise ops.StaleScorecard(card)
            summary = "Strong on workflow, weaker on privacy."
            answers = _answers(card, levels)
            ops.submit(actor, card, answers, 3, summary, ops.Edit(card.version))

        if self._write(seat, action) is None and self.cutoff is None:
            with self.app.app_context():  # a date range that splits the loops
                self.cutoff = db.session.get(PanelSeat, self.seats[seat]).scorecard
                self.cutoff = self.cutoff.submitted_at + timedelta(microseconds=1)

    @rule(seat=hs.integers(0, 14), levels=LEVELS, same=hs.booleans())
    def amend(self, seat, levels, same):
        """Change the levels, or only the evidence (a change no figure sees); the
        count of scorecards stays the same either way."""

        def action(card, actor):
            if not card.is_submitted:
                raise ops.ScorecardProblems({"status": "not submitted"})
            if same:
                answers = {
                    k: a if a.not_assessed else replace(a, evidence=a.evidence + "!")
                    for k, a in ops.answers_of(card).items()
                }
            else:
                answers = _answers(card, levels)
            ops.amend(
                actor,
                card,
                answers,
                card.overall_recommendation,
                card.summary,
                "The levels were typed in the wrong rows.",
                ops.Edit(card.version),
            )

        self._write(seat, action)

    @rule(loop=hs.integers(0, 2))
    def decide(self, loop):
        with self.app.app_context():
            found = db.session.get(Loop, self.loops[loop])
            if found.status == LoopStatus.DECIDED:
                return
            found.status = LoopStatus.DEBRIEF
            manager = db.session.get(User, self.people["manager"])
            record_decision(manager, found, "hire", "The panel agreed on the evidence.")
            db.session.commit()

    @rule(loop=hs.integers(0, 2))
    def reopen(self, loop):
        with self.app.app_context():
            found = db.session.get(Loop, self.loops[loop])
            if found.status != LoopStatus.DECIDED:
                return
            ta = db.session.get(User, self.people["ta"])
            reopen_loop(ta, found, "A reference check raised a question.")
            db.session.commit()

    @invariant()
    def summaries_are_the_raw_ratings(self):
        with self.app.app_context():
            ratings, cards = raw_data()
            rubric = queries.Scope("rubric", self.rubric_id)
            comps = queries.competencies(rubric)
            scopes = [
                rubric,
                queries.Scope("requisition", self.requisition),
                queries.Scope("interviewer", self.people["clara"]),
                queries.Scope("interviewer", self.people["tina"]),
            ]
            if self.cutoff is not None:
                scopes.append(queries.Scope("rubric", self.rubric_id, self.cutoff))
                scopes.append(
                    queries.Scope("requisition", self.requisition, None, self.cutoff)
                )
            check_marks()
            for scope in scopes:
                check_scope(ratings, cards, scope, comps)
                for rater_only in (False, True):  # kept only while nothing changed
                    fresh = kept.compute(scope, rater_only=rater_only)
                    assert kept.scope_figures(scope, rater_only=rater_only) == fresh


def check_marks() -> None:
    """Each rubric's and requisition's mark is the count of its loops with rows and
    the sum of their changes (what the fingerprint summed over the loops before)."""
    for kind, column in summaries.MARKED.items():
        marks = db.session.execute(
            sa.text(
                "SELECT scope_id, loops, changes FROM calibration_marks"
                " WHERE kind = :kind"
            ),
            {"kind": kind},
        )
        counted = db.session.execute(
            sa.text(
                f"SELECT {column}, COUNT(*), SUM(changes) FROM calibration_loops"
                f" GROUP BY {column}"
            )
        )
        assert {tuple(r) for r in marks} == {tuple(r) for r in counted}, kind


def test_the_marks_follow_whoever_writes_the_loops_rows(app):
    """The marks are kept by the database, not by the app's summaries: rows written
    by any statement (a pod still running the code from before the marks, during a
    rolling deploy) move them, a loop moved to another scope moves its counts, and a
    scope's mark goes with its last loop."""
    panels = _some_panels(app, seed=4)
    with app.app_context():
        check_marks()
        loop, rubric = panels.loops[0], panels.rubric_id
        other = db.session.scalar(sa.text("SELECT max(id) + 1000 FROM rubrics"))
        statements = [
            "UPDATE calibration_loops SET changes = changes + 5 WHERE loop_id = :loop",
            "UPDATE calibration_loops SET units = units + 1 WHERE loop_id = :loop",
            f"UPDATE calibration_loops SET rubric_id = {other} WHERE loop_id = :loop",
            "DELETE FROM calibration_loops WHERE loop_id <> :loop",
            "DELETE FROM calibration_loops WHERE loop_id = :loop",
        ]
        for sql in statements:
            db.session.execute(sa.text(sql), {"loop": loop})
            check_marks()
        assert (
            db.session.scalar(
                sa.text(
                    "SELECT COUNT(*) FROM calibration_marks"
                    " WHERE kind = 'rubric' AND scope_id IN (:a, :b)"
                ),
                {"a": rubric, "b": other},
            )
            == 0
        )
        db.session.rollback()


def test_any_sequence_of_scorecard_operations_keeps_the_summaries_exact(app):
    """Property (stateful): after any sequence of drafts, submissions, amendments
    (of levels, or of evidence alone), decisions and reopenings over three loops,
    with one interviewer seated twice on each, the summary tables give the rows and
    the figures that the raw ratings give, for a rubric, a requisition, an
    interviewer and a date range; drafts never count; and figures kept between
    requests are those computed afresh."""
    Panels.app = app
    run_state_machine_as_test(
        Panels, settings=settings(max_examples=30, stateful_step_count=20)
    )


# The migration and the rebuild command fill the tables the same way ---------------


def _some_panels(app, seed: int = 5) -> Panels:
    """Panels after a fixed run of submissions, drafts and amendments."""
    Panels.app = app
    panels = Panels()
    rng = random.Random(seed)
    for _ in range(40):
        seat, levels = rng.randrange(15), [rng.choice((None, 1, 2, 3, 4)) for _ in "ab"]
        step = rng.choice((panels.submit, panels.submit, panels.save_draft))
        step(seat, levels)
        panels.amend(rng.randrange(15), levels, rng.random() < 0.3)
    return panels


def _tables() -> dict:
    return {
        table: sorted(
            tuple(round(v, 9) if isinstance(v, float) else v for v in row)
            for row in db.session.execute(sa.text(f"SELECT * FROM {table}"))
        )
        for table in (*summaries.TABLES, "calibration_marks")
    }


def _check_every_scope(panels: Panels) -> None:
    check_marks()
    ratings, cards = raw_data()
    rubric_scope = queries.Scope("rubric", panels.rubric_id)
    comps = queries.competencies(rubric_scope)
    for scope in (
        rubric_scope,
        queries.Scope("requisition", panels.requisition),
        queries.Scope("interviewer", panels.people["tina"]),
    ):
        check_scope(ratings, cards, scope, comps)


def test_the_migration_fills_the_tables_from_scorecards_already_submitted(app):
    from flask_migrate import downgrade, upgrade

    panels = _some_panels(app)
    with app.app_context():
        made = _tables()
        assert made["calibration_units"] and made["calibration_raters"]
        assert made["calibration_marks"]
        db.session.remove()  # SQLite: no transaction of ours holds the write lock
        downgrade(revision="0011_list_orders")
        upgrade()
        assert _tables() == made
        _check_every_scope(panels)


def test_rebuild_makes_the_same_tables_again_however_often_it_runs(app, runner):
    panels = _some_panels(app, seed=8)
    with app.app_context():
        made = _tables()
        db.session.execute(sa.text("DELETE FROM calibration_units"))
        db.session.execute(sa.text("UPDATE calibration_raters SET sum_d = 7"))
        db.session.execute(sa.text("UPDATE calibration_marks SET loops = 9"))
        db.session.commit()
    for _ in range(2):
        result = runner.invoke(args=["calibration", "rebuild"])
        assert result.exit_code == 0, result.output
        assert "rebuilt: 3 loops" in result.output
        with app.app_context():
            assert _tables() == made
            _check_every_scope(panels)


def test_a_draft_saved_after_submissions_changes_no_row(app):
    """Drafts never count: saving one (of a new scorecard, or again) leaves every
    summary row as it was."""
    panels = _some_panels(app, seed=3)
    with app.app_context():
        before = _tables()
    unsubmitted = []
    with app.app_context():
        for index, seat_id in enumerate(panels.seats):
            card = db.session.get(PanelSeat, seat_id).scorecard
            if card is None or not card.is_submitted:
                unsubmitted.append(index)
    assert unsubmitted
    for index in unsubmitted:
        panels.save_draft(index, [4, 1])
    with app.app_context():
        assert _tables() == before


# SQLite without its math functions -------------------------------------------------


def test_sqrt_behaves_as_sqlites_own_where_it_is_missing():
    import sqlite3

    from interview.db import add_sqrt

    connection = sqlite3.connect(":memory:")
    add_sqrt(connection)
    assert connection.execute(
        "SELECT sqrt(2.25), sqrt(4), sqrt(-1), sqrt(NULL), sqrt(0)"
    ).fetchone() == (1.5, 2.0, None, None, 0.0)


def test_a_connection_without_sqrt_gets_one(databases, tmp_path, monkeypatch):
    """Where the probe fails (an SQLite built without math functions), the connect
    hook registers sqrt(); where it runs, SQLite's own is kept."""
    if databases.name != "sqlite":
        pytest.skip("PostgreSQL has sqrt")
    import interview.db as plumbing
    from interview import create_app

    added = []
    monkeypatch.setattr(plumbing, "add_sqrt", added.append)
    for probe, expected in (("SELECT no_such_function(4.0)", 1), (None, 0)):
        if probe:
            monkeypatch.setattr(plumbing, "SQRT_CHECK", probe)
        else:
            monkeypatch.undo()
            monkeypatch.setattr(plumbing, "add_sqrt", added.append)
        added.clear()
        path = tmp_path / f"probe{expected}.sqlite"
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            }
        )
        with app.app_context():
            with db.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            db.engine.dispose()
        assert len(added) == expected


@pytest.mark.parametrize(
    "seats",
    [(0, 1), (0, 5)],
    ids=["one loop", "two loops of one rubric and requisition"],
)
def test_two_interviewers_submitting_at_once_both_count(app, monkeypatch, seats):
    """Both transactions reach the summary refresh together (a barrier): on
    PostgreSQL the second waits for the first (the loop's lock, or the rubric's and
    the requisition's for their marks), and both submissions count, in the loops'
    rows and in the marks the calibration pages read."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite runs one writer at a time: no two reach the refresh")
    Panels.app = app
    panels = Panels()
    barrier = threading.Barrier(2)
    refresh = summaries.refresh_loops

    def together(loop_ids, session=None):
        barrier.wait(timeout=30)
        refresh(loop_ids, session)

    monkeypatch.setattr(summaries, "refresh_loops", together)
    failures = []

    def submit(seat):
        try:
            panels.submit(seat, [3, 2])
        except Exception as exc:  # noqa: BLE001 (shown in the assert)
            failures.append(exc)

    workers = [threading.Thread(target=submit, args=(n,)) for n in seats]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    monkeypatch.setattr(summaries, "refresh_loops", refresh)
    assert failures == []
    with app.app_context():
        submitted = db.session.scalar(
            sa.text(
                "SELECT COUNT(*) FROM scorecards sc JOIN panel_seats ps"
                " ON ps.id = sc.seat_id JOIN interview_sessions se"
                " ON se.id = ps.session_id WHERE se.loop_id IN :loops"
                " AND sc.status = 'submitted'"
            ).bindparams(sa.bindparam("loops", expanding=True)),
            {"loops": panels.loops},
        )
        assert submitted == 2
        loops = db.session.scalar(
            sa.text(
                "SELECT loops FROM calibration_marks"
                " WHERE kind = 'rubric' AND scope_id = :rubric"
            ),
            {"rubric": panels.rubric_id},
        )
        assert loops == len({seat // 5 for seat in seats})  # five seats a loop
        _check_every_scope(panels)


def test_a_unit_rated_by_more_people_than_a_code_holds_is_left_out(app, make_user):
    """32 interviewers rating one competency of one loop (no real panel) would carry
    into the next level of its packed code: that unit is left out of the unit
    figures (its ratings still count for leniency), and the page's figures build."""
    raters = [
        make_user(Role.INTERVIEWER, discipline=d, name=f"Rater {n}").id
        for n, d in enumerate([Discipline.CLINICAL, Discipline.TECHNICAL] * 16)
    ]
    manager = make_user(Role.HIRING_MANAGER).id
    with app.app_context():
        spec = validate(dump(rubric(key="crowd"))).rubric
        rubric_id = save_rubric(None, spec).version.rubric_id
        req = Requisition(
            title="Crowd",
            discipline=Discipline.CLINICAL,
            hiring_manager_id=manager,
            default_rubric_id=rubric_id,
            plan=[
                PlanSession(
                    title="Panel",
                    competency_keys=["workflow", "privacy"],
                    clinical_seats=16,
                    technical_seats=16,
                )
            ],
        )
        db.session.add(req)
        loops = []
        for n in range(2):
            loop = create_loop(None, req, Candidate(name=f"Crowded {n}"))
            seats = sorted(loop.sessions[0].seats, key=lambda s: s.discipline)
            seats = [s for pair in zip(seats[:16], seats[16:]) for s in pair]
            for i, (seat, rater) in enumerate(zip(seats, raters, strict=True)):
                seat.interviewer_id = rater
                count = 32 if n == 0 else 3  # the second loop: an ordinary panel
                if i >= count:
                    continue
                card = ops.scorecard_for(seat)
                actor = db.session.get(User, rater)
                levels = [1 + (i + n) % 4, 1 + i % 3]
                ops.submit(
                    actor,
                    card,
                    _answers(card, levels),
                    3,
                    "A long enough summary.",
                    ops.Edit(card.version),
                )
            loops.append(loop.id)
        db.session.commit()
        units = dict(
            db.session.execute(
                sa.text(
                    "SELECT loop_id, COUNT(*) FROM calibration_units GROUP BY loop_id"
                )
            ).all()
        )
        assert units == {loops[1]: 2}
        ratings, cards = raw_data()
        scope = queries.Scope("rubric", rubric_id)
        check_scope(ratings, cards, scope, queries.competencies(scope))
        compared = {
            row[2]: row[4] for row in queries.rater_rows(scope) if row[0] == "l"
        }
        assert compared[raters[31]] == 2  # the big loop's units, for leniency
