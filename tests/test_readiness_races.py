"""Issue 11, stored readiness (interview/home/readiness.py) against concurrent writes
through the app's routes on PostgreSQL: the kit's submit held its loop FOR SHARE and
readiness asked FOR UPDATE on it at commit, so two last scorecards submitted at once,
or a seat added while the last one was, deadlocked (one of them a 503). Found by
review (tests/test_review_readiness.py of the review, adapted here). And what a
rolled back change noted is not locked nor computed by the next commit."""

import threading

import pytest
import sqlalchemy as sa

from interview.debrief import views as debrief_views
from interview.extensions import db
from interview.home import readiness
from interview.models import (
    Discipline,
    Loop,
    LoopStatus,
    Scorecard,
    ScorecardStatus,
    User,
)
from interview.scorecards import views as kit_views

from .conftest import PASSWORD
from .queries import counting_queries
from .tabs import Tab
from .test_home_queues import PAST, D, S, make_loop
from .test_home_scale import (  # noqa: F401 (fixtures)
    _seat_of,
    people,
    rubric_id,
    stored_and_computed,
)

WAIT = 3  # seconds a thread holding its locks waits for the other to arrive


def _postgresql_only(app) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite runs one writer at a time")


def _signed_in(app, user):
    client = app.test_client()
    client.submit("/sign-in", {"email": user.email, "password": PASSWORD})
    return client


def _then_wait(monkeypatch, module, name, barrier=None, event=None, pause=0.0):
    """``module.name`` as before, then (its locks held, nothing committed) meeting
    ``barrier`` or setting ``event`` and pausing for the other thread to ask."""
    original = getattr(module, name)

    def wrapped(*args, **kwargs):
        result = original(*args, **kwargs)
        if event is not None:
            event.set()
            threading.Event().wait(pause)
        if barrier is not None:
            try:
                barrier.wait(WAIT)
            except threading.BrokenBarrierError:
                pass
        return result

    monkeypatch.setattr(module, name, wrapped)


def _run(*targets) -> None:
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)


def _answer(answers, who, call) -> None:
    try:
        answers[who] = call()
    except Exception as exc:  # noqa: BLE001 (the test shows what went wrong)
        answers[who] = repr(exc)


def test_two_kit_submissions_at_once_both_succeed_and_leave_the_loop_ready(
    app,
    people,  # noqa: F811
    rubric_id,  # noqa: F811
    monkeypatch,
):
    """Both hold their loop lock before either commits (if both can): with FOR SHARE
    each waited for the other to raise it, and PostgreSQL aborted one (a 503)."""
    _postgresql_only(app)
    both_drafts = [(PAST, ("clara", D), ("tom", S)), (PAST, ("clara", S), ("tom", D))]
    loop_id = make_loop(
        app, people, rubric_id, "Two Kits", LoopStatus.INTERVIEWING, both_drafts
    )
    with app.app_context():
        seats = {
            "clara": _seat_of(loop_id, 0, Discipline.CLINICAL).id,
            "tom": _seat_of(loop_id, 1, Discipline.TECHNICAL).id,
        }
    tabs = {w: Tab(_signed_in(app, people[w]), s) for w, s in seats.items()}
    _then_wait(monkeypatch, kit_views, "submit", barrier=threading.Barrier(2))
    answers = {}
    _run(
        *(
            lambda w=w: _answer(
                answers, w, lambda: tabs[w].post(submit="y").status_code
            )
            for w in tabs
        )
    )
    assert answers == {"clara": 302, "tom": 302}
    with app.app_context():
        assert stored_and_computed()[loop_id] == (True, True)


def test_a_seat_added_while_the_last_scorecard_is_submitted_leaves_it_not_ready(
    app,
    people,  # noqa: F811
    rubric_id,  # noqa: F811
    monkeypatch,
):
    """The new session's insert KEY SHARE-locks the loop; readiness's FOR UPDATE at
    both commits waited for the other's lock: now FOR NO KEY UPDATE does not."""
    _postgresql_only(app)
    sessions = [(PAST, ("clara", D), ("tom", S)), (PAST, ("clara", S), ("tom", S))]
    loop_id = make_loop(
        app, people, rubric_id, "Seat Race", LoopStatus.INTERVIEWING, sessions
    )
    with app.app_context():
        seat_id = _seat_of(loop_id, 0, Discipline.CLINICAL).id
    tab = Tab(_signed_in(app, people["clara"]), seat_id)
    both_in = threading.Barrier(2)
    _then_wait(monkeypatch, kit_views, "submit", barrier=both_in)
    answers = {}

    def add_a_session():
        from interview.loops.operations import add_session

        with app.app_context():
            loop = db.session.get(Loop, loop_id)
            actor = db.session.get(User, people["ta"].id)
            keys = [c.key for c in loop.sessions[0].competencies]
            add_session(
                actor,
                loop,
                {
                    "title": "Extra",
                    "competency_keys": keys,
                    "duration_minutes": 45,
                    "clinical_seats": 1,
                    "technical_seats": 0,
                },
            )
            db.session.flush()
            try:
                both_in.wait(WAIT)
            except threading.BrokenBarrierError:
                pass
            db.session.commit()
            return "ok"

    _run(
        lambda: _answer(answers, "clara", lambda: tab.post(submit="y").status_code),
        lambda: _answer(answers, "ta", add_a_session),
    )
    assert answers == {"clara": 302, "ta": "ok"}
    with app.app_context():
        assert stored_and_computed()[loop_id] == (False, False)


