"""Reshaping a loop's session (POST /loops/<id>/sessions/<sid>/shape) obeys the rules
every other edit of a loop obeys (review finding): a withdrawn or decided loop no
longer changes, an interviewing loop keeps every competency covered, and the loop is
locked before the session, as a decision locks them, so the two at once on
PostgreSQL finish one after the other instead of deadlocking."""

import re
import threading

import sqlalchemy as sa

from interview.debrief import views as debrief_views
from interview.extensions import db
from interview.loops import views as loop_views
from interview.models import InterviewSession, Loop, LoopStatus, PanelSeat

from .test_home_queues import PAST, SOON, S, make_loop
from .test_home_scale import people, rubric_id  # noqa: F401 (fixtures)
from .test_loops import (  # noqa: F401
    _build_loop,
    _interviewing,
    _seat,
    _seats,
    _shape,
    team,
)
from .test_readiness_races import (
    WAIT,
    _answer,
    _postgresql_only,
    _run,
    _signed_in,
)


def _session_state(app, session_id):
    with app.app_context():
        s = db.session.get(InterviewSession, session_id)
        seats = sorted(
            str(seat.discipline) for seat in s.seats if seat.removed_at is None
        )
        return s.title, s.duration_minutes, [c.key for c in s.competencies], seats


def _clinical_case(app, loop_id, seats):
    with app.app_context():
        return db.session.get(
            PanelSeat, seats[("Clinical case", "clinical")]
        ).session_id


def test_a_withdrawn_loops_session_cannot_be_reshaped(app, client, auth, team):  # noqa: F811
    auth.login(team["ta"])
    loop_id = _build_loop(client, app, team)
    session_id = _clinical_case(app, loop_id, _seats(app, loop_id))
    with app.app_context():
        db.session.get(Loop, loop_id).status = LoopStatus.WITHDRAWN
        db.session.commit()
    before = _session_state(app, session_id)
    refused = _shape(
        client,
        loop_id,
        session_id,
        title="Clinical case, longer",
        duration_minutes="90",
        competency_keys=["workflow", "privacy"],
        clinical_seats="2",
        technical_seats="0",
    )
    assert refused.status_code == 422
    assert "This loop is withdrawn; it can no longer change." in refused.text
    assert "Saved Clinical case" not in refused.text
    assert _session_state(app, session_id) == before


def test_an_interviewing_loop_cannot_be_given_a_gap_by_reshaping(
    app,
    client,
    auth,
    team,  # noqa: F811
):
    auth.login(team["ta"])
    loop_id = _build_loop(client, app, team)
    seats = _seats(app, loop_id)
    pairs = [
        ("Clinical case", "clinical", "clara"),
        ("Clinical case", "technical", "ines"),
        ("Privacy scenario", "clinical", "kwame"),
        ("Privacy scenario", "technical", "wei"),
    ]
    for title, side, person in pairs:
        _seat(client, loop_id, seats[(title, side)], team[person])
    _interviewing(client, loop_id)  # its sessions' want of a time confirmed
    with app.app_context():
        assert db.session.get(Loop, loop_id).status == LoopStatus.INTERVIEWING
    session_id = _clinical_case(app, loop_id, seats)
    before = _session_state(app, session_id)
    refused = _shape(
        client,
        loop_id,
        session_id,
        title="Privacy deep dive",
        duration_minutes="60",
        competency_keys=["privacy"],  # nobody assesses workflow any more
        clinical_seats="1",
        technical_seats="1",
    )
    assert refused.status_code == 422
    assert "The loop is interviewing, and this change would leave a gap" in refused.text
    assert 'value="Privacy deep dive"' in refused.text  # what was typed is kept
    assert _session_state(app, session_id) == before
    # Issue 14: the section opens on the refusal, as on a field's error (it stayed
    # folded, the form and its reason out of sight), and says why inside it.
    section = re.search(
        r"<details([^>]*)>\s*<summary>Competencies and seats for this loop</summary>"
        rf'\s*<form method="post" action="/loops/{loop_id}/sessions/{session_id}/shape"'
        r'[^>]*>\s*<p class="error">([^<]*)</p>',
        refused.text,
    )
    assert section and section.group(1) == " open", section
    assert section.group(2).startswith("The loop is interviewing, and this change")
    assert refused.text.count("<details open>") == 1  # the other sessions stay folded


def _debrief_with_a_session_to_come(app, who, version):
    """A loop in debrief: one session held (both scorecards in), one still to come
    with Clara and Tom seated; the TA's and the manager's clients."""
    sessions = [
        (PAST, ("clara", S), ("tom", S)),
        (SOON, ("clara", None), ("tom", None)),
    ]
    loop_id = make_loop(app, who, version, "Shape Race", LoopStatus.DEBRIEF, sessions)
    with app.app_context():
        loop = db.session.get(Loop, loop_id)
        future = loop.sessions[1]
        facts = {
            "id": future.id,
            "title": future.title,
            "minutes": future.duration_minutes,
            "key": f"{future.id}:{future.schedule_sequence or 0}",
            "competencies": [c.key for c in future.competencies][:1],
            "version": str(future.version),  # its form's counter (issue 14)
        }
    return loop_id, facts, _signed_in(app, who["ta"]), _signed_in(app, who["manager"])


def _reshape(ta, loop_id, facts, longer=0):
    """The session to come assesses one competency fewer, ``longer`` minutes longer
    (seats and title kept)."""
    prefix = f"shape-{facts['id']}-"
    fields = {
        "title": facts["title"],
        "duration_minutes": str(facts["minutes"] + longer),
        "competency_keys": facts["competencies"],
        "clinical_seats": "1",
        "technical_seats": "1",
        "version": facts["version"],
    }
    return ta.submit(
        f"/loops/{loop_id}/sessions/{facts['id']}/shape",
        {prefix + k: v for k, v in fields.items()},
    )


