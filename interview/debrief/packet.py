"""The debrief as plain data: a loop's submitted scorecards fed to the pure synthesis,
plus what the page and the packet show beside the numbers (names, evidence, chart,
and from across the rubric's loops its reliability and notes on interviewers).

Who reads which figure from across loops (issue 12)
    The Calibration pages show interviewer-level figures (leniency, halo) only to
    talent acquisition, and to an interviewer their own. The debrief page and its
    packet are read by the requisition's hiring manager too, and by interviewers who
    have submitted on the loop, and the issue asks for a note beside an interviewer's
    ratings where their leniency is large and well estimated: the hiring manager is
    the reader it is for, since it changes how to weigh those ratings. So the
    debrief shows, as a deliberate exception to the Calibration pages' rule:
    - the rubric's reliability (an aggregate over every loop, naming nobody), to
      every reader of the debrief;
    - the note only, never the table of figures (no halo, no interviewer who is not
      remarkable, no ranking), and only about interviewers who submitted a scorecard
      on this loop, to talent acquisition, the hiring manager and the command line;
    - to an interviewer reading the debrief, only the note about themselves, as on
      ``/calibration/me``: never one about a colleague.
    Who may open the debrief at all is unchanged (``views._load``,
    ``can_view_panel_scorecards``): an interviewer still sees nothing of the panel
    before submitting.
"""

import textwrap
from dataclasses import dataclass, field, replace
from fractions import Fraction

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..independence import SharingHistory
from ..models import AuditEntry, Loop, LoopStatus, Role
from ..permissions import panel_readers_since
from . import synthesis as syn
from .across_loops import across_loops
from .operations import cancelled_by_decision

# Characters of a competency's name per line beside the chart's bars: 34 Latin
# letters at 12 px fill the label column (230 px); longer names wrap, never cut.
CHART_LABEL_WIDTH = 34


@dataclass(frozen=True)
class Bar:
    """One competency's clinical and technical means (exact), placed on a chart."""

    key: str
    name: str
    clinical: Fraction | None
    technical: Fraction | None
    lines: tuple[str, ...] = ()  # the name wrapped for the chart's label column


def _keys(loop: Loop) -> dict[int, str]:
    """Competency id to key, for the loop's rubric version."""
    return {c.id: c.key for c in loop.rubric_version.competencies}


def _seats(loop: Loop):
    """Every seat of the loop, retired ones included, in session then seat order."""
    for session in loop.sessions:
        yield from sorted(session.seats, key=lambda seat: seat.id)


def _submitted(loop: Loop):
    """(seat, scorecard) for every submitted scorecard, in session order."""
    for seat in _seats(loop):
        if seat.scorecard is not None and seat.scorecard.is_submitted:
            yield seat, seat.scorecard


def _seat_in(seat) -> syn.SeatIn:
    """A seat as the rule of which scorecards are expected reads it."""
    return syn.SeatIn(
        held=bool(seat.interviewer_id) and seat.removed_at is None,
        submitted=seat.scorecard is not None and seat.scorecard.is_submitted,
        starts_at=seat.session.starts_at,
    )


def _level(rating) -> int | None:
    return None if rating.is_not_assessed else rating.level


def loop_synthesis(loop: Loop, sharing: SharingHistory | None = None) -> syn.Synthesis:
    """Synthesize the loop's submitted scorecards against its rubric version
    (``sharing``: the requisition's sharing history, when read already)."""
    version = loop.rubric_version
    levels = [syn.Level(lv.value, lv.label) for lv in version.levels]
    competencies = [
        syn.CompetencyInfo(c.key, c.name, c.weight, str(c.assessed_by), c.min_level)
        for c in version.competencies
    ]
    keys = _keys(loop)
    readable_since = panel_readers_since(loop, sharing)
    cards = [
        syn.ScorecardIn(
            id=card.id,
            interviewer=card.interviewer.name,
            discipline=str(seat.discipline),
            recommendation=card.overall_recommendation,
            ratings=tuple(
                syn.RatingIn(keys[r.competency_id], _level(r)) for r in card.ratings
            ),
            submitted_at=card.submitted_at,
            interview_ended_at=seat.session.ends_at,
            amended_at=card.amended_at,
            # The per-seat independence rule: when the author could first read
            # someone else's submitted scorecard (never their own submission).
            others_visible_from=readable_since(card.interviewer_id),
            replaced_at=seat.removed_at,
            session=seat.session.title,
        )
        for seat, card in _submitted(loop)
    ]
    expected = syn.count_expected(
        (_seat_in(s) for s in _seats(loop)), loop.closed_at, bool(loop.decisions)
    )
    distance = current_app.config["DEBRIEF_CONTRADICTION_DISTANCE"]
    return syn.synthesize(
        levels, competencies, cards, expected, contradiction_distance=distance
    )


