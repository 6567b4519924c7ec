"""Calibration's summary tables: per loop, what its submitted ratings add to the
figures, kept up to date by ``summaries.py`` whenever a scorecard is submitted or
amended, so that a page sums a few rows per loop instead of every rating.

Every row is derived: ``flask --app interview calibration rebuild`` makes them again
from the scorecards. The scope columns (rubric, requisition, the loop's latest
submission) are copied onto each row so that a page reads one table and one index.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime
from ..extensions import db


def _loop_key() -> Mapped[int]:
    return mapped_column(
        sa.ForeignKey("loops.id", ondelete="CASCADE"), primary_key=True
    )


class CalibrationLoop(db.Model):
    """A loop with at least one submitted scorecard."""

    __tablename__ = "calibration_loops"
    __table_args__ = (
        sa.Index(
            "ix_calibration_loops_rubric",
            "rubric_id",
            "last_submitted_at",
            "units",
            "changes",
        ),
        sa.Index(
            "ix_calibration_loops_requisition",
            "requisition_id",
            "last_submitted_at",
            "units",
            "changes",
        ),
    )

    loop_id: Mapped[int] = _loop_key()
    rubric_id: Mapped[int]
    requisition_id: Mapped[int]
    # The loop counts in a date range when its latest submission falls in it.
    last_submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    units: Mapped[int]  # competencies rated by two or more interviewers
    # The sum of its submitted scorecards' versions: moves on with every submission
    # and amendment, so a page's kept figures know when to be computed again.
    changes: Mapped[int] = mapped_column(sa.BigInteger)

    def __repr__(self) -> str:
        return f"<CalibrationLoop {self.loop_id} units={self.units}>"


class CalibrationUnit(db.Model):
    """One competency of one loop rated by two or more interviewers (one rating
    each: a person seated twice counts once, with their latest scorecard)."""

    __tablename__ = "calibration_units"
    __table_args__ = (
        sa.Index(
            "ix_calibration_units_rubric",
            "rubric_id",
            "competency_id",
            "code",
            "ratings",
            "gap",
            "last_submitted_at",
        ),
        sa.Index(
            "ix_calibration_units_requisition",
            "requisition_id",
            "competency_id",
            "code",
            "ratings",
            "gap",
            "last_submitted_at",
        ),
    )

    loop_id: Mapped[int] = _loop_key()
    competency_id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int]
    requisition_id: Mapped[int]
    last_submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ratings: Mapped[int]
    # How many ratings of each level, 5 bits a level (figures.unpack).
    code: Mapped[int] = mapped_column(sa.BigInteger)
    # The clinical raters' mean minus the technical raters' mean; None unless both
    # disciplines rated it.
    gap: Mapped[float | None] = mapped_column(sa.Double)

    def __repr__(self) -> str:
        return f"<CalibrationUnit loop={self.loop_id} competency={self.competency_id}>"


class CalibrationRater(db.Model):
    """What one interviewer's ratings of one loop add to their leniency and halo."""

    __tablename__ = "calibration_raters"
    __table_args__ = (
        sa.Index(
            "ix_calibration_raters_rubric",
            "rubric_id",
            "rater_id",
            "last_submitted_at",
            "compared",
            "sum_d",
            "sum_d2",
            "cards",
            "flat_cards",
            "sum_sd",
        ),
        sa.Index("ix_calibration_raters_requisition", "requisition_id", "rater_id"),
    )

    loop_id: Mapped[int] = _loop_key()
    rater_id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int]
    requisition_id: Mapped[int]
    last_submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Leniency: their ratings of units with another rater, and the sums of
    # d = their level - the mean of the others' levels of the unit.
    compared: Mapped[int]
    sum_d: Mapped[float] = mapped_column(sa.Double)
    sum_d2: Mapped[float] = mapped_column(sa.Double)
    # Halo: their scorecards with two or more ratings, the flat ones, the sum of
    # each one's sd of levels.
    cards: Mapped[int]
    flat_cards: Mapped[int]
    sum_sd: Mapped[float] = mapped_column(sa.Double)

    def __repr__(self) -> str:
        return f"<CalibrationRater loop={self.loop_id} rater={self.rater_id}>"


class CalibrationMark(db.Model):
    """Per rubric and per requisition: how many loops have rows, and the sum of their
    ``changes``. ``queries.fingerprint`` reads a rubric's or requisition's one row
    here (an interviewer's: one per rubric they rated) instead of summing every
    loop of the scope (19,000 for a hospital's rubric: 2 ms on SQLite, 4 ms on
    PostgreSQL, on every calibration page). Triggers on ``calibration_loops``
    (migration 0032) keep it, whoever writes those rows."""

    __tablename__ = "calibration_marks"

    kind: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    scope_id: Mapped[int] = mapped_column(primary_key=True)
    loops: Mapped[int]
    changes: Mapped[int] = mapped_column(sa.BigInteger)

    def __repr__(self) -> str:
        return f"<CalibrationMark {self.kind} {self.scope_id} loops={self.loops}>"
