"""Ids that leave the database (outbox keys, calendar UIDs, links in emails, audit
entries) are never given to another row: on SQLite the tables are AUTOINCREMENT
(migration 0024), PostgreSQL's sequences never go back."""

from email.message import EmailMessage

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.loops.operations import add_session, remove_session
from interview.models import Discipline, Loop, User
from interview.notify.triggers import calendar_uid

from . import test_notify_triggers as triggers_tests
from .test_notify_triggers import (
    _event,
    _schedule,
    _seat_with,
    _session,
    _user,
)

# The fixtures: a loop of one session, its team, and what was queued since.
team = triggers_tests.team
outbox = triggers_tests.outbox
TABLES = ("users", "loops", "interview_sessions", "panel_seats", "hiring_decisions")


def test_a_session_added_after_the_last_was_removed_is_invited_under_new_ids(
    team, outbox
):
    """The removed session and its seats were the newest rows: SQLite without
    AUTOINCREMENT gave their ids again, so the new seat's invitation key was the
    old one's (nobody invited) and its UID the cancelled event's."""
    _seat_with(team, Discipline.CLINICAL, team["clara"])
    _schedule(team)
    old_seats = {s.id for s in _session(team).seats}
    ((old_key, _, old_message),) = outbox.new()
    remove_session(_user(team["ta"]), _session(team))
    db.session.commit()
    ((_, _, cancelled),) = outbox.new()
    assert _event(cancelled)[0] == "CANCEL"

    loop = db.session.get(Loop, team["loop_id"])
    session = add_session(
        _user(team["ta"]),
        loop,
        {
            "title": "Workflow again",
            "competency_keys": ["workflow", "privacy"],
            "duration_minutes": 60,
            "clinical_seats": 1,
            "technical_seats": 1,
        },
    )
    db.session.commit()
    team = team | {"session_id": session.id}
    _seat_with(team, Discipline.CLINICAL, team["clara"])
    _schedule(team)

    new_seats = {s.id for s in _session(team).seats}
    assert not new_seats & old_seats
    ((key, to, message),) = outbox.new()  # Clara is invited to the new session
    assert to == team["clara"].email and key != old_key
    method, uid, _ = _event(message)
    assert method == "REQUEST"
    assert uid == calendar_uid(session.id) != _event(old_message)[1]


def test_a_deleted_newest_accounts_id_is_not_given_again(app_ctx, make_user):
    """Users' ids are in outbox keys (``decision:<d>:<user>``) and audit entries."""
    user = make_user(name="Newest")
    with db.engine.begin() as connection:
        connection.execute(sa.delete(User.__table__).where(User.id == user.id))
    assert make_user(name="Next").id > user.id


def _schema(kind: str) -> dict[str, str]:
    rows = db.session.execute(
        sa.text("SELECT name, sql FROM sqlite_master WHERE type = :kind"),
        {"kind": kind},
    )
    return {name: sql for name, sql in rows if sql}


def _counter(table: str) -> int:
    return db.session.scalar(
        sa.text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": table}
    )


def _invitation(uid: str) -> bytes:
    message = EmailMessage()
    message["To"] = "clara@x.example"
    message["Subject"] = "Interview"
    message.set_content("Your kit.\n")
    event = f"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nEND:VEVENT\r\n"
    message.add_attachment(  # bytes: base64, as a long calendar part may be
        (event + "END:VCALENDAR\r\n").encode(), maintype="text", subtype="calendar"
    )
    return message.as_bytes()


OUTBOX_ROW = (
    "INSERT INTO outbox_messages (key, recipient, subject, message, status, "
    "attempts, not_before, created_at) VALUES (:key, 'clara@x.example', 'Interview', "
    ":message, 'cancelled', 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
)
USER_ROW = (
    "INSERT INTO users (id, email, name, password_hash, role, time_zone, is_active, "
    "session_token, created_at, updated_at, version, search_key) VALUES (7, "
    "'kept@example.org', 'Kept', 'x', 'hiring_manager', 'UTC', 1, 't', "
    "'2026-01-01 00:00:00', '2026-01-01 00:00:00', 1, 'kept')"
)


