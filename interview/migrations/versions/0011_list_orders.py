"""A hiring manager's loops by status read from one index, requisitions listed by
their folded titles, and SQLite's statistics sampled deeply enough to see a status

Revision ID: 0011_list_orders
Revises: 0010_requisition_search
Create Date: 2026-12-01 20:50:00

``ix_loops_requisition_status`` gains the loop id, so a hiring manager's loops of one
status are found and ordered from the index alone (PostgreSQL read all 20,000 loops
and hashed them against the manager's requisitions). Requisitions are ordered by
their folded key (title, then discipline: case and accents aside, as people are), so
their two ordering indexes move from the raw title to it. On SQLite the statistics
are sampled again at db.ANALYSIS_LIMIT: a database analysed at the former limit of
400 counted a status shared by thousands of loops as 401, and PRAGMA optimize would
not look again until the table grew tenfold.
"""
from alembic import op


revision = '0011_list_orders'
down_revision = '0010_requisition_search'
branch_labels = None
depends_on = None

ANALYSIS_LIMIT = 10_000  # db.ANALYSIS_LIMIT when this was written


def _analyse() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f'PRAGMA analysis_limit = {ANALYSIS_LIMIT}')
        op.execute('ANALYZE')


def upgrade():
    op.drop_index('ix_loops_requisition_status', table_name='loops')
    op.create_index(
        'ix_loops_requisition_status', 'loops', ['requisition_id', 'status', 'id']
    )
    op.drop_index('ix_requisitions_listing', table_name='requisitions')
    op.drop_index('ix_requisitions_title', table_name='requisitions')
    op.create_index(
        'ix_requisitions_listing', 'requisitions', ['status', 'search_key', 'id']
    )
    op.create_index('ix_requisitions_order', 'requisitions', ['search_key', 'id'])
    _analyse()


def downgrade():
    op.drop_index('ix_requisitions_order', table_name='requisitions')
    op.drop_index('ix_requisitions_listing', table_name='requisitions')
    op.create_index('ix_requisitions_title', 'requisitions', ['title', 'id'])
    op.create_index(
        'ix_requisitions_listing', 'requisitions', ['status', 'title', 'id']
    )
    op.drop_index('ix_loops_requisition_status', table_name='loops')
    op.create_index(
        'ix_loops_requisition_status', 'loops', ['requisition_id', 'status']
    )
    _analyse()