def _decision_race(app, who, version, name):
    """A loop in debrief whose clinical seat's scorecard is a draft; the clinical
    interviewer's kit tab and the hiring manager's client."""
    sessions = [(PAST, ("clara", D), ("tom", S)), (PAST, ("clara", S), ("tom", S))]
    loop_id = make_loop(app, who, version, name, LoopStatus.DEBRIEF, sessions)
    with app.app_context():
        seat_id = _seat_of(loop_id, 0, Discipline.CLINICAL).id
    tab = Tab(_signed_in(app, who["clara"]), seat_id)
    return loop_id, seat_id, tab, _signed_in(app, who["manager"])


def _decide(manager, loop_id):
    return manager.submit(
        f"/loops/{loop_id}/decision",
        {"outcome": "hire", "rationale": "Strong evidence across the panel."},
    ).status_code


def _card_and_status(seat_id, loop_id):
    card = db.session.scalars(sa.select(Scorecard).where(Scorecard.seat_id == seat_id))
    return card.one().status, db.session.get(Loop, loop_id).status


def test_a_decision_asked_while_a_submit_holds_the_loop_waits_and_follows_it(
    app,
    people,  # noqa: F811
    rubric_id,  # noqa: F811
    monkeypatch,
):
    """The kit's submit holds its loop lock when the decision asks for the loop:
    the decision waits, then is recorded after the submission (no deadlock)."""
    _postgresql_only(app)
    loop_id, seat_id, tab, manager = _decision_race(app, people, rubric_id, "Kit First")
    kit_in = threading.Event()
    _then_wait(monkeypatch, kit_views, "submit", event=kit_in, pause=1.0)
    answers = {}

    def decide_once_the_kit_holds_the_loop():
        assert kit_in.wait(WAIT * 3)
        return _decide(manager, loop_id)

    _run(
        lambda: _answer(answers, "clara", lambda: tab.post(submit="y").status_code),
        lambda: _answer(answers, "manager", decide_once_the_kit_holds_the_loop),
    )
    assert answers == {"clara": 302, "manager": 302}
    with app.app_context():
        assert _card_and_status(seat_id, loop_id) == (
            ScorecardStatus.SUBMITTED,
            LoopStatus.DECIDED,
        )
        assert stored_and_computed()[loop_id] == (False, False)


def test_a_submit_asked_while_a_decision_holds_the_loop_waits_and_is_refused(
    app,
    people,  # noqa: F811
    rubric_id,  # noqa: F811
    monkeypatch,
):
    """The decision holds the loop when the kit's submit asks for it: the submit
    waits, then reads the loop decided and says so (409, the Frozen message)."""
    _postgresql_only(app)
    loop_id, seat_id, tab, manager = _decision_race(
        app, people, rubric_id, "Decision First"
    )
    decided = threading.Event()
    _then_wait(monkeypatch, debrief_views, "record_decision", event=decided, pause=1.0)
    answers = {}

    def submit_once_the_decision_holds_the_loop():
        assert decided.wait(WAIT * 3)
        response = tab.post(submit="y")
        page = response.get_data(as_text=True)
        said = "the loop was decided while you wrote" in page
        return response.status_code, said

    _run(
        lambda: _answer(answers, "manager", lambda: _decide(manager, loop_id)),
        lambda: _answer(answers, "clara", submit_once_the_decision_holds_the_loop),
    )
    assert answers == {"manager": 302, "clara": (409, True)}
    with app.app_context():
        assert _card_and_status(seat_id, loop_id) == (
            ScorecardStatus.DRAFT,
            LoopStatus.DECIDED,
        )


def test_a_rolled_back_change_is_not_locked_nor_computed_by_the_next_commit(
    app,
    people,  # noqa: F811
    rubric_id,  # noqa: F811
):
    """A submission flushed then rolled back (a refused write) noted its loop; the
    next commit in the same session locked and computed that loop again, even
    inside db.reading() where nothing else is written."""
    sessions = [(PAST, ("clara", D), ("tom", S)), (PAST, ("clara", S), ("tom", S))]
    loop_id = make_loop(
        app, people, rubric_id, "Rolled Back", LoopStatus.INTERVIEWING, sessions
    )
    with app.app_context():
        card = _seat_of(loop_id, 0, Discipline.CLINICAL).scorecard
        card.status = ScorecardStatus.SUBMITTED
        card.submitted_at = card.created_at
        db.session.flush()
        db.session.rollback()
        assert readiness.PENDING not in db.session.info
        db.session.get(User, people["ta"].id).name = "Tara Renamed"
        with counting_queries(app) as log:
            db.session.commit()
        assert not [s for s in log.statements if "FOR UPDATE" in s], str(log)
        assert not [s for s in log.statements if "ready_for_debrief" in s], str(log)
        assert stored_and_computed()[loop_id] == (False, False)
