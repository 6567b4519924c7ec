"""Read audit and the audit log page's filters (issue 13)

Revision ID: 0015_read_audit
Revises: 0014_data_lifecycle
Create Date: 2026-12-02 03:20:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0015_read_audit'
down_revision = '0014_data_lifecycle'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
