"""Device cookies revoked with the password (issue 13)

Revision ID: 0019_device_cookies
Revises: 0018_loop_closed_at
Create Date: 2026-12-02 06:10:00

``users.device_key``: a random value every sign-in device cookie carries
(auth/throttle.py); auth.operations.end_all_sessions draws a new one on a password
change, an administrator's reset, a deactivation and a role change, which revokes
every device cookie of the account. Each existing account gets a random key here;
the server default '' (no key: no cookie is accepted) is only for rows inserted by
hand.
"""

import secrets

import sqlalchemy as sa
from alembic import op


revision = "0019_device_cookies"
down_revision = "0018_loop_closed_at"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "device_key", sa.String(length=32), nullable=False, server_default=""
            )
        )
    users = sa.table("users", sa.column("id"), sa.column("device_key"))
    connection = op.get_bind()
    ids = connection.execute(sa.select(users.c.id)).scalars().all()
    for start in range(0, len(ids), 1000):
        connection.execute(
            users.update()
            .where(users.c.id == sa.bindparam("row_id"))
            .values(device_key=sa.bindparam("key")),
            [
                {"row_id": row_id, "key": secrets.token_urlsafe(16)}
                for row_id in ids[start : start + 1000]
            ],
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("device_key")
