"""Loops through the browser routes: requisition, plan, candidate, loop, panel,
coverage, schedule, status, and who may see what."""

import re

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.models import (
    Candidate,
    Conflict,
    Discipline,
    Loop,
    PanelSeat,
    Role,
    Rubric,
    Scorecard,
    ScorecardStatus,
    Training,
)
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate
from interview.timeutil import utcnow

from .rubric_samples import dump, rubric


@pytest.fixture
def team(app, make_user):
    """A rubric, a hiring manager and an interviewer pool of both disciplines."""
    with app.app_context():
        save_rubric(None, validate(dump(rubric())).rubric)
        db.session.commit()
    return {
        "ta": make_user(Role.TALENT_ACQUISITION, name="Tara Okafor"),
        "hm": make_user(Role.HIRING_MANAGER, name="Hamid Rahimi"),
        "clara": make_user(
            Role.INTERVIEWER, discipline=Discipline.CLINICAL, name="Clara Jensen"
        ),
        "kwame": make_user(
            Role.INTERVIEWER, discipline=Discipline.CLINICAL, name="Kwame Mensah"
        ),
        "ines": make_user(
            Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="Inés Delgado"
        ),
        "wei": make_user(
            Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="Wei Zhang"
        ),
    }


def _id_from(response, pattern: str) -> int:
    return int(re.search(pattern, response.headers["Location"]).group(1))


