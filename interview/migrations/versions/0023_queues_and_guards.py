"""Queues and guards (issue 14)

Revision ID: 0023_queues_and_guards
Revises: 0022_notification_outbox
Create Date: 2026-12-02 10:10:00

``loops.proposal_reasons``: the reasons of the panel the platform proposed last and
talent acquisition seated (JSON: a list of session id, interviewer id, discipline and
reason), so the loop page keeps showing why each proposed person sits where they
do, and says so when a seat was changed by hand since. NULL: never proposed.
"""
import sqlalchemy as sa
from alembic import op


revision = '0023_queues_and_guards'
down_revision = '0022_notification_outbox'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("loops", sa.Column("proposal_reasons", sa.Text(), nullable=True))


def downgrade():
    op.execute("ALTER TABLE loops DROP COLUMN proposal_reasons")
