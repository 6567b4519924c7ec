"""This deployment's id, for calendar UIDs unique across deployments (issue 14)

Revision ID: 0028_installation
Revises: 0027_notify_floors
Create Date: 2026-12-02 21:00:00

Calendar events were ``session-<id>@interview``: two deployments (two hospitals,
staging and production) give the same UID to different interviews, and a calendar
that gets both keeps one. ``installations`` holds one row (``id = 1``) with a
random ``key`` (uuid4 hex) made here, once per database, so that every worker and
host of a deployment shares it and it never changes; new sessions' events become
``session-<id>.<key>@interview``. ``old_uids_upto`` is the highest session id
present now: those sessions' invitations (and downloaded invite.ics files) may
already be in calendars under the old UID, so their updates and cancellations keep
it. Ids are never given again (0024, PostgreSQL's sequences), so every session made
after this upgrade is above it.

Downgrading drops the row: upgrading again makes a new key, and the events of
sessions made meanwhile would get new UIDs.
"""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0028_installation"
down_revision = "0027_notify_floors"
branch_labels = None
depends_on = None


def upgrade() -> None:
    installations = op.create_table(
        "installations",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("old_uids_upto", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_installations_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installations")),
    )
    bind = op.get_bind()
    highest = bind.execute(sa.text("SELECT max(id) FROM interview_sessions")).scalar()
    op.bulk_insert(
        installations,
        [
            {
                "id": 1,
                "key": uuid.uuid4().hex,
                "old_uids_upto": highest or 0,
                "created_at": _now(bind),
            }
        ],
    )


def _now(bind):
    """Now in UTC as the model stores it: naive on SQLite, aware on PostgreSQL."""
    now = datetime.now(UTC)
    return now.replace(tzinfo=None) if bind.dialect.name == "sqlite" else now


def downgrade() -> None:
    op.drop_table("installations")
