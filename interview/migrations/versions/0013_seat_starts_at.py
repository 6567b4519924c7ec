"""Each seat carries its session's start, kept by the database, so an interviewer's
week of interviews is read from one index of panel_seats

Revision ID: 0013_seat_starts_at
Revises: 0012_calibration_summaries
Create Date: 2026-12-02 00:10:00

The seat picker leaves out whoever reached their weekly limit in the session's ISO
week (loops/proposals.py, _busy_then). It joined every session starting that week to
its seats: 3,721 sessions and 7,442 seat lookups on the scale database. With the
start copied onto the seat, the partial index ``ix_panel_seats_starts_at`` holds the
week's held seats side by side, interviewer included.

Triggers keep the copy right whoever writes: a seat takes its session's start when
inserted (or moved to another session, or given another start), and a session's new
start goes to its seats. So ORM writes, Core bulk inserts (bench/scale_data.py, the
demo) and raw SQL all agree. On SQLite an AFTER trigger corrects the inserted row (a
BEFORE trigger cannot change NEW there); on PostgreSQL a BEFORE trigger sets it.
"""
import sqlalchemy as sa
from alembic import op


revision = '0013_seat_starts_at'
down_revision = '0012_calibration_summaries'
branch_labels = None
depends_on = None

ANALYSIS_LIMIT = 10_000  # db.ANALYSIS_LIMIT when this was written
WHERE = 'removed_at IS NULL AND interviewer_id IS NOT NULL'
SESSION_START = (
    '(SELECT starts_at FROM interview_sessions WHERE id = NEW.session_id)'
)
# On PostgreSQL the seat's trigger reads its session FOR SHARE, which waits for a
# reschedule of that session still in progress (and makes one wait for it): without
# it a seat inserted while its session moved kept the old start (code review). SQLite
# runs one writer at a time.
SESSION_START_LOCKED = (
    '(SELECT starts_at FROM interview_sessions WHERE id = NEW.session_id FOR SHARE)'
)

SQLITE_TRIGGERS = (
    # A seat inserted, or moved, or written with another start, takes its session's.
    f'''CREATE TRIGGER panel_seats_take_start AFTER INSERT ON panel_seats
    BEGIN
        UPDATE panel_seats SET starts_at = {SESSION_START} WHERE id = NEW.id;
    END''',
    f'''CREATE TRIGGER panel_seats_keep_start
    AFTER UPDATE OF session_id, starts_at ON panel_seats
    WHEN NEW.starts_at IS NOT {SESSION_START}
    BEGIN
        UPDATE panel_seats SET starts_at = {SESSION_START} WHERE id = NEW.id;
    END''',
    '''CREATE TRIGGER interview_sessions_give_start
    AFTER UPDATE OF starts_at ON interview_sessions
    WHEN NEW.starts_at IS NOT OLD.starts_at
    BEGIN
        UPDATE panel_seats SET starts_at = NEW.starts_at WHERE session_id = NEW.id;
    END''',
)
SQLITE_DROPS = (
    'DROP TRIGGER IF EXISTS interview_sessions_give_start',
    'DROP TRIGGER IF EXISTS panel_seats_keep_start',
    'DROP TRIGGER IF EXISTS panel_seats_take_start',
)

POSTGRESQL_TRIGGERS = (
    f'''CREATE FUNCTION panel_seats_take_start() RETURNS trigger AS $$
    BEGIN
        NEW.starts_at := {SESSION_START_LOCKED};
        RETURN NEW;
    END; $$ LANGUAGE plpgsql''',
    '''CREATE TRIGGER panel_seats_take_start
    BEFORE INSERT OR UPDATE OF session_id, starts_at ON panel_seats
    FOR EACH ROW EXECUTE FUNCTION panel_seats_take_start()''',
    '''CREATE FUNCTION interview_sessions_give_start() RETURNS trigger AS $$
    BEGIN
        UPDATE panel_seats SET starts_at = NEW.starts_at WHERE session_id = NEW.id;
        RETURN NULL;
    END; $$ LANGUAGE plpgsql''',
    '''CREATE TRIGGER interview_sessions_give_start
    AFTER UPDATE OF starts_at ON interview_sessions
    FOR EACH ROW WHEN (NEW.starts_at IS DISTINCT FROM OLD.starts_at)
    EXECUTE FUNCTION interview_sessions_give_start()''',
)
POSTGRESQL_DROPS = (
    'DROP TRIGGER IF EXISTS interview_sessions_give_start ON interview_sessions',
    'DROP FUNCTION IF EXISTS interview_sessions_give_start()',
    'DROP TRIGGER IF EXISTS panel_seats_take_start ON panel_seats',
    'DROP FUNCTION IF EXISTS panel_seats_take_start()',
)


def _sqlite() -> bool:
    return op.get_bind().dialect.name == 'sqlite'


def upgrade():
    op.add_column(
        'panel_seats', sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True)
    )
    op.execute(
        'UPDATE panel_seats SET starts_at = (SELECT starts_at FROM interview_sessions '
        'WHERE interview_sessions.id = panel_seats.session_id)'
    )
    op.create_index(
        'ix_panel_seats_starts_at',
        'panel_seats',
        ['starts_at', 'interviewer_id'],
        sqlite_where=sa.text(WHERE),
        postgresql_where=sa.text(WHERE),
    )
    for statement in SQLITE_TRIGGERS if _sqlite() else POSTGRESQL_TRIGGERS:
        op.execute(statement)
    if _sqlite():
        op.execute(f'PRAGMA analysis_limit = {ANALYSIS_LIMIT}')
        op.execute('ANALYZE panel_seats')
    else:
        op.execute('ANALYZE panel_seats')


def downgrade():
    for statement in SQLITE_DROPS if _sqlite() else POSTGRESQL_DROPS:
        op.execute(statement)
    op.drop_index('ix_panel_seats_starts_at', table_name='panel_seats')
    # SQLite has dropped columns itself since 3.35; no table rebuild needed.
    op.execute('ALTER TABLE panel_seats DROP COLUMN starts_at')
