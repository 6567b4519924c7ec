"""Requisitions found by text: a folded search key (title, discipline) like the
candidates' one, with a trigram index on PostgreSQL

Revision ID: 0010_requisition_search
Revises: 0009_packet_files
Create Date: 2026-12-01 18:30:00

The key is written by the application on every save (models/requisitions.py); this
fills it for the requisitions already on file. On PostgreSQL the index uses pg_trgm
where 0006 found it (a substring search then reads the index); elsewhere, or without
pg_trgm, it is a plain index and a search scans, as candidates' does.
"""
from alembic import op
import sqlalchemy as sa

from interview.search import search_key


revision = '0010_requisition_search'
down_revision = '0009_packet_files'
branch_labels = None
depends_on = None

BATCH = 5000


def _fold_titles() -> None:
    """Fill every requisition's key from its title and discipline, in batches (the
    discipline's value folds as its label does: "clinical")."""
    rows = sa.table(
        'requisitions', sa.column('id'), sa.column('title'),
        sa.column('discipline'), sa.column('search_key'),
    )
    bind = op.get_bind()
    last = 0
    while batch := bind.execute(
        sa.select(rows.c.id, rows.c.title, rows.c.discipline)
        .where(rows.c.id > last).order_by(rows.c.id).limit(BATCH)
    ).all():
        bind.execute(
            rows.update().where(rows.c.id == sa.bindparam('row_id'))
            .values(search_key=sa.bindparam('key')),
            [{'row_id': i, 'key': search_key(t, d)} for i, t, d in batch],
        )
        last = batch[-1][0]


def _trigram_schema(bind) -> str | None:
    """The schema of pg_trgm if 0006 could create it, else None."""
    return bind.scalar(sa.text(
        "SELECT n.nspname FROM pg_extension e "
        "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
    ))


def upgrade():
    with op.batch_alter_table('requisitions', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('search_key', sa.String(length=500), nullable=False,
                      server_default='')
        )
    _fold_titles()
    with op.batch_alter_table('requisitions', schema=None) as batch_op:
        batch_op.alter_column('search_key', server_default=None)
    bind = op.get_bind()
    trigrams = _trigram_schema(bind) if bind.dialect.name == 'postgresql' else None
    if trigrams:
        schema = bind.dialect.identifier_preparer.quote_schema(trigrams)
        op.execute(
            'CREATE INDEX ix_requisitions_search_key ON requisitions USING gin '
            f'(search_key {schema}.gin_trgm_ops)'
        )
    else:
        op.create_index('ix_requisitions_search_key', 'requisitions', ['search_key'])


def downgrade():
    with op.batch_alter_table('requisitions', schema=None) as batch_op:
        batch_op.drop_index('ix_requisitions_search_key')
        batch_op.drop_column('search_key')
