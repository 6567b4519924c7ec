"""Loops ready for debrief, stored (issue 11)

Revision ID: 0025_loop_readiness
Revises: 0024_sqlite_autoincrement
Create Date: 2026-12-02 14:00:00

``loops.ready_for_debrief``: the loop is interviewing, its panel has a seat now and
every such seat a submitted scorecard. Talent acquisition's home page found those
loops by probing every interviewing loop's sessions, seats and scorecards (1,260
loops, some 24,000 index pages at scale, to find 5); the stored state, kept on every
commit by interview/home/readiness.py, is read from the partial index
``ix_loops_ready`` (a handful of rows) instead. The backfill computes it from the
rows, as ``readiness.rebuild`` does after a bulk load.
"""
import sqlalchemy as sa
from alembic import op


revision = '0025_loop_readiness'
down_revision = '0024_sqlite_autoincrement'
branch_labels = None
depends_on = None

# Written out here: a migration keeps meaning what it meant when the code moves on.
BACKFILL = """
UPDATE loops SET ready_for_debrief = (
    loops.status = 'interviewing'
    AND NOT EXISTS (
        SELECT 1 FROM panel_seats JOIN interview_sessions
            ON panel_seats.session_id = interview_sessions.id
        WHERE interview_sessions.loop_id = loops.id
            AND panel_seats.removed_at IS NULL
            AND NOT EXISTS (
                SELECT 1 FROM scorecards
                WHERE scorecards.seat_id = panel_seats.id
                    AND scorecards.status = 'submitted'
            )
    )
    AND EXISTS (
        SELECT 1 FROM panel_seats JOIN interview_sessions
            ON panel_seats.session_id = interview_sessions.id
        WHERE interview_sessions.loop_id = loops.id
            AND panel_seats.removed_at IS NULL
    )
)
"""


def upgrade():
    op.add_column(
        "loops",
        sa.Column(
            "ready_for_debrief",
            sa.Boolean(),
            server_default=sa.false(),
            nullable=False,
        ),
    )
    op.execute(BACKFILL)
    # The condition as SQLAlchemy writes it in the query for each database: SQLite
    # uses a partial index only for a term it finds in the query ("= 1" there).
    op.create_index(
        "ix_loops_ready",
        "loops",
        ["id"],
        unique=False,
        sqlite_where=sa.text("ready_for_debrief = 1"),
        postgresql_where=sa.text("ready_for_debrief"),
    )


def downgrade():
    op.drop_index("ix_loops_ready", table_name="loops")
    op.execute("ALTER TABLE loops DROP COLUMN ready_for_debrief")
