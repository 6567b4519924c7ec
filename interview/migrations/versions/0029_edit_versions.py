"""Edit counters, so a form saved from a second tab is refused, not obeyed (issue 14)

Revision ID: 0029_edit_versions
Revises: 0028_installation
Create Date: 2026-12-03 06:30:00

A requisition's details, its interview plan, a candidate's details and a loop's
session (its shape) were saved whatever had been saved since the form was drawn:
a second tab silently undid the first's changes. Each gets a counter that its save
raises by one; a form carries the number it was drawn at and a save from an older
one is refused with both versions on screen, as the account form does. Plain
columns, raised by the saves themselves (loops/operations.py), not SQLAlchemy's
version_id_col: other writers of these rows (erasure, status changes, scheduling)
do not make a form stale and must not fail on one. Existing rows start at 1.
"""

import sqlalchemy as sa
from alembic import op

revision = "0029_edit_versions"
down_revision = "0028_installation"
branch_labels = None
depends_on = None

COLUMNS = (
    ("requisitions", "version"),
    ("requisitions", "plan_version"),
    ("candidates", "version"),
    ("interview_sessions", "version"),
)


def upgrade() -> None:
    for table, column in COLUMNS:
        op.add_column(
            table, sa.Column(column, sa.Integer(), server_default="1", nullable=False)
        )


def downgrade() -> None:
    # Plain DROP COLUMN on both databases: a batch copy of the table on SQLite would
    # break the triggers that name it (panel_seats_keep_start).
    for table, column in reversed(COLUMNS):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
