"""panel_seats.assigned_at (who sat when); scorecards.edit_token and edit_seq (which
tab wrote last)

Revision ID: 0004_seat_history_and_tabs
Revises: 0003_invitation_sequence
Create Date: 2026-12-01 11:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0004_seat_history_and_tabs'
down_revision = '0003_invitation_sequence'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('panel_seats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True))
    # Earlier seats were taken some time after they were made; the creation time is
    # the best record there is of it.
    op.execute(
        "UPDATE panel_seats SET assigned_at = created_at WHERE interviewer_id IS NOT NULL"
    )
    with op.batch_alter_table('scorecards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edit_token', sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column('edit_seq', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('scorecards', schema=None) as batch_op:
        batch_op.drop_column('edit_seq')
        batch_op.drop_column('edit_token')
    with op.batch_alter_table('panel_seats', schema=None) as batch_op:
        batch_op.drop_column('assigned_at')
