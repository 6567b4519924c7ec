"""When a loop closed (issue 13)

Revision ID: 0018_loop_closed_at
Revises: 0017_redaction_keeps_enums
Create Date: 2026-12-02 06:10:00

Retention counts from when a candidate's last loop closed. It took a withdrawn loop's
``updated_at`` for that, which any later change of the loop's row moves, so a
withdrawn candidate's data could be kept on and on. ``loops.closed_at`` records the
moment itself: set when a loop becomes decided or withdrawn, cleared when it is
planned or debriefed again (models/loops.py).

Loops closed before this migration get the best moment on record: a decided loop
its latest decision; a withdrawn loop its latest status change in the audit log
(the withdrawal: a withdrawn loop's only way on is back to planned); else, either
way, its ``updated_at``.
"""

import sqlalchemy as sa
from alembic import op


revision = "0018_loop_closed_at"
down_revision = "0017_redaction_keeps_enums"
branch_labels = None
depends_on = None

BACKFILL = """
UPDATE loops SET closed_at = COALESCE(
    CASE status
        WHEN 'decided' THEN (
            SELECT MAX(decided_at) FROM hiring_decisions
            WHERE hiring_decisions.loop_id = loops.id)
        ELSE (
            SELECT MAX(at) FROM audit_log
            WHERE audit_log.object_type = 'loops'
              AND audit_log.object_id = loops.id
              AND audit_log.action = 'loop.status')
    END,
    updated_at)
WHERE status IN ('decided', 'withdrawn')
"""


def upgrade():
    op.add_column(
        "loops", sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute(BACKFILL)


def downgrade():
    op.execute("ALTER TABLE loops DROP COLUMN closed_at")
