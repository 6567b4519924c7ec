"""The debrief as plain data: a loop's submitted scorecards fed to the pure synthesis,
plus what the page and the packet show beside the numbers (names, evidence, chart)."""

from dataclasses import dataclass

from ..models import Loop
from . import synthesis as syn


@dataclass(frozen=True)
class Bar:
    """One competency's clinical and technical means, placed on a chart."""

    name: str
    clinical: float | None
    technical: float | None


def _keys(loop: Loop) -> dict[int, str]:
    """Competency id to key, for the loop's rubric version."""
    return {c.id: c.key for c in loop.rubric_version.competencies}


def _submitted(loop: Loop):
    """(seat, scorecard) for every submitted scorecard, in session order."""
    for session in loop.sessions:
        for seat in session.seats:
            if seat.scorecard is not None and seat.scorecard.is_submitted:
                yield seat, seat.scorecard


def _level(rating) -> int | None:
    return None if rating.is_not_assessed else rating.level


def loop_synthesis(loop: Loop) -> syn.Synthesis:
    """Synthesize the loop's submitted scorecards against its rubric version."""
    version = loop.rubric_version
    levels = [syn.Level(lv.value, lv.label) for lv in version.levels]
    competencies = [
        syn.CompetencyInfo(c.key, c.name, c.weight, str(c.assessed_by), c.min_level)
        for c in version.competencies
    ]
    seats = [seat for session in loop.sessions for seat in session.seats]
    cards = []
    first_visible = None
    if loop.requisition.share_scores_after_submit:
        submitted = [
            s.scorecard.submitted_at
            for s in seats
            if s.scorecard and s.scorecard.submitted_at
        ]
        first_visible = min(submitted) if submitted else None
    keys = _keys(loop)
    for seat, card in _submitted(loop):
        cards.append(
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
                # Others' scorecards became visible to this author when they submitted
                # (sharing on) and someone had submitted before them or with them.
                others_visible_from=max(card.submitted_at, first_visible)
                if first_visible
                else None,
            )
        )
    expected = sum(1 for s in seats if s.interviewer_id and s.removed_at is None)
    return syn.synthesize(levels, competencies, cards, expected)


def bars(result: syn.Synthesis) -> list[Bar]:
    return [Bar(c.name, c.clinical.mean, c.technical.mean) for c in result.competencies]


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
                    "level": _level(r),
                    "evidence": r.evidence,
                    "amended": bool(card.amendment_count),
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
    submitted_at: object
    amendments: int
    amended_at: object
    recommendation: int | None
    summary: str
    ratings: dict  # competency key -> level, None (not assessed); absent: not asked


def panel_rows(loop: Loop) -> list[PanelRow]:
    """Every active seat of the loop, in session order, with what its scorecard says."""
    keys = _keys(loop)
    rows = []
    for session in loop.sessions:
        for seat in session.seats:
            if seat.removed_at is not None:
                continue
            card = seat.scorecard
            if seat.interviewer is None:
                status = "unfilled"
            elif card is None:
                status = "not started"
            else:
                status = "submitted" if card.is_submitted else "draft"
            submitted = status == "submitted"
            rows.append(
                PanelRow(
                    interviewer=seat.interviewer.name if seat.interviewer else "—",
                    discipline=str(seat.discipline),
                    session=session.title,
                    when=session.starts_at,
                    status=status,
                    submitted_at=card.submitted_at if submitted else None,
                    amendments=card.amendment_count if submitted else 0,
                    amended_at=card.amended_at if submitted else None,
                    recommendation=card.overall_recommendation if submitted else None,
                    summary=card.summary if submitted else "",
                    ratings={keys[r.competency_id]: _level(r) for r in card.ratings}
                    if submitted
                    else {},
                )
            )
    return rows


def loop_dates(loop: Loop) -> tuple:
    """The first interview's start and the last one's end (None when unscheduled)."""
    starts = [s.starts_at for s in loop.sessions if s.starts_at]
    ends = [s.ends_at for s in loop.sessions if s.starts_at]
    return (min(starts), max(ends)) if starts else (None, None)


def page_size(name: str | None, default: str) -> str:
    """The CSS page size for a requested name; unknown names get the default."""
    return PAGE_SIZES.get((name or "").lower()) or PAGE_SIZES.get(default.lower(), "A4")


def packet_context(loop: Loop) -> dict:
    """What the print template needs besides the reader and the page settings."""
    result = loop_synthesis(loop)
    first, last = loop_dates(loop)
    return {
        "loop": loop,
        "result": result,
        "bars": bars(result),
        "evidence": evidence_by_competency(loop),
        "levels": loop.rubric_version.levels,
        "panel": panel_rows(loop),
        "first_interview": first,
        "last_interview": last,
        "flags_by_competency": {
            c.key: [f for f in result.flags if f.competency == c.key]
            for c in loop.rubric_version.competencies
        },
    }