def _decide(manager, loop_id, facts):
    return manager.submit(
        f"/loops/{loop_id}/decision",
        {
            "outcome": "hire",
            "rationale": "Strong evidence across the panel.",
            "confirm": "y",
            "sessions": facts["key"],
        },
    )


def test_a_decision_asked_while_a_shape_edit_holds_its_session_waits_for_it(
    app,
    people,  # noqa: F811
    rubric_id,  # noqa: F811
    monkeypatch,
):
    """The shape edit has written its session (a longer length) and not committed
    (its commit then locks the loop, readiness.py) when the decision locks the loop
    and clears the session's time: before, each waited for the other (a deadlock,
    one of them a 503). Now the edit holds the loop first; the decision waits, then
    sees the session changed since the manager confirmed and asks again (as it asks
    for any session moved meanwhile); confirmed again, it is recorded."""
    _postgresql_only(app)
    loop_id, facts, ta, manager = _debrief_with_a_session_to_come(
        app, people, rubric_id
    )
    shaped = threading.Event()
    original = loop_views.update_session

    def update_then_wait(*args, **kwargs):
        original(*args, **kwargs)
        db.session.flush()  # the session row is written (and locked)
        shaped.set()
        threading.Event().wait(1.5)

    monkeypatch.setattr(loop_views, "update_session", update_then_wait)
    answers = {}

    def decide_once_shaped():
        assert shaped.wait(WAIT * 3)
        response = _decide(manager, loop_id, facts)
        return response.status_code, "draft=" in response.location

    _run(
        lambda: _answer(
            answers, "ta", lambda: _reshape(ta, loop_id, facts, 15).status_code
        ),
        lambda: _answer(answers, "manager", decide_once_shaped),
    )
    assert answers == {"ta": 302, "manager": (302, True)}
    with app.app_context():
        assert db.session.get(Loop, loop_id).status == LoopStatus.DEBRIEF
        session = db.session.get(InterviewSession, facts["id"])
        assert session.duration_minutes == facts["minutes"] + 15
        assert [c.key for c in session.competencies] == facts["competencies"]
        assert session.starts_at is not None
        facts["key"] = f"{session.id}:{session.schedule_sequence or 0}"
    again = _decide(manager, loop_id, facts)
    assert again.status_code == 302 and "draft=" not in again.location
    with app.app_context():
        assert db.session.get(Loop, loop_id).status == LoopStatus.DECIDED
        assert db.session.get(InterviewSession, facts["id"]).starts_at is None


def test_a_shape_edit_asked_while_a_decision_holds_the_loop_is_refused(
    app,
    people,  # noqa: F811
    rubric_id,  # noqa: F811
    monkeypatch,
):
    """The decision holds the loop when the shape edit asks for it: the edit waits,
    then reads the loop decided and says so; the session keeps its competencies."""
    _postgresql_only(app)
    loop_id, facts, ta, manager = _debrief_with_a_session_to_come(
        app, people, rubric_id
    )
    with app.app_context():
        before = [
            c.key for c in db.session.get(InterviewSession, facts["id"]).competencies
        ]
    decided = threading.Event()
    original = debrief_views.record_decision

    def record_then_wait(*args, **kwargs):
        result = original(*args, **kwargs)
        db.session.flush()
        decided.set()
        threading.Event().wait(1.0)
        return result

    monkeypatch.setattr(debrief_views, "record_decision", record_then_wait)
    answers = {}

    def shape_once_decided():
        assert decided.wait(WAIT * 3)
        response = _reshape(ta, loop_id, facts)
        assert response.status_code == 302  # refused forms show again at ?draft=
        response = ta.get(response.location)
        said = "This loop is decided; it can no longer change." in response.text
        return response.status_code, said

    _run(
        lambda: _answer(
            answers, "manager", lambda: _decide(manager, loop_id, facts).status_code
        ),
        lambda: _answer(answers, "ta", shape_once_decided),
    )
    assert answers == {"manager": 302, "ta": (422, True)}
    with app.app_context():
        assert db.session.get(Loop, loop_id).status == LoopStatus.DECIDED
        competencies = db.session.get(InterviewSession, facts["id"]).competencies
        assert [c.key for c in competencies] == before
        assert db.session.scalar(sa.select(sa.func.count(InterviewSession.id))) == 2


def test_a_loops_session_without_a_competency_is_refused(app, client, auth, team):  # noqa: F811
    """Issue 14, fresh-user test: unticking every box left a session with nothing
    to rate, in the loop's own "Competencies and seats" form as in the plan."""
    auth.login(team["ta"])
    loop_id = _build_loop(client, app, team)
    session_id = _clinical_case(app, loop_id, _seats(app, loop_id))
    before = _session_state(app, session_id)
    refused = _shape(
        client,
        loop_id,
        session_id,
        title="Clinical case",
        duration_minutes="60",
        clinical_seats="1",
        technical_seats="1",
    )
    assert refused.status_code == 422
    assert "Choose at least one competency" in refused.text
    assert _session_state(app, session_id) == before
    added = client.submit(
        f"/loops/{loop_id}/sessions",
        {
            "new-session-title": "Empty",
            "new-session-duration_minutes": "60",
            "new-session-clinical_seats": "1",
            "new-session-technical_seats": "1",
        },
        follow_redirects=True,
    )
    assert added.status_code == 422
    assert "Choose at least one competency" in added.text
    with app.app_context():
        assert len(db.session.get(Loop, loop_id).sessions) == 2