def _build_loop(client, app, team) -> int:
    """Requisition, plan, candidate and loop, each through its page."""
    with app.app_context():
        rubric_id = db.session.scalar(sa.select(Rubric.id))
    created = client.submit(
        "/requisitions/new",
        {
            "title": "Integration Engineer, HL7 and FHIR",
            "discipline": "technical",
            "hiring_manager_id": str(team["hm"].id),
            "default_rubric_id": str(rubric_id),
            "status": "open",
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)
    req_id = _id_from(created, r"/requisitions/(\d+)")
    plan = {
        "sessions-0-title": "Clinical case",
        "sessions-0-duration_minutes": "60",
        "sessions-0-competency_keys": ["workflow"],
        "sessions-0-clinical_seats": "1",
        "sessions-0-technical_seats": "1",
        "sessions-1-title": "Privacy scenario",
        "sessions-1-duration_minutes": "45",
        "sessions-1-competency_keys": ["privacy"],
        "sessions-1-clinical_seats": "1",
        "sessions-1-technical_seats": "1",
    }
    assert client.submit(f"/requisitions/{req_id}/plan", plan).status_code == 302
    person = client.submit(
        "/candidates/new",
        {
            "name": "Amara Nwosu",
            "email": "amara@candidate.example",
            "phone": "+44 20 7946 0000",
        },
    )
    assert person.status_code == 302
    with app.app_context():
        candidate_id = db.session.scalar(sa.select(Candidate.id))
    started = client.submit(
        f"/requisitions/{req_id}/loops/new", {"candidate_id": str(candidate_id)}
    )
    assert started.status_code == 302, started.get_data(as_text=True)
    return _id_from(started, r"/loops/(\d+)")


def _seats(app, loop_id: int) -> dict[tuple[str, str], int]:
    """Seat ids by (session title, discipline)."""
    with app.app_context():
        loop = db.session.get(Loop, loop_id)
        return {
            (s.title, str(seat.discipline)): seat.id
            for s in loop.sessions
            for seat in s.seats
            if seat.removed_at is None
        }


def _seat(client, loop_id, seat_id, user):
    return client.submit(
        f"/loops/{loop_id}/seats/{seat_id}",
        {f"seat-{seat_id}-interviewer_id": str(user.id) if user else ""},
        follow_redirects=True,
    )


def test_a_full_loop_from_plan_to_interviewing(app, client, auth, team):
    auth.login(team["ta"])
    loop_id = _build_loop(client, app, team)
    page = client.get(f"/loops/{loop_id}").get_data(as_text=True)
    assert "Amara Nwosu" in page and "amara@candidate.example" in page
    assert page.count("<strong>Gap</strong>") == 4  # two competencies, both sides each
    assert "Workflow has no clinical interviewer" in page

    refused = client.submit(
        f"/loops/{loop_id}/status", {"status": "interviewing"}, follow_redirects=True
    )
    assert "The panel still has gaps" in refused.get_data(as_text=True)

    seats = _seats(app, loop_id)
    _seat(client, loop_id, seats[("Clinical case", "clinical")], team["clara"])
    _seat(client, loop_id, seats[("Clinical case", "technical")], team["ines"])
    _seat(client, loop_id, seats[("Privacy scenario", "clinical")], team["kwame"])
    seated = _seat(
        client, loop_id, seats[("Privacy scenario", "technical")], team["wei"]
    )
    page = seated.get_data(as_text=True)
    assert "<strong>Gap</strong>" not in page and "Coverage gaps" not in page
    coverage = page.split('id="coverage"')[1].split("</table>")[0]
    assert re.search(
        r"Workflow</th>\s*<td class=\"ok\">\s*Clara Jensen</td>\s*<td class=\"ok\">\s*Inés Delgado",
        coverage,
    )
    assert "Kwame Mensah" in coverage and "Wei Zhang" in coverage

    moved = client.submit(
        f"/loops/{loop_id}/status", {"status": "interviewing"}, follow_redirects=True
    )
    assert 'id="loop-status">interviewing<' in moved.get_data(as_text=True)
    skipped = client.submit(
        f"/loops/{loop_id}/status", {"status": "decided"}, follow_redirects=True
    )
    assert "An interviewing loop cannot become decided" in skipped.get_data(
        as_text=True
    )


def test_seats_refuse_the_wrong_discipline_and_double_seating(app, client, auth, team):
    auth.login(team["ta"])
    loop_id = _build_loop(client, app, team)
    seats = _seats(app, loop_id)
    wrong = _seat(client, loop_id, seats[("Clinical case", "clinical")], team["ines"])
    assert (
        "Inés Delgado is a technical interviewer; this seat is for a clinical"
        in wrong.get_data(as_text=True)
    )
    with app.app_context():
        candidate_id = db.session.scalar(sa.select(Candidate.id))
        reason = "referred the candidate"
        db.session.add(
            Conflict(user_id=team["kwame"].id, candidate_id=candidate_id, reason=reason)
        )
        db.session.commit()
    conflicted = _seat(
        client, loop_id, seats[("Clinical case", "clinical")], team["kwame"]
    )
    assert (
        "Kwame Mensah cannot sit on this panel: referred the candidate."
        in conflicted.get_data(as_text=True)
    )


def test_removing_an_interviewer_keeps_their_submitted_scorecard(
    app, client, auth, team
):
    auth.login(team["ta"])
    loop_id = _build_loop(client, app, team)
    seat_id = _seats(app, loop_id)[("Clinical case", "clinical")]
    _seat(client, loop_id, seat_id, team["clara"])
    with app.app_context():
        seat = db.session.get(PanelSeat, seat_id)
        db.session.add(
            Scorecard(
                seat=seat,
                interviewer_id=team["clara"].id,
                rubric_version_id=seat.session.loop.rubric_version_id,
                status=ScorecardStatus.SUBMITTED,
                submitted_at=utcnow(),
            )
        )
        db.session.commit()
    response = _seat(client, loop_id, seat_id, team["kwame"])
    assert (
        "Clara Jensen&#39;s submitted scorecard is kept with the loop."
        in response.get_data(as_text=True)
    )
    with app.app_context():
        old = db.session.get(PanelSeat, seat_id)
        assert old.removed_at is not None and old.scorecard.is_submitted
        assert old.interviewer_id == team["clara"].id
        assert db.session.scalar(sa.select(sa.func.count(Scorecard.id))) == 1


def test_scheduling_in_one_zone_shows_in_each_readers_own(app, client, auth, team):
    auth.login(team["ta"])
    loop_id = _build_loop(client, app, team)
    seats = _seats(app, loop_id)
    _seat(client, loop_id, seats[("Clinical case", "clinical")], team["clara"])
    with app.app_context():
        session_id = db.session.get(
            PanelSeat, seats[("Clinical case", "clinical")]
        ).session_id
        clara = db.session.get(type(team["clara"]), team["clara"].id)
        clara.time_zone = "America/Chicago"
        db.session.commit()
    prefix = f"session-{session_id}-"
    form = {
        prefix + "starts_local": "2026-03-03T16:00",
        prefix + "time_zone": "Europe/Berlin",
        prefix + "duration_minutes": "60",
        prefix + "location": "",
        prefix + "video_url": "https://meet.example.org/abc",
        prefix + "fold": "",
    }
    saved = client.submit(
        f"/loops/{loop_id}/sessions/{session_id}/schedule", form, follow_redirects=True
    )
    assert "Clinical case: time and place saved." in saved.get_data(as_text=True)
    gap = {**form, prefix + "starts_local": "2026-03-29T02:30"}
    refused = client.submit(
        f"/loops/{loop_id}/sessions/{session_id}/schedule", gap, follow_redirects=True
    )
    assert (
        "2:30 on Sun 29 Mar 2026 does not exist in Europe/Berlin"
        in refused.get_data(as_text=True)
    )
    bad_zone = {**form, prefix + "time_zone": "Mars/Olympus"}
    refused = client.submit(
        f"/loops/{loop_id}/sessions/{session_id}/schedule",
        bad_zone,
        follow_redirects=True,
    )
    assert "Not a valid choice" in refused.get_data(as_text=True)
    auth.logout()

    auth.login(team["clara"])  # Chicago: 16:00 in Berlin is 09:00 there
    mine = client.get("/my-interviews").get_data(as_text=True)
    assert "Tue 3 Mar 2026, 09:00-10:00 CST" in mine
    invite = client.get(f"/loops/{loop_id}/sessions/{session_id}/invite.ics")
    assert invite.mimetype == "text/calendar"
    assert b"DTSTART:20260303T150000Z" in invite.data


def test_who_sees_which_loop_and_which_details(app, client, auth, team, make_user):
    auth.login(team["ta"])
    loop_id = _build_loop(client, app, team)
    _seat(
        client,
        loop_id,
        _seats(app, loop_id)[("Clinical case", "clinical")],
        team["clara"],
    )
    auth.logout()

    auth.login(
        team["hm"]
    )  # the requisition's own manager: the loop, not the contact details
    page = client.get(f"/loops/{loop_id}").get_data(as_text=True)
    assert "Amara Nwosu" in page and "amara@candidate.example" not in page
    assert "Propose interviewers" not in page
    auth.logout()

    other_manager = make_user(Role.HIRING_MANAGER)
    auth.login(other_manager)
    assert client.get(f"/loops/{loop_id}").status_code == 403
    assert "Amara" not in client.get("/loops/").get_data(as_text=True)
    auth.logout()

    auth.login(team["wei"])  # not on this panel
    assert client.get(f"/loops/{loop_id}").status_code == 403
    auth.logout()
    auth.login(team["clara"])  # on it
    page = client.get(f"/loops/{loop_id}").get_data(as_text=True)
    assert "Amara Nwosu" in page and "amara@candidate.example" not in page


def test_the_platform_proposes_a_panel_and_explains_it(app, client, auth, team):
    with app.app_context():
        for person in ("clara", "kwame", "ines", "wei"):
            for key in ("workflow", "privacy"):
                db.session.add(Training(user_id=team[person].id, competency_key=key))
        db.session.commit()
    auth.login(team["ta"])
    loop_id = _build_loop(client, app, team)
    response = client.submit(f"/loops/{loop_id}/propose", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Proposed panel seated." in page
    assert "<strong>Gap</strong>" not in page
    with app.app_context():
        seated = db.session.scalars(sa.select(PanelSeat.interviewer_id)).all()
    assert len(seated) == 4 and None not in seated


def test_a_proposal_that_cannot_be_made_says_why(app, client, auth, team):
    auth.login(team["ta"])  # nobody is trained on anything
    loop_id = _build_loop(client, app, team)
    page = client.submit(f"/loops/{loop_id}/propose", follow_redirects=True).get_data(
        as_text=True
    )
    assert "Nobody can assess Workflow" in page
    with app.app_context():
        assert (
            db.session.scalars(sa.select(PanelSeat.interviewer_id)).all() == [None] * 4
        )


def _shape(client, loop_id, session_id, **fields):
    prefix = f"shape-{session_id}-"
    data = {prefix + k: v for k, v in fields.items()}
    return client.submit(
        f"/loops/{loop_id}/sessions/{session_id}/shape", data, follow_redirects=True
    )


def test_a_loop_adjusts_its_own_copy_of_the_plan(app, client, auth, team):
    auth.login(team["ta"])
    loop_id = _build_loop(client, app, team)
    seats = _seats(app, loop_id)
    with app.app_context():
        session_id = db.session.get(
            PanelSeat, seats[("Clinical case", "clinical")]
        ).session_id
    page = _shape(
        client,
        loop_id,
        session_id,
        title="Clinical case and privacy",
        duration_minutes="90",
        competency_keys=["workflow", "privacy"],
        clinical_seats="2",
        technical_seats="1",
    ).get_data(as_text=True)
    assert "Saved Clinical case and privacy." in page
    with app.app_context():
        loop = db.session.get(Loop, loop_id)
        session = next(s for s in loop.sessions if s.id == session_id)
        assert [c.key for c in session.competencies] == ["workflow", "privacy"]
        assert sorted(str(s.discipline) for s in session.seats) == [
            "clinical",
            "clinical",
            "technical",
        ]
        plan = loop.requisition.plan[0]
        assert (
            plan.title == "Clinical case" and plan.clinical_seats == 1
        )  # the plan is untouched

    added = client.submit(
        f"/loops/{loop_id}/sessions",
        {
            "new-session-title": "Systems design",
            "new-session-duration_minutes": "60",
            "new-session-competency_keys": ["workflow"],
            "new-session-clinical_seats": "0",
            "new-session-technical_seats": "1",
        },
        follow_redirects=True,
    )
    assert "Added Systems design." in added.get_data(as_text=True)
    with app.app_context():
        new_id = max(s.id for s in db.session.get(Loop, loop_id).sessions)
    removed = client.submit(
        f"/loops/{loop_id}/sessions/{new_id}/remove", follow_redirects=True
    )
    assert "Removed Systems design from this loop." in removed.get_data(as_text=True)


def test_a_change_of_plan_never_deletes_a_scorecard(app, client, auth, team):
    auth.login(team["ta"])
    loop_id = _build_loop(client, app, team)
    seat_id = _seats(app, loop_id)[("Clinical case", "clinical")]
    _seat(client, loop_id, seat_id, team["clara"])
    with app.app_context():
        seat = db.session.get(PanelSeat, seat_id)
        session_id = seat.session_id
        db.session.add(
            Scorecard(
                seat=seat,
                interviewer_id=team["clara"].id,
                rubric_version_id=seat.session.loop.rubric_version_id,
            )
        )
        db.session.commit()
    refused = client.submit(
        f"/loops/{loop_id}/sessions/{session_id}/remove", follow_redirects=True
    )
    assert (
        "Clinical case cannot be removed: Clara Jensen wrote a scorecard for it"
        in refused.get_data(as_text=True)
    )
    fewer = _shape(
        client,
        loop_id,
        session_id,
        title="Clinical case",
        duration_minutes="60",
        competency_keys=["workflow"],
        clinical_seats="0",
        technical_seats="1",
    )
    assert "empty a seat before asking for 0" in fewer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Scorecard.id))) == 1
        assert db.session.get(PanelSeat, seat_id) is not None


