"""Each role's home page says what to do next."""

from datetime import timedelta

from interview.extensions import db
from interview.models import (
    Candidate,
    Discipline,
    InterviewSession,
    Loop,
    PanelSeat,
    Requisition,
    Role,
    Rubric,
    RubricVersion,
    ScaleLevel,
)
from interview.timeutil import utcnow


def _seat(app, interviewer, manager, *, starts_in: timedelta) -> None:
    """Seat an interviewer on a session starting ``starts_in`` from now."""
    with app.app_context():
        version = RubricVersion(
            rubric=Rubric(key="core", title="Core"),
            number=1,
            title="Core",
            levels=[ScaleLevel(value=v, label=str(v)) for v in range(1, 5)],
        )
        loop = Loop(
            candidate=Candidate(name="Amara Nwosu"),
            requisition=Requisition(
                title="Integration Engineer",
                discipline=Discipline.TECHNICAL,
                hiring_manager_id=manager.id,
            ),
            rubric_version=version,
        )
        session = InterviewSession(
            loop=loop,
            title="Interoperability design",
            starts_at=utcnow() + starts_in,
            time_zone="America/Chicago",
        )
        db.session.add(
            PanelSeat(
                session=session,
                interviewer_id=interviewer.id,
                discipline=interviewer.discipline,
            )
        )
        db.session.commit()


def test_talent_acquisition_is_told_to_complete_the_pool(client, auth, make_user):
    auth.login(make_user(Role.TALENT_ACQUISITION))
    make_user(Role.INTERVIEWER, discipline=Discipline.CLINICAL)
    page = client.get("/").get_data(as_text=True)
    assert "1 clinical and 0 technical" in page
    assert "add interviewers" in page
    assert "No hiring manager has an account yet" in page
    assert "No rubric yet" in page


def test_talent_acquisition_with_a_full_pool(client, auth, users):
    auth.login(users["talent_acquisition"])
    page = client.get("/").get_data(as_text=True)
    assert "pool covers both disciplines" in page
    assert "add interviewers" not in page


def test_hiring_manager_sees_only_their_requisitions(
    app, client, auth, users, make_user
):
    other_manager = make_user(Role.HIRING_MANAGER)
    with app.app_context():
        db.session.add_all(
            [
                Requisition(
                    title="Clinical Informatics Analyst",
                    discipline=Discipline.CLINICAL,
                    hiring_manager_id=users["hiring_manager"].id,
                ),
                Requisition(
                    title="Security Engineer",
                    discipline=Discipline.TECHNICAL,
                    hiring_manager_id=other_manager.id,
                ),
            ]
        )
        db.session.commit()
    auth.login(users["hiring_manager"])
    page = client.get("/").get_data(as_text=True)
    assert "Clinical Informatics Analyst" in page
    assert "Security Engineer" not in page


def test_interviewer_without_seats_is_told_what_happens_next(client, auth, users):
    auth.login(users["clinical"])
    page = client.get("/").get_data(as_text=True)
    assert "You owe no scorecards" in page
    assert "as a clinical interviewer" in page


def test_interviewer_sees_the_scorecard_they_owe(app, client, auth, users):
    _seat(
        app, users["technical"], users["hiring_manager"], starts_in=-timedelta(hours=3)
    )
    auth.login(users["technical"])
    page = client.get("/").get_data(as_text=True)
    owed = page.split("Scorecards you owe")[1].split("Upcoming interviews")[0]
    assert "Interoperability design" in owed and "Amara Nwosu" in owed


def test_upcoming_interview_is_shown_in_the_interviewers_time_zone(
    app, client, auth, users
):
    interviewer = users["clinical"]
    with app.app_context():
        user = db.session.get(type(interviewer), interviewer.id)
        user.time_zone = "Asia/Tokyo"
        db.session.commit()
    _seat(app, interviewer, users["hiring_manager"], starts_in=timedelta(days=2))
    auth.login(interviewer)
    page = client.get("/").get_data(as_text=True)
    upcoming = page.split("Upcoming interviews")[1]
    assert "Interoperability design" in upcoming and "JST" in upcoming
