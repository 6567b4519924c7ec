"""Who hears each competency: the coverage matrix of a loop, and its gaps. Pure.

A competency the rubric gives to both disciplines needs a clinical and a technical
interviewer, each seated on a session that covers it; a competency for one discipline
needs that one. A cell lists the seated interviewers of that discipline on sessions
covering the competency (trained or not: training is the proposal's concern, hearing
the candidate is what counts here). A required cell with nobody is a gap.
"""

from dataclasses import dataclass

DISCIPLINES = ("clinical", "technical")


@dataclass(frozen=True)
class Seat:
    session_id: int
    discipline: str
    interviewer: str | None  # None: the seat is still empty


@dataclass(frozen=True)
class Cell:
    required: bool
    interviewers: tuple[str, ...]

    @property
    def gap(self) -> bool:
        return self.required and not self.interviewers


@dataclass(frozen=True)
class Row:
    key: str
    name: str
    cells: dict[str, Cell]


def required_disciplines(assessed_by: str) -> tuple[str, ...]:
    return DISCIPLINES if assessed_by == "both" else (assessed_by,)


def coverage(
    competencies: list[tuple[str, str, str]],
    sessions: dict[int, tuple[str, ...]],
    seats: list[Seat],
) -> list[Row]:
    """Rows for (key, name, assessed_by) competencies, given each session's
    competency keys and the seats of the loop."""
    rows = []
    for key, name, assessed_by in competencies:
        covering = {sid for sid, keys in sessions.items() if key in keys}
        cells = {}
        for discipline in DISCIPLINES:
            names = tuple(
                dict.fromkeys(
                    s.interviewer
                    for s in seats
                    if s.session_id in covering
                    and s.discipline == discipline
                    and s.interviewer
                )
            )
            cells[discipline] = Cell(
                discipline in required_disciplines(assessed_by), names
            )
        rows.append(Row(key, name, cells))
    return rows


def gaps(rows: list[Row]) -> list[str]:
    """Say each gap in a sentence, e.g. "Clinical workflow understanding has no
    technical interviewer"."""
    return [
        f"{row.name} has no {discipline} interviewer"
        for row in rows
        for discipline, cell in row.cells.items()
        if cell.gap
    ]


@dataclass(frozen=True)
class PlanGap:
    """A competency a plan leaves without the interviewers its rubric asks for."""

    key: str
    name: str
    missing: tuple[str, ...]  # the disciplines no covering session has a seat for
    uncovered: bool  # no session covers it at all

    @property
    def sentence(self) -> str:
        if self.uncovered:
            return f"{self.name} (no session covers it)"
        return f"{self.name} (no {' or '.join(self.missing)} interviewer)"


def plan_gaps(
    competencies: list[tuple[str, str, str]],
    sessions: list[tuple[tuple[str, ...], int, int]],
) -> list[PlanGap]:
    """What a plan of (competency keys, clinical seats, technical seats) sessions
    leaves uncovered of the (key, name, assessed_by) competencies: a loop copying
    it would open with these gaps (review of issue 14: nobody was told)."""
    seats = [
        Seat(index, discipline, "seat")
        for index, (_keys, clinical, technical) in enumerate(sessions)
        for discipline, count in zip(DISCIPLINES, (clinical, technical), strict=True)
        if count and count > 0
    ]
    keys = {index: tuple(s[0]) for index, s in enumerate(sessions)}
    found = []
    for row in coverage(competencies, keys, seats):
        missing = tuple(d for d, cell in row.cells.items() if cell.gap)
        if missing:
            uncovered = not any(row.key in k for k in keys.values())
            found.append(PlanGap(row.key, row.name, missing, uncovered))
    return found


def plan_gaps_key(found: list[PlanGap]) -> str:
    """The gaps a confirmation covers, as its form carries them back."""
    return ",".join(f"{g.key}:{'+'.join(g.missing)}" for g in found)


def plan_gaps_sentence(found: list[PlanGap]) -> str:
    """The plan page's coverage line (plan.js writes the same as boxes change)."""
    if not found:
        return "Every competency of the rubric has the interviewers it needs."
    return "Not covered yet: " + "; ".join(g.sentence for g in found) + "."
