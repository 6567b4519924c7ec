"""Rendered debrief packets kept in the database, so a repeat download skips the layout

Revision ID: 0009_packet_files
Revises: 0008_candidate_text_index
Create Date: 2026-12-01 18:00:00

Each row is one packet's PDF under the SHA-256 of everything that decides its bytes
(debrief/documents.py); a few per loop, deleted with their loop. The table starts
empty: the first download of each packet renders it as before.
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_packet_files'
down_revision = '0008_candidate_text_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('packet_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loop_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['loop_id'], ['loops.id'], name=op.f('fk_packet_files_loop_id_loops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_packet_files')),
    sa.UniqueConstraint('loop_id', 'key', name=op.f('uq_packet_files_loop_id_key'))
    )


def downgrade():
    op.drop_table('packet_files')
