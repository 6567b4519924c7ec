"""Accounts linked to a single sign-on identity: its issuer and subject (issue 15)

Revision ID: 0033_sso_subjects
Revises: 0032_calibration_marks
Create Date: 2026-12-04 13:00:00

A person signing in through the organisation's OpenID provider is found by the
provider's subject (``sub``), never by email alone (auth/sso_rules.py): an account is
linked to one subject of one issuer, once. Unique together, so no two accounts share
an identity; NULL for an account never signed in that way.
"""

from alembic import op
import sqlalchemy as sa

revision = "0033_sso_subjects"
down_revision = "0032_calibration_marks"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("sso_issuer", sa.String(length=500)))
    op.add_column("users", sa.Column("sso_subject", sa.String(length=255)))
    op.create_index(
        "uq_users_sso", "users", ["sso_issuer", "sso_subject"], unique=True
    )


def downgrade():
    op.drop_index("uq_users_sso", table_name="users")
    # Plain DROP COLUMN on both databases: a batch copy of the table on SQLite would
    # rewrite its CREATE TABLE, which earlier downgrades compare (0023).
    op.execute("ALTER TABLE users DROP COLUMN sso_subject")
    op.execute("ALTER TABLE users DROP COLUMN sso_issuer")