def _label_lines(name: str) -> tuple[str, ...]:
    """A competency's name in lines for the chart: broken at spaces only (never
    inside "go-live"), a word longer than a line on a line of its own."""
    lines = textwrap.wrap(name, CHART_LABEL_WIDTH, break_on_hyphens=False)
    return tuple(lines) or (name,)


def bars(result: syn.Synthesis) -> list[Bar]:
    """The chart's bars, one per competency, in the rubric's order."""
    return [
        Bar(
            c.key,
            c.name,
            c.clinical.mean,
            c.technical.mean,
            _label_lines(c.name),
        )
        for c in result.competencies
    ]


def evidence_by_competency(loop: Loop) -> dict[str, list[dict]]:
    """Each competency's submitted ratings with their evidence, side by side."""
    found: dict[str, list[dict]] = {c.key: [] for c in loop.rubric_version.competencies}
    keys = _keys(loop)
    for seat, card in _submitted(loop):
        for r in card.ratings:
            found[keys[r.competency_id]].append(
                {
                    "interviewer": card.interviewer.name,
                    "discipline": str(seat.discipline),
                    "session": seat.session.title,
                    "level": _level(r),
                    "evidence": r.evidence,
                    "amended": bool(card.amendment_count),
                    "replaced_at": seat.removed_at,
                }
            )
    return found


PAGE_SIZES = {"a4": "A4", "letter": "letter"}


@dataclass(frozen=True)
class PanelRow:
    """One seat of the panel as the cover lists it, with its scorecard's state."""

    interviewer: str
    discipline: str
    session: str
    when: object  # datetime | None: the session's start
    status: str  # "submitted", "draft", "not started", "unfilled"
    submitted_at: object = None
    amendments: int = 0
    amended_at: object = None
    recommendation: int | None = None
    summary: str = ""
    # competency key -> level, None (not assessed); absent: not asked
    ratings: dict = field(default_factory=dict)
    # When the seat was given to someone else; its submitted scorecard still counts.
    replaced_at: object = None
    # The note on the interviewer's leniency across the rubric's loops, if any.
    note: str | None = None
    # The (start, end) its session had when a decision cancelled it (the loop page
    # reads the same: operations.cancelled_by_decision); None otherwise.
    cancelled: tuple | None = None
    # "decided" or "withdrawn" while the loop is closed; None while it is open.
    closed: str | None = None

    @property
    def not_held(self) -> bool:
        """Its session has no time and never will by itself: a decision cancelled it,
        or the loop closed before it had one (the debrief does not wait for it)."""
        return self.when is None and bool(self.cancelled or self.closed)


def _counts(seat) -> bool:
    """Active seats are listed; a retired one only when its submitted scorecard counts."""
    if seat.removed_at is None:
        return True
    return seat.scorecard is not None and seat.scorecard.is_submitted


def _panel_row(
    seat,
    keys: dict[int, str],
    notes: dict[int, str],
    cancelled: dict[int, tuple] | None = None,
    closed: str | None = None,
) -> PanelRow:
    card = seat.scorecard
    untimed = {
        "cancelled": (cancelled or {}).get(seat.session_id),
        "closed": closed,
    }
    if seat.interviewer is None:
        status = "unfilled"
    elif card is None:
        status = "not started"
    else:
        status = "submitted" if card.is_submitted else "draft"
    if status != "submitted":
        name = seat.interviewer.name if seat.interviewer else "—"
        return PanelRow(
            name,
            str(seat.discipline),
            seat.session.title,
            seat.session.starts_at,
            status,
            **untimed,
        )
    return PanelRow(
        interviewer=card.interviewer.name,
        discipline=str(seat.discipline),
        session=seat.session.title,
        when=seat.session.starts_at,
        status=status,
        submitted_at=card.submitted_at,
        amendments=card.amendment_count,
        amended_at=card.amended_at,
        recommendation=card.overall_recommendation,
        summary=card.summary,
        ratings={keys[r.competency_id]: _level(r) for r in card.ratings},
        replaced_at=seat.removed_at,
        note=notes.get(card.interviewer_id),
        **untimed,
    )


