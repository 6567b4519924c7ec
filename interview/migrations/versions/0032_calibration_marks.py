"""Each rubric's and requisition's calibration mark, so a page reads one row (issue 11)

Revision ID: 0032_calibration_marks
Revises: 0031_text_index_pages
Create Date: 2026-12-03 23:00:00

Every calibration page and download first asks whether its scope's figures changed
(calibration/queries.py ``fingerprint``): how many of its loops have submitted
scorecards, and the sum of those scorecards' versions. That was a count and a sum
over every loop of the scope: 19,000 rows for a hospital's rubric, 2 ms on SQLite
and 4 ms on PostgreSQL, most of what the interviewer's calibration page grew by at
scale (5 ms against 1.2 on the demo). The marks hold that count and sum per rubric
and per requisition.

Triggers on calibration_loops keep them, adding and taking away each row as it is
inserted, deleted or moved (an upsert, so two transactions adding to one mark take
turns on its row): whatever writes those rows, the app's summaries, the rebuild
command, or a pod still running the code from before this revision during a
rolling deploy (which migrates first), the marks follow. A mark whose last loop
row goes is deleted, as a count over no rows finds nothing.
"""

from alembic import op
import sqlalchemy as sa

revision = "0032_calibration_marks"
down_revision = "0031_text_index_pages"
branch_labels = None
depends_on = None

KINDS = (("rubric", "rubric_id"), ("requisition", "requisition_id"))
MOVED = "rubric_id, requisition_id, changes"  # a change of units moves no mark

BACKFILL = """
    INSERT INTO calibration_marks (kind, scope_id, loops, changes)
    SELECT '{kind}', {column}, COUNT(*), SUM(changes)
    FROM calibration_loops GROUP BY {column}"""


def _add(row: str, kind: str, column: str) -> str:
    return (
        "INSERT INTO calibration_marks (kind, scope_id, loops, changes)"
        f" VALUES ('{kind}', {row}.{column}, 1, {row}.changes)"
        " ON CONFLICT (kind, scope_id) DO UPDATE SET"
        " loops = calibration_marks.loops + 1,"
        " changes = calibration_marks.changes + excluded.changes;"
    )


def _take(row: str, kind: str, column: str) -> str:
    scope = f"kind = '{kind}' AND scope_id = {row}.{column}"
    return (
        "UPDATE calibration_marks SET loops = loops - 1,"
        f" changes = changes - {row}.changes WHERE {scope};"
        f" DELETE FROM calibration_marks WHERE {scope} AND loops = 0;"
    )


def _adds(row: str) -> str:
    return " ".join(_add(row, kind, column) for kind, column in KINDS)


def _takes(row: str) -> str:
    return " ".join(_take(row, kind, column) for kind, column in KINDS)


SQLITE_TRIGGERS = {
    "calibration_marks_ai": f"AFTER INSERT ON calibration_loops BEGIN {_adds('new')} END",
    "calibration_marks_ad": f"AFTER DELETE ON calibration_loops BEGIN {_takes('old')} END",
    "calibration_marks_au": (
        f"AFTER UPDATE OF {MOVED} ON calibration_loops"
        f" BEGIN {_takes('old')} {_adds('new')} END"
    ),
}

POSTGRESQL_FUNCTION = f"""
    CREATE FUNCTION calibration_marks_follow() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN {_takes('OLD')} END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN {_adds('NEW')} END IF;
        RETURN NULL;
    END; $$ LANGUAGE plpgsql"""

POSTGRESQL_TRIGGER = f"""
    CREATE TRIGGER calibration_marks_follow
    AFTER INSERT OR DELETE OR UPDATE OF {MOVED} ON calibration_loops
    FOR EACH ROW EXECUTE FUNCTION calibration_marks_follow()"""


def upgrade():
    op.create_table(
        "calibration_marks",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("loops", sa.Integer(), nullable=False),
        sa.Column("changes", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "scope_id", name=op.f("pk_calibration_marks")),
    )
    for kind, column in KINDS:
        op.execute(BACKFILL.format(kind=kind, column=column))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_FUNCTION)
        op.execute(POSTGRESQL_TRIGGER)
    else:
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS calibration_marks_follow ON calibration_loops")
        op.execute("DROP FUNCTION IF EXISTS calibration_marks_follow()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("calibration_marks")
