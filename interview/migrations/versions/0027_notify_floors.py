"""Session ids are never given again on SQLite, blanked messages or not (issue 14)

Revision ID: 0027_notify_floors
Revises: 0026_home_gaps
Create Date: 2026-12-02 17:00:00

Migration 0024 started each AUTOINCREMENT counter above every id the outbox names,
but a session's id is only in the UID of its calendar messages, and the text of a
message finished over ``MAIL_KEEP_DAYS`` ago is blanked (its key stays). A session
removed before that upgrade whose invitations were blanked could have its id given
again: the new session's invitations would carry the cancelled event's UID. 0024
now also counts up to how many sessions were ever made (those here plus each
``loop.session.remove`` in the audit log: SQLite without AUTOINCREMENT never gave
an id above that); a database that ran 0024 before gets its counter raised to the
same floor here. Raising it only skips ids. PostgreSQL's sequences never give an id
twice: nothing to do there.
"""

from alembic import op

revision = "0027_notify_floors"
down_revision = "0026_home_gaps"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return  # PostgreSQL's sequences never give an id twice
    counter = bind.exec_driver_sql(
        "SELECT seq FROM sqlite_sequence WHERE name = 'interview_sessions'"
    ).scalar()
    kept, highest = bind.exec_driver_sql(
        "SELECT count(*), max(id) FROM interview_sessions"
    ).one()
    removed = bind.exec_driver_sql(
        "SELECT count(*) FROM audit_log WHERE action = 'loop.session.remove'"
    ).scalar()
    floor = max(counter or 0, highest or 0, kept + removed)
    if floor > (counter or 0):
        bind.exec_driver_sql(
            "DELETE FROM sqlite_sequence WHERE name = 'interview_sessions'"
        )
        bind.exec_driver_sql(
            "INSERT INTO sqlite_sequence (name, seq) VALUES ('interview_sessions', ?)",
            (floor,),
        )


def downgrade():
    pass  # a counter raised only skipped ids; lowering it could give them again
