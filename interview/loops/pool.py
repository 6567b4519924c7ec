"""The interviewer pool as the pairing rules see it (``pairing.PoolMember``), read for
one loop: each person's trainings, weekly loads and the interviews that may clash
with the loop's sessions.

A hospital's pool is thousands of people, and the proposal's shortlist looks at a
few dozen of them (pairing.py, step 0). So the pool is read in two steps: everyone's
numbers first (``calendars``: discipline, weekly limit, interviews each week, which
rank people by load), then names and trainings only of the lightest few of each
discipline and week (``Calendars.lightest``), enough for the shortlist's lists;
everyone's only when those do not decide the panel (pairing.propose_from_lightest).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..listing import ids_of, in_ids
from ..models import InterviewSession, Loop, PanelSeat, Role, Training, User
from . import pairing
from .operations import active_seats

# The longest session (the interview_sessions duration_range check): one starting
# this long before a week can still overlap a session in it.
LONGEST = timedelta(minutes=480)

# How many people of each discipline and week are read in full first. The
# shortlist's lists hold pairing.SHORTLIST_MARGIN more than the loop's open seats of
# a discipline (a dozen or so), and its walk passes over people who are busy then,
# at their limit or not trained on a competency.
LIGHTEST = 60

Week = tuple[int, int]


@dataclass
class Calendars:
    """Everyone's numbers for one loop, read once however many people there are."""

    people: list[tuple[int, str, int]]  # (id, discipline, weekly limit) by id
    weeks: list[Week]  # the ISO weeks (UTC) of the loop's scheduled sessions
    unscheduled: bool  # a session has no time yet
    held: dict[int, list[int]]  # seats held in each of ``weeks``, this loop's too
    less: dict[tuple[int, Week], int]  # of those: this loop's seats and ``busy``
    own: dict[tuple[int, Week], int]  # this loop's sessions someone sits on
    busy: dict[int, tuple[pairing.Busy, ...]]
    on_loop: set[int]  # everyone seated on this loop

    def load(self, user_id: int, n: int) -> int:
        """Someone's load in the nth week as the pairing rules count it: busy items,
        the week's other interviews (never below none) and this loop's sessions."""
        week = self.weeks[n]
        held = self.held.get(user_id)
        count = held[n] if held else 0
        if (user_id, week) not in self.less and (user_id, week) not in self.own:
            return count
        items = sum(1 for b in self.busy.get(user_id, ()) if _week(b.start) == week)
        rest = max(0, count - self.less.get((user_id, week), 0))
        return items + rest + self.own.get((user_id, week), 0)

    def week_load(self, user_id: int) -> tuple[tuple[Week, int], ...]:
        """``PoolMember.week_load``: the interviews neither busy items nor this
        loop's, each week, never below none (a page view's statements each see the
        moment they run: a seat given up since the loop was read is not counted)."""
        held = self.held.get(user_id)
        if not held:
            return ()
        return tuple(
            (week, n - self.less.get((user_id, week), 0))
            for week, n in zip(self.weeks, held, strict=True)
            if n > self.less.get((user_id, week), 0)
        )

    def lightest(self, n: int) -> set[int] | None:
        """The ids ``pairing.propose_from_lightest`` needs: per discipline and week,
        the first ``n`` by load then id (by id alone, for unscheduled sessions), and
        everyone on the loop; None when that is everyone."""
        everyone = {user_id for user_id, _, _ in self.people}
        chosen = self.on_loop & everyone
        odd = {user_id for user_id, _ in self.less} | {u for u, _ in self.own}
        for discipline in ("clinical", "technical"):
            ids = [user_id for user_id, d, _ in self.people if d == discipline]
            if len(ids) <= n:
                chosen.update(ids)
                continue
            if self.unscheduled:
                chosen.update(ids[:n])
            for w in range(len(self.weeks)):
                # Loads are small numbers: people by load, each load's in id order.
                by_load: dict[int, list[int]] = {}
                for user_id in ids:
                    if user_id in odd:
                        load = self.load(user_id, w)
                    else:
                        held = self.held.get(user_id)
                        load = held[w] if held else 0
                    by_load.setdefault(load, []).append(user_id)
                first: list[int] = []
                for load in sorted(by_load):
                    first += by_load[load][: n - len(first)]
                    if len(first) == n:
                        break
                chosen.update(first)
        return None if chosen == everyone else chosen


