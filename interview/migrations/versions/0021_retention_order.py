"""Retention's due list read in the order of two indexes (issue 11 at issue 13's pages)

Revision ID: 0021_retention_order
Revises: 0020_loop_search
Create Date: 2026-12-02 06:45:00

lifecycle/retention.py ``due_query`` walks the candidates never interviewed by when
their record last changed (``ix_candidates_retention``, erased ones left out) and
the loops by when they closed (``ix_loops_closed_at``), stopping at the page's last
row, and probes ``ix_candidates_erased`` (a handful of rows) to leave out loops of
erased candidates; it computed and sorted every candidate's date before.
"""
import sqlalchemy as sa
from alembic import op


revision = '0021_retention_order'
down_revision = '0020_loop_search'
branch_labels = None
depends_on = None

NOT_ERASED = sa.text('erased_at IS NULL')
ERASED = sa.text('erased_at IS NOT NULL')
CLOSED = sa.text('closed_at IS NOT NULL')


def upgrade():
    op.create_index(
        'ix_candidates_retention', 'candidates', ['updated_at', 'id'],
        sqlite_where=NOT_ERASED, postgresql_where=NOT_ERASED,
    )
    op.create_index(
        'ix_candidates_erased', 'candidates', ['id'],
        sqlite_where=ERASED, postgresql_where=ERASED,
    )
    op.create_index(
        'ix_loops_closed_at', 'loops', ['closed_at', 'id'],
        sqlite_where=CLOSED, postgresql_where=CLOSED,
    )


def downgrade():
    op.drop_index('ix_loops_closed_at', table_name='loops')
    op.drop_index('ix_candidates_erased', table_name='candidates')
    op.drop_index('ix_candidates_retention', table_name='candidates')
