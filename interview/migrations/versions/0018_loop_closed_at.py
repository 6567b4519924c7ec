"""When a loop closed (issue 13)

Revision ID: 0018_loop_closed_at
Revises: 0017_redaction_keeps_enums
Create Date: 2026-12-02 06:10:00

Reserved; filled in by the change that needs it.
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401


revision = '0018_loop_closed_at'
down_revision = '0017_redaction_keeps_enums'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
