"""Lists of people ordered by their folded names, so that "Łukasz" sorts with the Ls
and case does not split the alphabet

Revision ID: 0007_folded_orders
Revises: 0006_search_indexes
Create Date: 2026-12-01 15:15:00

"""
from alembic import op
import sqlalchemy as sa

from interview.search import search_key


revision = '0007_folded_orders'
down_revision = '0006_search_indexes'
branch_labels = None
depends_on = None


BATCH = 5000


def _refold(table: str) -> None:
    """Fold every row's name and email again: folding learned to decompose after case
    folding too (so "𝑨" and "İ" fold the same twice), after 0005 first filled them."""
    rows = sa.table(
        table, sa.column('id'), sa.column('name'), sa.column('email'),
        sa.column('search_key'),
    )
    bind = op.get_bind()
    last = 0
    while batch := bind.execute(
        sa.select(rows.c.id, rows.c.name, rows.c.email, rows.c.search_key)
        .where(rows.c.id > last).order_by(rows.c.id).limit(BATCH)
    ).all():
        changed = [
            {'row_id': i, 'key': search_key(n, e)}
            for i, n, e, old in batch if search_key(n, e) != old
        ]
        if changed:
            bind.execute(
                rows.update().where(rows.c.id == sa.bindparam('row_id'))
                .values(search_key=sa.bindparam('key')),
                changed,
            )
        last = batch[-1][0]


def upgrade():
    _refold('candidates')
    _refold('users')
    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.drop_index('ix_candidates_listing')
        batch_op.create_index('ix_candidates_order', ['search_key', 'id'])
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_name')
        batch_op.drop_index('ix_users_listing')
        batch_op.create_index('ix_users_order', ['search_key', 'id'])
        batch_op.create_index('ix_users_listing', ['is_active', 'role', 'search_key'])


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_listing')
        batch_op.drop_index('ix_users_order')
        batch_op.create_index('ix_users_listing', ['is_active', 'role', 'name'])
        batch_op.create_index('ix_users_name', ['name', 'id'])
    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.drop_index('ix_candidates_order')
        batch_op.create_index('ix_candidates_listing', ['name', 'id', 'search_key'])
