"""Ids that leave the database are never given again on SQLite (AUTOINCREMENT)

Revision ID: 0024_sqlite_autoincrement
Revises: 0023_queues_and_guards
Create Date: 2026-12-02 14:00:00

Without AUTOINCREMENT, SQLite gives a new row the highest id in use plus one, so
deleting the last session of a loop with its seats handed their ids to the next
ones: the new seat's invitation key ``invite:<seat>:<sequence>`` was the old
seat's, already in the outbox, so nobody was invited; its calendar UID
``session-<id>@interview`` was the cancelled event's; old links to
``/interviews/<seat>`` and audit entries naming the seat pointed at another. Every
table whose id goes into an outbox key, an event UID, a link in an email or an
audit entry is rebuilt with ``INTEGER PRIMARY KEY AUTOINCREMENT``: users, loops,
interview_sessions, panel_seats, hiring_decisions (the models say
``sqlite_autoincrement=True``). PostgreSQL's sequences never give an id twice:
nothing to do there.

The rebuild follows SQLite's own recipe (sqlite.org/lang_altertable.html, "making
other kinds of table schema changes"), not Alembic's batch mode, which re-creates a
table from reflection: the table's own CREATE statement is kept word for word but
for its primary key, rows are copied with their ids, and every index and trigger
on these tables (the seats' start triggers of 0013, the partial indexes) is made
again from its stored SQL. Foreign keys are off meanwhile (migrations/env.py) and
checked after.

An id deleted before this upgrade may still be handed out once: each table's
counter starts above the highest id still in it, or named by an outbox key
(``invite:``, ``cancel:``, ``reminder:`` seats, ``debrief:`` loops, ``decision:``
decisions and people) or by an event UID in a stored calendar message, whichever
is higher. A message's text is blanked after ``MAIL_KEEP_DAYS`` (its key stays):
the UID of a blanked calendar message is gone, so sessions also count up to how
many were ever made, which no id SQLite gave one can exceed (``_made``).
"""

import email
import email.policy
import re

from alembic import op

revision = "0024_sqlite_autoincrement"
down_revision = "0023_queues_and_guards"
branch_labels = None
depends_on = None

TABLES = ("users", "loops", "interview_sessions", "panel_seats", "hiring_decisions")
# The id column, first in each table (``candidate_id INTEGER NOT NULL,`` is not it).
ID = re.compile(r"(\(\s*)id INTEGER NOT NULL,")
ID_AUTOINCREMENT = re.compile(r"(\(\s*)id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,")
# Which part of which outbox key names a row of each table.
KEY_IDS = {
    "panel_seats": (("invite", 1), ("cancel", 1), ("reminder", 1)),
    "loops": (("debrief", 1),),
    "hiring_decisions": (("decision", 1),),
    "users": (("decision", 2),),
}
UID = re.compile(rb"UID:session-(\d+)@interview")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _schema(bind, kind: str, tables=TABLES) -> list[tuple[str, str]]:
    marks = ", ".join(f"'{t}'" for t in tables)
    return bind.exec_driver_sql(
        f"SELECT name, sql FROM sqlite_master WHERE type = '{kind}' "
        f"AND tbl_name IN ({marks}) AND sql IS NOT NULL ORDER BY name"
    ).all()


def _rebuild(bind, table: str, create: str) -> None:
    """Make TABLE again from CREATE, keeping its rows and their ids."""
    columns = ", ".join(
        f'"{row[1]}"' for row in bind.exec_driver_sql(f'PRAGMA table_info("{table}")')
    )
    new = f"_autoincrement_{table}"
    bind.exec_driver_sql(create.replace(_created_name(create), f'"{new}"', 1))
    bind.exec_driver_sql(
        f'INSERT INTO "{new}" ({columns}) SELECT {columns} FROM "{table}"'
    )
    bind.exec_driver_sql(f'DROP TABLE "{table}"')
    bind.exec_driver_sql(f'ALTER TABLE "{new}" RENAME TO "{table}"')


def _created_name(create: str) -> str:
    """The table's name as its CREATE TABLE statement spells it."""
    return re.match(r'CREATE TABLE ("[^"]+"|\w+)', create).group(1)


def _with_autoincrement(table: str, create: str) -> str:
    """The stored CREATE TABLE with its id made the AUTOINCREMENT primary key."""
    constraint = re.compile(rf",\s*CONSTRAINT pk_{table} PRIMARY KEY \(id\)")
    if len(ID.findall(create)) != 1 or len(constraint.findall(create)) != 1:
        raise RuntimeError(
            f"{table} is not as migration 0023 left it; its CREATE TABLE is:\n{create}"
        )
    create = ID.sub(r"\1id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,", create)
    return constraint.sub("", create)


