"""A sign-in throttle per address whose counters live in the database (issue 13)

Revision ID: 0016_sign_in_throttle
Revises: 0015_read_audit
Create Date: 2026-12-02 03:20:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0016_sign_in_throttle'
down_revision = '0015_read_audit'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
