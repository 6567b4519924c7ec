"""Device cookies revoked with the password (issue 13)

Revision ID: 0019_device_cookies
Revises: 0018_loop_closed_at
Create Date: 2026-12-02 06:10:00

Reserved; filled in by the change that needs it.
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401


revision = '0019_device_cookies'
down_revision = '0018_loop_closed_at'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
