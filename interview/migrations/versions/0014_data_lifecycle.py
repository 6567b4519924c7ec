"""Legal holds, erasure marks and retention (issue 13): filled in by the lifecycle work

Revision ID: 0014_data_lifecycle
Revises: 0013_seat_starts_at
Create Date: 2026-12-02 03:20:00

- ``legal_holds``: a hold on one candidate or one requisition, with its reason, who
  placed it and when, and who released it and when (released holds are kept).
- ``candidates.erased_at``: set once by erasure; a trigger then refuses any change to
  the candidate's personal columns (their folded ``search_key`` too), ORM, Core and
  raw SQL alike.
- ``audit_log.redacted_at``: the audit log stays append-only, with one narrow way
  through: an UPDATE that sets ``redacted_at`` (from NULL), leaves every other column
  but ``before``/``after``/``reason`` as it was, sets ``reason`` to NULL and replaces
  every JSON string of ``before``/``after`` by ``"[erased]"`` while keeping their
  keys, numbers, booleans and nulls exactly (lifecycle/rules.py ``redact_json``). The
  database checks that the new values are the redaction of the old ones, so the
  path can only destroy text, never write any; and a redacted row never changes again.
  Only entries about what erasure redacts (``REDACTABLE``) may be redacted, and only
  with ``redacted_at`` within a minute of the database's clock, so the path cannot
  hide the text of another kind of entry (a user's role change) nor backdate it.
- SQLite's ``INSERT OR REPLACE`` deletes the old row without firing a DELETE trigger
  (unless recursive_triggers is on) and fires no UPDATE trigger: BEFORE INSERT
  triggers refuse an insert over an existing audit entry or an erased candidate, and
  an update that moves another candidate onto an erased one's id. PostgreSQL's
  ``ON CONFLICT DO UPDATE`` goes through the UPDATE triggers.
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
# The object types erasure redacts (lifecycle/erasure.py AUDITED), frozen here.
REDACTABLE = (
    'candidates', 'loops', 'scorecards', 'hiring_decisions', 'interview_sessions',
)
REDACTABLE_SQL = ', '.join(f"'{kind}'" for kind in REDACTABLE)
SLACK_SECONDS = 60
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
    f'AND OLD.object_type IN ({REDACTABLE_SQL}) '
    "AND abs(julianday(NEW.redacted_at) - julianday('now')) * 86400 "
    f'<= {SLACK_SECONDS} '
    f'AND NEW.reason IS NULL AND {_sqlite_same_json("before")} '
    f'AND {_sqlite_same_json("after")}'
)

PERSONAL = ('name', 'email', 'phone', 'source', 'notes', 'search_key', 'erased_at')
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
     AND OLD.object_type IN ({REDACTABLE_SQL})
     AND abs(extract(epoch FROM NEW.redacted_at - clock_timestamp()))
         <= {SLACK_SECONDS}
     AND NEW.reason IS NULL
     -- compared as text: jsonb's equality takes 3.0 for 3
     AND NEW.before::jsonb::text
         IS NOT DISTINCT FROM audit_log_redacted(OLD.before::jsonb)::text
     AND NEW.after::jsonb::text
         IS NOT DISTINCT FROM audit_log_redacted(OLD.after::jsonb)::text
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
    # IS NOT 1: a condition that comes out NULL (an unreadable time) refuses too.
    op.execute(
        'CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log '
        f'WHEN ({SQLITE_REDACTION}) IS NOT 1 '
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
    # INSERT OR REPLACE / REPLACE INTO: the old row would go without a trigger.
    op.execute(
        'CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log '
        'WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) '
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )
    op.execute(
        'CREATE TRIGGER candidates_erased_no_replace BEFORE INSERT ON candidates '
        'WHEN EXISTS (SELECT 1 FROM candidates WHERE id = NEW.id '
        'AND erased_at IS NOT NULL) '
        f"BEGIN SELECT RAISE(ABORT, '{ERASED_MESSAGE}'); END"
    )
    # UPDATE OR REPLACE moving another candidate onto an erased one's id.
    op.execute(
        'CREATE TRIGGER candidates_erased_not_replaced BEFORE UPDATE ON candidates '
        'WHEN NEW.id IS NOT OLD.id AND EXISTS (SELECT 1 FROM candidates '
        'WHERE id = NEW.id AND erased_at IS NOT NULL) '
        f"BEGIN SELECT RAISE(ABORT, '{ERASED_MESSAGE}'); END"
    )


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('DROP TRIGGER IF EXISTS candidates_erased_not_replaced')
        op.execute('DROP TRIGGER IF EXISTS candidates_erased_no_replace')
        op.execute('DROP TRIGGER IF EXISTS audit_log_no_replace')
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
