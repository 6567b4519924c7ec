"""Each rubric's and requisition's calibration mark, so a page reads one row (issue 11)

Revision ID: 0032_calibration_marks
Revises: 0031_text_index_pages
Create Date: 2026-12-03 23:00:00

Every calibration page and download first asks whether its scope's figures changed
(calibration/queries.py ``fingerprint``): how many of its loops have submitted
scorecards, and the sum of those scorecards' versions. That was a count and a sum
over every loop of the scope: 19,000 rows for a hospital's rubric, 2 ms on SQLite
and 4 ms on PostgreSQL, most of what the interviewer's calibration page grew by at
scale (5 ms against 1.2 on the demo). The marks hold that count and sum per rubric
and per requisition, counted again by calibration/summaries.py whenever one of
the scope's loops changes, in the same transaction.

The backfill counts them from calibration_loops, as summaries.py does (copied, so
that this migration keeps working when that module changes).
"""

import sqlalchemy as sa
from alembic import op

revision = "0032_calibration_marks"
down_revision = "0031_text_index_pages"
branch_labels = None
depends_on = None

BACKFILL = """
    INSERT INTO calibration_marks (kind, scope_id, loops, changes)
    SELECT '{kind}', {column}, COUNT(*), SUM(changes)
    FROM calibration_loops GROUP BY {column}"""


def upgrade():
    op.create_table(
        "calibration_marks",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("loops", sa.Integer(), nullable=False),
        sa.Column("changes", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "scope_id", name=op.f("pk_calibration_marks")),
    )
    for kind, column in (("rubric", "rubric_id"), ("requisition", "requisition_id")):
        op.execute(BACKFILL.format(kind=kind, column=column))


def downgrade():
    op.drop_table("calibration_marks")
