"""The synthesis's inputs and outputs: frozen dataclasses, and the flags' words."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from fractions import Fraction
from typing import Literal

from ..numbers import Number

Discipline = Literal["clinical", "technical"]
DISCIPLINES: tuple[Discipline, ...] = ("clinical", "technical")


# --- inputs -------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    value: int
    label: str


@dataclass(frozen=True)
class CompetencyInfo:
    key: str
    name: str
    weight: Number
    assessed_by: Literal["clinical", "technical", "both"]
    min_level: int | None = None


@dataclass(frozen=True)
class RatingIn:
    competency: str  # the competency's key
    level: int | None  # None: not assessed


@dataclass(frozen=True)
class ScorecardIn:
    id: int
    interviewer: str
    discipline: Discipline
    recommendation: int | None
    ratings: tuple[RatingIn, ...]
    submitted_at: datetime | None  # aware; None: still a draft, ignored
    interview_ended_at: datetime | None
    amended_at: datetime | None = None
    # When the author could first read someone else's submitted scorecard; None: never.
    others_visible_from: datetime | None = None
    # When the scorecard's seat was given to someone else; None: the seat is active.
    replaced_at: datetime | None = None
    session: str = ""  # the interview's title, for sentences that name it


# --- outputs ------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingOut:
    interviewer: str
    discipline: Discipline
    level: int
    session: str = ""  # the interview it was given in


@dataclass(frozen=True)
class DisciplineStat:
    count: int
    mean: Fraction | None


@dataclass(frozen=True)
class CompetencyResult:
    key: str
    name: str
    weight: Fraction
    count: int
    mean: Fraction | None
    median: Fraction | None
    minimum: int | None
    maximum: int | None
    clinical: DisciplineStat
    technical: DisciplineStat
    min_level: int | None
    ratings: tuple[RatingOut, ...]
    assessed_by: str = "both"
    # The mean of every rating; ``mean`` is the competency's mean under the balance
    # rule (the two side means averaged where ``balanced``), the one that counts.
    plain_mean: Fraction | None = None
    balanced: bool = False
    basis: str | None = None  # how ``mean`` was formed, in words, when not plainly
    # The spread behind the band: the sum of squares within (sides, when balanced),
    # its degrees of freedom, and Var(mean) = factor × sigma² (None: not assessed).
    squares: Fraction = Fraction(0)
    spread_df: int = 0
    factor: Fraction | None = None

    @property
    def single(self) -> bool:
        """Rated once: one interviewer's view, with no spread of its own."""
        return self.count == 1


@dataclass(frozen=True)
class Band:
    """The overall score's 95% band (overall.py, "Uncertainty")."""

    variance: Fraction  # SE², exact
    se: Fraction  # its square root, to SQRT_DIGITS significant digits
    df: Fraction  # Welch-Satterthwaite degrees of freedom, exact
    quantile: Fraction  # Student's t at 0.975 on df, as the float computed
    low: Fraction  # score - quantile × se, never below the scale's lowest level
    high: Fraction  # score + quantile × se, never above the highest
    borrowed: tuple[str, ...] = ()  # keys whose spread is the pooled one


@dataclass(frozen=True)
class Overall:
    score: Fraction | None
    formula: str | None
    assessed_weight_share: Fraction
    left_out: str | None
    band: Band | None = None
    headline: str | None = None  # "3.0 (2.6 to 3.4)", or "3.0" without a band
    band_text: str | None = None  # how to read the band, or why there is none
    borrowed_text: str | None = None  # which competencies borrow the pooled spread
    rule: str | None = None  # BALANCE_RULE, when a competency is for both sides


@dataclass(frozen=True)
class MustMeet:
    key: str
    name: str
    min_level: int
    mean: Fraction | None  # None: nobody assessed it
    below: tuple[RatingOut, ...]  # the single ratings under the minimum
    sentence: str

    @property
    def unconfirmed(self) -> bool:
        """Nobody rated it: the panel cannot confirm the minimum."""
        return self.mean is None


class FlagKind(StrEnum):
    SPLIT_PANEL = "split_panel"
    CROSS_FUNCTIONAL_GAP = "cross_functional_gap"
    COVERAGE_GAP = "coverage_gap"
    CONTRADICTION = "contradiction"
    WRITTEN_AFTER_READING = "written_after_reading"
    AMENDED_AFTER_VISIBLE = "amended_after_visible"
    STALE = "stale"

    @property
    def label(self) -> str:
        """The flag's name as a reader sees it."""
        return FLAG_LABELS[self]


FLAG_LABELS = {
    FlagKind.SPLIT_PANEL: "Split panel",
    FlagKind.CROSS_FUNCTIONAL_GAP: "Cross-functional gap",
    FlagKind.COVERAGE_GAP: "Coverage gap",
    FlagKind.CONTRADICTION: "Contradiction",
    FlagKind.WRITTEN_AFTER_READING: "Written after reading the panel",
    FlagKind.AMENDED_AFTER_VISIBLE: "Amended after others were visible",
    FlagKind.STALE: "Late scorecard",
}
KIND_ORDER = {kind: i for i, kind in enumerate(FlagKind)}


@dataclass(frozen=True)
class Flag:
    kind: FlagKind
    sentence: str
    competency: str | None = None  # key, for competency flags
    scorecard_id: int | None = None  # for scorecard flags


@dataclass(frozen=True)
class TallyEntry:
    value: int
    label: str
    count: int


@dataclass(frozen=True)
class Synthesis:
    competencies: tuple[CompetencyResult, ...]
    overall: Overall
    must_meet: tuple[MustMeet, ...]
    flags: tuple[Flag, ...]
    tally: tuple[TallyEntry, ...]
    no_recommendation: int
    submitted: int  # every submitted scorecard that counts
    replaced: int  # of which written on a seat since given to someone else
    expected: int  # seats waited on: held, interview happened or due (expected.py)
    missing: int  # of those, the ones without a submitted scorecard

    @property
    def submitted_active(self) -> int:
        """Submitted scorecards of the active seats (out of ``expected``)."""
        return self.submitted - self.replaced
