"""Search indexes: candidates by trigram on PostgreSQL; the name index carries the
search key so a search walks one index in the list's order

Revision ID: 0006_search_indexes
Revises: 0005_lists_at_scale
Create Date: 2026-12-01 14:30:00

"""
import logging

from alembic import op
import sqlalchemy as sa


revision = '0006_search_indexes'
down_revision = '0005_lists_at_scale'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')


def _trigram_schema(bind) -> str | None:
    """The schema holding pg_trgm, created if need be (a trusted extension since
    PostgreSQL 13: a database owner may create it), preferably in ``public`` so that
    a schema dropped later does not take it along. None where it cannot be had:
    searches still work then, scanning instead."""
    for statement in (
        'CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public',
        'CREATE EXTENSION IF NOT EXISTS pg_trgm',
    ):
        savepoint = bind.begin_nested()
        try:
            bind.execute(sa.text(statement))
        except sa.exc.DBAPIError as exc:
            savepoint.rollback()
            log.warning('%s: %s', statement, exc.orig)
            continue
        savepoint.commit()
        return bind.scalar(sa.text(
            "SELECT n.nspname FROM pg_extension e "
            "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
        ))
    log.warning('pg_trgm unavailable: candidate search will scan')
    return None


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.drop_index('ix_candidates_search_key')
        batch_op.drop_index('ix_candidates_listing')
        batch_op.create_index('ix_candidates_listing', ['name', 'id', 'search_key'])
    trigrams = _trigram_schema(bind) if bind.dialect.name == 'postgresql' else None
    if trigrams:
        schema = bind.dialect.identifier_preparer.quote_schema(trigrams)
        op.execute(
            'CREATE INDEX ix_candidates_search_key ON candidates USING gin '
            f'(search_key {schema}.gin_trgm_ops)'
        )
    else:
        op.create_index('ix_candidates_search_key', 'candidates', ['search_key'])


def downgrade():
    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.drop_index('ix_candidates_search_key')
        batch_op.drop_index('ix_candidates_listing')
        batch_op.create_index('ix_candidates_listing', ['name', 'id'])
        batch_op.create_index('ix_candidates_search_key', ['search_key'])
