"""Personal API tokens, and the applicant tracking system's ids (issue 15)

Revision ID: 0034_api_tokens
Revises: 0033_sso_subjects
Create Date: 2026-12-04 15:00:00

A token is kept as its SHA-256 only (api/tokens.py), with its scopes, expiry and the
role it was made under. Candidates and requisitions may carry the applicant
tracking system's id, unique, so a create sent twice makes one record.
"""

from alembic import op
import sqlalchemy as sa

revision = "0034_api_tokens"
down_revision = "0033_sso_subjects"
branch_labels = None
depends_on = None

ROLES = ("talent_acquisition", "hiring_manager", "interviewer")


def upgrade():
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.String(length=300), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                *ROLES,
                name="role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("request_key", sa.String(length=64)),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_api_tokens_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    op.create_index(
        "uq_api_tokens_request", "api_tokens", ["user_id", "request_key"], unique=True
    )
    for table in ("candidates", "requisitions"):
        op.add_column(table, sa.Column("external_id", sa.String(length=100)))
        op.create_index(f"uq_{table}_external_id", table, ["external_id"], unique=True)


def downgrade():
    for table in ("requisitions", "candidates"):
        op.drop_index(f"uq_{table}_external_id", table_name=table)
        op.execute(f"ALTER TABLE {table} DROP COLUMN external_id")
    op.drop_index("uq_api_tokens_request", table_name="api_tokens")
    op.drop_index("ix_api_tokens_user_id", table_name="api_tokens")
    op.drop_table("api_tokens")
