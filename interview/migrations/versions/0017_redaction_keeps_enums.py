"""Redaction keeps enumerated values (issue 13)

Revision ID: 0017_redaction_keeps_enums
Revises: 0016_sign_in_throttle
Create Date: 2026-12-02 06:10:00

Migration 0014's check of an audit entry's redaction required every JSON string to
become ``"[erased]"``, so erasure lost a decision's outcome, a loop's status and the
like, which are nobody's words. The check now computes the redaction with the
application's closed vocabularies kept: a string that is exactly one of ``KEPT``
stays as it was, every other string becomes the marker. The redaction must still be
exactly that (lifecycle/rules.py ``redact_json`` with lifecycle/erasure.py
``KEPT_VALUES``): keeping free text, or turning one kept value into another, is
refused like any other change. Everything else of 0014's check stays (which
entries, when stamped, the reason emptied, numbers as written).

``KEPT`` is frozen here, as a migration must be; tests/test_lifecycle_triggers.py
checks it equals the application's set. Downgrade puts 0014's check back.
"""
from alembic import op


revision = '0017_redaction_keeps_enums'
down_revision = '0016_sign_in_throttle'
branch_labels = None
depends_on = None

MESSAGE = 'audit_log is append-only'
MARKER = '[erased]'
# The values of the closed vocabularies in interview/models/enums.py (AssessedBy,
# DecisionOutcome, Discipline, LoopStatus, RequisitionStatus, Role, ScorecardStatus).
KEPT = (
    'both', 'clinical', 'closed', 'debrief', 'decided', 'draft', 'hire',
    'hiring_manager', 'hold', 'interviewer', 'interviewing', 'no_hire', 'on_hold',
    'open', 'planned', 'submitted', 'talent_acquisition', 'technical', 'withdrawn',
)
# As in 0014.
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


def _in_list(kept):
    return ', '.join(f"'{value}'" for value in kept)


def _sqlite_same_json(column, kept):
    """NEW.<column> is OLD.<column> with every string not in ``kept`` replaced by
    the marker (with ``kept`` empty: 0014's check, word for word)."""
    text = (
        f"type = 'text' AND atom NOT IN ({_in_list(kept)})" if kept
        else "type = 'text'"
    )
    redacted = (
        f"SELECT fullkey, type, CASE WHEN {text} THEN '{MARKER}' ELSE atom END "
        f'FROM json_tree(OLD.{column})'
    )
    new = f'SELECT fullkey, type, atom FROM json_tree(NEW.{column})'
    return (
        f'(OLD.{column} IS NULL) = (NEW.{column} IS NULL) '
        f'AND NOT EXISTS ({redacted} EXCEPT {new}) '
        f'AND NOT EXISTS ({new} EXCEPT {redacted})'
    )


def _sqlite_redaction(kept):
    return (
        f'OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL AND {SAME} '
        f'AND OLD.object_type IN ({REDACTABLE_SQL}) '
        "AND abs(julianday(NEW.redacted_at) - julianday('now')) * 86400 "
        f'<= {SLACK_SECONDS} '
        f'AND NEW.reason IS NULL AND {_sqlite_same_json("before", kept)} '
        f'AND {_sqlite_same_json("after", kept)}'
    )


def _sqlite_guard(kept):
    op.execute('DROP TRIGGER IF EXISTS audit_log_no_update')
    # IS NOT 1: a condition that comes out NULL (an unreadable time) refuses too.
    op.execute(
        'CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log '
        f'WHEN ({_sqlite_redaction(kept)}) IS NOT 1 '
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )


def _pg_redacted(kept):
    """audit_log_redacted(jsonb), which 0014's guard compares the new values with."""
    string = (
        f"IF j #>> '{{}}' IN ({_in_list(kept)}) THEN RETURN j; END IF;\n      "
        if kept else ''
    )
    return f"""
CREATE OR REPLACE FUNCTION audit_log_redacted(j jsonb) RETURNS jsonb AS $$
DECLARE
  result jsonb;
BEGIN
  CASE jsonb_typeof(j)
    WHEN 'string' THEN
      {string}RETURN to_jsonb('{MARKER}'::text);
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


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        _sqlite_guard(KEPT)
    else:
        op.execute(_pg_redacted(KEPT))


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        _sqlite_guard(())
    else:
        op.execute(_pg_redacted(()))
