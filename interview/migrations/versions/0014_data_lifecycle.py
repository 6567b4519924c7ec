"""Legal holds, erasure marks and retention (issue 13): filled in by the lifecycle work

Revision ID: 0014_data_lifecycle
Revises: 0013_seat_starts_at
Create Date: 2026-12-02 03:20:00

- ``legal_holds``: a hold on one candidate or one requisition, with its reason, who
  placed it and when, and who released it and when (released holds are kept).
- ``candidates.erased_at``: set once by erasure; a trigger then refuses any change to
  the candidate's personal columns, ORM, Core and raw SQL alike.
- ``audit_log.redacted_at``: the audit log stays append-only, with one narrow way
  through: an UPDATE that sets ``redacted_at`` (from NULL), leaves every other column
  but ``before``/``after``/``reason`` as it was, sets ``reason`` to NULL and replaces
  every JSON string of ``before``/``after`` by ``"[erased]"`` while keeping their
  keys, numbers, booleans and nulls exactly (lifecycle/rules.py ``redact_json``). The
  database checks that the new values are the redaction of the old ones, so the
  path can only destroy text, never write any; and a redacted row never changes again.
"""
import sqlalchemy as sa
from alembic import op


revision = '0014_data_lifecycle'
down_revision = '0013_seat_starts_at'
branch_labels = None
depends_on = None

MESSAGE = 'audit_log is append-only'
ERASED_MESSAGE = 'candidate was erased: its personal data cannot be written again'
MARKER = '[erased]'
SAME = (
    'NEW.id = OLD.id AND NEW.at IS OLD.at AND NEW.actor_id IS OLD.actor_id '
    'AND NEW.action IS OLD.action AND NEW.object_type IS OLD.object_type '
    'AND NEW.object_id IS OLD.object_id'
)


def _sqlite_same_json(column):
    """NEW.<column> is OLD.<column> with every string replaced by the marker."""
    redacted = (
        f"SELECT fullkey, type, CASE WHEN type = 'text' THEN '{MARKER}' ELSE atom END "
        f'FROM json_tree(OLD.{column})'
    )
    new = f'SELECT fullkey, type, atom FROM json_tree(NEW.{column})'
    return (
        f'(OLD.{column} IS NULL) = (NEW.{column} IS NULL) '
        f'AND NOT EXISTS ({redacted} EXCEPT {new}) '
        f'AND NOT EXISTS ({new} EXCEPT {redacted})'
    )


SQLITE_REDACTION = (
    f'OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL AND {SAME} '
    f'AND NEW.reason IS NULL AND {_sqlite_same_json("before")} '
    f'AND {_sqlite_same_json("after")}'
)

PERSONAL = ('name', 'email', 'phone', 'source', 'notes', 'erased_at')
SQLITE_CHANGED = ' OR '.join(f'NEW.{c} IS NOT OLD.{c}' for c in PERSONAL)
PG_CHANGED = ' OR '.join(f'NEW.{c} IS DISTINCT FROM OLD.{c}' for c in PERSONAL)

# PL/pgSQL, not SQL: a SQL function's body is checked when it is created, before
# the function it calls (itself) exists.
PG_REDACTED = f"""
CREATE FUNCTION audit_log_redacted(j jsonb) RETURNS jsonb AS $$
DECLARE
  result jsonb;
BEGIN
  CASE jsonb_typeof(j)
    WHEN 'string' THEN
      RETURN to_jsonb('{MARKER}'::text);
    WHEN 'object' THEN
      SELECT coalesce(jsonb_object_agg(key, audit_log_redacted(value)), '{{}}'::jsonb)
        INTO result FROM jsonb_each(j);
      RETURN result;
    WHEN 'array' THEN
      SELECT coalesce(jsonb_agg(audit_log_redacted(value) ORDER BY n), '[]'::jsonb)
        INTO result FROM jsonb_array_elements(j) WITH ORDINALITY AS e(value, n);
      RETURN result;
    ELSE
      RETURN j;
  END CASE;
END; $$ LANGUAGE plpgsql IMMUTABLE
"""

PG_GUARD = f"""
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL
     AND NEW.id = OLD.id AND NEW.at IS NOT DISTINCT FROM OLD.at
     AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
     AND NEW.action IS NOT DISTINCT FROM OLD.action
     AND NEW.object_type IS NOT DISTINCT FROM OLD.object_type
     AND NEW.object_id IS NOT DISTINCT FROM OLD.object_id
     AND NEW.reason IS NULL
     AND NEW.before::jsonb IS NOT DISTINCT FROM audit_log_redacted(OLD.before::jsonb)
     AND NEW.after::jsonb IS NOT DISTINCT FROM audit_log_redacted(OLD.after::jsonb)
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '{MESSAGE}';
END; $$ LANGUAGE plpgsql
"""

