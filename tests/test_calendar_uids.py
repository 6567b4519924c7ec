"""Calendar UIDs unique across deployments (issue 14): each database has its own
installation key (migration 0028), the events of one session share one UID in
every message and in invite.ics, an event sent before the upgrade keeps the UID it
was sent with, and each event names its organizer and attendee, escaped."""

import re
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from interview import create_app
from interview.auth.operations import set_password
from interview.extensions import db
from interview.loops.operations import add_session, schedule_session
from interview.models import (
    Discipline,
    Installation,
    InterviewSession,
    Loop,
    OutboxMessage,
    OutboxStatus,
    PlanSession,
    Role,
    User,
)
from interview.notify import messages as m
from interview.notify.outbox import enqueue
from interview.notify.triggers import calendar_uid
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate
from interview.timeutil import utcnow

from . import test_notify_triggers as triggers_tests
from .builders import start_loop
from .conftest import BASE_CONFIG, PASSWORD
from .rubric_samples import dump, rubric
from .test_notify_triggers import (
    LATER,
    _event,
    _mark_sent,
    _schedule,
    _seat_with,
)

team = triggers_tests.team
outbox = triggers_tests.outbox
NEW_UID = re.compile(r"session-(\d+)\.([0-9a-f]{32})@interview")
SESSION = {
    "time_zone": "Europe/Berlin",
    "duration_minutes": 60,
    "location": "Room 4",
    "video_url": "",
}


def _key() -> str:
    return db.session.scalar(sa.select(Installation.key))


def _download(client, loop_id: int, session_id: int):
    body = client.get(f"/loops/{loop_id}/sessions/{session_id}/invite.ics").data
    (event,) = Calendar.from_ical(body).walk("VEVENT")
    return event


def test_two_installations_give_the_same_session_different_uids(databases, tmp_path):
    """Two databases migrated apart (two hospitals, or staging and production)
    each get their own random key, so session 1 of one is not session 1 of the
    other in a calendar that receives both."""
    from flask_migrate import upgrade

    uids = []
    for name in ("hospital-a", "hospital-b"):
        (tmp_path / name).mkdir()
        with databases.empty(tmp_path / name) as config:
            app = create_app({**BASE_CONFIG, **config})
            with app.app_context():
                upgrade()
                (row,) = db.session.scalars(sa.select(Installation)).all()
                assert re.fullmatch(r"[0-9a-f]{32}", row.key)
                assert row.old_uids_upto == 0  # no session was there before
                uids.append(calendar_uid(1))
                assert calendar_uid(1) == uids[-1]  # stable: read, not drawn again
                db.session.remove()
                db.engine.dispose()
    first, second = uids
    assert NEW_UID.fullmatch(first) and NEW_UID.fullmatch(second)
    assert first != second


def test_the_invitation_update_cancellation_and_download_share_one_uid(
    app, client, auth, team, outbox
):
    _seat_with(team, Discipline.CLINICAL, team["clara"])
    _schedule(team)
    ((_, _, invited),) = outbox.new()
    _mark_sent()
    _schedule(team, LATER)
    ((_, _, updated),) = outbox.new()
    _mark_sent()
    _schedule(team, None)
    ((_, _, cancelled),) = outbox.new()

    uid = f"session-{team['session_id']}.{_key()}@interview"
    assert [_event(x)[::2] for x in (invited, updated, cancelled)] == [
        ("REQUEST", 1),
        ("REQUEST", 2),
        ("CANCEL", 3),
    ]
    assert {_event(x)[1] for x in (invited, updated, cancelled)} == {uid}
    _schedule(team)  # a time again: the download has an event to give
    auth.login(team["clara"])
    assert str(_download(client, team["loop_id"], team["session_id"])["UID"]) == uid


def test_the_download_names_the_emailed_invitations_organizer(
    app, client, auth, team, outbox
):
    """The downloaded invite.ics shares the emailed invitation's UID and SEQUENCE,
    and now its ORGANIZER too (issue 14: it had none, which RFC 5546 requires of
    a published event, and a calendar holding both saw two organizers)."""
    _seat_with(team, Discipline.CLINICAL, team["clara"])
    _schedule(team)
    ((_, _, invited),) = outbox.new()
    (part,) = [p for p in invited.walk() if p.get_content_type() == "text/calendar"]
    (emailed,) = Calendar.from_ical(part.get_content()).walk("VEVENT")
    auth.login(team["clara"])
    downloaded = _download(client, team["loop_id"], team["session_id"])
    for name in ("UID", "SEQUENCE", "ORGANIZER"):
        assert str(downloaded[name]) == str(emailed[name]), name
    assert str(downloaded["ORGANIZER"]).startswith("mailto:interviews@")
    assert downloaded["ORGANIZER"].params["CN"] == emailed["ORGANIZER"].params["CN"]


