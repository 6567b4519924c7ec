"""Rubrics and their immutable versions: scale, competencies, anchors, questions.

A loop points at the exact version it was planned with, so a rubric edited later
never changes what an interviewer scored against. Versions are never updated in
place: a change is a new version (enforced in ``models/guards.py``).
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime
from ..extensions import db
from ..timeutil import utcnow
from .enums import AssessedBy, Discipline, enum_column


class Rubric(db.Model):
    __tablename__ = "rubrics"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    is_archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions = relationship(
        "RubricVersion", back_populates="rubric", order_by="RubricVersion.number"
    )

    def __repr__(self) -> str:
        return f"<Rubric {self.key}>"


class RubricVersion(db.Model):
    __tablename__ = "rubric_versions"
    __table_args__ = (
        sa.UniqueConstraint("rubric_id", "number"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(
        sa.ForeignKey("rubrics.id", ondelete="RESTRICT")
    )
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    job_families: Mapped[list] = mapped_column(sa.JSON, default=list)
    weight_reason: Mapped[str | None] = mapped_column(sa.Text)
    source_yaml: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rubric = relationship("Rubric", back_populates="versions")
    levels = relationship(
        "ScaleLevel",
        back_populates="rubric_version",
        order_by="ScaleLevel.value",
        cascade="all, delete-orphan",
    )
    competencies = relationship(
        "Competency",
        back_populates="rubric_version",
        order_by="Competency.position",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<RubricVersion {self.rubric_id} v{self.number}>"


class ScaleLevel(db.Model):
    """One level of the rating scale, e.g. 1 "Strong no" ... 4 "Strong yes"."""

    __tablename__ = "scale_levels"
    __table_args__ = (
        sa.UniqueConstraint("rubric_version_id", "value"),
        sa.CheckConstraint("value BETWEEN 0 AND 10", name="value_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("rubric_versions.id", ondelete="CASCADE")
    )
    value: Mapped[int]
    label: Mapped[str] = mapped_column(sa.String(100))

    rubric_version = relationship("RubricVersion", back_populates="levels")

    def __repr__(self) -> str:
        return f"<ScaleLevel {self.value} {self.label!r}>"


def _level_fk(column: str) -> sa.ForeignKeyConstraint:
    """Tie a level column to the scale of the same rubric version.

    Deferred to commit, so that a whole version (scale, competencies, anchors) can be
    written in one flush whatever order the unit of work inserts the rows in.
    """
    return sa.ForeignKeyConstraint(
        ["rubric_version_id", column],
        ["scale_levels.rubric_version_id", "scale_levels.value"],
        deferrable=True,
        initially="DEFERRED",
    )


def _competency_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["rubric_version_id", "competency_id"],
        ["competencies.rubric_version_id", "competencies.id"],
        ondelete="CASCADE",
    )


class Competency(db.Model):
    __tablename__ = "competencies"
    __table_args__ = (
        sa.UniqueConstraint("rubric_version_id", "key"),
        sa.UniqueConstraint("rubric_version_id", "id"),
        sa.CheckConstraint("weight > 0", name="weight_positive"),
        _level_fk("min_level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("rubric_versions.id", ondelete="CASCADE")
    )
    position: Mapped[int]
    key: Mapped[str] = mapped_column(sa.String(100))
    name: Mapped[str] = mapped_column(sa.String(200))
    definition: Mapped[str] = mapped_column(sa.Text)
    weight: Mapped[float] = mapped_column(default=1.0)
    assessed_by: Mapped[AssessedBy] = mapped_column(
        enum_column(AssessedBy, "assessed_by")
    )
    lead_discipline: Mapped[Discipline | None] = mapped_column(
        enum_column(Discipline, "lead_discipline")
    )
    # The level a hire must reach (e.g. patient-safety judgement); None if none.
    min_level: Mapped[int | None]
    positive_evidence: Mapped[list] = mapped_column(sa.JSON, default=list)
    negative_evidence: Mapped[list] = mapped_column(sa.JSON, default=list)
    clinical_cues: Mapped[str] = mapped_column(sa.Text, default="")
    technical_cues: Mapped[str] = mapped_column(sa.Text, default="")

    anchors = relationship(
        "Anchor",
        back_populates="competency",
        order_by="Anchor.level",
        cascade="all, delete-orphan",
    )
    questions = relationship(
        "Question",
        back_populates="competency",
        order_by="Question.position",
        cascade="all, delete-orphan",
    )
    rubric_version = relationship("RubricVersion", back_populates="competencies")

    def __repr__(self) -> str:
        return f"<Competency {self.key}>"


class Anchor(db.Model):
    """The observable behaviour that earns one level of one competency."""

    __tablename__ = "anchors"
    __table_args__ = (
        sa.UniqueConstraint("competency_id", "level"),
        _competency_fk(),
        _level_fk("level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_version_id: Mapped[int]
    competency_id: Mapped[int] = mapped_column(index=True)
    level: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text)

    competency = relationship("Competency", back_populates="anchors")

    def __repr__(self) -> str:
        return f"<Anchor {self.competency_id} L{self.level}>"


class Question(db.Model):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    competency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competencies.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text)
    probes: Mapped[list] = mapped_column(sa.JSON, default=list)

    competency = relationship("Competency", back_populates="questions")

    def __repr__(self) -> str:
        return f"<Question {self.competency_id}#{self.position}>"