def _floors(bind) -> dict[str, int]:
    """The highest id each table ever gave that the outbox still names."""
    floors = dict.fromkeys(TABLES, 0)
    rows = bind.exec_driver_sql(  # read as it goes: an outbox can be large
        "SELECT key, CASE WHEN key LIKE 'invite:%' OR key LIKE 'cancel:%' "
        "THEN message END FROM outbox_messages"
    )
    for key, message in rows:
        parts = key.split(":")
        for table, places in KEY_IDS.items():
            for kind, place in places:
                if parts[0] == kind and len(parts) > place and parts[place].isdigit():
                    floors[table] = max(floors[table], int(parts[place]))
        if parts[0] in ("invite", "cancel") and message:
            for uid in _uids(bytes(message)):
                floors["interview_sessions"] = max(floors["interview_sessions"], uid)
    return floors


def _uids(message: bytes) -> list[int]:
    """The session ids in a stored message's calendar parts (base64 or not)."""
    parsed = email.message_from_bytes(message, policy=email.policy.default)
    found = []
    for part in parsed.walk():
        if part.get_content_type() == "text/calendar":
            body = part.get_payload(decode=True) or b""
            found += [int(n) for n in UID.findall(body.replace(b"\r\n ", b""))]
    return found


def upgrade():
    if not _sqlite():
        return  # PostgreSQL's sequences never give an id twice
    bind = op.get_bind()
    tables = dict(_schema(bind, "table"))
    # Each table once (a database taken down to 0023 by hand may have them).
    todo = [t for t in TABLES if not ID_AUTOINCREMENT.search(tables[t])]
    floors = _floors(bind)
    _rebuild_all(bind, {t: _with_autoincrement(t, tables[t]) for t in todo})
    floors["interview_sessions"] = max(floors["interview_sessions"], _made(bind))
    for table in TABLES:
        highest = bind.exec_driver_sql(f'SELECT max(id) FROM "{table}"').scalar()
        _set_counter(bind, table, max(highest or 0, floors[table]))


def _made(bind) -> int:
    """How many sessions were ever made: those still here and those removed (each
    removal is audited as ``loop.session.remove``; nothing else deletes one, and
    the audit log is never deleted from). Without AUTOINCREMENT SQLite gives a new
    row the highest id plus one, so no session ever had an id above this: a floor
    that holds when a removed session's invitations were blanked, their UIDs gone
    (migration 0027 raises the counter of a database upgraded before this)."""
    kept = bind.exec_driver_sql("SELECT count(*) FROM interview_sessions").scalar()
    removed = bind.exec_driver_sql(
        "SELECT count(*) FROM audit_log WHERE action = 'loop.session.remove'"
    ).scalar()
    return kept + removed


def _rebuild_all(bind, creates: dict[str, str]) -> None:
    """Rebuild each table from its CREATE statement, with its indexes, and the
    triggers on these tables or naming them, dropped first and made again."""
    if not creates:
        return
    indexes = _schema(bind, "index", tuple(creates))
    triggers = _schema(bind, "trigger", _trigger_tables(bind))
    for name, _ in triggers:
        bind.exec_driver_sql(f'DROP TRIGGER "{name}"')
    for table, create in creates.items():
        _rebuild(bind, table, create)
    for _, sql in indexes + triggers:
        bind.exec_driver_sql(sql)


def _without_autoincrement(table: str, create: str) -> str:
    create = ID_AUTOINCREMENT.sub(r"\1id INTEGER NOT NULL,", create)
    return re.sub(
        r"\n\)\s*$", f", \n\tCONSTRAINT pk_{table} PRIMARY KEY (id)\n)", create
    )


def _trigger_tables(bind) -> tuple[str, ...]:
    """These tables and every table whose triggers name one of them: a rename
    checks every trigger, and one naming a table gone for the moment fails it."""
    rows = bind.exec_driver_sql(
        "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"
    ).all()
    named = re.compile(r"\b(" + "|".join(TABLES) + r")\b")
    return tuple(
        sorted(set(TABLES) | {t for t, sql in rows if named.search(_code(sql))})
    )


def _code(sql: str) -> str:
    """A trigger's SQL without its string literals (the audit log's guard lists
    table names as words, not as tables it reads)."""
    return re.sub(r"'(?:[^']|'')*'", "''", sql or "")


def _set_counter(bind, table: str, value: int) -> None:
    bind.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = ?", (table,))
    if value:
        bind.exec_driver_sql(
            "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, value)
        )


def downgrade():
    if not _sqlite():
        return
    bind = op.get_bind()
    tables = dict(_schema(bind, "table"))
    # Tables as 0023 left them (upgraded while 0024 was a placeholder) stay.
    todo = [t for t in TABLES if ID_AUTOINCREMENT.search(tables[t])]
    _rebuild_all(bind, {t: _without_autoincrement(t, tables[t]) for t in todo})
    if bind.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'"
    ).first():
        for table in TABLES:
            bind.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = ?", (table,))