def _people() -> dict[str, User]:
    people = {
        "ta": User(email="ta@x.example", name="Tess", role=Role.TALENT_ACQUISITION),
        "manager": User(email="hm@x.example", name="Mona", role=Role.HIRING_MANAGER),
        "clara": User(
            email="clara@x.example",
            name="Clara",
            role=Role.INTERVIEWER,
            discipline=Discipline.CLINICAL,
        ),
    }
    for person in people.values():
        set_password(person, PASSWORD)
    db.session.add_all(people.values())
    db.session.flush()
    return people


def _sent_before_the_upgrade(session: InterviewSession, clara: User) -> str:
    """Schedule the session and send Clara's invitation as the code before 0028
    did, with the UID it gave: ``session-<id>@interview``."""
    session.starts_at = utcnow() + timedelta(days=7)
    session.schedule_sequence = 1
    seat = next(s for s in session.seats if s.discipline == Discipline.CLINICAL)
    seat.interviewer = clara
    db.session.flush()
    uid = f"session-{session.id}@interview"
    facts = m.SessionFacts(
        session_id=session.id,
        sequence=1,
        title=session.title,
        candidate="Amara Nwosu",
        role="EHR analyst",
        start_utc=session.starts_at,
        end_utc=session.ends_at,
        uid=uid,
    )
    invitation = m.invitation(
        facts,
        to=m.Person(clara.name, clara.email),
        sender="Interviews <interviews@x.example>",
        kit_url=f"http://127.0.0.1:5000/interviews/{seat.id}",
        stamp_utc=utcnow(),
    )
    enqueue(f"invite:{seat.id}:1", invitation, recipient=clara)
    db.session.execute(
        sa.update(OutboxMessage).values(status=OutboxStatus.SENT, sent_at=utcnow())
    )
    return uid


def test_an_event_sent_before_the_upgrade_keeps_its_uid(empty_app):
    """Clara's calendar holds session-<id>@interview from before 0028: its update
    (and the download) keep that UID, or her calendar would keep the old time as
    a second interview; a session made after the upgrade gets the new form."""
    from flask_migrate import upgrade

    app = empty_app
    with app.app_context():
        upgrade(revision="0027_notify_floors")
        _later_columns(add=True)
        people = _people()
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        plan = [PlanSession(title="Workflow", competency_keys=["workflow"])]
        loop = start_loop(people["manager"].id, version.rubric_id, plan, "Amara Nwosu")
        db.session.flush()
        old_uid = _sent_before_the_upgrade(loop.sessions[0], people["clara"])
        db.session.commit()
        loop_id, session_id = loop.id, loop.sessions[0].id
        ta_id = people["ta"].id
        db.session.remove()
        _later_columns(add=False)

        upgrade()

        assert db.session.scalar(sa.select(Installation.old_uids_upto)) == session_id
        ta = db.session.get(User, ta_id)
        session = db.session.get(InterviewSession, session_id)
        schedule_session(ta, session, {**SESSION, "starts_local": LATER})
        db.session.commit()
        update = db.session.scalars(
            sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())
        ).first()
        assert update.key.endswith(":2")
        parsed = message_from_bytes(update.message, policy=policy.default)
        assert _event(parsed) == ("REQUEST", old_uid, 2)

        loop = db.session.get(Loop, loop_id)
        details = {
            "title": "Later",
            "competency_keys": ["workflow"],
            "duration_minutes": 60,
            "clinical_seats": 1,
            "technical_seats": 0,
        }
        newer = add_session(ta, loop, details)
        db.session.commit()
        assert calendar_uid(newer.id) == f"session-{newer.id}.{_key()}@interview"
        db.session.remove()

    client = app.test_client()
    client.submit("/sign-in", {"email": "clara@x.example", "password": PASSWORD})
    assert str(_download(client, loop_id, session_id)["UID"]) == old_uid


# Columns added by migrations after 0028 (0029's edit counters), which the models
# read and write: the rows made at 0027 go through the models, so the test adds
# them for that part and takes them away before upgrading.
COUNTER = "INTEGER NOT NULL DEFAULT 1"
LATER_COLUMNS = (
    ("requisitions", "version", COUNTER),
    ("requisitions", "plan_version", COUNTER),
    ("candidates", "version", COUNTER),
    ("interview_sessions", "version", COUNTER),
    # Issue 15 (0033): the single sign-on identity, none for these accounts.
    ("users", "sso_issuer", "VARCHAR(500)"),
    ("users", "sso_subject", "VARCHAR(255)"),
    # Issue 15 (0034): the tracking system's ids, none for these records.
    ("candidates", "external_id", "VARCHAR(100)"),
    ("requisitions", "external_id", "VARCHAR(100)"),
)