def calendars(loop: Loop) -> Calendars:
    """Three statements: the people, their seats each week of the loop's sessions
    (a row each), and their other interviews that may clash with its sessions."""
    people = db.session.execute(
        sa.select(
            User.id,
            # The stored value as it is: the pure rules take plain strings.
            sa.type_coerce(User.discipline, sa.String),
            User.weekly_interview_limit,
        )
        .where(User.role == Role.INTERVIEWER, User.is_active.is_(True))
        .order_by(User.id)
    ).all()
    timed = [s for s in loop.sessions if s.starts_at]
    mondays = sorted({_monday(s.starts_at) for s in timed})
    held = (
        {user_id: n for user_id, *n in db.session.execute(_week_counts(mondays))}
        if mondays
        else {}
    )
    # The week's counts include this loop's own seats (an index-only read) and the
    # interviews listed as busy items: those are taken off ``week_load``.
    less: dict[tuple[int, Week], int] = {}
    own: dict[tuple[int, Week], int] = {}
    on_loop = set()
    for s in loop.sessions:
        seated = {x.interviewer_id for x in active_seats(s) if x.interviewer_id}
        on_loop |= seated
        if s.starts_at is None:
            continue
        week = _week(s.starts_at)
        for seat in active_seats(s):
            if seat.interviewer_id is not None:
                key = (seat.interviewer_id, week)
                less[key] = less.get(key, 0) + 1
        for user_id in seated:  # the rules count a session once per person
            own[user_id, week] = own.get((user_id, week), 0) + 1
    busy = _busy_near(loop, timed, less)
    return Calendars(
        people=[tuple(row) for row in people],
        weeks=[monday.isocalendar()[:2] for monday in mondays],
        unscheduled=len(timed) < len(loop.sessions),
        held=held,
        less=less,
        own=own,
        busy=busy,
        on_loop=on_loop,
    )


def members(
    loop: Loop, known: Calendars, ids: set[int] | None
) -> list[pairing.PoolMember]:
    """The pool members with these ids (everyone in ``known`` for None): their
    names and trainings in one statement, the rest from ``known``."""
    # Only the trainings this loop's sessions can use: the rules weigh no other.
    keys = {c.key for s in loop.sessions for c in s.competencies}
    trained = sa.select(
        Training.user_id,
        sa.func.aggregate_strings(Training.competency_key, " ").label("keys"),
    ).where(Training.competency_key.in_(keys))
    # Active interviewers only, asked for by id or not: someone deactivated since
    # ``known`` was read is left out, as from everyone.
    named = sa.select(User.id, User.name).where(
        User.role == Role.INTERVIEWER, User.is_active.is_(True)
    )
    if ids is not None:
        # One parameter, not one per id: binding hundreds cost more than the reads.
        asked = ids_of(ids)
        trained = trained.where(in_ids(Training.user_id, asked))
        named = named.where(in_ids(User.id, asked))
    trained = trained.group_by(Training.user_id).subquery("trained")
    found = {
        user_id: (name, held)
        for user_id, name, held in db.session.execute(
            named.add_columns(trained.c["keys"]).outerjoin(
                trained, trained.c.user_id == User.id
            )
        )
    }
    conflicts = {c.user_id: c.reason for c in loop.candidate.conflicts}
    # People trained on the same of the loop's competencies share one set.
    kinds: dict[str | None, frozenset[str]] = {}
    pool = []
    for user_id, discipline, limit in known.people:
        if user_id not in found:
            continue  # not asked for, or no longer an active interviewer
        name, held = found[user_id]
        trained_on = kinds.get(held)
        if trained_on is None:
            trained_on = kinds[held] = frozenset(held.split()) if held else frozenset()
        pool.append(
            pairing.PoolMember(
                id=user_id,
                name=name,
                discipline=discipline,
                trained=trained_on,
                weekly_limit=limit,
                busy=known.busy.get(user_id, ()),
                week_load=known.week_load(user_id),
                conflict=conflicts.get(user_id),
            )
        )
    return pool


def _monday(moment: datetime) -> datetime:
    day = moment.astimezone(UTC).date()
    return datetime.combine(day - timedelta(days=day.weekday()), time(), UTC)


def _week(moment: datetime) -> Week:
    return moment.astimezone(UTC).isocalendar()[:2]