# Indexes a later migration makes again on purpose, as it makes them.
CHANGED_LATER = {
    "ix_users_listing": (  # 0030: the accounts list's order
        "CREATE INDEX ix_users_listing ON users (is_active DESC, role, search_key, id)"
    ),
}


def test_the_sqlite_upgrade_keeps_rows_indexes_and_triggers_and_counts_past_the_outbox(
    empty_app, databases
):
    """0024 rebuilds the tables with AUTOINCREMENT: every row keeps its id, every
    index and trigger on them is made again word for word (the seats' start
    triggers of 0013), and each counter starts above the ids the outbox names,
    rows deleted before the upgrade included."""
    if databases.name != "sqlite":
        pytest.skip("PostgreSQL's sequences never give an id twice: no migration")
    from flask_migrate import upgrade

    with empty_app.app_context():
        upgrade(revision="0023_queues_and_guards")
        indexes, triggers = _schema("index"), _schema("trigger")
        assert "panel_seats_take_start" in triggers
        db.session.execute(sa.text(USER_ROW))
        keys = ("invite:41:3", "reminder:57:1", "debrief:9:2", "decision:4:12")
        for key in keys:
            db.session.execute(sa.text(OUTBOX_ROW), {"key": key, "message": b""})
        db.session.execute(
            sa.text(OUTBOX_ROW),
            {"key": "cancel:3:1", "message": _invitation("session-33@interview")},
        )
        db.session.commit()

        upgrade()

        tables = _schema("table")
        for table in TABLES:
            assert "id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT" in tables[table]
        after = _schema("index")
        assert {n: after.get(n) for n in indexes} == {**indexes, **CHANGED_LATER}
        assert {n: _schema("trigger").get(n) for n in triggers} == triggers
        assert db.session.execute(sa.text("PRAGMA foreign_key_check")).all() == []
        assert db.session.get(User, 7).email == "kept@example.org"
        counters = {t: _counter(t) for t in TABLES}
        assert counters == {
            "users": 12,
            "loops": 9,
            "interview_sessions": 33,
            "panel_seats": 57,
            "hiring_decisions": 4,
        }
        db.session.remove()


AUDIT_ROW = (
    "INSERT INTO audit_log (at, action, object_type, object_id) VALUES "
    "('2026-01-01 00:00:00', :action, 'loops', 1)"
)


def _sessions_made_and_removed(removed: int) -> None:
    """Sessions 1..REMOVED were made and removed (audited); the invitation of the
    last is in the outbox, its text blanked after MAIL_KEEP_DAYS (key kept)."""
    for _ in range(removed):
        db.session.execute(sa.text(AUDIT_ROW), {"action": "loop.session.remove"})
    db.session.execute(sa.text(AUDIT_ROW), {"action": "loop.create"})
    db.session.execute(sa.text(OUTBOX_ROW), {"key": "invite:5:1", "message": b""})
    db.session.commit()


def test_the_sqlite_upgrade_counts_sessions_past_blanked_invitations(
    empty_app, databases
):
    """A removed session's id is only in its invitations' UID, gone once their
    text is blanked: the counter still starts above every session ever made, so
    a new session never takes the cancelled event's UID."""
    if databases.name != "sqlite":
        pytest.skip("PostgreSQL's sequences never give an id twice: no migration")
    from flask_migrate import upgrade

    with empty_app.app_context():
        upgrade(revision="0023_queues_and_guards")
        _sessions_made_and_removed(3)
        upgrade()
        assert _counter("interview_sessions") == 3
        db.session.remove()


def test_a_database_that_ran_0024_before_gets_its_session_counter_raised(
    empty_app, databases
):
    """0024 as first shipped set the counter from UIDs it could read: 0027 raises
    it above every session ever made."""
    if databases.name != "sqlite":
        pytest.skip("PostgreSQL's sequences never give an id twice: no migration")
    from flask_migrate import upgrade

    with empty_app.app_context():
        upgrade(revision="0026_home_gaps")
        _sessions_made_and_removed(3)
        db.session.execute(  # as the first 0024 left it: no UID, no counter
            sa.text("DELETE FROM sqlite_sequence WHERE name = 'interview_sessions'")
        )
        db.session.commit()
        upgrade()
        assert _counter("interview_sessions") == 3
        db.session.remove()
