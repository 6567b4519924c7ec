"""Counting the SQL statements a request sends, on SQLAlchemy's engine events."""

import contextlib

import sqlalchemy as sa

from interview.extensions import db


class QueryLog:
    def __init__(self):
        self.statements: list[str] = []

    def __len__(self) -> int:
        return len(self.statements)

    def __str__(self) -> str:
        return "\n".join(f"{i}: {s[:300]}" for i, s in enumerate(self.statements, 1))


@contextlib.contextmanager
def counting_queries(app):
    """Record every statement sent to the app's database inside the block (SQLite's
    and the driver's own BEGIN/COMMIT included where they pass through the engine)."""
    log = QueryLog()
    with app.app_context():
        engine = db.engine

    def record(_conn, _cursor, statement, _params, _context, _many):
        log.statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield log
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
