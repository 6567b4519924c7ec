"""The data model, one module per aggregate; import classes from here."""

from . import guards  # noqa: F401  (registers the immutability guard)
from .api_tokens import ApiToken  # issue 15: the JSON API
from .audit import AuditEntry
from .decisions import HiringDecision
from .enums import (
    AssessedBy,
    DecisionOutcome,
    Discipline,
    LoopStatus,
    RequisitionStatus,
    Role,
    ScorecardStatus,
)
from .installation import Installation  # issue 14: calendar UIDs
from .lifecycle import LegalHold  # issue 13: data lifecycle
from .loops import InterviewSession, Loop, PanelSeat, session_competencies
from .outbox import OutboxMessage, OutboxStatus  # issue 14: notifications
from .packets import PacketFile
from .pool import Conflict, PlanSession, Training
from .requisitions import Candidate, Requisition
from .rubrics import Anchor, Competency, Question, Rubric, RubricVersion, ScaleLevel
from .scorecards import Rating, Scorecard
from .users import LoginFailure, User

__all__ = [
    "Anchor",
    "ApiToken",
    "AssessedBy",
    "AuditEntry",
    "Candidate",
    "Competency",
    "Conflict",
    "DecisionOutcome",
    "Discipline",
    "HiringDecision",
    "Installation",
    "InterviewSession",
    "LegalHold",
    "LoginFailure",
    "Loop",
    "LoopStatus",
    "OutboxMessage",
    "OutboxStatus",
    "PacketFile",
    "PanelSeat",
    "PlanSession",
    "Question",
    "Rating",
    "Requisition",
    "RequisitionStatus",
    "Role",
    "Rubric",
    "RubricVersion",
    "ScaleLevel",
    "Scorecard",
    "ScorecardStatus",
    "Training",
    "User",
    "session_competencies",
]
