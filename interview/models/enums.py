"""Closed vocabularies shared by the models, the forms and the pure cores."""

from enum import StrEnum

import sqlalchemy as sa


class Role(StrEnum):
    TALENT_ACQUISITION = "talent_acquisition"
    HIRING_MANAGER = "hiring_manager"
    INTERVIEWER = "interviewer"

    @property
    def label(self) -> str:
        return {
            "talent_acquisition": "Talent acquisition",
            "hiring_manager": "Hiring manager",
            "interviewer": "Interviewer",
        }[self.value]


class Discipline(StrEnum):
    CLINICAL = "clinical"
    TECHNICAL = "technical"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class AssessedBy(StrEnum):
    """Which disciplines a rubric asks to assess a competency."""

    CLINICAL = "clinical"
    TECHNICAL = "technical"
    BOTH = "both"


class LoopStatus(StrEnum):
    PLANNED = "planned"
    INTERVIEWING = "interviewing"
    DEBRIEF = "debrief"
    DECIDED = "decided"
    WITHDRAWN = "withdrawn"


class ScorecardStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class DecisionOutcome(StrEnum):
    HIRE = "hire"
    NO_HIRE = "no_hire"
    HOLD = "hold"


class RequisitionStatus(StrEnum):
    OPEN = "open"
    ON_HOLD = "on_hold"
    CLOSED = "closed"


def enum_column(enum_cls: type[StrEnum], name: str) -> sa.Enum:
    """A VARCHAR with a CHECK constraint: portable, and easy to extend in a migration."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
