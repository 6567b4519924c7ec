"""Candidate search by trigrams on SQLite too: an FTS5 index of the folded search key

Revision ID: 0008_candidate_text_index
Revises: 0007_folded_orders
Create Date: 2026-12-01 17:10:00

PostgreSQL has had its pg_trgm index since 0006. On SQLite a search for a word read
every candidate's key (100,000 of them for a name nobody has); the FTS5 "trigram"
tokenizer indexes every three-character run of the key, so a word of three or more
characters finds its rows through the index (candidate_search.py). The index keeps
no copy of the text (``content='candidates'``), and triggers keep it in step with
every insert, update and delete, Core statements included. An SQLite built without
FTS5 keeps searching the way it did.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_candidate_text_index'
down_revision = '0007_folded_orders'
branch_labels = None
depends_on = None


TRIGGERS = {
    'candidates_text_ai': (
        'AFTER INSERT ON candidates BEGIN '
        'INSERT INTO candidates_text(rowid, search_key) '
        'VALUES (new.id, new.search_key); END'
    ),
    'candidates_text_ad': (
        'AFTER DELETE ON candidates BEGIN '
        "INSERT INTO candidates_text(candidates_text, rowid, search_key) "
        "VALUES ('delete', old.id, old.search_key); END"
    ),
    'candidates_text_au': (
        'AFTER UPDATE OF search_key ON candidates BEGIN '
        "INSERT INTO candidates_text(candidates_text, rowid, search_key) "
        "VALUES ('delete', old.id, old.search_key); "
        'INSERT INTO candidates_text(rowid, search_key) '
        'VALUES (new.id, new.search_key); END'
    ),
}


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        return
    try:
        bind.exec_driver_sql(
            'CREATE VIRTUAL TABLE candidates_text USING fts5(search_key, '
            "content='candidates', content_rowid='id', tokenize='trigram')"
        )
    except sa.exc.OperationalError:  # built without FTS5, or older than 3.34
        return
    for name, body in TRIGGERS.items():
        bind.exec_driver_sql(f'CREATE TRIGGER {name} {body}')
    bind.exec_driver_sql(
        "INSERT INTO candidates_text(candidates_text) VALUES ('rebuild')"
    )


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        return
    for name in TRIGGERS:
        bind.exec_driver_sql(f'DROP TRIGGER IF EXISTS {name}')
    bind.exec_driver_sql('DROP TABLE IF EXISTS candidates_text')
