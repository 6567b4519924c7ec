"""The debrief page and the hiring manager's decision."""

import sqlalchemy as sa

from interview.extensions import db
from interview.models import AuditEntry, HiringDecision, Loop, LoopStatus, Role

from .test_scorecards import EVIDENCE, _form, _second_seat


def _both_submitted(app, client, auth, seat, make_user):
    second = _second_seat(app, seat, make_user)
    auth.login(second["wei"])
    client.submit(
        f"/interviews/{second['id']}",
        _form(
            submit="y",
            level_workflow="1",
            evidence_workflow="Could not describe any ward workflow at all.",
        ),
    )
    auth.logout()
    auth.login(seat["clara"])
    client.submit(f"/interviews/{seat['id']}", _form(submit="y", level_workflow="4"))
    auth.logout()
    return second


def test_the_debrief_shows_scores_flags_and_evidence(
    app, client, auth, seat, make_user
):
    second = _both_submitted(app, client, auth, seat, make_user)
    auth.login(seat["manager"])
    page = client.get(f"/loops/{second['loop_id']}/debrief").get_data(as_text=True)
    # Workflow: clinical 4, technical 1 -> mean 2.5; the only rated competency.
    assert "<strong>2.50</strong>" in page
    assert (
        "Clinical interviewers rated Workflow 3.0 levels higher than technical interviewers (4.0 vs 1.0)"
        in page
    )
    assert "Ratings for Workflow span 3 levels" in page
    assert EVIDENCE in page and "Could not describe any ward workflow at all." in page
    assert "1 of 2 competencies" in page  # privacy was not assessed by anyone


def test_interviewers_see_the_debrief_only_after_submitting(
    app, client, auth, seat, make_user
):
    second = _second_seat(app, seat, make_user)
    auth.login(seat["clara"])
    assert client.get(f"/loops/{second['loop_id']}/debrief").status_code == 403
    client.submit(f"/interviews/{seat['id']}", _form(submit="y"))
    assert client.get(f"/loops/{second['loop_id']}/debrief").status_code == 200


def test_a_loop_without_submissions_says_so(app, client, auth, seat):
    with app.app_context():
        loop_id = db.session.scalar(sa.select(Loop.id))
    auth.login(seat["manager"])
    page = client.get(f"/loops/{loop_id}/debrief").get_data(as_text=True)
    assert "No scorecard has been submitted yet" in page


def test_the_manager_records_the_decision_and_the_loop_is_decided(
    app, client, auth, seat, make_user
):
    second = _both_submitted(app, client, auth, seat, make_user)
    with app.app_context():
        db.session.get(Loop, second["loop_id"]).status = LoopStatus.DEBRIEF
        db.session.commit()
    auth.login(seat["manager"])
    url = f"/loops/{second['loop_id']}/decision"
    short = client.submit(url, {"outcome": "hold", "rationale": "Not sure."})
    assert short.status_code == 422 and "at least 20 characters" in short.get_data(
        as_text=True
    )
    done = client.submit(
        url,
        {
            "outcome": "hold",
            "rationale": "Split on workflow: ask for a second clinical interview.",
        },
        follow_redirects=True,
    )
    assert "Decision recorded; the loop is decided." in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Loop, second["loop_id"]).status == LoopStatus.DECIDED
        assert db.session.scalar(sa.select(HiringDecision.outcome)) == "hold"
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "loop.decision")
        )
        assert entry.reason.startswith("Split on workflow")
    again = client.submit(
        url, {"outcome": "hire", "rationale": "Changed my mind entirely today."}
    )
    assert "a decision is recorded once it is in debrief" in again.get_data(
        as_text=True
    )


def test_only_the_requisitions_own_manager_decides(app, client, auth, seat, make_user):
    second = _second_seat(app, seat, make_user)
    auth.login(make_user(Role.HIRING_MANAGER))
    response = client.submit(
        f"/loops/{second['loop_id']}/decision",
        {"outcome": "hire", "rationale": "I am not this requisition's manager."},
    )
    assert response.status_code == 403


def test_a_decided_loop_shows_the_decision_not_the_debrief_hint(
    app, client, auth, seat, make_user
):
    second = _both_submitted(app, client, auth, seat, make_user)
    with app.app_context():
        db.session.get(Loop, second["loop_id"]).status = LoopStatus.DEBRIEF
        db.session.commit()
    auth.login(seat["manager"])
    client.submit(
        f"/loops/{second['loop_id']}/decision",
        {
            "outcome": "hire",
            "rationale": "Strong clinical workflow evidence from both sides.",
        },
    )
    page = client.get(f"/loops/{second['loop_id']}/debrief").get_data(as_text=True)
    assert "<strong>Hire</strong> by" in page
    assert "recorded once the loop is in debrief" not in page
    assert "<strong>4 Strong yes</strong>" in page  # levels carry their labels