def panel_rows(loop: Loop, notes: dict[int, str] | None = None) -> list[PanelRow]:
    """Every active seat, and every replaced one whose submitted scorecard counts,
    in session order, with what its scorecard says and the note on its author
    (``notes``: interviewer id -> note, from ``across_loops``). A seat whose session
    a decision cancelled, or that had no time when the loop closed, says it was not
    held, as the loop page does (issue 14)."""
    keys = _keys(loop)
    # Only a decision cancels sessions: a loop never decided asks nothing more (its
    # decisions are loaded with it), so an export's statements stay the same.
    cancelled = cancelled_by_decision(loop) if loop.decisions else {}
    closed = (
        loop.status.value
        if loop.status in (LoopStatus.DECIDED, LoopStatus.WITHDRAWN)
        else None
    )
    return [
        _panel_row(seat, keys, notes or {}, cancelled, closed)
        for seat in _seats(loop)
        if _counts(seat)
    ]


def note_reader(user) -> int | None:
    """Whose notes a reader sees (module docstring): an interviewer their own (their
    id); anyone else who may read the debrief, every note (None)."""
    return user.id if user.role == Role.INTERVIEWER else None


def loop_dates(loop: Loop) -> tuple:
    """The first interview's start and the last one's end (None when unscheduled)."""
    starts = [s.starts_at for s in loop.sessions if s.starts_at]
    ends = [s.ends_at for s in loop.sessions if s.starts_at]
    return (min(starts), max(ends)) if starts else (None, None)


def page_size(name: str | None, default: str) -> str:
    """The CSS page size for a requested name; unknown names get the default."""
    return PAGE_SIZES.get((name or "").lower()) or PAGE_SIZES.get(default.lower(), "A4")


@dataclass(frozen=True)
class HistoryItem:
    """A decision, or a reopening of the loop that set the decision before it aside."""

    kind: str  # "decision" or "reopened"
    at: object  # datetime
    who: str
    outcome: str | None  # "hire", "no_hire", "hold" for decisions
    text: str  # the rationale, or the reason for reopening
    set_aside: bool = False  # a decision the loop was reopened after


def reopenings(loop_ids: list[int]) -> dict[int, list[AuditEntry]]:
    """The audit entries of each loop's reopenings, with their actors, in one
    statement however many loops (the subject access export reads many at once)."""
    found: dict[int, list[AuditEntry]] = {loop_id: [] for loop_id in loop_ids}
    if not found:
        return found
    entries = db.session.scalars(
        sa.select(AuditEntry)
        .where(
            AuditEntry.object_type == Loop.__tablename__,
            AuditEntry.object_id.in_(list(found)),
            AuditEntry.action == "loop.reopen",
        )
        .order_by(AuditEntry.id)
        .options(joinedload(AuditEntry.actor))
    )
    for entry in entries:
        found[entry.object_id].append(entry)
    return found


def decision_history(
    loop: Loop, reopened: list[AuditEntry] | None = None
) -> list[HistoryItem]:
    """Decisions and reopenings, oldest first: a reopened loop awaits a new decision
    (``reopened``: the loop's reopenings, when read already)."""
    items = [
        HistoryItem(
            "decision", d.decided_at, d.decided_by.name, str(d.outcome), d.rationale
        )
        for d in loop.decisions
    ]
    if reopened is None:
        reopened = reopenings([loop.id])[loop.id]
    items += [
        HistoryItem(
            "reopened",
            entry.at,
            entry.actor.name if entry.actor else "the command line",
            None,
            entry.reason or "",
        )
        for entry in reopened
    ]
    items.sort(key=lambda item: item.at)
    last_reopened = max((i.at for i in items if i.kind == "reopened"), default=None)
    return [
        replace(item, set_aside=True)
        if item.kind == "decision" and last_reopened and item.at < last_reopened
        else item
        for item in items
    ]


def packet_context(
    loop: Loop,
    *,
    only_interviewer: int | None = None,
    sharing: SharingHistory | None = None,
    reopened: list[AuditEntry] | None = None,
) -> dict:
    """What the print template needs besides the reader and the page settings;
    ``only_interviewer``: the reader is that interviewer (``note_reader``);
    ``sharing`` and ``reopened``: as read for many loops at once (``reopenings``,
    ``permissions.sharing_histories``), else each is read here."""
    result = loop_synthesis(loop, sharing)
    first, last = loop_dates(loop)
    found = across_loops(loop, only_interviewer=only_interviewer)
    return {
        "loop": loop,
        "result": result,
        "bars": bars(result),
        "evidence": evidence_by_competency(loop),
        "levels": loop.rubric_version.levels,
        "panel": panel_rows(loop, found.notes),
        "reliability": found.reliability,
        "history": decision_history(loop, reopened),
        "first_interview": first,
        "last_interview": last,
        "flags_by_competency": {
            c.key: [f for f in result.flags if f.competency == c.key]
            for c in loop.rubric_version.competencies
        },
    }