PG_ORIGINAL_GUARD = (
    'CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ '
    f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql"
)

PG_FROZEN = f"""
CREATE FUNCTION candidates_erased_frozen() RETURNS trigger AS $$
BEGIN
  IF OLD.erased_at IS NOT NULL AND ({PG_CHANGED}) THEN
    RAISE EXCEPTION '{ERASED_MESSAGE}';
  END IF;
  RETURN NEW;
END; $$ LANGUAGE plpgsql
"""


def upgrade():
    op.create_table(
        'legal_holds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('candidate_id', sa.Integer(), nullable=True),
        sa.Column('requisition_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('placed_by_id', sa.Integer(), nullable=False),
        sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('released_by_id', sa.Integer(), nullable=True),
        sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            '(candidate_id IS NULL) <> (requisition_id IS NULL)',
            name=op.f('ck_legal_holds_one_subject'),
        ),
        sa.CheckConstraint(
            '(released_at IS NULL) = (released_by_id IS NULL)',
            name=op.f('ck_legal_holds_release_complete'),
        ),
        sa.CheckConstraint(
            'length(trim(reason)) > 0', name=op.f('ck_legal_holds_reason_given')
        ),
        sa.ForeignKeyConstraint(
            ['candidate_id'], ['candidates.id'],
            name=op.f('fk_legal_holds_candidate_id_candidates'), ondelete='RESTRICT',
        ),
        sa.ForeignKeyConstraint(
            ['requisition_id'], ['requisitions.id'],
            name=op.f('fk_legal_holds_requisition_id_requisitions'),
            ondelete='RESTRICT',
        ),
        sa.ForeignKeyConstraint(
            ['placed_by_id'], ['users.id'],
            name=op.f('fk_legal_holds_placed_by_id_users'), ondelete='RESTRICT',
        ),
        sa.ForeignKeyConstraint(
            ['released_by_id'], ['users.id'],
            name=op.f('fk_legal_holds_released_by_id_users'), ondelete='RESTRICT',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_holds')),
    )
    with op.batch_alter_table('legal_holds', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_legal_holds_candidate_id'), ['candidate_id'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_legal_holds_requisition_id'), ['requisition_id'],
            unique=False,
        )
    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('redacted_at', sa.DateTime(timezone=True), nullable=True)
        )
    if op.get_bind().dialect.name == 'sqlite':
        _sqlite_triggers()
    else:
        op.execute(PG_REDACTED)
        op.execute(PG_GUARD)
        op.execute(PG_FROZEN)
        op.execute(
            'CREATE TRIGGER candidates_erased_frozen BEFORE UPDATE ON candidates '
            'FOR EACH ROW EXECUTE FUNCTION candidates_erased_frozen()'
        )


def _sqlite_triggers():
    # Batch mode may have copied audit_log: its triggers are made again here.
    op.execute('DROP TRIGGER IF EXISTS audit_log_no_update')
    op.execute(
        'CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log '
        f'WHEN NOT ({SQLITE_REDACTION}) '
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )
    op.execute(
        'CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log '
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )
    op.execute(
        'CREATE TRIGGER candidates_erased_frozen BEFORE UPDATE ON candidates '
        f'WHEN OLD.erased_at IS NOT NULL AND ({SQLITE_CHANGED}) '
        f"BEGIN SELECT RAISE(ABORT, '{ERASED_MESSAGE}'); END"
    )


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('DROP TRIGGER IF EXISTS candidates_erased_frozen')
        op.execute('DROP TRIGGER IF EXISTS audit_log_no_update')
    else:
        op.execute('DROP TRIGGER IF EXISTS candidates_erased_frozen ON candidates')
        op.execute('DROP FUNCTION IF EXISTS candidates_erased_frozen()')
        op.execute(PG_ORIGINAL_GUARD)
        op.execute('DROP FUNCTION IF EXISTS audit_log_redacted(jsonb)')
    # Plain ALTER TABLE on SQLite too (3.35+): a batch copy would drop the tables'
    # other triggers (the audit log's guard, the candidates' text index).
    op.execute('ALTER TABLE audit_log DROP COLUMN redacted_at')
    op.execute('ALTER TABLE candidates DROP COLUMN erased_at')
    with op.batch_alter_table('legal_holds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legal_holds_requisition_id'))
        batch_op.drop_index(batch_op.f('ix_legal_holds_candidate_id'))
    op.drop_table('legal_holds')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(
            'CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log '
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )
