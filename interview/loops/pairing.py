"""Panel pairing: who sits in which session of a cross-functional interview loop.

``propose_panel`` takes the sessions of one candidate's loop, the competencies of the
loop's rubric, the interviewer pool and any assignments a person already made, and
proposes who fills every remaining seat, with a one-sentence reason for each choice.
When no valid panel exists it says which rule cannot be met and why, in plain words,
with times in UTC. Pure: no Flask, no database, no I/O; standard library only.

Rules of a valid panel (hard)
-----------------------------
1. Seats: each session gets exactly ``clinical_seats`` clinical and ``technical_seats``
   technical interviewers, each of that discipline; nobody sits twice in one session.
2. Coverage: for every competency key in any session, and each discipline its
   ``assessed_by`` asks for ("both" means clinical and technical), some session
   covering that competency seats an interviewer of that discipline trained on it.
   A seated interviewer counts only for the competencies of their own session.
3. Pairing: a session with clinical and technical seats seats at least one of each.
4. No double booking: an interviewer's sessions in this loop never overlap each other
   nor their ``busy`` times, as half-open intervals [start, end): a session 10:00-11:00
   and one 11:00-12:00 do not overlap. Unscheduled sessions (``starts_at`` None) are
   exempt from the time rules (4 and 5).
5. Weekly load: in every ISO week (Monday to Sunday, UTC) in which an interviewer has a
   session of this loop, their busy items starting that week, their ``week_load``
   for that week and their sessions of this loop starting that week are at most
   ``weekly_limit``.
6. Conflicts: a member with a ``conflict`` is never seated.

Assignments already made (``existing``) are kept as they are, checked against the same
rules (each broken rule is a problem naming the person), counted for load and time,
and only the remaining seats are filled.

Soft goals, in order
--------------------
1. Nobody sits twice in one loop where the pool allows it: an interviewer with two
   seats on one loop reads the candidate twice and weighs twice in the debrief. The
   panel's *repeats* are, over every person, their seats in this loop (assignments
   already made included) minus one; among valid panels the proposer returns one with
   the fewest repeats. Whenever a repeat remains, ``Proposal.notes`` says so in plain
   words: who sits on which sessions and why nobody else could take the seat (too few
   interviewers of that discipline free for the loop's seats; nobody else free then,
   for conflict, busy time or weekly limit; the others free then already on the loop;
   or nobody else free then trained on a competency only that person covers).
2. Spread load evenly. Among the valid candidates for a seat the search tries first
   whoever is not yet on this loop, then the lowest load in the session's week, then
   the fewest seats in this loop, then the most of the session's not-yet-covered
   competencies they are trained on, then the lowest id, so the result is
   deterministic. In a large pool the candidates are first the shortlisted ones
   (step 0): someone trained on several competencies but later in each of their
   lists than the list's length may be passed over for people trained on one each,
   at the same load.

What is guaranteed about repeats: unless the step budget runs out (step 5 of the
algorithm), a valid panel has the fewest repeats of any valid panel; in particular a
panel without repeats is found whenever one exists. If the repeat-minimising searches
run out of steps, the panel has the fewest repeats found, no seat the proposer filled
with a repeat could go to someone not yet on the loop without breaking a rule, and a
note says the search stopped. Notes are given for valid panels only.

Algorithm
---------
0. Shortlist. A hospital's pool is thousands of people, and every step below looks at
   each of them. The search first runs on a shortlist (``shortlist``): per session
   and discipline, the people free for its seats with the lightest loads that week,
   and the lightest trained on each competency the seats could cover, more of each
   than the loop has open seats of that discipline; plus everyone already on the
   loop. A valid panel without repeats found there is the answer, and its reasons
   hold for the whole pool (nobody left out has a lighter week). So is, on a loop
   whose assignments already made break a rule (no panel of it is valid, whoever
   fills the rest), one whose only problems are those and whose open seats are all
   filled with nobody seated twice. Otherwise steps 1-5 run again on the whole
   pool, so the guarantees above hold as stated.
1. Precompute, per session and discipline (a "seat group" with k open seats), the
   static candidates: right discipline, no conflict, not already seated there, and for
   a scheduled session free of their busy times and existing sessions and under their
   weekly limit counting busy items and existing assignments. A group with fewer than k
   candidates, and a competency/discipline that no candidate could ever cover, are
   reported at once with the reason (untrained, conflict, busy, over weekly limit).
2. Depth-first search with forward checking. Each step picks the open group with the
   fewest candidates left (most constrained first), where a group that is the last
   place an uncovered competency can still be covered, with one seat left, only keeps
   candidates trained on it. Candidates are tried in the preference order above.
   Placing someone removes them from the groups they can no longer sit in (same
   session, overlapping sessions, weekly limit reached). A branch is cut as soon as a
   group has fewer candidates than open seats, an uncovered competency has no group
   left that could cover it, or a counting bound fails: sessions that all overlap each
   other need as many different people as they have open seats of a discipline; the
   sessions of one week need that many interviews left under weekly limits; the open
   seats must be able to cover the uncovered competencies, each seat at most as many
   of its session's as its best-trained candidate knows. A candidate that failed for
   a group is not tried again for the same group's other seats in that branch (the
   seats are interchangeable).
3. Every placement costs a step from a budget (``step_budget``). If it runs out, the
   best partial panel found (most seats filled) is completed greedily (most
   constrained seat first, preferred candidate, no going back) and returned with a
   problem saying so, unless that completion happens to be valid.
4. If no panel exists, the search is repeated without coverage to see whether the seats
   alone can be filled. If not, a smallest set of seat groups that cannot be filled
   together is found (by dropping groups while it stays impossible) and described,
   and the seats that can be filled are filled greedily. If they can, competencies are
   added one at a time, keeping each that can still be covered (a maximal coverable
   set); the panel that covers them is returned and every competency left out is
   explained, naming the competency it clashes with where one does. These diagnostic
   searches share a second budget of the same size.
5. Fewer repeats. When the panel found is valid and has more repeats than a lower
   bound (per discipline, the open seats minus the people not yet on the loop free
   for any of them; per seat group, its open seats minus such people free for it),
   the search is run again allowing one repeat fewer than the best panel so far,
   until it proves no better panel exists. This search counts repeats as it places
   people: once none are left to spend, everyone already on the loop leaves every
   candidate list, and a branch is cut when the lower bound above exceeds the repeats
   left. These searches share a budget of ``step_budget`` steps of their own; if it
   runs out, each seat the proposer filled with a repeat is handed, where one exists,
   to someone not yet on the loop who is free for it and trained on what only the
   repeated person covered.

The explanations are worked out for the panel returned, replaying its placements in
the order made, and count loads before the seat in question: "has the lightest load
that week (1 of 4 so far)" means one interview that week already, out of a limit of
four; "of those not yet on this loop" means someone already on it had a lighter one.
"""

import collections
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from ..timeutil import DAY_NAMES, MONTH_NAMES

Discipline = Literal["clinical", "technical"]
DISCIPLINES: tuple[Discipline, Discipline] = ("clinical", "technical")
DEFAULT_STEP_BUDGET = 10_000

_NAMES_SHOWN = 4  # name people in a message up to this many, else give counts


@dataclass(frozen=True)
class CompetencyNeed:
    key: str
    name: str
    assessed_by: Literal["clinical", "technical", "both"]


@dataclass(frozen=True)
class SessionNeed:
    id: int
    title: str
    starts_at: datetime | None  # None = not scheduled yet (no time rules apply)
    duration_minutes: int
    competencies: tuple[str, ...]  # competency keys covered in this session
    clinical_seats: int  # how many clinical interviewers this session needs
    technical_seats: int


@dataclass(frozen=True)
class Busy:
    start: datetime
    end: datetime
    label: str = ""  # e.g. "Loop 12: Systems design"


@dataclass(frozen=True)
class PoolMember:
    id: int
    name: str
    discipline: Discipline
    trained: frozenset[str]  # competency keys they are trained to assess
    weekly_limit: int  # max interviews per ISO week (Mon-Sun, UTC)
    busy: tuple[Busy, ...] = ()  # their other interviews (count toward weekly load too)
    conflict: str | None = None  # e.g. "referred the candidate": never seat them
    # More of their other interviews, not in ``busy``, as ((ISO year, week), count):
    # they count toward the weekly load only (a caller need not list thousands of
    # interviews that cannot clash with the loop's sessions).
    week_load: tuple[tuple[tuple[int, int], int], ...] = ()


@dataclass(frozen=True)
class Assignment:
    session_id: int
    interviewer_id: int
    discipline: Discipline
    reason: str  # one plain sentence explaining the choice


@dataclass(frozen=True)
class Proposal:
    assignments: tuple[Assignment, ...]
    problems: tuple[str, ...]  # empty when the panel is valid
    # Of a valid panel: who sits on more than one session of the loop, and why.
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def propose_panel(
    sessions: Sequence[SessionNeed],
    competencies: Sequence[CompetencyNeed],
    pool: Sequence[PoolMember],
    existing: Sequence[Assignment] = (),
    *,
    step_budget: int = DEFAULT_STEP_BUDGET,
    shortlisted: bool = True,
) -> Proposal:
    """Fill the open seats of a loop's sessions; see the module docstring for the rules.
    ``shortlisted=False`` skips step 0 (``propose_from_lightest`` said it holds no
    answer).

    Raises ValueError for malformed input (naive datetimes, duplicate ids, negative
    seats, non-positive durations, busy items ending before they start).
    """
    few = shortlist(sessions, competencies, pool, existing) if shortlisted else None
    if few is not None:
        proposal = _from_shortlist(sessions, competencies, few, existing, step_budget)
        if proposal is not None:
            return proposal
    return _propose(sessions, competencies, pool, existing, step_budget)


def _from_shortlist(
    sessions: Sequence[SessionNeed],
    competencies: Sequence[CompetencyNeed],
    few: Sequence[PoolMember],
    existing: Sequence[Assignment],
    step_budget: int,
) -> Proposal | None:
    """The shortlist's proposal where the whole pool's could be no better, else None:
    a valid panel without repeats; or, on a loop whose assignments already made break
    a rule (the whole pool's proposal reports those too), its open seats all filled
    by the rules with nobody seated twice."""
    loop = _Loop(sessions, competencies, few, existing)
    proposal = _propose_for(loop, existing, step_budget)
    if proposal.ok:
        return None if proposal.notes else proposal
    if loop.input_problems or proposal.problems != tuple(loop.existing_problems):
        return None
    if any(a.session_id not in loop.session_index for a in existing):
        return None  # named as the whole pool would name them only when on a session
    seats = collections.Counter(a.interviewer_id for a in proposal.assignments)
    added = proposal.assignments[len(existing) :]
    return proposal if all(seats[a.interviewer_id] == 1 for a in added) else None


def _propose(
    sessions: Sequence[SessionNeed],
    competencies: Sequence[CompetencyNeed],
    pool: Sequence[PoolMember],
    existing: Sequence[Assignment],
    step_budget: int,
) -> Proposal:
    return _propose_for(
        _Loop(sessions, competencies, pool, existing), existing, step_budget
    )


def _propose_for(
    loop: "_Loop", existing: Sequence[Assignment], step_budget: int
) -> Proposal:
    problems = list(loop.input_problems) + list(loop.existing_problems)
    problems += loop.seat_problems + loop.coverage_problems
    main_budget = _Budget(step_budget)
    diag_budget = _Budget(step_budget)
    required = loop.searchable_reqs
    targets = loop.targets

    result = _Search(loop, targets, required, main_budget).run()
    stopped = False
    if result.status == "found":
        placements = result.placements
        if not problems:
            placements, stopped = _fewer_repeats(
                loop, targets, required, placements, _Budget(step_budget)
            )
    elif result.status == "budget":
        placements = _Search(loop, targets, [], main_budget).fill_greedily(
            result.placements
        )
        message = _budget_message(loop, step_budget, placements, targets, required)
        problems += [message] if message else []
    else:
        placements, more = _diagnose(loop, targets, required, diag_budget, step_budget)
        problems += more

    reasons = _explain(loop, targets, placements)
    assignments = list(existing) + [
        Assignment(
            session_id=loop.sessions[loop.group_session[g]].id,
            interviewer_id=loop.members[k].id,
            discipline=loop.group_discipline[g],
            reason=reason,
        )
        for (k, g, _), reason in sorted(
            zip(placements, reasons, strict=True),
            key=lambda p: (loop.group_session[p[0][1]], p[0][1] % 2),
        )
    ]
    problems += _unpaired(loop, assignments)
    notes: list[str] = []
    if not problems:
        # Belt and braces: a panel reported as valid must pass every hard rule.
        problems = _violations(loop, assignments)
    if not problems:
        notes = _repeat_notes(loop, placements, step_budget if stopped else None)
    return Proposal(
        assignments=tuple(assignments), problems=tuple(problems), notes=tuple(notes)
    )


# --------------------------------------------------------------------------- wording


