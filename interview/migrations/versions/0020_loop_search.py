"""Loop search and page weight (issue 13)

Revision ID: 0020_loop_search
Revises: 0019_device_cookies
Create Date: 2026-12-02 06:10:00

Reserved; filled in by the change that needs it.
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401


revision = '0020_loop_search'
down_revision = '0019_device_cookies'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
