"""A sign-in throttle per address whose counters live in the database (issue 13)

Revision ID: 0016_sign_in_throttle
Revises: 0015_read_audit
Create Date: 2026-12-02 03:20:00

``rate_limit_counters``: one row per rate-limit key (auth/throttle_storage.py), the
hits of its current fixed window and when that window ends, in seconds since the
epoch; indexed by that end for the sweep of windows long over. It starts empty.
"""
import sqlalchemy as sa
from alembic import op


revision = '0016_sign_in_throttle'
down_revision = '0015_read_audit'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rate_limit_counters',
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('hits', sa.Integer(), nullable=False),
        sa.Column('expires_at', sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit_counters')),
    )
    op.create_index(
        op.f('ix_rate_limit_counters_expires_at'),
        'rate_limit_counters',
        ['expires_at'],
        unique=False,
    )


def downgrade():
    op.drop_index(
        op.f('ix_rate_limit_counters_expires_at'), table_name='rate_limit_counters'
    )
    op.drop_table('rate_limit_counters')
