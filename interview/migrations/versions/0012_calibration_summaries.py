"""Calibration's summary tables, filled from the scorecards already submitted

Revision ID: 0012_calibration_summaries
Revises: 0011_list_orders
Create Date: 2026-12-02 00:00:00

A Calibration page summed every submitted rating of its rubric on each request
(4.7 s on SQLite for a rubric of 10,000 loops). These tables hold a few rows per
loop (its units, and what each rater's ratings of it add to leniency and halo),
kept up to date by interview/calibration/summaries.py when a scorecard is submitted
or amended; the page sums them from covering indexes.

The backfill below is the rebuild of summaries.py as this revision made the tables,
copied so that this migration keeps working when that module later changes. On
SQLite it needs sqrt(), which interview/db.py registers where SQLite lacks it.
"""
import sqlalchemy as sa
from alembic import op


revision = '0012_calibration_summaries'
down_revision = '0011_list_orders'
branch_labels = None
depends_on = None

ANALYSIS_LIMIT = 10_000  # db.ANALYSIS_LIMIT when this was written
TABLES = ('calibration_loops', 'calibration_units', 'calibration_raters')

BACKFILL = (
    '''    INSERT INTO calibration_loops
        (loop_id, rubric_id, requisition_id, last_submitted_at, units, changes)
    SELECT c.loop, rv.rubric_id, lo.requisition_id, MAX(c.submitted_at), 0,
           SUM(c.version)
    FROM (
    SELECT se.loop_id AS loop, sc.id AS card, sc.submitted_at, sc.version
    FROM scorecards sc
    JOIN panel_seats ps ON ps.id = sc.seat_id
    JOIN interview_sessions se ON se.id = ps.session_id
    WHERE sc.status = 'submitted' ) c
    JOIN loops lo ON lo.id = c.loop
    JOIN rubric_versions rv ON rv.id = lo.rubric_version_id
    GROUP BY c.loop, rv.rubric_id, lo.requisition_id''',
    '''    INSERT INTO calibration_units
        (loop_id, competency_id, rubric_id, requisition_id, last_submitted_at,
         ratings, code, gap)
    WITH r AS (
    SELECT se.loop_id AS loop, ra.competency_id AS comp, sc.id AS card,
           sc.interviewer_id AS rater, ps.discipline AS disc,
           CAST(ra.level AS DOUBLE PRECISION) AS level, ra.level AS lv
    FROM scorecards sc
    JOIN panel_seats ps ON ps.id = sc.seat_id
    JOIN interview_sessions se ON se.id = ps.session_id
    JOIN ratings ra ON ra.scorecard_id = sc.id
    WHERE sc.status = 'submitted' AND ra.level IS NOT NULL ),
    r1 AS (
    SELECT * FROM (
        SELECT r0.*, ROW_NUMBER() OVER (
            PARTITION BY loop, comp, rater ORDER BY card DESC
        ) AS nth
        FROM r r0
    ) ranked WHERE nth = 1),
    u AS (
        SELECT loop, comp, COUNT(*) AS m, CAST(SUM(CAST(1 AS BIGINT) << (5 * lv)) AS BIGINT) AS code,
               AVG(CASE WHEN disc = 'clinical' THEN level END) AS cm,
               AVG(CASE WHEN disc = 'technical' THEN level END) AS tm
        FROM r1 GROUP BY loop, comp HAVING COUNT(*) BETWEEN 2 AND 31
    )
    SELECT u.loop, u.comp, l.rubric_id, l.requisition_id, l.last_submitted_at,
           u.m, u.code, u.cm - u.tm
    FROM u JOIN calibration_loops l ON l.loop_id = u.loop''',
    '''    INSERT INTO calibration_raters
        (loop_id, rater_id, rubric_id, requisition_id, last_submitted_at,
         compared, sum_d, sum_d2, cards, flat_cards, sum_sd)
    WITH r AS (
    SELECT se.loop_id AS loop, ra.competency_id AS comp, sc.id AS card,
           sc.interviewer_id AS rater, ps.discipline AS disc,
           CAST(ra.level AS DOUBLE PRECISION) AS level, ra.level AS lv
    FROM scorecards sc
    JOIN panel_seats ps ON ps.id = sc.seat_id
    JOIN interview_sessions se ON se.id = ps.session_id
    JOIN ratings ra ON ra.scorecard_id = sc.id
    WHERE sc.status = 'submitted' AND ra.level IS NOT NULL ),
    r1 AS (
    SELECT * FROM (
        SELECT r0.*, ROW_NUMBER() OVER (
            PARTITION BY loop, comp, rater ORDER BY card DESC
        ) AS nth
        FROM r r0
    ) ranked WHERE nth = 1),
    w AS (
        SELECT loop, rater, level, SUM(level) OVER unit AS s, COUNT(*) OVER unit AS m
        FROM r1 WINDOW unit AS (PARTITION BY loop, comp)
    ),
    dev AS (
        SELECT loop, rater, level - (s - level) / (m - 1) AS d FROM w WHERE m >= 2
    ),
    c AS (
        SELECT loop, rater, card,
               CASE WHEN MIN(level) = MAX(level) THEN 1 ELSE 0 END AS flat,
               CASE WHEN MIN(level) = MAX(level) THEN 0.0 ELSE SQRT(
                   SUM(level * level) / COUNT(*)
                   - (SUM(level) / COUNT(*)) * (SUM(level) / COUNT(*))
               ) END AS sd
        FROM r GROUP BY loop, rater, card HAVING COUNT(*) >= 2
    ),
    parts AS (
        SELECT loop, rater, 1 AS n, d, d * d AS dd, 0 AS cards, 0 AS flat, 0.0 AS sd
        FROM dev
        UNION ALL
        SELECT loop, rater, 0, 0.0, 0.0, 1, flat, sd FROM c
    )
    SELECT p.loop, p.rater, l.rubric_id, l.requisition_id, l.last_submitted_at,
           SUM(p.n), SUM(p.d), SUM(p.dd), SUM(p.cards), SUM(p.flat), SUM(p.sd)
    FROM parts p JOIN calibration_loops l ON l.loop_id = p.loop
    GROUP BY p.loop, p.rater, l.rubric_id, l.requisition_id, l.last_submitted_at''',
    '''    UPDATE calibration_loops SET units = (
        SELECT COUNT(*) FROM calibration_units u
        WHERE u.loop_id = calibration_loops.loop_id
    ) ''',
)


def _loop_key(table):
    return sa.ForeignKeyConstraint(
        ['loop_id'], ['loops.id'], name=op.f(f'fk_{table}_loop_id_loops'),
        ondelete='CASCADE',
    )


def upgrade():
    op.create_table('calibration_loops',
    sa.Column('loop_id', sa.Integer(), nullable=False),
    sa.Column('rubric_id', sa.Integer(), nullable=False),
    sa.Column('requisition_id', sa.Integer(), nullable=False),
    sa.Column('last_submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('changes', sa.BigInteger(), nullable=False),
    _loop_key('calibration_loops'),
    sa.PrimaryKeyConstraint('loop_id', name=op.f('pk_calibration_loops')),
    )
    op.create_index('ix_calibration_loops_rubric', 'calibration_loops',
                    ['rubric_id', 'last_submitted_at', 'units', 'changes'])
    op.create_index('ix_calibration_loops_requisition', 'calibration_loops',
                    ['requisition_id', 'last_submitted_at', 'units', 'changes'])
    op.create_table('calibration_units',
    sa.Column('loop_id', sa.Integer(), nullable=False),
    sa.Column('competency_id', sa.Integer(), nullable=False),
    sa.Column('rubric_id', sa.Integer(), nullable=False),
    sa.Column('requisition_id', sa.Integer(), nullable=False),
    sa.Column('last_submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ratings', sa.Integer(), nullable=False),
    sa.Column('code', sa.BigInteger(), nullable=False),
    sa.Column('gap', sa.Double(), nullable=True),
    _loop_key('calibration_units'),
    sa.PrimaryKeyConstraint('loop_id', 'competency_id',
                            name=op.f('pk_calibration_units')),
    )
    unit_columns = ['competency_id', 'code', 'ratings', 'gap', 'last_submitted_at']
    op.create_index('ix_calibration_units_rubric', 'calibration_units',
                    ['rubric_id', *unit_columns])
    op.create_index('ix_calibration_units_requisition', 'calibration_units',
                    ['requisition_id', *unit_columns])
    op.create_table('calibration_raters',
    sa.Column('loop_id', sa.Integer(), nullable=False),
    sa.Column('rater_id', sa.Integer(), nullable=False),
    sa.Column('rubric_id', sa.Integer(), nullable=False),
    sa.Column('requisition_id', sa.Integer(), nullable=False),
    sa.Column('last_submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('compared', sa.Integer(), nullable=False),
    sa.Column('sum_d', sa.Double(), nullable=False),
    sa.Column('sum_d2', sa.Double(), nullable=False),
    sa.Column('cards', sa.Integer(), nullable=False),
    sa.Column('flat_cards', sa.Integer(), nullable=False),
    sa.Column('sum_sd', sa.Double(), nullable=False),
    _loop_key('calibration_raters'),
    sa.PrimaryKeyConstraint('loop_id', 'rater_id', name=op.f('pk_calibration_raters')),
    )
    op.create_index('ix_calibration_raters_rubric', 'calibration_raters',
                    ['rubric_id', 'rater_id', 'last_submitted_at', 'compared',
                     'sum_d', 'sum_d2', 'cards', 'flat_cards', 'sum_sd'])
    op.create_index('ix_calibration_raters_requisition', 'calibration_raters',
                    ['requisition_id', 'rater_id'])
    for statement in BACKFILL:
        op.execute(statement)
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f'PRAGMA analysis_limit = {ANALYSIS_LIMIT}')
    for table in TABLES:
        op.execute(f'ANALYZE {table}')


def downgrade():
    for table in reversed(TABLES):
        op.drop_table(table)
