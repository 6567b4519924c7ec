"""Loops with gaps and feedback owed, stored (issues 11 and 14)

Revision ID: 0026_home_gaps
Revises: 0025_loop_readiness
Create Date: 2026-12-02 17:00:00

``loops.has_gaps``: the loop is open and has a session without a time, an empty seat
now, or a competency of its rubric version that no session with a seat (held or
empty) of a discipline it needs covers. ``loops.feedback_owed_since``: for an open
loop, the end of its earliest scheduled session with a held seat whose scorecard is
not submitted (NULL if none). Talent acquisition's home probed every open loop's
sessions, seats and scorecards for both queues (some 10,000 and 5,600 buffers at
scale); kept on every commit by interview/home/readiness.py (gaps.py), they are read
from the partial indexes ``ix_loops_gaps`` and ``ix_loops_feedback_owed``. The
backfill computes them from the rows, as ``readiness.rebuild`` does.
"""

import sqlalchemy as sa
from alembic import op

revision = "0026_home_gaps"
down_revision = "0025_loop_readiness"
branch_labels = None
depends_on = None

# Written out here: a migration keeps meaning what it meant when the code moves on.
OPEN = "loops.status IN ('planned', 'interviewing', 'debrief')"


def _heard_by(discipline: str) -> str:
    return f"""EXISTS (
        SELECT 1 FROM interview_sessions
            JOIN session_competencies
                ON session_competencies.session_id = interview_sessions.id
        WHERE interview_sessions.loop_id = loops.id
            AND session_competencies.competency_id = competencies.id
            AND EXISTS (
                SELECT 1 FROM panel_seats
                WHERE panel_seats.session_id = interview_sessions.id
                    AND panel_seats.removed_at IS NULL
                    AND panel_seats.discipline = '{discipline}'
            )
    )"""


GAPS = f"""
{OPEN} AND (
    EXISTS (
        SELECT 1 FROM interview_sessions
        WHERE interview_sessions.loop_id = loops.id
            AND (
                interview_sessions.starts_at IS NULL
                OR EXISTS (
                    SELECT 1 FROM panel_seats
                    WHERE panel_seats.session_id = interview_sessions.id
                        AND panel_seats.removed_at IS NULL
                        AND panel_seats.interviewer_id IS NULL
                )
            )
    )
    OR EXISTS (
        SELECT 1 FROM competencies
        WHERE competencies.rubric_version_id = loops.rubric_version_id
            AND (
                (competencies.assessed_by != 'technical'
                    AND NOT {_heard_by("clinical")})
                OR (competencies.assessed_by != 'clinical'
                    AND NOT {_heard_by("technical")})
            )
    )
)
"""

# A session's end in each database's date arithmetic (models/loops.py, _PlusMinutes).
ENDS_AT = {
    "postgresql": (
        "(interview_sessions.starts_at"
        " + make_interval(mins => interview_sessions.duration_minutes))"
    ),
    "sqlite": (
        "(strftime('%Y-%m-%d %H:%M:%S', substr(interview_sessions.starts_at, 1, 19),"
        " '+' || interview_sessions.duration_minutes || ' minutes')"
        " || substr(interview_sessions.starts_at, 20))"
    ),
}


def _owed(ends_at: str) -> str:
    return f"""CASE WHEN {OPEN} THEN (
    SELECT min({ends_at}) FROM interview_sessions
        JOIN panel_seats ON panel_seats.session_id = interview_sessions.id
    WHERE interview_sessions.loop_id = loops.id
        AND interview_sessions.starts_at IS NOT NULL
        AND panel_seats.removed_at IS NULL
        AND panel_seats.interviewer_id IS NOT NULL
        AND NOT EXISTS (
            SELECT 1 FROM scorecards
            WHERE scorecards.seat_id = panel_seats.id
                AND scorecards.status = 'submitted'
        )
) END"""


def upgrade():
    dialect = op.get_bind().dialect.name
    op.add_column(
        "loops",
        sa.Column("has_gaps", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "loops",
        sa.Column("feedback_owed_since", sa.DateTime(timezone=True), nullable=True),
    )
    # Only the rows that change (a closed loop keeps the defaults): PostgreSQL writes
    # a new version of every row an UPDATE touches, and touching all of them doubled
    # the table and its primary key at scale (242 to 486 pages), which every count
    # of loops then reads.
    owed = _owed(ENDS_AT[dialect])
    op.execute(
        f"UPDATE loops SET has_gaps = ({GAPS}), feedback_owed_since = {owed}"
        f" WHERE ({GAPS}) OR ({owed}) IS NOT NULL"
    )
    # The conditions as SQLAlchemy writes them in the queries for each database:
    # SQLite uses a partial index only for a term it finds in the query.
    op.create_index(
        "ix_loops_gaps",
        "loops",
        ["id"],
        unique=False,
        sqlite_where=sa.text("has_gaps = 1"),
        postgresql_where=sa.text("has_gaps"),
    )
    op.create_index(
        "ix_loops_feedback_owed",
        "loops",
        ["id", "feedback_owed_since"],
        unique=False,
        sqlite_where=sa.text("feedback_owed_since IS NOT NULL"),
        postgresql_where=sa.text("feedback_owed_since IS NOT NULL"),
    )


def downgrade():
    op.drop_index("ix_loops_feedback_owed", table_name="loops")
    op.drop_index("ix_loops_gaps", table_name="loops")
    op.execute("ALTER TABLE loops DROP COLUMN feedback_owed_since")
    op.execute("ALTER TABLE loops DROP COLUMN has_gaps")
