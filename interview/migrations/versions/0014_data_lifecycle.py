"""Legal holds, erasure marks and retention (issue 13): filled in by the lifecycle work

Revision ID: 0014_data_lifecycle
Revises: 0013_seat_starts_at
Create Date: 2026-12-02 03:20:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0014_data_lifecycle'
down_revision = '0013_seat_starts_at'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
