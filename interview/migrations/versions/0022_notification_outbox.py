"""Notification outbox (issue 14)

Revision ID: 0022_notification_outbox
Revises: 0021_retention_order
Create Date: 2026-12-02 10:10:00

``outbox_messages``: each email queued once by its unique ``key`` in the
transaction of the change that caused it, then claimed, sent and marked by
``flask --app interview notify run`` (notify/). ``ix_outbox_messages_due`` serves
its scan for due queued rows, oldest first; ``ix_outbox_messages_to_blank`` its
clean-up of finished messages' text after MAIL_KEEP_DAYS. ``candidate_id``
(indexed) names the candidate a message is about, so that erasing them cancels
and blanks it (the stored body is encoded: no text search finds a name).
``users.wants_reminders``: a person may turn off feedback reminders (invitations
always go); everyone starts with them on.
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_notification_outbox"
down_revision = "0021_retention_order"
branch_labels = None
depends_on = None

UNBLANKED = sa.text("subject <> ''")


def upgrade():
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("message", sa.LargeBinary(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "sending",
                "sent",
                "failed",
                "cancelled",
                name="outbox_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "attempts >= 0", name=op.f("ck_outbox_messages_attempts_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_outbox_messages_candidate_id_candidates"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["users.id"],
            name=op.f("fk_outbox_messages_recipient_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_messages_key")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_messages_due", ["status", "not_before", "id"], unique=False
        )
        batch_op.create_index(
            "ix_outbox_messages_to_blank",
            ["created_at"],
            unique=False,
            sqlite_where=UNBLANKED,
            postgresql_where=UNBLANKED,
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_recipient_id"),
            ["recipient_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_candidate_id"),
            ["candidate_id"],
            unique=False,
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "wants_reminders",
                sa.Boolean(),
                server_default=sa.true(),
                nullable=False,
            )
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("wants_reminders")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_messages_candidate_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_messages_recipient_id"))
        batch_op.drop_index("ix_outbox_messages_to_blank")
        batch_op.drop_index("ix_outbox_messages_due")
    op.drop_table("outbox_messages")
