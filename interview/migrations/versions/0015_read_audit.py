"""Read audit and the audit log page's filters (issue 13)

Revision ID: 0015_read_audit
Revises: 0014_data_lifecycle
Create Date: 2026-12-02 03:20:00

The audit log page filters by who, what, when and which object, newest first. Each
filter gets an index ending in the order (``at``, then ``id`` to break ties), so a
page is read from one index on both databases instead of sorting every matching
entry: the log grows with every read now that reads are recorded. The single-column
indexes on ``at`` and ``actor_id`` are the leading parts of the new ones (the
foreign key's lookups use ``ix_audit_log_actor``), and the object index gains the
order too.
"""
from alembic import op


revision = '0015_read_audit'
down_revision = '0014_data_lifecycle'
branch_labels = None
depends_on = None

INDEXES = {
    'ix_audit_log_newest': ['at', 'id'],
    'ix_audit_log_actor': ['actor_id', 'at', 'id'],
    'ix_audit_log_action': ['action', 'at', 'id'],
    'ix_audit_log_object': ['object_type', 'object_id', 'at', 'id'],
    'ix_audit_log_type': ['object_type', 'at', 'id'],
}
FORMER = {
    'ix_audit_log_at': ['at'],
    'ix_audit_log_actor_id': ['actor_id'],
    'ix_audit_log_object': ['object_type', 'object_id'],
}


def _replace(old: dict, new: dict) -> None:
    for name in old:
        op.drop_index(name, table_name='audit_log')
    for name, columns in new.items():
        op.create_index(name, 'audit_log', columns)


def upgrade():
    _replace(FORMER, INDEXES)


def downgrade():
    _replace(INDEXES, FORMER)