def _week_counts(mondays: list[datetime]):
    """Each interviewer's held seats starting in each ISO week (UTC) of ``mondays``,
    as ``user_id`` and a count per week in that order: a row per person, not per
    person and week (1,900 rows at scale instead of 4,700). One range of the seats'
    start index per week (an OR of ranges is a full scan on SQLite), read from the
    index alone: the loop's own seats are counted too, and taken out by the caller
    (leaving them out here read every seat's row for its session: 13 ms of SQLite's
    14 at scale). A statement of its own: joined to the people, SQLite scanned a
    week's counts once per person (170 ms at scale)."""
    # Grouped by the id plus 0: by the id alone SQLite walks the interviewer index
    # (it comes sorted) instead of the week's range of the start index.
    who = PanelSeat.interviewer_id + sa.literal_column("0")
    per_week = sa.union_all(
        *(
            sa.select(
                who.label("user_id"),
                sa.literal(n, sa.Integer).label("week"),
                sa.func.count().label("seats"),
            )
            .where(
                PanelSeat.interviewer_id.is_not(None),
                PanelSeat.removed_at.is_(None),
                PanelSeat.starts_at >= monday,
                PanelSeat.starts_at < monday + timedelta(days=7),
            )
            .group_by(who)
            for n, monday in enumerate(mondays)
        )
    ).subquery("per_week")
    return sa.select(
        per_week.c.user_id,
        *(
            # PostgreSQL sums counts as numeric: integers, as SQLite gives.
            sa.cast(
                sa.func.sum(sa.case((per_week.c.week == n, per_week.c.seats), else_=0)),
                sa.Integer,
            )
            for n in range(len(mondays))
        ),
    ).group_by(per_week.c.user_id)


def _busy_near(loop: Loop, timed: list, less: dict) -> dict:
    """Everyone's other interviews that overlap a session of this loop, as tuples of
    ``Busy`` items by interviewer, counted in ``less`` (they count toward their week
    as items). A hospital has thousands of interviews a week: built one object each
    they took most of a second (issue 11). One range of the seats' start index per
    session."""
    if not timed:
        return {}
    values = {"own": [s.id for s in loop.sessions]}
    for n, s in enumerate(timed):
        values.update(
            {
                f"after{n}": s.starts_at - LONGEST,
                f"at{n}": s.starts_at,
                f"end{n}": s.ends_at,
            }
        )
    near = db.session.execute(_near(len(timed)), values)
    busy: dict[int, tuple[pairing.Busy, ...]] = {}
    listed = set()
    for seat_id, user_id, loop_id, title, starts_at, minutes in near:
        if seat_id in listed:  # near two of this loop's sessions
            continue
        listed.add(seat_id)
        busy[user_id] = (
            *busy.get(user_id, ()),
            pairing.Busy(
                starts_at,
                starts_at + timedelta(minutes=minutes),
                f"loop {loop_id}: {title}",
            ),
        )
        key = (user_id, _week(starts_at))
        less[key] = less.get(key, 0) + 1
    return busy


_NEAR: dict[int, sa.CompoundSelect] = {}


def _near(sessions: int) -> sa.CompoundSelect:
    """``_busy_near``'s statement for a loop of this many scheduled sessions, built
    once and given its times as parameters: building five selects' conditions took
    longer than running them (about 10 ms of the proposal at scale)."""
    if sessions in _NEAR:
        return _NEAR[sessions]
    starts = PanelSeat.starts_at
    near = sa.union_all(
        *(
            sa.select(
                PanelSeat.id,
                PanelSeat.interviewer_id,
                InterviewSession.loop_id,
                InterviewSession.title,
                starts,
                InterviewSession.duration_minutes,
            )
            .join(InterviewSession, PanelSeat.session_id == InterviewSession.id)
            .where(
                PanelSeat.session_id.not_in(sa.bindparam("own", expanding=True)),
                PanelSeat.interviewer_id.is_not(None),
                PanelSeat.removed_at.is_(None),
                starts > sa.bindparam(f"after{n}"),
                starts < sa.bindparam(f"end{n}"),
                # The session's own start too (the seat's copy of it): without it
                # PostgreSQL guessed a week of sessions might end after the start
                # and scanned them all in parallel workers (23 ms, now 7 ms).
                InterviewSession.starts_at > sa.bindparam(f"after{n}"),
                InterviewSession.starts_at < sa.bindparam(f"end{n}"),
                InterviewSession.ends_at > sa.bindparam(f"at{n}"),
            )
            for n in range(sessions)
        )
    )
    if sessions <= 20:  # a loop's usual sizes; a larger one is built each time
        _NEAR[sessions] = near
    return near
