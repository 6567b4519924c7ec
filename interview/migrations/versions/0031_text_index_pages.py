"""Larger pages for SQLite's candidate text index, so a new candidate holds the write lock briefly (issue 11)

Revision ID: 0031_text_index_pages
Revises: 0030_accounts_order
Create Date: 2026-12-03 23:40:00

FTS5 merges its index's segments as rows are added, inside the inserting
transaction, so inside SQLite's one write lock: every 64 leaf pages written it
merges 64 pages for each level of the index. Its leaves hold 4,050 bytes by
default, and the trigrams every candidate's key shares (those of an email domain)
have doclists of hundreds of such pages, which a merge cannot split. On a copy of
the 100,000-candidate database one insert in about fifteen took 40-85 ms, and an
interviewer's autosave queued behind a loop started for a new candidate waited
past 100 ms. With leaves of 64,000 bytes (FTS5's ``pgsz``, near its largest) the
same segments are 16 times fewer pages. bench/candidate_inserts.py, 5,000 inserts
on that copy: median 0.06 -> 0.05 ms, p99 36.8 -> 1.7 ms, worst 59.5 -> 8.7 ms,
mean 2.34 -> 0.11 ms (over 20,000, the worst of each 5,000 stayed under 15 ms);
searches took as long as before.

The setting is stored in the index's own config table; the rebuild writes the
existing rows with it (about 3 s at 100,000 candidates).
"""

import sqlalchemy as sa
from alembic import op

revision = "0031_text_index_pages"
down_revision = "0030_accounts_order"
branch_labels = None
depends_on = None

PAGE_BYTES = 64000
FTS5_DEFAULT_PAGE_BYTES = 4050


def _set_page_size(size: int) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    try:  # as db.py checks the index: there, and this SQLite can read it
        bind.exec_driver_sql("SELECT 1 FROM candidates_text LIMIT 0")
    except sa.exc.OperationalError:  # no FTS5 here (0008 made no index, or a
        return  # file from another build): searches do without it, as before
    bind.exec_driver_sql(
        "INSERT INTO candidates_text(candidates_text, rank) VALUES ('pgsz', ?)",
        (size,),
    )
    bind.exec_driver_sql(
        "INSERT INTO candidates_text(candidates_text) VALUES ('rebuild')"
    )


def upgrade():
    _set_page_size(PAGE_BYTES)


def downgrade():
    _set_page_size(FTS5_DEFAULT_PAGE_BYTES)
