"""Redaction keeps enumerated values (issue 13)

Revision ID: 0017_redaction_keeps_enums
Revises: 0016_sign_in_throttle
Create Date: 2026-12-02 06:10:00

Reserved; filled in by the change that needs it.
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401


revision = '0017_redaction_keeps_enums'
down_revision = '0016_sign_in_throttle'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