def _later_columns(add: bool) -> None:
    """The models' columns of later revisions, for the ORM to write rows at 0027
    (added), and taken away again before the upgrade adds them."""
    for table, column, kind in LATER_COLUMNS:
        change = f"ADD COLUMN {column} {kind}" if add else f"DROP COLUMN {column}"
        db.session.execute(sa.text(f"ALTER TABLE {table} {change}"))
    db.session.commit()


NAMES = [
    "O'Brien, Siobhán",
    'Dr. "Jo" Ng; MD',
    "Zoë Ångström",
    "王秀英",
    "Ива: Петрова",
]
SENDER = "Interview Platform <interviews@hospital.example>"


@pytest.mark.parametrize("name", NAMES)
def test_the_attendee_is_named_and_asked_to_answer(name):
    """Calendars show the CN, not a bare address; RSVP=TRUE and NEEDS-ACTION make
    the invitation one to accept. Commas, semicolons, colons and quotes in a name
    stay inside its quoted CN (a double quote as RFC 6868's ^')."""
    facts = m.SessionFacts(
        session_id=7,
        sequence=1,
        title="Workflow",
        candidate="Amara Nwosu",
        role="EHR analyst",
        start_utc=utcnow() + timedelta(days=1),
        end_utc=utcnow() + timedelta(days=1, hours=1),
        uid="session-7.0123456789abcdef0123456789abcdef@interview",
    )
    to = m.Person(name, "person@hospital.example")
    invitation = m.invitation(
        facts, to=to, sender=SENDER, kit_url="https://x.example/k", stamp_utc=utcnow()
    )
    event, raw = _parsed_event(invitation)
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:person@hospital.example"
    assert dict(attendee.params) == {
        "CN": name,
        "ROLE": "REQ-PARTICIPANT",
        "PARTSTAT": "NEEDS-ACTION",
        "RSVP": "TRUE",
    }
    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:interviews@hospital.example"
    assert organizer.params["CN"] == "Interview Platform"
    unfolded = raw.replace("\r\n ", "")
    assert "ATTENDEE;CN=" in unfolded and "\nATTENDEE:mailto" not in unfolded
    if re.search(r'[,;:"]', name):
        assert 'CN="' in unfolded.split("ATTENDEE;")[1].split("\r\n")[0]

    cancellation = m.cancellation(
        facts, to=to, sender=SENDER, stamp_utc=utcnow(), reason="It is off."
    )
    event, _ = _parsed_event(cancellation)
    assert dict(event["ATTENDEE"].params) == {"CN": name}  # nothing to answer


def _parsed_event(message):
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    (part,) = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    raw = part.get_content()
    raw = raw.decode() if isinstance(raw, bytes) else raw
    (event,) = Calendar.from_ical(raw).walk("VEVENT")
    return event, raw


def test_the_download_names_the_seated_interviewers(app, client, auth, team):
    with app.app_context():
        db.session.get(User, team["clara"].id).name = 'Clara "Cee" Ó Néill, RN'
        db.session.commit()
        _seat_with(team, Discipline.CLINICAL, team["clara"])
        _schedule(team)
    auth.login(team["clara"])
    event = _download(client, team["loop_id"], team["session_id"])
    assert event["ATTENDEE"].params["CN"] == 'Clara "Cee" Ó Néill, RN'


def test_a_missing_installation_row_is_made_again_by_the_download(
    app, client, auth, team
):
    """A database emptied table by table (a restore of some tables) has no row: a
    page view, whose own transaction never writes, makes it in one of its own, and
    the next message uses the same UID. Sessions already there may have had events
    sent (under the old form or the lost key): they keep the old form, as after
    migration 0028, rather than each take a UID no calendar knows (review: every
    existing session's UID changed); a session made afterwards gets the new key."""
    with app.app_context():
        _seat_with(team, Discipline.CLINICAL, team["clara"])
        _schedule(team)
        db.session.execute(sa.delete(Installation))
        db.session.commit()
    auth.login(team["clara"])
    uid = str(_download(client, team["loop_id"], team["session_id"])["UID"])
    with app.app_context():
        assert uid == f"session-{team['session_id']}@interview"
        assert calendar_uid(team["session_id"]) == uid
        later = team["session_id"] + 1
        assert calendar_uid(later) == f"session-{later}.{_key()}@interview"