def _utc(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError(f"{what} must be a timezone-aware datetime")
    return moment.astimezone(UTC)


def _day(moment: datetime) -> str:
    return f"{DAY_NAMES[moment.weekday()]} {moment.day} {MONTH_NAMES[moment.month - 1]} {moment.year}"


def _span(start: datetime, end: datetime) -> str:
    """Like "Tue 3 Mar 2026 10:00-11:00 UTC"."""
    if start.date() == end.date() or end == datetime.combine(
        start.date() + timedelta(days=1), datetime.min.time(), UTC
    ):
        return f"{_day(start)} {start:%H:%M}-{end:%H:%M} UTC"
    return f"{_day(start)} {start:%H:%M}-{_day(end)} {end:%H:%M} UTC"


def _week_of(week: tuple[int, int]) -> str:
    monday = datetime.fromisocalendar(week[0], week[1], 1)
    return f"the week of {_day(monday)}"


def _mid(name: str) -> str:
    """A name as it reads mid-sentence: "Interoperability design" -> "interoperability
    design", but acronyms stay ("FHIR resources")."""
    if len(name) > 1 and name[0].isupper() and not name[1].isupper():
        return name[0].lower() + name[1:]
    return name


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def _is_are(n: int) -> str:
    return "is" if n == 1 else "are"


def _calendar(
    m: PoolMember,
) -> tuple[list[tuple[datetime, datetime, str]], dict[tuple[int, int], int]]:
    """A member's busy items in UTC, and their interviews elsewhere by ISO week (busy
    items and ``week_load`` together); raises ValueError for a malformed member."""
    if m.discipline not in DISCIPLINES:
        raise ValueError(f"interviewer {m.id} has unknown discipline {m.discipline!r}")
    spans = []
    weeks: dict[tuple[int, int], int] = {}
    for b in m.busy:
        start = _utc(b.start, f"busy start of interviewer {m.id}")
        end = _utc(b.end, f"busy end of interviewer {m.id}")
        if end < start:
            raise ValueError(f"busy item of interviewer {m.id} ends before it starts")
        spans.append((start, end, b.label))
        week = tuple(start.isocalendar())[:2]
        weeks[week] = weeks.get(week, 0) + 1
    for week, count in m.week_load:
        if count < 0:
            raise ValueError(f"negative week load of interviewer {m.id}")
        weeks[week] = weeks.get(week, 0) + count
    return spans, weeks


# --------------------------------------------------------------------------- shortlist

# How many more people than the loop's open seats of a discipline each list of a
# shortlist keeps (see ``shortlist``).
SHORTLIST_MARGIN = 4

# What propose_from_lightest asks for when the people given do not answer.
MORE_PEOPLE = "more people"
SHORTLIST_FAILED = "shortlist failed"


def shortlist(
    sessions: Sequence[SessionNeed],
    competencies: Sequence[CompetencyNeed],
    pool: Sequence[PoolMember],
    existing: Sequence[Assignment] = (),
) -> list[PoolMember] | None:
    """The few of a large pool the search looks among first (step 0 of the algorithm),
    in pool order, or None when that would be the whole pool."""
    kept = _shortlisted(sessions, competencies, pool, existing, None)
    if kept is None or len(kept) == len(pool):
        return None
    return [m for k, m in enumerate(pool) if k in kept]


def propose_from_lightest(
    sessions: Sequence[SessionNeed],
    competencies: Sequence[CompetencyNeed],
    lightest: Sequence[PoolMember],
    existing: Sequence[Assignment],
    horizon: int,
    *,
    step_budget: int = DEFAULT_STEP_BUDGET,
) -> Proposal | str:
    """``propose_panel``'s answer without the whole pool, when its shortlist can be
    drawn from the people given and holds it. Otherwise what to ask ``propose_panel``
    with the whole pool: ``MORE_PEOPLE`` (the shortlist needs people past the
    horizon) or ``SHORTLIST_FAILED`` (the whole pool's shortlist is this one, which
    holds no valid panel without repeats: pass ``shortlisted=False``).

    ``lightest`` holds, for each discipline and each ISO week of the sessions (the
    order of ids, for an unscheduled session), the first ``horizon`` people of the
    pool in order of their load that week (busy items, ``week_load`` and seats on
    this loop), then id; and everyone already on the loop. A caller can thus read a
    few hundred people's details instead of a hospital's thousands: the answer is
    the one the whole pool would give whenever the shortlist's lists fill within the
    horizon, and the shortlist gives a valid panel without repeats."""
    kept = _shortlisted(sessions, competencies, lightest, existing, horizon)
    if kept is None:
        return MORE_PEOPLE
    few = [m for k, m in enumerate(lightest) if k in kept]
    proposal = _from_shortlist(sessions, competencies, few, existing, step_budget)
    return SHORTLIST_FAILED if proposal is None else proposal


def _shortlisted(
    sessions: Sequence[SessionNeed],
    competencies: Sequence[CompetencyNeed],
    pool: Sequence[PoolMember],
    existing: Sequence[Assignment],
    horizon: int | None,
) -> set[int] | None:
    """The shortlist, as indexes into ``pool``; None when a list would need someone
    past the ``horizon`` (see ``propose_from_lightest``).

    For each session's open seats of a discipline, two kinds of list of the people free
    for them (static rules, as step 1) and not yet on the loop, in order of their load
    in the session's week, then id: the first ones, and for each competency the seats
    could cover, the first ones trained on it. Each list holds SHORTLIST_MARGIN more
    people than the loop's open seats of that discipline, and everyone already on the
    loop is kept. So whenever a reason says someone has the lightest load that week,
    nobody in the pool free for the seat has a lighter one: a placement raises only the
    placed person's load, fewer people are placed than a list holds, and nobody left
    out is lighter than its last."""
    index = {s.id: i for i, s in enumerate(sessions)}
    times: list[tuple[datetime, datetime, tuple[int, int]] | None] = []
    for s in sessions:
        if s.starts_at is None:
            times.append(None)
        else:
            start = _utc(s.starts_at, f"session {s.id} starts_at")
            end = start + timedelta(minutes=s.duration_minutes)
            times.append((start, end, tuple(start.isocalendar())[:2]))
    on_loop: dict[int, set[int]] = {}  # interviewer id -> their sessions (indexes)
    taken: dict[tuple[int, str], int] = {}
    for a in existing:
        i = index.get(a.session_id)
        if i is not None:
            on_loop.setdefault(a.interviewer_id, set()).add(i)
            taken[i, a.discipline] = taken.get((i, a.discipline), 0) + 1
    open_seats = {
        (i, d): max(0, (s.clinical_seats if d == "clinical" else s.technical_seats)
                    - taken.get((i, d), 0))
        for i, s in enumerate(sessions)
        for d in DISCIPLINES
    }  # fmt: skip
    size = {
        d: sum(n for (_, e), n in open_seats.items() if e == d) + SHORTLIST_MARGIN
        for d in DISCIPLINES
    }
    sides = {
        c.key: DISCIPLINES if c.assessed_by == "both" else (c.assessed_by,)
        for c in competencies
    }
    seen: set[int] = set()
    loads: list[dict[tuple[int, int], int]] = []
    spans: list[list[tuple[datetime, datetime, str]]] = []
    for m in pool:
        if m.id in seen:
            raise ValueError(f"duplicate interviewer id {m.id}")
        seen.add(m.id)
        busy, weeks = _calendar(m)
        for i in on_loop.get(m.id, ()):
            if times[i] is not None:
                weeks[times[i][2]] = weeks.get(times[i][2], 0) + 1
        spans.append(busy)
        loads.append(weeks)

    def free(k: int, i: int) -> bool:
        m = pool[k]
        if m.conflict or m.id in on_loop:
            return False
        if times[i] is None:
            return True
        start, end, week = times[i]
        return loads[k].get(week, 0) < m.weekly_limit and not any(
            b0 < end and start < b1 for b0, b1, _ in spans[k]
        )

    kept = {k for k, m in enumerate(pool) if m.id in on_loop}
    ranked: dict[tuple, list[int]] = {}
    for (i, d), seats in open_seats.items():
        if not seats:
            continue
        week = times[i][2] if times[i] is not None else None
        if (d, week) not in ranked:
            ranked[d, week] = sorted(
                (k for k, m in enumerate(pool) if m.discipline == d),
                key=lambda k: (loads[k].get(week, 0), pool[k].id),
            )
        keys = [
            key
            for key in dict.fromkeys(sessions[i].competencies)
            if d in sides.get(key, ())
        ]
        wanted = {None: size[d], **{key: size[d] for key in keys}}
        for position, k in enumerate(ranked[d, week]):
            if position == horizon:
                return None  # whoever comes next in the whole pool is not given
            if not free(k, i):
                continue
            for key in [None, *keys]:
                if wanted[key] and (key is None or key in pool[k].trained):
                    wanted[key] -= 1
                    kept.add(k)
            if not any(wanted.values()):
                break
        else:
            if horizon is not None and len(ranked[d, week]) >= horizon:
                return None  # the lists wanted more: the next one is not given
    return kept


# --------------------------------------------------------------------------- the loop


class _Budget:
    def __init__(self, steps: int) -> None:
        self.left = steps


class _OutOfSteps(Exception):
    pass


class _Loop:
    """Everything about one call that does not change during the search.

    Sessions, members and requirements are referred to by index; a requirement
    ``r`` is a (competency key, discipline) pair; a seat group ``g = 2 * i + d`` is
    session ``i``'s seats of discipline ``DISCIPLINES[d]``.
    """

    def __init__(
        self,
        sessions: Sequence[SessionNeed],
        competencies: Sequence[CompetencyNeed],
        pool: Sequence[PoolMember],
        existing: Sequence[Assignment],
    ) -> None:
        self.sessions = tuple(sessions)
        self.members = tuple(pool)
        self.input_problems: list[str] = []
        self._read_sessions()
        self._read_pool()
        self._read_competencies(competencies)
        self._read_existing(existing)
        self._make_groups()
        self._check_seats()
        self._check_coverage()

    # ----------------------------------------------------------------- reading input

    def _read_sessions(self) -> None:
        self.session_index: dict[int, int] = {}
        self.start: list[datetime | None] = []
        self.end: list[datetime | None] = []
        self.week: list[tuple[int, int] | None] = []
        for i, s in enumerate(self.sessions):
            if s.id in self.session_index:
                raise ValueError(f"duplicate session id {s.id}")
            if s.clinical_seats < 0 or s.technical_seats < 0:
                raise ValueError(f"session {s.id} has a negative number of seats")
            if s.duration_minutes <= 0:
                raise ValueError(f"session {s.id} must last at least a minute")
            self.session_index[s.id] = i
            if s.starts_at is None:
                self.start.append(None)
                self.end.append(None)
                self.week.append(None)
            else:
                start = _utc(s.starts_at, f"session {s.id} starts_at")
                self.start.append(start)
                self.end.append(start + timedelta(minutes=s.duration_minutes))
                self.week.append(tuple(start.isocalendar())[:2])
        n = len(self.sessions)
        self.overlap = [[False] * n for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                a0, a1, b0, b1 = self.start[i], self.end[i], self.start[j], self.end[j]
                if a0 is not None and b0 is not None and a0 < b1 and b0 < a1:
                    self.overlap[i][j] = self.overlap[j][i] = True

    def _read_pool(self) -> None:
        self.member_index: dict[int, int] = {}
        self.busy: list[list[tuple[datetime, datetime, str]]] = []
        self.busy_week: list[dict[tuple[int, int], int]] = []
        for k, m in enumerate(self.members):
            if m.id in self.member_index:
                raise ValueError(f"duplicate interviewer id {m.id}")
            self.member_index[m.id] = k
            spans, weeks = _calendar(m)
            self.busy.append(spans)
            self.busy_week.append(weeks)

    def _read_competencies(self, competencies: Sequence[CompetencyNeed]) -> None:
        self.comp_name: dict[str, str] = {}
        for c in competencies:
            if c.key in self.comp_name:
                raise ValueError(f"duplicate competency key {c.key!r}")
            if c.assessed_by not in ("clinical", "technical", "both"):
                raise ValueError(f"competency {c.key!r} has unknown assessed_by")
            self.comp_name[c.key] = c.name
        used = {key for s in self.sessions for key in s.competencies}
        self.reqs: list[tuple[str, Discipline]] = []
        for c in competencies:
            if c.key not in used:
                continue
            sides = DISCIPLINES if c.assessed_by == "both" else (c.assessed_by,)
            self.reqs.extend((c.key, d) for d in sides)
        self.req_index = {r: n for n, r in enumerate(self.reqs)}
        for s in self.sessions:
            for key in dict.fromkeys(s.competencies):
                if key not in self.comp_name:
                    self.input_problems.append(
                        f"Session '{s.title}' covers competency '{key}', "
                        "which is not in this loop's rubric."
                    )
        self.req_trained: list[frozenset[int]] = [
            frozenset(
                k
                for k, m in enumerate(self.members)
                if m.discipline == d and key in m.trained
            )
            for key, d in self.reqs
        ]

    def _read_existing(self, existing: Sequence[Assignment]) -> None:
        n_s, n_m = len(self.sessions), len(self.members)
        self.ex_in_session: list[set[int]] = [set() for _ in range(n_s)]
        # Who takes each (session, seat discipline), by name: an assignment kept as it
        # is takes its seat even when it breaks a rule (unknown person, twice seated).
        self.ex_seats: dict[tuple[int, str], list[str]] = {}
        self.ex_sessions: list[list[int]] = [[] for _ in range(n_m)]
        self.covered_existing: set[int] = set()
        problems: list[str] = []
        for a in existing:
            i = self.session_index.get(a.session_id)
            k = self.member_index.get(a.interviewer_id)
            if i is None:
                who = (
                    self.members[k].name
                    if k is not None
                    else f"Interviewer {a.interviewer_id}"
                )
                problems.append(
                    f"The existing assignment of {who} refers to session {a.session_id}, "
                    "which is not part of this loop."
                )
                continue
            s = self.sessions[i]
            if k is None:
                self.ex_seats.setdefault((i, a.discipline), []).append(
                    f"interviewer {a.interviewer_id}"
                )
                problems.append(
                    f"The existing assignment to session '{s.title}' names interviewer "
                    f"{a.interviewer_id}, who is not in the interviewer pool."
                )
                continue
            m = self.members[k]
            self.ex_seats.setdefault((i, a.discipline), []).append(m.name)
            if k in self.ex_in_session[i]:
                problems.append(
                    f"{m.name} is assigned to session '{s.title}' more than once."
                )
                continue
            self.ex_in_session[i].add(k)
            self.ex_sessions[k].append(i)
            if a.discipline != m.discipline:
                problems.append(
                    f"{m.name} is seated as a {a.discipline} interviewer in session "
                    f"'{s.title}' but is a {m.discipline} interviewer."
                )
            if m.conflict:
                problems.append(
                    f"{m.name} is seated in session '{s.title}' but has a conflict "
                    f"({m.conflict}) and must not be seated."
                )
            if self.start[i] is not None:
                for b0, b1, label in self.busy[k]:
                    if b0 < self.end[i] and self.start[i] < b1:
                        other = f" '{label}'" if label else ""
                        problems.append(
                            f"{m.name} is double-booked: session '{s.title}' "
                            f"({self._when(i)}) overlaps their other interview{other} "
                            f"({_span(b0, b1)})."
                        )
            for key in s.competencies:
                r = self.req_index.get((key, m.discipline))
                if r is not None and key in m.trained:
                    self.covered_existing.add(r)
        for (i, d), taken in self.ex_seats.items():
            seats = self._seats(i, d)
            names = list(dict.fromkeys(taken))
            if len(names) > seats:
                problems.append(
                    f"Session '{self.sessions[i].title}' has {_count(seats, d + ' seat')} but "
                    f"{_count(len(names), d + ' interviewer')} {_is_are(len(names))} already "
                    f"assigned to it ({_join(names)})."
                )
        self.ex_count = [len(x) for x in self.ex_sessions]
        self.static_load: list[dict[tuple[int, int], int]] = []
        for k, mine in enumerate(self.ex_sessions):
            m = self.members[k]
            for n, i in enumerate(mine):
                for j in mine[n + 1 :]:
                    if self.overlap[i][j]:
                        problems.append(
                            f"{m.name} is double-booked: sessions '{self.sessions[i].title}' "
                            f"({self._when(i)}) and '{self.sessions[j].title}' "
                            f"({self._when(j)}) overlap."
                        )
            load = dict(self.busy_week[k])
            loop_weeks = []
            for i in mine:
                if self.week[i] is not None:
                    load[self.week[i]] = load.get(self.week[i], 0) + 1
                    loop_weeks.append(self.week[i])
            for week in sorted(set(loop_weeks)):
                if load[week] > m.weekly_limit:
                    problems.append(
                        f"{m.name} is over their weekly limit in {_week_of(week)}: "
                        f"{_count(load[week], 'interview')} against a limit of "
                        f"{m.weekly_limit}."
                    )
            self.static_load.append(load)
        self.existing_problems = problems

    # ----------------------------------------------------------------- seat groups

    def _seats(self, i: int, d: str) -> int:
        s = self.sessions[i]
        return s.clinical_seats if d == "clinical" else s.technical_seats

    def _when(self, i: int) -> str:
        if self.start[i] is None:
            return "not scheduled"
        return _span(self.start[i], self.end[i])

    def _make_groups(self) -> None:
        n_s = len(self.sessions)
        self.group_session = [g // 2 for g in range(2 * n_s)]
        self.group_discipline: list[Discipline] = [
            DISCIPLINES[g % 2] for g in range(2 * n_s)
        ]
        self.open_seats = [
            max(
                0,
                self._seats(g // 2, DISCIPLINES[g % 2])
                - len(self.ex_seats.get((g // 2, DISCIPLINES[g % 2]), ())),
            )
            for g in range(2 * n_s)
        ]
        # Why each member of the group's discipline cannot sit there, or None if they can.
        self.why_not: list[dict[int, tuple]] = []
        self.static_domain: list[frozenset[int]] = []
        by_discipline = {
            d: [k for k, m in enumerate(self.members) if m.discipline == d]
            for d in DISCIPLINES
        }
        for g in range(2 * n_s):
            i, d = self.group_session[g], self.group_discipline[g]
            why: dict[int, tuple] = {}
            if self.open_seats[g] > 0 or self._seats(i, d) > 0:
                for k in by_discipline[d]:
                    why[k] = self._why_not(k, i)
            self.why_not.append(why)
            self.static_domain.append(
                frozenset(k for k, reason in why.items() if reason is None)
                if self.open_seats[g] > 0
                else frozenset()
            )
        self.group_reqs: list[tuple[int, ...]] = []
        for g in range(2 * n_s):
            s, d = self.sessions[g // 2], self.group_discipline[g]
            rs = [self.req_index.get((key, d)) for key in dict.fromkeys(s.competencies)]
            self.group_reqs.append(tuple(r for r in rs if r is not None))
        self.cover_groups: list[list[int]] = [[] for _ in self.reqs]
        for g in range(2 * n_s):
            for r in self.group_reqs[g]:
                self.cover_groups[r].append(g)
        # The most of a group's competencies one of its candidates is trained on.
        self.max_trained = [
            max(
                (
                    sum(1 for r in self.group_reqs[g] if k in self.req_trained[r])
                    for k in dom
                ),
                default=0,
            )
            for g, dom in enumerate(self.static_domain)
        ]
        # Groups that compete for the same people: the same discipline in sessions that
        # all overlap each other (everyone at one session's start: a clique of the
        # interval graph), and the same discipline in one ISO week.
        cliques: set[tuple[int, ...]] = set()
        for i in range(n_s):
            if self.start[i] is not None:
                cliques.add(
                    tuple(
                        j
                        for j in range(n_s)
                        if self.start[j] is not None
                        and self.start[j] <= self.start[i] < self.end[j]
                    )
                )
        weeks: dict[tuple[int, int], list[int]] = {}
        for i in range(n_s):
            if self.week[i] is not None:
                weeks.setdefault(self.week[i], []).append(i)
        self.clique_groups = [
            [2 * i + d for i in clique]
            for clique in sorted(cliques)
            if len(clique) > 1
            for d in (0, 1)
        ]
        self.week_groups = [
            (week, [2 * i + d for i in found])
            for week, found in sorted(weeks.items())
            if len(found) > 1
            for d in (0, 1)
        ]

    def _why_not(self, k: int, i: int) -> tuple | None:
        m = self.members[k]
        if m.conflict:
            return ("conflict", m.conflict)
        if k in self.ex_in_session[i]:
            return ("seated",)
        if self.start[i] is None:
            return None
        start, end = self.start[i], self.end[i]
        for b0, b1, label in self.busy[k]:
            if b0 < end and start < b1:
                return ("busy", label)
        for j in self.ex_sessions[k]:
            if self.overlap[i][j]:
                return ("loop", j)
        load = self.static_load[k].get(self.week[i], 0)
        if load >= m.weekly_limit:
            return ("load", load)
        return None

    def _check_seats(self) -> None:
        self.seat_problems: list[str] = []
        self.targets = list(self.open_seats)
        for g, need in enumerate(self.open_seats):
            have = len(self.static_domain[g])
            if have >= need:
                continue
            self.targets[g] = have  # fill what can be filled; report the rest
            i, d = self.group_session[g], self.group_discipline[g]
            s = self.sessions[i]
            seats = self._seats(i, d)
            seated = seats - need
            if seated:
                head = (
                    f"Session '{s.title}' ({self._when(i)}) needs "
                    f"{_count(need, 'more ' + d + ' interviewer')} ({seated} already seated)"
                )
                other = "other "
            else:
                head = f"Session '{s.title}' ({self._when(i)}) needs {_count(need, d + ' interviewer')}"
                other = ""
            free = (
                "free then and under their weekly limit"
                if self.start[i] is not None
                else "available"
            )
            if have == 0:
                tail = f"but no {other}{d} interviewer is {free}"
            else:
                tail = f"but only {_count(have, other + d + ' interviewer')} {_is_are(have)} {free}"
            self.seat_problems.append(f"{head} {tail}{self._breakdown(g)}.")

    def _breakdown(self, g: int) -> str:
        d = self.group_discipline[g]
        reasons = [
            why for why in self.why_not[g].values() if why is None or why[0] != "seated"
        ]
        other = "other " if self.ex_seats.get((g // 2, d)) else ""
        if not reasons:
            return f" (there is no {other}{d} interviewer in the pool)"
        kinds = [why[0] for why in reasons if why is not None]
        if not kinds:
            n = len(reasons)
            return f" (there {_is_are(n)} only {_count(n, other + d + ' interviewer')} in the pool)"
        parts = []
        n = kinds.count("conflict")
        if n:
            parts.append(f"{n} {'has a conflict' if n == 1 else 'have conflicts'}")
        n = kinds.count("busy") + kinds.count("loop")
        if n:
            parts.append(f"{n} {_is_are(n)} busy then")
        n = kinds.count("load")
        if n:
            parts.append(f"{n} {_is_are(n)} at their weekly limit")
        return f" (of {_count(len(reasons), d + ' interviewer')}, {_join(parts)})"

    # ----------------------------------------------------------------- coverage

    def _check_coverage(self) -> None:
        """Report what no search can cover; the rest is for the search to require."""
        self.coverage_problems: list[str] = []
        self.searchable_reqs: list[int] = []
        for r, (key, d) in enumerate(self.reqs):
            if r in self.covered_existing:
                continue
            message = self._coverage_impossible(r)
            if message:
                self.coverage_problems.append(message)
            else:
                self.searchable_reqs.append(r)

    def _coverage_impossible(self, r: int) -> str | None:
        key, d = self.reqs[r]
        name = self.comp_name[key]
        nobody = f"Nobody can assess {name} for the {d} side"
        groups = self.cover_groups[r]
        if not any(self._seats(self.group_session[g], d) for g in groups):
            return f"{nobody}: no session covering it has a {d} seat."
        groups = [g for g in groups if self.open_seats[g] > 0]
        if not groups:
            return (
                f"{nobody}: the {d} seats of the sessions covering it are already taken "
                "by interviewers not trained on it."
            )
        trained = sorted(self.req_trained[r], key=lambda k: self.members[k].id)
        if not trained:
            return f"{nobody}: no {d} interviewer is trained on it."
        if all(self.members[k].conflict for k in trained):
            if len(trained) == 1:
                m = self.members[trained[0]]
                return (
                    f"{nobody}: the only {d} interviewer trained on it, {m.name}, "
                    f"has a conflict ({m.conflict})."
                )
            names = _join(
                [
                    f"{self.members[k].name} ({self.members[k].conflict})"
                    for k in trained
                ]
            )
            return f"{nobody}: every {d} interviewer trained on it has a conflict: {names}."
        if any(k in self.static_domain[g] for g in groups for k in trained):
            return None
        if len(groups) == 1:
            where = f"on {self._when(self.group_session[groups[0]])}"
        else:
            whens = "; ".join(self._when(self.group_session[g]) for g in groups)
            where = f"for any session covering it ({whens})"
        return (
            f"No {d} interviewer trained on {_mid(name)} is free {where} "
            f"({self._blocked(trained, groups)})."
        )

    def _blocked(self, people: Sequence[int], groups: Sequence[int]) -> str:
        """Why each of these people can sit in none of these groups."""
        described = []
        kinds = []
        for k in people:
            m = self.members[k]
            whys = [self.why_not[g][k] for g in groups]
            kind = {w[0] if w[0] != "loop" else "busy" for w in whys if w is not None}
            if "conflict" in kind:
                kinds.append("conflict")
                described.append(f"{m.name} has a conflict ({m.conflict})")
            elif kind == {"busy"}:
                kinds.append("busy")
                w = whys[0]
                if len(groups) > 1:
                    described.append(f"{m.name} is busy at those times")
                elif w[0] == "busy":
                    described.append(
                        f"{m.name} is busy then{' with ' + w[1] if w[1] else ''}"
                    )
                else:
                    described.append(
                        f"{m.name} is already seated in '{self.sessions[w[1]].title}' then"
                    )
            elif kind == {"load"}:
                kinds.append("load")
                described.append(
                    f"{m.name} has reached their weekly limit of {m.weekly_limit}"
                )
            elif kind == {"seated"}:
                kinds.append("seated")
                described.append(
                    f"{m.name} is already seated in another seat of that session"
                )
            else:
                kinds.append("mixed")
                described.append(
                    f"{m.name} is busy or at their weekly limit at those times"
                )
        if len(people) <= _NAMES_SHOWN:
            return "; ".join(described)
        labels = {
            "conflict": ("has a conflict", "have conflicts"),
            "busy": ("is busy then", "are busy then"),
            "load": ("is at their weekly limit", "are at their weekly limit"),
            "seated": ("is already seated there", "are already seated there"),
            "mixed": (
                "is busy or at their weekly limit",
                "are busy or at their weekly limit",
            ),
        }
        parts = []
        for kind, (one, many) in labels.items():
            n = kinds.count(kind)
            if n:
                parts.append(f"{n} {one if n == 1 else many}")
        return f"of {len(people)} trained, {_join(parts)}"

    def viable_groups(self, r: int, targets: Sequence[int]) -> list[int]:
        return [
            g
            for g in self.cover_groups[r]
            if targets[g] > 0
            and not self.static_domain[g].isdisjoint(self.req_trained[r])
        ]

    def eligible_trained(self, r: int, targets: Sequence[int]) -> list[int]:
        people = set()
        for g in self.viable_groups(r, targets):
            people |= self.static_domain[g] & self.req_trained[r]
        return sorted(people, key=lambda k: self.members[k].id)

    def names(self, people: Iterable[int]) -> str:
        people = list(people)
        if len(people) <= _NAMES_SHOWN:
            return _join([self.members[k].name for k in people])
        return f"{len(people)} people"


# --------------------------------------------------------------------------- search


class _Result:
    def __init__(self, status: str, placements: list) -> None:
        self.status = status  # "found", "none" (proved impossible) or "budget"
        # (member, group, None or the member whose seat they took over) in the order
        # placed, or the best partial panel.
        self.placements = placements


class _Search:
    """Depth-first search with forward checking over the open seats (see the module
    docstring). ``targets[g]`` is how many seats of group g to fill; ``required`` the
    requirements that must end up covered; ``allowance`` how many repeats the seats
    filled may add (None: any number)."""

    def __init__(
        self,
        loop: _Loop,
        targets: Sequence[int],
        required: Sequence[int],
        budget: _Budget,
        allowance: int | None = None,
    ) -> None:
        self.loop = loop
        self.budget = budget
        self.remaining = list(targets)
        self.required = list(required)
        self.allowance = allowance
        if allowance is None:
            self._feasible = self._free_for  # the plain search: skip the repeat check
        n_m = len(loop.members)
        self.domain = [
            {k for k in d if allowance != 0 or not loop.ex_count[k]}
            if targets[g] > 0
            else set()
            for g, d in enumerate(loop.static_domain)
        ]
        self.member_groups: list[list[int]] = [[] for _ in range(n_m)]
        for g, dom in enumerate(self.domain):
            for k in dom:
                self.member_groups[k].append(g)
        self.in_session = [set(x) for x in loop.ex_in_session]
        self.new_sessions: list[list[int]] = [[] for _ in range(n_m)]
        self.new_week: list[dict[tuple[int, int], int]] = [{} for _ in range(n_m)]
        self.new_seats = [0] * n_m
        self.cov = [
            1 if r in loop.covered_existing else 0 for r in range(len(loop.reqs))
        ]
        self.trail: list[tuple[int, int]] = []
        self.placements: list[tuple] = []
        self.best: list[tuple] = []
        self.open_groups = [
            g for g in range(len(self.remaining)) if self.remaining[g] > 0
        ]

    def run(self) -> _Result:
        try:
            found = self._dfs()
        except _OutOfSteps:
            return _Result("budget", self.best)
        return (
            _Result("found", list(self.placements))
            if found
            else _Result("none", self.best)
        )

    def _load(self, k: int, w: tuple[int, int] | None) -> int:
        if w is None:
            return 0
        return self.loop.static_load[k].get(w, 0) + self.new_week[k].get(w, 0)

    def _seats_of(self, k: int) -> int:
        return self.loop.ex_count[k] + self.new_seats[k]

    def _feasible(self, k: int, g: int) -> bool:
        if self.allowance == 0 and self.loop.ex_count[k] + self.new_seats[k]:
            return False  # no repeats left to spend
        return self._free_for(k, g)

    def _free_for(self, k: int, g: int) -> bool:
        """Could k take a seat of group g now, repeats aside?"""
        loop = self.loop
        i = g // 2
        if k in self.in_session[i]:
            return False
        w = loop.week[i]
        if w is None:
            return True
        row = loop.overlap[i]
        for j in self.new_sessions[k]:
            if row[j]:
                return False
        return self._load(k, w) < loop.members[k].weekly_limit

    def _place(self, k: int, g: int, over: int | None = None) -> int:
        if self.budget.left <= 0:
            raise _OutOfSteps
        self.budget.left -= 1
        loop = self.loop
        mark = len(self.trail)
        i = g // 2
        w = loop.week[i]
        self.remaining[g] -= 1
        self.in_session[i].add(k)
        self.new_sessions[k].append(i)
        if self.allowance is not None and self._seats_of(k):
            self.allowance -= 1
            if self.allowance == 0:
                self._drop_everyone_seated()
        self.new_seats[k] += 1
        if w is not None:
            self.new_week[k][w] = self.new_week[k].get(w, 0) + 1
        for r in loop.group_reqs[g]:
            if k in loop.req_trained[r]:
                self.cov[r] += 1
        for h in self.member_groups[k]:
            if k in self.domain[h] and not self._feasible(k, h):
                self.domain[h].discard(k)
                self.trail.append((h, k))
        self.placements.append((k, g, over))
        if len(self.placements) > len(self.best):
            self.best = list(self.placements)
        return mark

    def _drop_everyone_seated(self) -> None:
        """The last repeat is spent: nobody already on the loop may take another seat."""
        loop = self.loop
        seated = {k for k, n in enumerate(loop.ex_count) if n}
        seated.update(p[0] for p in self.placements)
        for k in sorted(seated):
            for h in self.member_groups[k]:
                if k in self.domain[h]:
                    self.domain[h].discard(k)
                    self.trail.append((h, k))

    def _unplace(self, k: int, g: int, mark: int) -> None:
        loop = self.loop
        while len(self.trail) > mark:
            h, m = self.trail.pop()
            self.domain[h].add(m)
        self.placements.pop()
        i = g // 2
        w = loop.week[i]
        self.remaining[g] += 1
        self.in_session[i].discard(k)
        self.new_sessions[k].pop()
        self.new_seats[k] -= 1
        if self.allowance is not None and self._seats_of(k):
            self.allowance += 1
        if w is not None:
            self.new_week[k][w] -= 1
        for r in loop.group_reqs[g]:
            if k in loop.req_trained[r]:
                self.cov[r] -= 1

    def _preference(self, k: int, g: int) -> tuple:
        """Not yet on this loop, lowest load that week, fewest seats in this loop, most
        of the session's uncovered competencies, lowest id."""
        loop = self.loop
        fresh = sum(
            1
            for r in loop.group_reqs[g]
            if not self.cov[r] and k in loop.req_trained[r]
        )
        seats = loop.ex_count[k] + self.new_seats[k]
        return (
            1 if seats else 0,
            self._load(k, loop.week[g // 2]),
            seats,
            -fresh,
            loop.members[k].id,
        )

    def _lightest(self, g: int) -> tuple[int, int | None]:
        """For the explanation: the lowest load that week (seats in this loop, for an
        unscheduled session) among everyone free for a seat of group g, and among
        those of them not yet on this loop (None when there is nobody such)."""
        loop, w = self.loop, self.loop.week[g // 2]
        lowest = lowest_new = None
        # Those still in the group's domain are free; of the rest (ruled out by the
        # search, or for repeats), check each.
        dropped = loop.static_domain[g] - self.domain[g]
        free = [k for k in dropped if self._free_for(k, g)]
        for k in itertools.chain(self.domain[g], free):
            seats = self._seats_of(k)
            measure = seats if w is None else self._load(k, w)
            if lowest is None or measure < lowest:
                lowest = measure
            if not seats and (lowest_new is None or measure < lowest_new):
                lowest_new = measure
        return (lowest if lowest is not None else 0), lowest_new

    def repeats_needed(self) -> int:
        """A lower bound on the repeats the open seats will add: per discipline, the
        seats left minus the people not yet on the loop free for any of them; per
        group, its seats left minus such people free for it (whichever is more)."""
        total = 0
        for d in (0, 1):
            groups = [g for g in self.open_groups if g % 2 == d and self.remaining[g]]
            need = sum(self.remaining[g] for g in groups)
            if not need:
                continue
            per_group = 0
            newcomers: set[int] = set()
            for g in groups:
                have = 0
                for k in self.domain[g]:
                    if not self._seats_of(k):
                        have += 1
                        if len(newcomers) < need:
                            newcomers.add(k)
                        if have >= self.remaining[g] and len(newcomers) >= need:
                            break
                per_group += max(0, self.remaining[g] - have)
            total += max(per_group, need - len(newcomers))
        return total

    def fill_greedily(self, start: list[tuple]) -> list[tuple]:
        """From the placements ``start``, fill whatever seats can still be filled, most
        constrained group first, the preferred candidate each time, without coverage
        and without going back: the partial panel shown when no valid one is found."""
        self.budget = _Budget(len(start) + sum(self.remaining) + 1)
        for k, g, over in start:
            self._place(k, g, over)
        while True:
            open_groups = [
                g for g in self.open_groups if self.remaining[g] and self.domain[g]
            ]
            if not open_groups:
                return list(self.placements)
            g = min(open_groups, key=lambda h: (len(self.domain[h]), h))
            _, k = min((self._preference(k, g), k) for k in self.domain[g])
            self._place(k, g)

    def _enough_seats(self, uncovered: list[int]) -> bool:
        """Each open seat covers at most as many of the uncovered competencies of its
        session as its best-trained candidate knows: are there enough seats?"""
        loop, remaining = self.loop, self.remaining
        todo = set(uncovered)
        need = [0, 0]
        for r in uncovered:
            need[DISCIPLINES.index(loop.reqs[r][1])] += 1
        capacity = [0, 0]
        for g in self.open_groups:
            if remaining[g]:
                n = sum(1 for r in loop.group_reqs[g] if r in todo)
                if n:
                    capacity[g % 2] += remaining[g] * min(n, loop.max_trained[g])
        return capacity[0] >= need[0] and capacity[1] >= need[1]

    def _enough_people(self) -> bool:
        """Counting bounds over groups that compete for the same people: in sessions
        that all overlap, each person fills one seat at most; in one week, at most as
        many as their weekly limit leaves (and one per session). Stops counting as soon
        as there are enough."""
        remaining, domain = self.remaining, self.domain
        for groups in self.loop.clique_groups:
            need = sum(remaining[g] for g in groups)
            if need < 2:
                continue
            seen: set[int] = set()
            for g in groups:
                if remaining[g]:
                    seen.update(domain[g])
                    if len(seen) >= need:
                        break
            if len(seen) < need:
                return False
        limits = self.loop.members
        for week, groups in self.loop.week_groups:
            open_groups = [g for g in groups if remaining[g]]
            need = sum(remaining[g] for g in open_groups)
            if need < 2:
                continue
            capacity = 0
            seen = set()
            for g in open_groups:
                for k in domain[g]:
                    if k in seen:
                        continue
                    seen.add(k)
                    sessions = sum(1 for h in open_groups if k in domain[h])
                    left = limits[k].weekly_limit - self._load(k, week)
                    capacity += min(sessions, left)
                    if capacity >= need:
                        break
                if capacity >= need:
                    break
            if capacity < need:
                return False
        return True

    def _dfs(self) -> bool:
        loop = self.loop
        remaining, domain = self.remaining, self.domain
        forced: dict[int, list[frozenset[int]]] = {}
        uncovered = [r for r in self.required if not self.cov[r]]
        if uncovered and not self._enough_seats(uncovered):
            return False
        for r in uncovered:
            trained = loop.req_trained[r]
            viable = [
                g
                for g in loop.cover_groups[r]
                if remaining[g] > 0 and not domain[g].isdisjoint(trained)
            ]
            if not viable:
                return False
            if len(viable) == 1 and remaining[viable[0]] == 1:
                forced.setdefault(viable[0], []).append(trained)
        best_g, best_dom = -1, None
        for g in self.open_groups:
            if remaining[g] == 0:
                continue
            dom = domain[g]
            if g in forced:
                dom = dom.intersection(*forced[g])
            if len(dom) < remaining[g]:
                return False
            if best_dom is None or len(dom) < len(best_dom):
                best_g, best_dom = g, dom
        if best_dom is None:
            return True  # every seat filled, every required competency covered
        if not self._enough_people():
            return False
        if self.allowance is not None and self.repeats_needed() > self.allowance:
            return False
        g = best_g
        ranked = sorted((self._preference(k, g), k) for k in best_dom)
        tried: list[int] = []
        for _, k in ranked:
            mark = self._place(k, g)
            if self._dfs():
                return True
            self._unplace(k, g, mark)
            # The group's seats are interchangeable: every panel with k in this group
            # has just been ruled out, so k is not tried for its other seats here.
            domain[g].discard(k)
            tried.append(k)
        domain[g].update(tried)
        return False


# --------------------------------------------------------------------------- repeats


def _new_repeats(loop: _Loop, placements: list) -> int:
    """How many repeats the placements add to the assignments already made."""
    added: dict[int, int] = {}
    for k, *_ in placements:
        added[k] = added.get(k, 0) + 1
    return sum(n if loop.ex_count[k] else n - 1 for k, n in added.items())


def _fewer_repeats(
    loop: _Loop,
    targets: list[int],
    required: list[int],
    placements: list,
    budget: _Budget,
) -> tuple[list, bool]:
    """Search again, one repeat fewer each time, until no better panel exists; return
    the best panel and whether the budget ran out first."""
    best, repeats = placements, _new_repeats(loop, placements)
    if not repeats:
        return best, False
    floor = _Search(loop, targets, required, budget, allowance=0).repeats_needed()
    while repeats > floor:
        attempt = _Search(loop, targets, required, budget, repeats - 1).run()
        if attempt.status == "none":
            return best, False
        if attempt.status == "budget":
            best = _hand_over_repeats(loop, best)
            return best, _new_repeats(loop, best) > floor
        best, repeats = attempt.placements, _new_repeats(loop, attempt.placements)
    return best, False


def _seats_held(loop: _Loop, placements: list) -> dict[int, list[tuple[int, int]]]:
    """Each person's seats in the loop as (session, group), group -1 when the
    assignment was already made, in session order."""
    held: dict[int, list[tuple[int, int]]] = {}
    for k, mine in enumerate(loop.ex_sessions):
        for i in mine:
            held.setdefault(k, []).append((i, -1))
    for k, g, *_ in placements:
        held.setdefault(k, []).append((g // 2, g))
    return {k: sorted(seats) for k, seats in held.items()}


def _only_cover(loop: _Loop, placements: list, k: int, g: int) -> list[int]:
    """The requirements of group g's session that k covers there and no other seat of
    the panel covers."""
    others = [(i, -1, m) for m, mine in enumerate(loop.ex_sessions) for i in mine]
    others += [(h // 2, h, m) for m, h, *_ in placements if (m, h) != (k, g)]
    found = []
    for r in loop.group_reqs[g]:
        if k not in loop.req_trained[r]:
            continue
        d = DISCIPLINES.index(loop.reqs[r][1])
        if not any(
            m in loop.req_trained[r] and r in loop.group_reqs[2 * i + d]
            for i, _, m in others
        ):
            found.append(r)
    return found


def _hand_over_repeats(loop: _Loop, placements: list) -> list:
    """Give each seat the proposer filled with a repeat to someone not yet on the loop
    who is free for it and trained on what only the repeated person covers there (the
    panel stays valid: a newcomer clashes with nothing of the loop)."""
    placements = list(placements)
    changed = True
    while changed:
        changed = False
        held = _seats_held(loop, placements)
        for n, (k, g, _) in enumerate(placements):
            if len(held[k]) < 2:
                continue
            needed = _only_cover(loop, placements, k, g)
            week = loop.week[g // 2]
            newcomers = sorted(
                (
                    f
                    for f in loop.static_domain[g]
                    if f not in held and all(f in loop.req_trained[r] for r in needed)
                ),
                key=lambda f: (loop.static_load[f].get(week, 0), loop.members[f].id),
            )
            if newcomers:
                placements[n] = (newcomers[0], g, k)
                changed = True
                break
    return placements


def _repeat_notes(
    loop: _Loop, placements: list, stopped_after: int | None
) -> list[str]:
    """Say who sits on more than one session of the loop, and why nobody else could
    take the seat; one sentence per person."""
    held = _seats_held(loop, placements)
    repeated = sorted(
        (k for k, seats in held.items() if len(seats) > 1),
        key=lambda k: (held[k][0][0], loop.members[k].id),
    )
    notes = []
    for k in repeated:
        m = loop.members[k]
        titles = [f"'{loop.sessions[i].title}'" for i, _ in held[k]]
        sits = f"{m.name} sits on {'both ' if len(titles) == 2 else ''}{_join(titles)}"
        mine = [g for _, g in held[k] if g >= 0]
        if not mine:
            notes.append(f"{sits}, as already seated before this proposal.")
            continue
        too_few = _too_few(loop, held, m.discipline)
        if too_few:
            notes.append(f"{sits}: {too_few}.")
            continue
        if len(mine) == len(held[k]):
            mine = mine[1:]  # their first seat needs no excuse
        clauses = [_why_nobody_else(loop, placements, held, k, g) for g in mine]
        notes.append(f"{sits}: {'; '.join(clauses)}.")
    if notes and stopped_after is not None:
        notes.append(
            f"The search for a panel seating fewer people more than once stopped after "
            f"{_count(stopped_after, 'step')}; there may be one."
        )
    return notes


def _too_few(loop: _Loop, held: dict, d: str) -> str | None:
    """The loop's seats of discipline d outnumber the people free for them, and that
    alone accounts for every repeat on that side: say so; else None."""
    seats = sum(loop._seats(i, d) for i in range(len(loop.sessions)))
    people = {k for k, mine in enumerate(loop.ex_sessions) if mine}
    for g, dom in enumerate(loop.static_domain):
        if loop.group_discipline[g] == d:
            people |= dom
    people = {k for k in people if loop.members[k].discipline == d}
    repeats = sum(
        len(mine) - 1 for k, mine in held.items() if loop.members[k].discipline == d
    )
    if len(people) >= seats or repeats != seats - len(people):
        return None
    names = sorted(people, key=lambda k: loop.members[k].id)
    who = f" ({loop.names(names)})" if len(names) <= _NAMES_SHOWN else ""
    return (
        f"the loop has {_count(seats, d + ' seat')} and only "
        f"{_count(len(people), d + ' interviewer')}{who} {_is_are(len(people))} free "
        "for them"
    )


def _why_nobody_else(loop: _Loop, placements: list, held: dict, k: int, g: int) -> str:
    """Why k's seat in group g went to someone already on the loop."""
    i, d = loop.group_session[g], loop.group_discipline[g]
    where = f"'{loop.sessions[i].title}'"
    free = "free" if loop.start[i] is not None else "available"
    others = sorted(loop.static_domain[g] - {k}, key=lambda f: loop.members[f].id)
    newcomers = [f for f in others if f not in held]
    if not others:
        return (
            f"no other {d} interviewer is {free} for {where}{_unavailable(loop, g, k)}"
        )
    if not newcomers:
        if len(others) == 1:
            return (
                f"the only other {d} interviewer {free} for {where}, "
                f"{loop.members[others[0]].name}, already sits on this loop"
            )
        return (
            f"every other {d} interviewer {free} for {where} ({loop.names(others)}) "
            "already sits on this loop"
        )
    needed = _only_cover(loop, placements, k, g)
    lacking = [
        r for r in needed if not any(f in loop.req_trained[r] for f in newcomers)
    ]
    if lacking:
        skills = _join([_mid(loop.comp_name[loop.reqs[r][0]]) for r in lacking])
        trained = [f for f in others if any(f in loop.req_trained[r] for r in lacking)]
        if not trained:
            either = " or ".join(
                [_mid(loop.comp_name[loop.reqs[r][0]]) for r in lacking]
            )
            return f"no other {d} interviewer {free} for {where} is trained on {either}"
        if len(trained) == 1:
            return (
                f"the only other {d} interviewer {free} for {where} trained on {skills}, "
                f"{loop.members[trained[0]].name}, already sits on this loop"
            )
        return (
            f"the other {d} interviewers {free} for {where} and trained on {skills} "
            f"({loop.names(trained)}) already sit on this loop"
        )
    if needed:
        skills = _join([_mid(loop.comp_name[loop.reqs[r][0]]) for r in needed])
        return (
            f"no {d} interviewer {free} for {where} and not yet on this loop is trained "
            f"on {'both' if len(needed) == 2 else 'all of'} {skills}, which only "
            f"{loop.members[k].name} covers on this panel"
        )
    # Not reached: such a seat would have gone to a newcomer (_hand_over_repeats).
    return f"nobody else {free} for {where} could take it without breaking a rule"


def _unavailable(loop: _Loop, g: int, k: int) -> str:
    """Why the other interviewers of group g's discipline cannot sit there, counted."""
    d = loop.group_discipline[g]
    whys = [why for f, why in loop.why_not[g].items() if f != k]
    if not whys:
        return f" (there is no other {d} interviewer in the pool)"
    labels = {
        "conflict": ("has a conflict", "have conflicts"),
        "busy": ("is busy then", "are busy then"),
        "load": ("is at their weekly limit", "are at their weekly limit"),
        "seated": ("is already seated there", "are already seated there"),
    }
    kinds = ["busy" if w[0] == "loop" else w[0] for w in whys if w is not None]
    parts = [
        f"{n} {one if n == 1 else many}"
        for kind, (one, many) in labels.items()
        if (n := kinds.count(kind))
    ]
    return f" (of {_count(len(whys), 'other ' + d + ' interviewer')}, {_join(parts)})"


# --------------------------------------------------------------------------- diagnosis


def _diagnose(
    loop: _Loop,
    targets: list[int],
    required: list[int],
    budget: _Budget,
    step_budget: int,
) -> tuple[list, list[str]]:
    """No panel covers every competency: find out which rule is to blame."""
    seating = _Search(loop, targets, [], budget).run()
    placements = seating.placements
    if seating.status != "found":
        placements = _Search(loop, targets, [], budget).fill_greedily(placements)
        if len(placements) < sum(targets):
            if seating.status == "budget":
                message = _budget_message(loop, step_budget, placements, targets, [])
                return placements, [message or ""]
            return placements, [_seat_clash(loop, targets, budget, step_budget)]
    covered = _covered(loop, placements)
    kept: list[int] = []
    dropped: list[int] = []
    out_of_steps: list[int] = []
    for n, r in enumerate(required):
        if r in covered:
            kept.append(r)
            continue
        attempt = _Search(loop, targets, kept + [r], budget).run()
        if attempt.status == "found":
            kept.append(r)
            placements = attempt.placements
            covered = _covered(loop, placements)
        elif attempt.status == "none":
            dropped.append(r)
        else:
            out_of_steps = [q for q in required[n:] if q not in covered]
            break
    problems = [_coverage_clash(loop, targets, r, kept, budget) for r in dropped]
    if out_of_steps:
        gaps = [
            f"{_mid(loop.comp_name[loop.reqs[q][0]])} ({loop.reqs[q][1]} side)"
            for q in out_of_steps
        ]
        problems.append(
            f"The search for a panel stopped after {_count(step_budget, 'step')} while "
            f"checking which competencies can be covered; the panel shown leaves "
            f"{_join(gaps)} uncovered."
        )
    return placements, problems


def _covered(loop: _Loop, placements: list) -> set[int]:
    covered = set(loop.covered_existing)
    for k, g, *_ in placements:
        for r in loop.group_reqs[g]:
            if k in loop.req_trained[r]:
                covered.add(r)
    return covered


def _budget_message(
    loop: _Loop,
    step_budget: int,
    placements: list,
    targets: list[int],
    required: list[int],
) -> str | None:
    """Say that the step budget ran out, and how far the panel shown falls short; None
    when the greedy completion of the best partial panel turned out valid after all."""
    total = sum(targets)
    covered = _covered(loop, placements)
    missing = [r for r in required if r not in covered]
    if len(placements) == total and not missing:
        return None
    text = (
        f"The search for a panel stopped after {_count(step_budget, 'step')} without finding a valid "
        f"one; the panel shown fills {len(placements)} of {_count(total, 'open seat')}"
    )
    if missing:
        gaps = [
            f"{_mid(loop.comp_name[loop.reqs[r][0]])} ({loop.reqs[r][1]} side)"
            for r in missing
        ]
        text += f" and leaves {_join(gaps)} uncovered"
    return text + "."


def _seat_clash(
    loop: _Loop, targets: list[int], budget: _Budget, step_budget: int
) -> str:
    """The seats cannot all be filled although each group alone can be: name a
    smallest set of groups that cannot be filled together."""
    core = [g for g in range(len(targets)) if targets[g] > 0]
    for d in DISCIPLINES:  # disciplines never compete for the same people
        part = [g for g in core if loop.group_discipline[g] == d]
        trial = [t if g in part else 0 for g, t in enumerate(targets)]
        if _Search(loop, trial, [], budget).run().status == "none":
            core = part
            break
    for g in list(core):
        rest = [h for h in core if h != g]
        trial = [t if h in rest else 0 for h, t in enumerate(targets)]
        status = _Search(loop, trial, [], budget).run().status
        if status == "none":
            core = rest
        elif status == "budget":
            break
    d = loop.group_discipline[core[0]] if core else "clinical"
    sessions = sorted({loop.group_session[g] for g in core})
    titles = _join([f"'{loop.sessions[i].title}' ({loop._when(i)})" for i in sessions])
    need = sum(targets[g] for g in core)
    people = sorted(
        set().union(*(loop.static_domain[g] for g in core)),
        key=lambda k: loop.members[k].id,
    )
    who = f" ({loop.names(people)})" if 0 < len(people) <= _NAMES_SHOWN else ""
    all_overlap = all(loop.overlap[i][j] for i in sessions for j in sessions if i != j)
    if len(sessions) < 2:
        return (
            f"Session {titles} cannot get {_count(need, d + ' interviewer')}: only "
            f"{_count(len(people), d + ' interviewer')}{who} {_is_are(len(people))} free then "
            "and under their weekly limit."
        )
    if all_overlap and len(people) < need:
        return (
            f"Sessions {titles} overlap and need {_count(need, d + ' interviewer')} between "
            f"them, but only {_count(len(people), d + ' interviewer')} {_is_are(len(people))} "
            f"free then and under their weekly limit{who}."
        )
    weeks = {loop.week[i] for i in sessions}
    none_overlap = not any(
        loop.overlap[i][j] for i in sessions for j in sessions if i != j
    )
    capacity = _week_capacity(loop, people, sessions)
    if none_overlap and len(weeks) == 1 and None not in weeks and capacity < need:
        return (
            f"Sessions {titles} need {_count(need, d + ' interviewer')} between them, but the "
            f"{d} interviewers free for them{who} can take only "
            f"{_count(capacity, 'more interview')} in {_week_of(weeks.pop())} under their "
            "weekly limits."
        )
    return (
        f"Sessions {titles} need {_count(need, d + ' interviewer')} between them, but the "
        f"{d} interviewers free for them{who} cannot fill all these seats without "
        "overlapping sessions or going over their weekly limit."
    )


def _week_capacity(loop: _Loop, people: list[int], sessions: list[int]) -> int:
    """How many of these sessions these people can still take in the first session's
    week, under their weekly limits."""
    week = loop.week[sessions[0]]
    if week is None:
        return len(people) * len(sessions)
    total = 0
    for k in people:
        free_in = sum(
            1
            for i in sessions
            if any(k in loop.static_domain[g] for g in (2 * i, 2 * i + 1))
        )
        left = loop.members[k].weekly_limit - loop.static_load[k].get(week, 0)
        total += max(0, min(left, free_in))
    return total


def _coverage_clash(
    loop: _Loop, targets: list[int], r: int, kept: list[int], budget: _Budget
) -> str:
    """Requirement r can be covered on its own terms but not in any full panel that
    also covers ``kept``: say what it clashes with."""
    key, d = loop.reqs[r]
    name = loop.comp_name[key]
    people = loop.eligible_trained(r, targets)
    for q in kept:
        if loop.reqs[q][1] != d:
            continue
        status = _Search(loop, targets, [r, q], budget).run().status
        if status == "budget":
            break
        if status != "none":
            continue
        other = loop.comp_name[loop.reqs[q][0]]
        groups_r, groups_q = (
            loop.viable_groups(r, targets),
            loop.viable_groups(q, targets),
        )
        single = (
            groups_r == groups_q and len(groups_r) == 1 and targets[groups_r[0]] == 1
        )
        if single and not any(
            k in loop.req_trained[q] for k in loop.eligible_trained(r, targets)
        ):
            i = loop.group_session[groups_r[0]]
            return (
                f"Session '{loop.sessions[i].title}' ({loop._when(i)}) has one open {d} seat, "
                f"but no {d} interviewer free then is trained on both {_mid(other)} and "
                f"{_mid(name)}."
            )
        both = loop.eligible_trained(q, targets)
        if people == both and len(people) == 1 and not set(groups_r) & set(groups_q):
            m = loop.members[people[0]]
            sessions_r = [loop.group_session[g] for g in groups_r]
            sessions_q = [loop.group_session[g] for g in groups_q]
            where = _join(
                [
                    f"'{loop.sessions[i].title}' ({loop._when(i)})"
                    for i in sorted(set(sessions_r + sessions_q))
                ]
            )
            weeks = {loop.week[i] for i in sessions_r + sessions_q}
            if all(loop.overlap[i][j] for i in sessions_r for j in sessions_q):
                why = f"{where}, which overlap"
            elif len(weeks) == 1 and None not in weeks:
                why = (
                    f"{where} without going over their weekly limit of {m.weekly_limit}"
                )
            else:
                why = f"{where} without overlapping sessions or going over their weekly limit"
            return (
                f"{name} and {_mid(other)} cannot both be covered for the {d} side: "
                f"{m.name} is the only {d} interviewer free to assess either, and cannot sit "
                f"in both {why}."
            )
        either = sorted(set(people) | set(both), key=lambda k: loop.members[k].id)
        return (
            f"{name} and {_mid(other)} cannot both be covered for the {d} side: the {d} "
            f"interviewers trained on them and free then ({loop.names(either)}) cannot sit "
            "in all the sessions that would need them without overlapping sessions, going "
            "over a weekly limit or leaving a seat unfilled."
        )
    if _Search(loop, targets, [r], budget).run().status == "none":
        return (
            f"{name} cannot be covered for the {d} side while every seat is filled: the {d} "
            f"interviewers trained on it and free then ({loop.names(people)}) are all needed "
            "for other seats."
        )
    groups = set(loop.viable_groups(r, targets))
    related = [
        q for q in kept if loop.reqs[q][1] == d and groups & set(loop.cover_groups[q])
    ]
    if related:
        seats = sum(
            targets[g]
            for g in groups.union(*(loop.viable_groups(q, targets) for q in related))
        )
        if len(related) <= _NAMES_SHOWN:
            others = _join([_mid(loop.comp_name[loop.reqs[q][0]]) for q in related])
        else:
            others = f"{len(related)} other {d}-side competencies"
        return (
            f"{name} cannot be covered for the {d} side as well as {others}: the "
            f"{_count(seats, 'open ' + d + ' seat')} of the sessions covering them cannot be "
            f"filled with interviewers trained on all {len(related) + 1} of them."
        )
    return (
        f"{name} cannot be covered for the {d} side together with the other competencies: "
        f"the {d} interviewers trained on it and free then ({loop.names(people)}) are needed "
        "to cover those."
    )


# --------------------------------------------------------------------------- explaining


def _explain(loop: _Loop, targets: list[int], placements: list) -> list[str]:
    """A reason for each placement, from the state of the panel when it was made
    (replayed in the order placed, so each reason holds for the panel returned)."""
    replay = _Search(loop, targets, [], _Budget(len(placements)))
    reasons = []
    for k, g, over in placements:
        if over is not None:
            reasons.append(_reason(loop, k, g, None, over, ()))
        else:
            fresh = tuple(
                r
                for r in loop.group_reqs[g]
                if not replay.cov[r] and k in loop.req_trained[r]
            )
            key = replay._preference(k, g)
            reasons.append(_reason(loop, k, g, key, replay._lightest(g), fresh))
        replay._place(k, g, over)
    return reasons


def _reason(
    loop: _Loop,
    k: int,
    g: int,
    key: tuple | None,
    lightest: tuple | int,
    fresh: tuple[int, ...],
) -> str:
    """One sentence: what they are trained on here and why them rather than someone not
    yet on this loop or with a lighter load. ``key`` is their preference key then;
    ``lightest`` the lowest load that week (seats in this loop, for an unscheduled
    session) among everyone free for the seat and among those of them not yet on this
    loop; ``fresh`` the competencies they newly cover. A key of None means they took
    the seat over from person ``lightest`` (see ``_hand_over_repeats``)."""
    m = loop.members[k]
    who = f"{m.name} ({m.discipline})"
    i = loop.group_session[g]
    keys = [
        c for c in dict.fromkeys(loop.sessions[i].competencies) if c in loop.comp_name
    ]
    mine = [_mid(loop.comp_name[c]) for c in keys if c in m.trained]
    if mine:
        trained = f"is trained on {_join(mine)}"
    elif keys:
        trained = "is not trained on this session's competencies"
    else:
        trained = f"fills a {m.discipline} seat"
    if key is None:
        other = loop.members[lightest].name
        return (
            f"{who} {trained} and was picked so that {other} does not hold another "
            "seat on this loop."
        )
    repeat, load, seats = key[0], key[1], key[2]
    lowest, lowest_new = lightest
    scheduled = loop.week[i] is not None
    measure = load if scheduled else seats
    if scheduled:
        best = f"the lightest load that week ({load} of {m.weekly_limit} so far)"
    else:
        best = (
            f"the fewest seats in this loop so far ({seats}); the session is not "
            "scheduled yet"
        )
    needed = [_mid(loop.comp_name[loop.reqs[r][0]]) for r in fresh]
    if needed and needed == mine:
        subject = who
        picked = (
            f"was picked because they are trained on {_join(needed)}, which the panel "
            "still needed"
        )
    else:
        subject = f"{who} {trained} and"
        picked = (
            f"was picked to cover {_join(needed)}"
            if needed
            else "was picked to keep the panel valid"
        )
    if repeat and lowest_new is None:
        everyone = (
            f"{who} {trained}; everyone free for this seat already sits on this loop"
        )
        if measure == lowest:
            return f"{everyone}, and they have {best}."
        return f"{everyone}, and they were {picked.removeprefix('was ')}."
    if repeat:
        return f"{subject} {picked}, although they already sit on this loop."
    if measure == lowest:
        return f"{who} {trained} and has {best}."
    if measure == lowest_new:  # only when scheduled: unscheduled newcomers have 0
        return (
            f"{who} {trained} and has the lightest load that week of those not yet on "
            f"this loop ({load} of {m.weekly_limit} so far)."
        )
    although = f"although others had lighter loads that week ({load} of {m.weekly_limit} so far)"
    return f"{subject} {picked}, {although}."


def _unpaired(loop: _Loop, assignments: Sequence[Assignment]) -> list[str]:
    """Rule 3, checked on the people themselves: a session with clinical and technical
    seats, all of them taken, has someone of each discipline. (Only an existing
    assignment in a seat of the other discipline can break it.)"""
    problems = []
    for s in loop.sessions:
        if not (s.clinical_seats and s.technical_seats):
            continue
        here = [
            loop.members[loop.member_index[a.interviewer_id]]
            for a in assignments
            if a.session_id == s.id and a.interviewer_id in loop.member_index
        ]
        if len(here) < s.clinical_seats + s.technical_seats:
            continue  # short of people: already reported as such
        present = {m.discipline for m in here}
        problems += [
            f"Session '{s.title}' pairs clinical and technical interviewers but has no "
            f"{d} interviewer seated."
            for d in DISCIPLINES
            if d not in present
        ]
    return problems


def _violations(loop: _Loop, assignments: Sequence[Assignment]) -> list[str]:
    """Re-check a finished panel against every hard rule; [] when it is valid."""
    problems = []
    seated: dict[tuple[int, str], list[int]] = {}
    by_member: dict[int, list[int]] = {}
    for a in assignments:
        i, k = (
            loop.session_index.get(a.session_id),
            loop.member_index.get(a.interviewer_id),
        )
        if i is None or k is None:
            return [f"Assignment {a} does not refer to this loop and pool."]
        m = loop.members[k]
        if m.discipline != a.discipline or m.conflict or i in by_member.get(k, []):
            problems.append(
                f"{m.name} cannot sit in session '{loop.sessions[i].title}'."
            )
        seated.setdefault((i, a.discipline), []).append(k)
        by_member.setdefault(k, []).append(i)
    for i, s in enumerate(loop.sessions):
        for d in DISCIPLINES:
            if len(seated.get((i, d), ())) != loop._seats(i, d):
                problems.append(
                    f"Session '{s.title}' does not have exactly its {d} seats filled."
                )
    for k, mine in by_member.items():
        m = loop.members[k]
        weeks: dict[tuple[int, int], int] = {}
        for i in mine:
            if loop.start[i] is None:
                continue
            weeks[loop.week[i]] = weeks.get(loop.week[i], 0) + 1
            if any(loop.overlap[i][j] for j in mine) or any(
                b0 < loop.end[i] and loop.start[i] < b1 for b0, b1, _ in loop.busy[k]
            ):
                problems.append(
                    f"{m.name} is double-booked in session '{loop.sessions[i].title}'."
                )
        for w, n in weeks.items():
            if n + loop.busy_week[k].get(w, 0) > m.weekly_limit:
                problems.append(
                    f"{m.name} is over their weekly limit in {_week_of(w)}."
                )
    covered = set()
    for a in assignments:
        i, k = loop.session_index[a.session_id], loop.member_index[a.interviewer_id]
        m = loop.members[k]
        for c in loop.sessions[i].competencies:
            if c in m.trained:
                covered.add((c, m.discipline))
    for key, d in loop.reqs:
        if (key, d) not in covered:
            problems.append(f"{loop.comp_name[key]} is not covered for the {d} side.")
    return problems
