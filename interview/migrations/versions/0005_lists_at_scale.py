"""Lists at scale: folded search keys for candidates and accounts, and an index for
every filter and order the lists use

Revision ID: 0005_lists_at_scale
Revises: 0004_seat_history_and_tabs
Create Date: 2026-12-01 14:00:00

"""
from alembic import op
import sqlalchemy as sa

from interview.search import search_key


revision = '0005_lists_at_scale'
down_revision = '0004_seat_history_and_tabs'
branch_labels = None
depends_on = None

BATCH = 5000


def _fold_names(table: str) -> None:
    """Fill the new search key of every row from its name and email, in batches."""
    rows = sa.table(
        table, sa.column('id'), sa.column('name'), sa.column('email'),
        sa.column('search_key'),
    )
    bind = op.get_bind()
    last = 0
    while True:
        batch = bind.execute(
            sa.select(rows.c.id, rows.c.name, rows.c.email)
            .where(rows.c.id > last).order_by(rows.c.id).limit(BATCH)
        ).all()
        if not batch:
            return
        bind.execute(
            rows.update().where(rows.c.id == sa.bindparam('row_id'))
            .values(search_key=sa.bindparam('key')),
            [{'row_id': i, 'key': search_key(n, e)} for i, n, e in batch],
        )
        last = batch[-1][0]


def upgrade():
    for table in ('candidates', 'users'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('search_key', sa.String(length=500), nullable=False,
                          server_default='')
            )
        _fold_names(table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('search_key', server_default=None)
    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.create_index('ix_candidates_search_key', ['search_key'])
        batch_op.create_index('ix_candidates_listing', ['name', 'id'])
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_listing', ['is_active', 'role', 'name'])
        batch_op.create_index('ix_users_name', ['name', 'id'])
    with op.batch_alter_table('requisitions', schema=None) as batch_op:
        batch_op.create_index('ix_requisitions_listing', ['status', 'title', 'id'])
        batch_op.create_index('ix_requisitions_title', ['title', 'id'])
    with op.batch_alter_table('loops', schema=None) as batch_op:
        # (requisition_id, status) serves every lookup the old one-column index did.
        batch_op.drop_index('ix_loops_requisition_id')
        batch_op.create_index('ix_loops_requisition_status', ['requisition_id', 'status'])
        batch_op.create_index('ix_loops_status', ['status', 'id'])
        batch_op.create_index('ix_loops_updated_at', ['updated_at', 'id'])


def downgrade():
    with op.batch_alter_table('loops', schema=None) as batch_op:
        batch_op.drop_index('ix_loops_updated_at')
        batch_op.drop_index('ix_loops_status')
        batch_op.drop_index('ix_loops_requisition_status')
        batch_op.create_index('ix_loops_requisition_id', ['requisition_id'])
    with op.batch_alter_table('requisitions', schema=None) as batch_op:
        batch_op.drop_index('ix_requisitions_title')
        batch_op.drop_index('ix_requisitions_listing')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_name')
        batch_op.drop_index('ix_users_listing')
        batch_op.drop_column('search_key')
    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.drop_index('ix_candidates_listing')
        batch_op.drop_index('ix_candidates_search_key')
        batch_op.drop_column('search_key')