def test_a_recorded_conflict_keeps_someone_off_the_panel(app, client, auth, team):
    auth.login(team["ta"])
    loop_id = _build_loop(client, app, team)
    with app.app_context():
        candidate_id = db.session.scalar(sa.select(Candidate.id))
    recorded = client.submit(
        f"/candidates/{candidate_id}/conflicts",
        {
            "interviewer_id": str(team["clara"].id),
            "reason": "former manager of the candidate",
        },
        follow_redirects=True,
    )
    page = recorded.get_data(as_text=True)
    assert "Clara Jensen will not be seated on Amara Nwosu&#39;s panels." in page
    assert "Clara Jensen: former manager of the candidate" in page
    seat_id = _seats(app, loop_id)[("Clinical case", "clinical")]
    refused = _seat(client, loop_id, seat_id, team["clara"])
    assert (
        "cannot sit on this panel: former manager of the candidate"
        in refused.get_data(as_text=True)
    )


@pytest.mark.parametrize(
    ("hours_ago", "due_hours", "state"), [(30, 24, "overdue"), (30, 48, "not started")]
)
def test_feedback_is_overdue_a_configurable_time_after_the_interview(
    app, client, auth, team, hours_ago, due_hours, state
):
    from datetime import timedelta

    app.config["FEEDBACK_DUE_HOURS"] = due_hours
    auth.login(team["ta"])
    loop_id = _build_loop(client, app, team)
    seat_id = _seats(app, loop_id)[("Clinical case", "clinical")]
    _seat(client, loop_id, seat_id, team["clara"])
    with app.app_context():
        session = db.session.get(PanelSeat, seat_id).session
        session.starts_at = utcnow() - timedelta(hours=hours_ago)
        db.session.commit()
    page = client.get(f"/loops/{loop_id}").get_data(as_text=True)
    assert f'status-{state.replace(" ", "-")}">{state}<' in page
    owed = page.split('id="owed"')[1]
    assert f"Clara Jensen — Clinical case ({state})" in owed


@pytest.mark.parametrize("value", ["not-a-number", "99999", "-1"])
def test_a_forged_seat_choice_is_a_clear_400(app, client, auth, team, value):
    auth.login(team["ta"])
    loop_id = _build_loop(client, app, team)
    seat_id = _seats(app, loop_id)[("Clinical case", "clinical")]
    response = client.submit(
        f"/loops/{loop_id}/seats/{seat_id}", {f"seat-{seat_id}-interviewer_id": value}
    )
    assert response.status_code == 400
    assert "Bad request" in response.get_data(as_text=True)
