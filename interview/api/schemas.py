"""The API's bodies, in and out, as pydantic models: they check what a client sends
and are the OpenAPI document's schemas (api/spec.py), so the two cannot drift.

Bodies in are parsed from JSON strictly (a number is not a string, a flag not 0)
and refuse fields they do not know: a typo is an error, not silently ignored. Text
is held to the site's forms' rules (interview/text.py): no control characters, one
line where the form has one line, the same lengths.
"""

from datetime import datetime
from typing import Annotated, Generic, Literal, TypeVar

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..models.enums import (
    DecisionOutcome,
    Discipline,
    LoopStatus,
    RequisitionStatus,
    Role,
)
from ..text import control_character_problem, on_one_line


def _text(value: str) -> str:
    if problem := control_character_problem(value):
        raise ValueError(problem)
    return value.strip()


def _line(value: str) -> str:
    return on_one_line(_text(value))


def _required(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    return value


def _email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {exc}") from None


def _phone(value: str) -> str:
    from ..loops.forms import plausible_phone  # the candidate form's own rule

    if value and not plausible_phone(value):
        raise ValueError(
            "not a phone number: digits, spaces and + ( ) - . only, 4 to 20 digits, "
            "an extension as x123"
        )
    return value


Line = Annotated[str, Field(max_length=200), AfterValidator(_line)]
Name = Annotated[
    str, Field(max_length=200), AfterValidator(_line), AfterValidator(_required)
]
Email = Annotated[
    str, Field(max_length=254), AfterValidator(_line), AfterValidator(_email)
]
Phone = Annotated[
    str, Field(max_length=64), AfterValidator(_line), AfterValidator(_phone)
]
Notes = Annotated[str, Field(max_length=20_000), AfterValidator(_text)]
ExternalId = Annotated[
    str,
    Field(max_length=100, description="The applicant tracking system's id."),
    AfterValidator(_line),
    AfterValidator(_required),
]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- people and references ----------------------------------------------------------


class Person(Out):
    id: int
    name: str


class Ref(Out):
    id: int
    name: str


# --- candidates ---------------------------------------------------------------------


class CandidateIn(Body):
    name: Name
    email: Email | None = None
    phone: Phone | None = None
    source: Line | None = None
    notes: Notes | None = None
    external_id: ExternalId | None = None


class CandidatePatch(Body):
    """Only the fields sent change; null clears an optional one."""

    name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    source: Line | None = None
    notes: Notes | None = None
    external_id: ExternalId | None = None


class Candidate(Out):
    id: int
    name: str
    email: str | None
    phone: str | None
    source: str | None
    notes: str
    external_id: str | None
    erased: bool = Field(description="Their personal data was erased.")
    version: int = Field(description="Raised by every change; send it as If-Match.")
    created_at: datetime
    updated_at: datetime


# --- requisitions -------------------------------------------------------------------


class RequisitionIn(Body):
    title: Name
    discipline: Discipline
    hiring_manager_id: Id
    rubric: Annotated[str, Field(max_length=100)] | None = Field(
        None, description="The key of the rubric its loops use."
    )
    status: RequisitionStatus = RequisitionStatus.OPEN
    share_scores_after_submit: bool = True
    external_id: ExternalId | None = None


class RequisitionPatch(Body):
    """Only the fields sent change; null clears the rubric or the external id."""

    title: Name | None = None
    discipline: Discipline | None = None
    hiring_manager_id: Id | None = None
    rubric: Annotated[str, Field(max_length=100)] | None = None
    status: RequisitionStatus | None = None
    share_scores_after_submit: bool | None = None
    external_id: ExternalId | None = None


class PlannedSession(Out):
    title: str
    duration_minutes: int
    competencies: list[str]
    clinical_seats: int
    technical_seats: int


class Requisition(Out):
    id: int
    title: str
    discipline: Discipline
    status: RequisitionStatus
    hiring_manager: Person
    rubric: str | None
    share_scores_after_submit: bool
    external_id: str | None
    plan: list[PlannedSession] = Field(
        description="The interview plan each new loop copies; set in the browser."
    )
    version: int
    created_at: datetime
    updated_at: datetime


# --- loops --------------------------------------------------------------------------

ScorecardState = Literal["not started", "draft", "submitted", "overdue"]


class LoopIn(Body):
    requisition_id: Id
    candidate_id: Id
    allow_another: bool = Field(
        False,
        description="Start it even when the candidate has an open loop on the "
        "requisition (refused with loop_already_open otherwise).",
    )


class RequisitionRef(Out):
    id: int
    title: str


class LoopSummary(Out):
    id: int
    status: LoopStatus
    candidate: Ref
    requisition: RequisitionRef
    created_at: datetime
    updated_at: datetime


class Seat(Out):
    id: int
    discipline: Discipline
    interviewer: Person | None
    removed: bool
    scorecard: ScorecardState | None = Field(
        description="Null where you may not see it yet: an interviewer sees others' "
        "progress once they may read the panel (their own scorecards submitted)."
    )


class Session(Out):
    id: int
    title: str
    starts_at: datetime | None
    ends_at: datetime | None
    duration_minutes: int
    seats: list[Seat]


class Loop(LoopSummary):
    closed_at: datetime | None
    sessions: list[Session]


# --- decisions and debriefs ---------------------------------------------------------


class Decision(Out):
    outcome: DecisionOutcome
    rationale: str
    decided_by: Person
    decided_at: datetime


class Decisions(Out):
    loop_id: int
    status: LoopStatus
    decision: Decision | None = Field(description="The latest; null before any.")
    history: list[Decision] = Field(description="Every decision, oldest first.")


class CompetencySummary(Out):
    key: str
    name: str
    weight: float
    ratings: int
    mean: float | None
    median: float | None
    minimum: int | None
    maximum: int | None
    clinical_mean: float | None
    technical_mean: float | None
    min_level: int | None


class FlagOut(Out):
    kind: str
    label: str
    sentence: str
    competency: str | None


class Overall(Out):
    score: float | None
    low: float | None = Field(description="The 95% band's low end, when there is one.")
    high: float | None
    headline: str | None


class Recommendation(Out):
    value: int
    label: str
    count: int


class Debrief(Out):
    loop_id: int
    status: LoopStatus
    submitted: int
    expected: int
    missing: int
    overall: Overall
    competencies: list[CompetencySummary]
    flags: list[FlagOut]
    recommendations: list[Recommendation]


# --- lists --------------------------------------------------------------------------

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    page: int
    size: int
    total: int = Field(description="Rows matching, counted up to the list limit.")
    pages: int
    more: bool = Field(description="More rows match than total: narrow the query.")


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[dict] | None = None


class Error(BaseModel):
    error: ErrorBody


class TokenInfo(Out):
    name: str
    prefix: str = Field(
        description="The token's first characters, as its page lists them."
    )
    scopes: list[str]
    expires_at: datetime


class Me(Out):
    id: int
    name: str
    email: str
    role: Role
    discipline: Discipline | None
    token: TokenInfo


class Rubric(Out):
    key: str
    title: str
    latest_version: int | None
    archived: bool


class HiringManager(Out):
    id: int
    name: str
    email: str
