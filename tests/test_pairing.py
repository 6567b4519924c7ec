"""Panel pairing: the hard rules, the load spreading, nobody seated twice where the pool
allows it (and a note naming who and why where it does not, down to the loop page),
the explanations, and properties checked by Hypothesis against a checker and a brute
force written here from the rules alone."""

import dataclasses
import html
import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interview.loops.pairing import (
    Assignment,
    Busy,
    CompetencyNeed,
    PoolMember,
    Proposal,
    SessionNeed,
    propose_panel,
)

CW = CompetencyNeed("workflow", "Clinical workflow understanding", "clinical")
PS = CompetencyNeed("safety", "Patient safety judgement", "clinical")
IO = CompetencyNeed("interop", "Interoperability design", "both")
SD = CompetencyNeed("systems", "Systems design", "technical")
RUBRIC = (CW, PS, IO, SD)


def at(
    day: int, hour: int, minute: int = 0, month: int = 3, year: int = 2026
) -> datetime:
    """March 2026: Mon 2, Tue 3, Wed 4, ... Sun 8, Mon 9."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def session(
    id: int,
    title: str,
    starts_at: datetime | None,
    competencies: tuple[str, ...] = (),
    clinical: int = 1,
    technical: int = 1,
    minutes: int = 60,
) -> SessionNeed:
    return SessionNeed(id, title, starts_at, minutes, competencies, clinical, technical)


def member(
    id: int,
    name: str,
    discipline: str,
    trained: tuple[str, ...] = (),
    limit: int = 4,
    busy: tuple[Busy, ...] = (),
    conflict: str | None = None,
) -> PoolMember:
    return PoolMember(id, name, discipline, frozenset(trained), limit, busy, conflict)


def busy(start: datetime, minutes: int = 60, label: str = "") -> Busy:
    return Busy(start, start + timedelta(minutes=minutes), label)


def seated(
    proposal: Proposal, session_id: int, discipline: str | None = None
) -> list[int]:
    return [
        a.interviewer_id
        for a in proposal.assignments
        if a.session_id == session_id
        and (discipline is None or a.discipline == discipline)
    ]


def reason_of(proposal: Proposal, session_id: int, interviewer_id: int) -> str:
    (found,) = [
        a.reason
        for a in proposal.assignments
        if a.session_id == session_id and a.interviewer_id == interviewer_id
    ]
    return found


# ----------------------------------------------------------------------------- checker


def violations(sessions, competencies, pool, assignments) -> list[str]:
    """Every hard rule, written from the rules alone (no use of the module's internals)."""
    found = []
    people = {m.id: m for m in pool}
    by_id = {s.id: s for s in sessions}

    def span(s):
        return (s.starts_at, s.starts_at + timedelta(minutes=s.duration_minutes))

    def overlaps(a, b):
        return a[0] < b[1] and b[0] < a[1]

    def week(moment):
        return moment.isocalendar()[:2]

    mine: dict[int, list] = {}
    for a in assignments:
        if a.session_id not in by_id or a.interviewer_id not in people:
            found.append(f"unknown reference in {a}")
            continue
        m = people[a.interviewer_id]
        if m.discipline != a.discipline:
            found.append(f"rule 1: {m.name} in a {a.discipline} seat")
        if m.conflict:
            found.append(f"rule 6: {m.name} has a conflict")
        mine.setdefault(m.id, []).append(by_id[a.session_id])
    # Rule 1 and 3: exact seat counts, nobody twice in a session, pairs are paired.
    for s in sessions:
        here = [
            a
            for a in assignments
            if a.session_id == s.id and a.interviewer_id in people
        ]
        ids = [a.interviewer_id for a in here]
        if len(ids) != len(set(ids)):
            found.append(f"rule 1: someone sits twice in {s.title}")
        clinical = sum(1 for a in here if a.discipline == "clinical")
        technical = sum(1 for a in here if a.discipline == "technical")
        if (clinical, technical) != (s.clinical_seats, s.technical_seats):
            found.append(f"rule 1: {s.title} has {clinical}+{technical} seated")
        if s.clinical_seats and s.technical_seats:
            real = {people[i].discipline for i in ids}
            if real != {"clinical", "technical"}:
                found.append(f"rule 3: {s.title} is not paired")
    # Rule 2: coverage.
    for c in competencies:
        if not any(c.key in s.competencies for s in sessions):
            continue
        sides = (
            ("clinical", "technical") if c.assessed_by == "both" else (c.assessed_by,)
        )
        for side in sides:
            if not any(
                c.key in by_id[a.session_id].competencies
                and people[a.interviewer_id].discipline == side
                and c.key in people[a.interviewer_id].trained
                for a in assignments
                if a.session_id in by_id and a.interviewer_id in people
            ):
                found.append(f"rule 2: {c.key} not covered for {side}")
    # Rules 4 and 5.
    for mid, sessions_of in mine.items():
        m = people[mid]
        timed = [s for s in sessions_of if s.starts_at is not None]
        for x, y in itertools.combinations(timed, 2):
            if overlaps(span(x), span(y)):
                found.append(f"rule 4: {m.name} in overlapping {x.title} and {y.title}")
        for s in timed:
            for b in m.busy:
                if overlaps(span(s), (b.start, b.end)):
                    found.append(f"rule 4: {m.name} busy during {s.title}")
        for w in {week(s.starts_at) for s in timed}:
            load = sum(1 for b in m.busy if week(b.start) == w)
            load += sum(n for wk, n in m.week_load if wk == w)
            load += sum(1 for s in timed if week(s.starts_at) == w)
            if load > m.weekly_limit:
                found.append(f"rule 5: {m.name} over limit in week {w}")
    return found


def assert_valid(proposal, sessions, competencies, pool):
    assert proposal.ok, proposal.problems
    assert violations(sessions, competencies, pool, proposal.assignments) == []


# ----------------------------------------------------------------------------- coverage


def test_both_sides_competency_gets_a_trained_interviewer_on_each_side():
    sessions = (session(1, "Integration case", at(3, 10), ("interop",)),)
    pool = (
        member(1, "Ann", "clinical"),
        member(2, "Bea", "clinical", ("interop",)),
        member(3, "Cy", "technical"),
        member(4, "Dee", "technical", ("interop",)),
    )
    proposal = propose_panel(sessions, RUBRIC, pool)
    assert_valid(proposal, sessions, RUBRIC, pool)
    assert seated(proposal, 1) == [2, 4]
    assert reason_of(proposal, 1, 2) == (
        "Bea (clinical) is trained on interoperability design and has the lightest load "
        "that week (0 of 4 so far)."
    )


def test_clinical_only_competency_needs_no_trained_technical_interviewer():
    sessions = (session(1, "Ward round", at(3, 10), ("workflow",)),)
    pool = (member(1, "Ann", "clinical", ("workflow",)), member(2, "Cy", "technical"))
    proposal = propose_panel(sessions, RUBRIC, pool)
    assert_valid(proposal, sessions, RUBRIC, pool)
    assert reason_of(proposal, 1, 2) == (
        "Cy (technical) is not trained on this session's competencies and has the "
        "lightest load that week (0 of 4 so far)."
    )


def test_trained_person_is_preferred_over_a_lighter_untrained_one_and_told_why():
    sessions = (session(1, "Ward round", at(3, 10), ("workflow",), technical=0),)
    pool = (
        member(1, "Ann", "clinical"),
        member(2, "Kwame Mensah", "clinical", ("workflow",), busy=(busy(at(2, 9)),)),
    )
    proposal = propose_panel(sessions, RUBRIC, pool)
    assert_valid(proposal, sessions, RUBRIC, pool)
    assert proposal.assignments == (
        Assignment(
            1,
            2,
            "clinical",
            "Kwame Mensah (clinical) was picked because they are trained on clinical "
            "workflow understanding, which the panel still needed, although others had "
            "lighter loads that week (1 of 4 so far).",
        ),
    )


def test_coverage_can_come_from_any_session_covering_the_competency():
    sessions = (
        session(1, "Integration case", at(3, 10), ("interop",)),
        session(2, "Integration deep dive", at(3, 14), ("interop",)),
    )
    pool = (
        member(1, "Ann", "clinical", ("interop",), busy=(busy(at(3, 10)),)),
        member(2, "Bea", "clinical"),
        member(3, "Cy", "technical", ("interop",)),
        member(4, "Dee", "technical"),
    )
    proposal = propose_panel(sessions, RUBRIC, pool)
    assert_valid(proposal, sessions, RUBRIC, pool)
    assert 1 in seated(proposal, 2, "clinical")


# ----------------------------------------------------------------------------- pairing


def test_paired_session_seats_the_requested_mix():
    sessions = (session(1, "Panel", at(3, 10), (), clinical=2, technical=1),)
    pool = tuple(member(n, f"C{n}", "clinical") for n in (1, 2, 3)) + (
        member(4, "T4", "technical"),
    )
    proposal = propose_panel(sessions, RUBRIC, pool)
    assert_valid(proposal, sessions, RUBRIC, pool)
    assert seated(proposal, 1, "clinical") == [1, 2]
    assert seated(proposal, 1, "technical") == [4]


def test_paired_session_without_a_technical_interviewer_is_reported():
    sessions = (session(1, "Panel", at(3, 10)),)
    pool = (member(1, "Ann", "clinical"),)
    proposal = propose_panel(sessions, RUBRIC, pool)
    assert not proposal.ok
    assert proposal.problems == (
        (
            "Session 'Panel' (Tue 3 Mar 2026 10:00-11:00 UTC) needs 1 technical interviewer "
            "but no technical interviewer is free then and under their weekly limit "
            "(there is no technical interviewer in the pool)."
        ),
    )
    assert seated(proposal, 1) == [1]  # what can be filled is filled


def test_paired_session_left_without_a_clinical_interviewer_by_an_existing_choice():
    sessions = (session(1, "Panel", at(3, 10)),)
    pool = (
        member(1, "Ann", "clinical"),
        member(3, "Cy", "technical"),
        member(4, "Dee", "technical"),
    )
    existing = (Assignment(1, 3, "clinical", "Picked by a person."),)
    assert propose_panel(sessions, RUBRIC, pool, existing=existing).problems == (
        (
            "Cy is seated as a clinical interviewer in session 'Panel' but is a technical "
            "interviewer."
        ),
        (
            "Session 'Panel' pairs clinical and technical interviewers but has no clinical "
            "interviewer seated."
        ),
    )


# ----------------------------------------------------------------------------- time


def test_busy_interviewer_is_not_seated():
    sessions = (session(1, "Case", at(3, 10), technical=0),)
    pool = (
        member(1, "Ann", "clinical", busy=(busy(at(3, 10, 30), label="Loop 12"),)),
        member(2, "Bea", "clinical", busy=(busy(at(4, 10)), busy(at(5, 10)))),
    )
    proposal = propose_panel(sessions, RUBRIC, pool)
    assert_valid(proposal, sessions, RUBRIC, pool)
    assert seated(proposal, 1) == [2]


def test_overlapping_sessions_of_the_loop_get_different_people():
    sessions = (
        session(1, "Case", at(3, 10), technical=0),
        session(2, "Design", at(3, 10, 30), technical=0),
    )
    pool = (member(1, "Ann", "clinical"), member(2, "Bea", "clinical"))
    proposal = propose_panel(sessions, RUBRIC, pool)
    assert_valid(proposal, sessions, RUBRIC, pool)
    assert {seated(proposal, 1)[0], seated(proposal, 2)[0]} == {1, 2}

    alone = propose_panel(sessions, RUBRIC, pool[:1])
    assert alone.problems == (
        (
            "Sessions 'Case' (Tue 3 Mar 2026 10:00-11:00 UTC) and 'Design' (Tue 3 Mar 2026 "
            "10:30-11:30 UTC) overlap and need 2 clinical interviewers between them, but only "
            "1 clinical interviewer is free then and under their weekly limit (Ann)."
        ),
    )
    assert len(alone.assignments) == 1


def test_adjacent_sessions_and_busy_times_do_not_overlap():
    sessions = (
        session(1, "Case", at(3, 10), technical=0),
        session(2, "Design", at(3, 11), technical=0),
    )
    pool = (member(1, "Ann", "clinical", busy=(busy(at(3, 9)), busy(at(3, 12)))),)
    proposal = propose_panel(sessions, RUBRIC, pool)
    assert_valid(proposal, sessions, RUBRIC, pool)
    assert seated(proposal, 1) == seated(proposal, 2) == [1]


def test_session_crossing_midnight_is_shown_with_both_days():
    sessions = (session(1, "Night shift", at(3, 23, 30), technical=0),)
    pool = (member(1, "Ann", "clinical", busy=(busy(at(4, 0)),)),)
    proposal = propose_panel(sessions, RUBRIC, pool)
    assert proposal.problems == (
        (
            "Session 'Night shift' (Tue 3 Mar 2026 23:30-Wed 4 Mar 2026 00:30 UTC) needs 1 "
            "clinical interviewer but no clinical interviewer is free then and under their "
            "weekly limit (of 1 clinical interviewer, 1 is busy then)."
        ),
    )


# ----------------------------------------------------------------------------- weekly load


def test_interviewer_at_weekly_limit_is_not_seated():
    sessions = (session(1, "Case", at(3, 10), technical=0),)
    full = member(1, "Ann", "clinical", limit=2, busy=(busy(at(2, 9)), busy(at(6, 9))))
    proposal = propose_panel(
        sessions, RUBRIC, (full, member(2, "Bea", "clinical", limit=2))
    )
    assert seated(proposal, 1) == [2]
    alone = propose_panel(sessions, RUBRIC, (full,))
    assert alone.problems == (
        (
            "Session 'Case' (Tue 3 Mar 2026 10:00-11:00 UTC) needs 1 clinical interviewer but "
            "no clinical interviewer is free then and under their weekly limit (of 1 clinical "
            "interviewer, 1 is at their weekly limit)."
        ),
    )


@pytest.mark.parametrize(
    ("busy_at", "session_at", "counts"),
    [
        (at(1, 23, 30), at(2, 0), False),  # Sun 1 Mar belongs to the week before
        (at(2, 0), at(8, 23), True),  # Mon 00:00 and Sun 23:00: one ISO week
        (at(8, 23), at(9, 0), False),  # Sun 8 Mar, then Mon 9 Mar
        (at(28, 9, month=12), at(1, 10, month=1, year=2027), True),  # 2026-W53
        (at(3, 9, month=1, year=2027), at(1, 10, month=1, year=2027), True),
        (at(4, 9, month=1, year=2027), at(3, 10, month=1, year=2027), False),
    ],
)
def test_weekly_limit_follows_iso_weeks_in_utc(busy_at, session_at, counts):
    sessions = (session(1, "Case", session_at, technical=0),)
    pool = (member(1, "Ann", "clinical", limit=1, busy=(busy(busy_at, minutes=30),)),)
    proposal = propose_panel(sessions, RUBRIC, pool)
    assert proposal.ok is not counts


def test_week_load_counts_toward_the_limit_like_busy_items_that_week():
    """Other interviews given as counts per ISO week weigh as the same number of
    busy items starting that week would, and in that week only."""
    sessions = (session(1, "Case", at(3, 10), technical=0),)
    counted = dataclasses.replace(
        member(1, "Ann", "clinical", limit=2), week_load=(((2026, 10), 2),)
    )
    listed = member(
        1, "Ann", "clinical", limit=2, busy=(busy(at(2, 9)), busy(at(6, 9)))
    )
    assert (
        propose_panel(sessions, RUBRIC, (counted,)).problems
        == propose_panel(sessions, RUBRIC, (listed,)).problems
        != ()
    )
    week_before = dataclasses.replace(counted, week_load=(((2026, 9), 2),))
    proposal = propose_panel(sessions, RUBRIC, (week_before,))
    assert_valid(proposal, sessions, RUBRIC, (week_before,))
    with pytest.raises(ValueError, match="negative week load"):
        propose_panel(
            sessions,
            RUBRIC,
            (dataclasses.replace(counted, week_load=(((2026, 10), -1),)),),
        )


def test_weekly_limit_counts_the_loops_own_sessions():
    sessions = (
        session(1, "Case", at(3, 10), technical=0),
        session(2, "Design", at(5, 10), technical=0),
    )
    pool = (member(1, "Ann", "clinical", limit=1),)
    proposal = propose_panel(sessions, RUBRIC, pool)
    assert proposal.problems == (
        (
            "Sessions 'Case' (Tue 3 Mar 2026 10:00-11:00 UTC) and 'Design' (Thu 5 Mar 2026 "
            "10:00-11:00 UTC) need 2 clinical interviewers between them, but the clinical "
            "interviewers free for them (Ann) can take only 1 more interview in the week of "
            "Mon 2 Mar 2026 under their weekly limits."
        ),
    )
    next_week = (sessions[0], session(2, "Design", at(10, 10), technical=0))
    proposal = propose_panel(next_week, RUBRIC, pool)
    assert_valid(proposal, next_week, RUBRIC, pool)


def test_load_is_spread_evenly():
    sessions = tuple(
        session(n, f"S{n}", at(2 + n, 10), technical=0) for n in range(1, 5)
    )
    pool = (member(1, "Ann", "clinical"), member(2, "Bea", "clinical"))
    proposal = propose_panel(sessions, RUBRIC, pool)
    assert_valid(proposal, sessions, RUBRIC, pool)
    counts = [
        sum(1 for a in proposal.assignments if a.interviewer_id == i) for i in (1, 2)
    ]
    assert counts == [2, 2]


def test_lightest_load_that_week_wins_then_fewest_seats_then_id():
    sessions = (session(1, "Case", at(3, 10), technical=0),)
    pool = (
        member(1, "Ann", "clinical", busy=(busy(at(2, 9)),)),
        member(
            3, "Cy", "clinical", busy=(busy(at(9, 9)), busy(at(10, 9)))
        ),  # next week
        member(2, "Bea", "clinical", busy=(busy(at(3, 14)),)),
    )
    proposal = propose_panel(sessions, RUBRIC, pool)
    assert seated(proposal, 1) == [3]
    assert reason_of(proposal, 1, 3) == (
        "Cy (clinical) fills a clinical seat and has the lightest load that week "
        "(0 of 4 so far)."
    )
    without_cy = propose_panel(sessions, RUBRIC, (pool[0], pool[2]))
    assert seated(without_cy, 1) == [1]  # equal loads: the lower id


def test_output_is_deterministic_whatever_the_pool_order():
    sessions = (
        session(1, "Case", at(3, 10), ("workflow", "interop")),
        session(2, "Design", at(3, 11), ("systems",)),
    )
    pool = tuple(
        member(
            n,
            f"P{n}",
            "clinical" if n % 2 else "technical",
            ("interop", "workflow", "systems"),
        )
        for n in range(1, 9)
    )
    first = propose_panel(sessions, RUBRIC, pool)
    assert first == propose_panel(sessions, RUBRIC, pool)
    assert first == propose_panel(sessions, RUBRIC, tuple(reversed(pool)))
    assert_valid(first, sessions, RUBRIC, pool)


# ----------------------------------------------------------------------------- conflicts


def test_member_with_a_conflict_is_never_seated():
    sessions = (session(1, "Case", at(3, 10), ("interop",)),)
    pool = (
        member(1, "Ann", "clinical", ("interop",), conflict="referred the candidate"),
        member(2, "Bea", "clinical", ("interop",), busy=(busy(at(2, 9)),)),
        member(3, "Cy", "technical", ("interop",)),
    )
    proposal = propose_panel(sessions, RUBRIC, pool)
    assert_valid(proposal, sessions, RUBRIC, pool)
    assert seated(proposal, 1, "clinical") == [2]


# ----------------------------------------------------------------------------- existing


def test_existing_assignments_are_kept_counted_and_the_rest_filled():
    sessions = (
        session(1, "Case", at(3, 10), ("workflow",)),
        session(2, "Design", at(3, 10, 30), technical=0),
    )
    pool = (
        member(1, "Ann", "clinical", ("workflow",)),
        member(2, "Bea", "clinical", busy=(busy(at(2, 9)),)),
        member(3, "Cy", "technical"),
    )
    chosen = Assignment(1, 1, "clinical", "Picked by the recruiter.")
    proposal = propose_panel(sessions, RUBRIC, pool, existing=(chosen,))
    assert_valid(proposal, sessions, RUBRIC, pool)
    assert proposal.assignments[0] == chosen
    # Ann is lighter but already sits in the overlapping session 'Case'.
    assert seated(proposal, 2) == [2]
    assert seated(proposal, 1) == [1, 3]


def test_existing_assignments_count_toward_weekly_load():
    sessions = (
        session(1, "Case", at(3, 10), technical=0),
        session(2, "Design", at(4, 10), technical=0),
    )
    pool = (
        member(1, "Ann", "clinical", limit=1),
        member(2, "Bea", "clinical", limit=1),
    )
    existing = (Assignment(1, 1, "clinical", "Picked by the recruiter."),)
    proposal = propose_panel(sessions, RUBRIC, pool, existing=existing)
    assert_valid(proposal, sessions, RUBRIC, pool)
    assert seated(proposal, 2) == [2]


def test_existing_assignments_breaking_rules_are_reported_by_name():
    sessions = (
        session(1, "Case", at(3, 10)),
        session(2, "Design", at(3, 10, 30), clinical=0),
    )
    pool = (
        member(1, "Ann", "clinical", conflict="referred the candidate"),
        member(
            2,
            "Bea",
            "clinical",
            busy=(busy(at(3, 9, 30), label="Loop 12: Systems design"),),
        ),
        member(3, "Cy", "technical", limit=1, busy=(busy(at(2, 9)),)),
        member(4, "Dee", "technical"),
    )
    existing = (
        Assignment(1, 1, "clinical", "x"),
        Assignment(1, 2, "clinical", "x"),
        Assignment(1, 3, "clinical", "x"),
        Assignment(2, 3, "technical", "x"),
        Assignment(2, 3, "technical", "x"),
        Assignment(7, 4, "technical", "x"),
        Assignment(2, 99, "technical", "x"),
    )
    proposal = propose_panel(sessions, RUBRIC, pool, existing=existing)
    assert proposal.assignments[: len(existing)] == existing
    assert proposal.problems == (
        (
            "Ann is seated in session 'Case' but has a conflict (referred the candidate) and "
            "must not be seated."
        ),
        (
            "Bea is double-booked: session 'Case' (Tue 3 Mar 2026 10:00-11:00 UTC) overlaps "
            "their other interview 'Loop 12: Systems design' (Tue 3 Mar 2026 09:30-10:30 UTC)."
        ),
        (
            "Cy is seated as a clinical interviewer in session 'Case' but is a technical "
            "interviewer."
        ),
        "Cy is assigned to session 'Design' more than once.",
        "The existing assignment of Dee refers to session 7, which is not part of this loop.",
        (
            "The existing assignment to session 'Design' names interviewer 99, who is not in "
            "the interviewer pool."
        ),
        (
            "Session 'Case' has 1 clinical seat but 3 clinical interviewers are already "
            "assigned to it (Ann, Bea and Cy)."
        ),
        (
            "Session 'Design' has 1 technical seat but 2 technical interviewers are already "
            "assigned to it (Cy and interviewer 99)."
        ),
        (
            "Cy is double-booked: sessions 'Case' (Tue 3 Mar 2026 10:00-11:00 UTC) and "
            "'Design' (Tue 3 Mar 2026 10:30-11:30 UTC) overlap."
        ),
        (
            "Cy is over their weekly limit in the week of Mon 2 Mar 2026: 3 interviews against "
            "a limit of 1."
        ),
    )
    # The open technical seat of 'Case' is still filled, by the only one who can.
    assert seated(proposal, 1, "technical") == [4]


# ----------------------------------------------------------------------------- repeats

RP = CompetencyNeed("privacy", "Regulatory and privacy judgement", "clinical")


def repeats_of(assignments) -> int:
    """Seats beyond each person's first in the loop."""
    seats: dict[int, int] = {}
    for a in assignments:
        seats[a.interviewer_id] = seats.get(a.interviewer_id, 0) + 1
    return sum(n - 1 for n in seats.values())


def test_nobody_sits_twice_when_others_are_free():
    # Ann and Cy have the lightest weeks; load alone would seat them on both sessions.
    sessions = (
        session(1, "Build and workflow", at(3, 10)),
        session(2, "Change and privacy", at(3, 14)),
    )
    heavy = (busy(at(2, 9)), busy(at(2, 11)))
    pool = (
        member(1, "Ann", "clinical"),
        member(2, "Bea", "clinical", busy=heavy),
        member(3, "Cy", "technical"),
        member(4, "Dee", "technical", busy=heavy),
    )
    proposal = propose_panel(sessions, RUBRIC, pool)
    assert_valid(proposal, sessions, RUBRIC, pool)
    assert seated(proposal, 1) == [1, 3]
    assert seated(proposal, 2) == [2, 4]
    assert proposal.notes == ()
    assert reason_of(proposal, 2, 2) == (
        "Bea (clinical) fills a clinical seat and has the lightest load that week of "
        "those not yet on this loop (2 of 4 so far)."
    )


def test_a_seat_chosen_by_a_person_counts_as_a_seat_in_the_loop():
    sessions = (
        session(1, "Case", at(3, 10), technical=0),
        session(2, "Design", at(3, 14), technical=0),
    )
    pool = (
        member(1, "Ann", "clinical"),
        member(2, "Bea", "clinical", busy=(busy(at(2, 9)), busy(at(2, 11)))),
    )
    chosen = (Assignment(1, 1, "clinical", "Picked by the recruiter."),)
    proposal = propose_panel(sessions, RUBRIC, pool, existing=chosen)
    assert_valid(proposal, sessions, RUBRIC, pool)
    assert seated(proposal, 2) == [2]  # Ann is lighter but already on the loop
    assert proposal.notes == ()

    both = chosen + (Assignment(2, 1, "clinical", "Picked by the recruiter."),)
    kept = propose_panel(sessions, RUBRIC, pool, existing=both)
    assert kept.assignments == both
    assert kept.notes == (
        "Ann sits on both 'Case' and 'Design', as already seated before this proposal.",
    )


def test_a_repeat_forced_by_training_names_the_person_sessions_and_skill():
    rubric = RUBRIC + (RP,)
    sessions = (
        session(1, "Build and workflow", at(3, 10), ("workflow",)),
        session(2, "Change and privacy", at(3, 14), ("privacy",)),
    )
    pool = (
        member(1, "Clara Jensen", "clinical", ("workflow", "privacy")),
        member(2, "Ben Ortiz", "clinical", ("safety",)),
        member(3, "Ines Delgado", "technical"),
        member(4, "Wei Zhang", "technical"),
    )
    proposal = propose_panel(sessions, rubric, pool)
    assert_valid(proposal, sessions, rubric, pool)
    assert seated(proposal, 1, "clinical") == seated(proposal, 2, "clinical") == [1]
    assert repeats_of(proposal.assignments) == 1
    assert proposal.notes == (
        (
            "Clara Jensen sits on both 'Build and workflow' and 'Change and privacy': no "
            "other clinical interviewer free for 'Change and privacy' is trained on "
            "regulatory and privacy judgement."
        ),
    )
    assert reason_of(proposal, 2, 1) == (
        "Clara Jensen (clinical) was picked because they are trained on regulatory and "
        "privacy judgement, which the panel still needed, although they already sit on "
        "this loop."
    )


def test_only_the_unavoidable_repeats_are_made():
    # Clara alone can cover workflow and privacy: she sits twice. Ines and Wei fill
    # three technical seats: one of them sits twice. Ben, Kwame and Wei are the busier
    # ones, yet Ben and Wei take a seat rather than Clara or Ines taking a third.
    rubric = RUBRIC + (RP,)
    sessions = (
        session(1, "Build and workflow", at(3, 10), ("workflow",)),
        session(2, "Change and privacy", at(3, 14), ("privacy",)),
        session(3, "Team fit", at(4, 10)),
    )
    heavy = (busy(at(2, 9)), busy(at(2, 11)), busy(at(2, 13)))
    pool = (
        member(1, "Clara Jensen", "clinical", ("workflow", "privacy"), limit=5),
        member(2, "Ben Ortiz", "clinical", limit=5, busy=heavy),
        member(3, "Ines Delgado", "technical", limit=5),
        member(4, "Wei Zhang", "technical", limit=5, busy=heavy),
        member(5, "Kwame Mensah", "clinical", limit=5, busy=heavy),
    )
    proposal = propose_panel(sessions, rubric, pool)
    assert_valid(proposal, sessions, rubric, pool)
    assert repeats_of(proposal.assignments) == 2
    assert seated(proposal, 3, "clinical") == [2]
    assert seated(proposal, 1, "technical") == seated(proposal, 3, "technical") == [3]
    assert seated(proposal, 2, "technical") == [4]
    assert proposal.notes == (
        (
            "Clara Jensen sits on both 'Build and workflow' and 'Change and privacy': no "
            "other clinical interviewer free for 'Change and privacy' is trained on "
            "regulatory and privacy judgement."
        ),
        (
            "Ines Delgado sits on both 'Build and workflow' and 'Team fit': the loop has 3 "
            "technical seats and only 2 technical interviewers (Ines Delgado and Wei "
            "Zhang) are free for them."
        ),
    )


def test_a_repeat_forced_by_conflicts_busy_times_and_limits_says_which():
    sessions = (
        session(1, "Case", at(3, 10), technical=0),
        session(2, "Design", at(3, 14), technical=0),
        session(3, "Debrief rehearsal", at(10, 10), technical=0),
    )
    pool = (
        member(1, "Clara Jensen", "clinical"),
        member(2, "Ben Ortiz", "clinical", conflict="referred the candidate"),
        member(3, "Dan Levi", "clinical", busy=(busy(at(3, 10)), busy(at(3, 14)))),
        member(4, "Eve Moreau", "clinical", limit=1, busy=(busy(at(2, 9)),)),
    )
    proposal = propose_panel(sessions, RUBRIC, pool)
    assert_valid(proposal, sessions, RUBRIC, pool)
    assert seated(proposal, 1) == seated(proposal, 2) == [1]
    assert proposal.notes == (
        (
            "Clara Jensen sits on both 'Case' and 'Design': no other clinical interviewer "
            "is free for 'Design' (of 3 other clinical interviewers, 1 has a conflict, 1 "
            "is busy then and 1 is at their weekly limit)."
        ),
    )


def test_too_few_interviewers_for_the_seats_is_said_plainly():
    # The demo's shape: three paired sessions, two interviewers per side.
    sessions = tuple(session(n, f"S{n}", at(3, 8 + 2 * n)) for n in (1, 2, 3))
    pool = (
        member(1, "Clara Jensen", "clinical"),
        member(2, "Kwame Mensah", "clinical"),
        member(3, "Ines Delgado", "technical"),
        member(4, "Wei Zhang", "technical"),
    )
    proposal = propose_panel(sessions, RUBRIC, pool)
    assert_valid(proposal, sessions, RUBRIC, pool)
    assert repeats_of(proposal.assignments) == 2
    assert proposal.notes == (
        (
            "Clara Jensen sits on both 'S1' and 'S3': the loop has 3 clinical seats and "
            "only 2 clinical interviewers (Clara Jensen and Kwame Mensah) are free for "
            "them."
        ),
        (
            "Ines Delgado sits on both 'S1' and 'S3': the loop has 3 technical seats and "
            "only 2 technical interviewers (Ines Delgado and Wei Zhang) are free for them."
        ),
    )
    assert reason_of(proposal, 3, 1) == (
        "Clara Jensen (clinical) fills a clinical seat; everyone free for this seat "
        "already sits on this loop, and they have the lightest load that week (1 of 4 "
        "so far)."
    )


def test_the_loop_page_shows_why_someone_sits_twice(app, client, auth, make_user):
    """Through the browser route: propose, then read the note on the loop page."""
    from interview.extensions import db
    from interview.models import PanelSeat, PlanSession, Role, Training
    from interview.rubrics.operations import save_rubric
    from interview.rubrics.schema import validate

    from .builders import start_loop
    from .rubric_samples import dump, rubric

    manager = make_user(Role.HIRING_MANAGER)
    ta = make_user(Role.TALENT_ACQUISITION)
    people = {
        name: make_user(Role.INTERVIEWER, discipline=discipline, name=name)
        for name, discipline in (
            ("Clara Jensen", "clinical"),
            ("Kwame Mensah", "clinical"),
            ("Ines Delgado", "technical"),
            ("Wei Zhang", "technical"),
        )
    }
    trained = {
        "Clara Jensen": ("workflow", "privacy"),
        "Ines Delgado": ("workflow", "privacy"),
        "Wei Zhang": ("workflow", "privacy"),
    }
    with app.app_context():
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        for name, keys in trained.items():
            db.session.add_all(
                Training(user_id=people[name].id, competency_key=key) for key in keys
            )
        plan = [
            PlanSession(title="Build and workflow", competency_keys=["workflow"]),
            PlanSession(title="Change and privacy", competency_keys=["privacy"]),
        ]
        loop_id = start_loop(manager.id, version.rubric_id, plan).id
        db.session.commit()

    auth.login(ta)
    preview = client.get(f"/loops/{loop_id}/propose").get_data(as_text=True)
    panel = re.search(r'name="panel" value="([^"]*)"', preview).group(1)  # issue 14
    seat = {"seat": "y", "panel": panel}
    page = client.submit(f"/loops/{loop_id}/propose", seat, follow_redirects=True)
    text = html.unescape(page.get_data(as_text=True))
    assert "Proposed panel seated" in text
    note = (
        "Clara Jensen sits on both 'Build and workflow' and 'Change and privacy': no "
        "other clinical interviewer available for 'Change and privacy' is trained on "
        "privacy."
    )
    warnings = re.findall(
        r'<p class="flash flash-warning" role="status">(.*?)</p>', text
    )
    assert warnings == [note]
    with app.app_context():
        clinical = db.session.scalars(
            sa.select(PanelSeat.interviewer_id).where(
                PanelSeat.discipline == "clinical"
            )
        ).all()
    assert clinical == [people["Clara Jensen"].id] * 2


# ----------------------------------------------------------------------------- messages


def test_nobody_trained_on_a_side():
    sessions = (session(1, "Integration case", at(3, 10), ("interop",)),)
    pool = (member(1, "Ann", "clinical"), member(2, "Cy", "technical", ("interop",)))
    proposal = propose_panel(sessions, RUBRIC, pool)
    assert proposal.problems == (
        (
            "Nobody can assess Interoperability design for the clinical side: no clinical "
            "interviewer is trained on it."
        ),
    )
    assert seated(proposal, 1) == [1, 2]  # the seats are still filled


def test_only_trained_people_have_conflicts():
    sessions = (session(1, "Integration case", at(3, 10), ("interop",)),)
    pool = (
        member(1, "Ann", "clinical", ("interop",)),
        member(2, "Tom", "technical", ("interop",), conflict="referred the candidate"),
        member(3, "Cy", "technical"),
    )
    assert propose_panel(sessions, RUBRIC, pool).problems == (
        (
            "Nobody can assess Interoperability design for the technical side: the only "
            "technical interviewer trained on it, Tom, has a conflict (referred the candidate)."
        ),
    )


def test_no_session_covering_it_has_a_seat_for_that_side():
    sessions = (session(1, "Integration case", at(3, 10), ("interop",), technical=0),)
    pool = (member(1, "Ann", "clinical", ("interop",)),)
    assert propose_panel(sessions, RUBRIC, pool).problems == (
        (
            "Nobody can assess Interoperability design for the technical side: no session "
            "covering it has a technical seat."
        ),
    )


def test_trained_people_busy_or_over_their_limit():
    sessions = (session(1, "Integration case", at(3, 10), ("interop",)),)
    pool = (
        member(1, "Ann", "clinical", ("interop",)),
        member(
            2,
            "Ada Lovelace",
            "technical",
            ("interop",),
            busy=(busy(at(3, 9, 30), label="Loop 12: Systems design"),),
        ),
        member(
            3,
            "Grace Hopper",
            "technical",
            ("interop",),
            limit=1,
            busy=(busy(at(4, 9)),),
        ),
        member(4, "Cy", "technical"),
    )
    assert propose_panel(sessions, RUBRIC, pool).problems == (
        (
            "No technical interviewer trained on interoperability design is free on Tue 3 Mar "
            "2026 10:00-11:00 UTC (Ada Lovelace is busy then with Loop 12: Systems design; "
            "Grace Hopper has reached their weekly limit of 1)."
        ),
    )


def test_not_enough_free_interviewers_for_the_seats():
    sessions = (session(1, "Systems design", at(3, 10), (), clinical=2),)
    pool = (
        member(1, "Ann", "clinical"),
        member(2, "Bea", "clinical", conflict="former colleague"),
        member(3, "Cat", "clinical", busy=(busy(at(3, 10, 45)),)),
        member(4, "Cy", "technical"),
    )
    proposal = propose_panel(sessions, RUBRIC, pool)
    assert proposal.problems == (
        (
            "Session 'Systems design' (Tue 3 Mar 2026 10:00-11:00 UTC) needs 2 clinical "
            "interviewers but only 1 clinical interviewer is free then and under their weekly "
            "limit (of 3 clinical interviewers, 1 has a conflict and 1 is busy then)."
        ),
    )
    assert sorted(seated(proposal, 1)) == [1, 4]


def test_one_seat_cannot_hold_two_competencies_known_by_different_people():
    sessions = (
        session(1, "Ward round", at(3, 10), ("workflow", "safety"), technical=0),
    )
    pool = (
        member(1, "Ann", "clinical", ("workflow",)),
        member(2, "Bea", "clinical", ("safety",)),
    )
    proposal = propose_panel(sessions, RUBRIC, pool)
    assert proposal.problems == (
        (
            "Session 'Ward round' (Tue 3 Mar 2026 10:00-11:00 UTC) has one open clinical seat, "
            "but no clinical interviewer free then is trained on both clinical workflow "
            "understanding and patient safety judgement."
        ),
    )
    assert seated(proposal, 1) == [1]


def test_one_person_needed_in_two_overlapping_sessions():
    sessions = (
        session(1, "Ward round", at(3, 10), ("workflow",), technical=0),
        session(2, "Incident review", at(3, 10, 30), ("safety",), technical=0),
    )
    pool = (
        member(1, "Ann", "clinical", ("workflow", "safety")),
        member(2, "Bea", "clinical"),
    )
    proposal = propose_panel(sessions, RUBRIC, pool)
    assert proposal.problems == (
        (
            "Patient safety judgement and clinical workflow understanding cannot both be "
            "covered for the clinical side: Ann is the only clinical interviewer free to assess "
            "either, and cannot sit in both 'Ward round' (Tue 3 Mar 2026 10:00-11:00 UTC) and "
            "'Incident review' (Tue 3 Mar 2026 10:30-11:30 UTC), which overlap."
        ),
    )
    assert len(proposal.assignments) == 2  # every seat filled, one competency short


def test_one_person_needed_twice_in_a_week_over_their_limit():
    sessions = (
        session(1, "Ward round", at(3, 10), ("workflow",), technical=0),
        session(2, "Incident review", at(5, 10), ("safety",), technical=0),
    )
    pool = (
        member(
            1,
            "Ann",
            "clinical",
            ("workflow", "safety"),
            limit=2,
            busy=(busy(at(2, 9)),),
        ),
        member(2, "Bea", "clinical"),
    )
    assert propose_panel(sessions, RUBRIC, pool).problems == (
        (
            "Patient safety judgement and clinical workflow understanding cannot both be "
            "covered for the clinical side: Ann is the only clinical interviewer free to assess "
            "either, and cannot sit in both 'Ward round' (Tue 3 Mar 2026 10:00-11:00 UTC) and "
            "'Incident review' (Thu 5 Mar 2026 10:00-11:00 UTC) without going over their "
            "weekly limit of 2."
        ),
    )


def test_more_competencies_than_the_seats_can_cover():
    rubric = tuple(
        CompetencyNeed(k, f"Skill {k.upper()}", "clinical") for k in ("a", "b", "c")
    )
    sessions = (
        session(1, "Morning", at(3, 10), ("a", "b", "c"), technical=0),
        session(2, "Afternoon", at(3, 14), ("a", "b", "c"), technical=0),
    )
    pool = tuple(
        member(n, f"P{n}", "clinical", (k,)) for n, k in enumerate("abc", start=1)
    )
    proposal = propose_panel(sessions, rubric, pool)
    assert proposal.problems == (
        (
            "Skill C cannot be covered for the clinical side as well as skill A and skill B: "
            "the 2 open clinical seats of the sessions covering them cannot be filled with "
            "interviewers trained on all 3 of them."
        ),
    )
    assert sorted(seated(proposal, 1) + seated(proposal, 2)) == [1, 2]


def test_trained_people_busy_at_every_session_covering_it():
    sessions = (
        session(1, "Case", at(3, 10), ("interop",)),
        session(2, "Deep dive", at(4, 10), ("interop",)),
    )
    pool = (
        member(1, "Ann", "clinical", ("interop",)),
        member(
            2, "Ada", "technical", ("interop",), busy=(busy(at(3, 10)), busy(at(4, 10)))
        ),
        member(3, "Cy", "technical"),
    )
    assert propose_panel(sessions, RUBRIC, pool).problems == (
        (
            "No technical interviewer trained on interoperability design is free for any session "
            "covering it (Tue 3 Mar 2026 10:00-11:00 UTC; Wed 4 Mar 2026 10:00-11:00 UTC) (Ada "
            "is busy at those times)."
        ),
    )


def test_too_few_people_in_the_pool_is_said_plainly():
    sessions = (session(1, "Panel", at(3, 10), (), clinical=3, technical=0),)
    pool = (member(1, "Ann", "clinical"), member(2, "Bea", "clinical"))
    assert propose_panel(sessions, RUBRIC, pool).problems == (
        (
            "Session 'Panel' (Tue 3 Mar 2026 10:00-11:00 UTC) needs 3 clinical interviewers but "
            "only 2 clinical interviewers are free then and under their weekly limit (there are "
            "only 2 clinical interviewers in the pool)."
        ),
    )


def test_existing_assignment_covers_a_competency_and_counts_as_a_seat():
    sessions = (session(1, "Panel", at(3, 10), ("workflow",), clinical=2, technical=0),)
    pool = (
        member(1, "Ann", "clinical", ("workflow",), busy=(busy(at(2, 9)),)),
        member(2, "Bea", "clinical", ("workflow",), busy=(busy(at(2, 9)),)),
        member(3, "Cat", "clinical"),
    )
    existing = (Assignment(1, 1, "clinical", "Picked by the hiring manager."),)
    proposal = propose_panel(sessions, RUBRIC, pool, existing=existing)
    assert_valid(proposal, sessions, RUBRIC, pool)
    assert seated(proposal, 1) == [1, 3]  # coverage done by Ann: the lighter Cat joins
    short = propose_panel(
        (session(1, "Panel", at(3, 10), (), clinical=3, technical=0),),
        RUBRIC,
        pool[:2],
        existing=existing,
    )
    assert short.problems == (
        (
            "Session 'Panel' (Tue 3 Mar 2026 10:00-11:00 UTC) needs 2 more clinical interviewers "
            "(1 already seated) but only 1 other clinical interviewer is free then and under "
            "their weekly limit (there is only 1 other clinical interviewer in the pool)."
        ),
    )


def test_unknown_competency_key_is_reported():
    sessions = (session(1, "Case", at(3, 10), ("ghost",), technical=0),)
    proposal = propose_panel(sessions, RUBRIC, (member(1, "Ann", "clinical"),))
    assert proposal.problems == (
        "Session 'Case' covers competency 'ghost', which is not in this loop's rubric.",
    )


def test_step_budget_returns_a_filled_in_partial_panel_and_says_so():
    # Workflow can be covered in S2 or S3, only by Ann, who has the heaviest load and
    # three lighter clinicians to pass over: the search needs to go back on its first
    # choices, which two steps do not allow.
    sessions = tuple(
        session(n, f"S{n}", at(3, 8 + n), ("workflow",) if n > 1 else ())
        for n in (1, 2, 3)
    )
    pool = (
        member(
            1, "Ann", "clinical", ("workflow",), busy=(busy(at(2, 9)), busy(at(2, 11)))
        ),
        member(2, "Dee", "technical"),
        member(3, "Bea", "clinical"),
        member(4, "Eve", "technical"),
        member(5, "Cat", "clinical"),
        member(6, "Fay", "technical"),
        member(7, "Gus", "clinical"),
    )
    proposal = propose_panel(sessions, RUBRIC, pool, step_budget=2)
    assert proposal.problems == (
        (
            "The search for a panel stopped after 2 steps without finding a valid one; the "
            "panel shown fills 6 of 6 open seats and leaves clinical workflow understanding "
            "(clinical side) uncovered."
        ),
    )
    assert len(proposal.assignments) == 6
    enough = propose_panel(sessions, RUBRIC, pool)
    assert_valid(enough, sessions, RUBRIC, pool)
    assert 1 in seated(enough, 2) + seated(enough, 3)


# ----------------------------------------------------------------------------- unscheduled


def test_unscheduled_sessions_are_exempt_from_time_rules():
    sessions = (
        session(1, "Case", None, ("workflow",), technical=0),
        session(2, "Design", None, technical=0),
    )
    pool = (
        member(1, "Ann", "clinical", ("workflow",), limit=0, busy=(busy(at(3, 10)),)),
    )
    proposal = propose_panel(sessions, RUBRIC, pool)
    assert_valid(proposal, sessions, RUBRIC, pool)
    assert reason_of(proposal, 1, 1) == (
        "Ann (clinical) is trained on clinical workflow understanding and has the fewest "
        "seats in this loop so far (0); the session is not scheduled yet."
    )
    assert seated(proposal, 2) == [1]


def test_unscheduled_session_short_of_people():
    sessions = (session(1, "Case", None, clinical=2, technical=0),)
    pool = (
        member(1, "Ann", "clinical"),
        member(2, "Bea", "clinical", conflict="a friend"),
    )
    assert propose_panel(sessions, RUBRIC, pool).problems == (
        (
            "Session 'Case' (not scheduled) needs 2 clinical interviewers but only 1 clinical "
            "interviewer is available (of 2 clinical interviewers, 1 has a conflict)."
        ),
    )


def test_naive_datetimes_are_refused():
    sessions = (session(1, "Case", datetime(2026, 3, 3, 10)),)
    with pytest.raises(ValueError, match="timezone-aware"):
        propose_panel(sessions, RUBRIC, ())


# ----------------------------------------------------------------------------- properties

KEYS = ("workflow", "safety", "interop", "systems")
SLOTS = [
    at(day, hour, minute)
    for day in (1, 2, 3, 8, 9)
    for hour in (9, 10)
    for minute in (0, 30)
]


@st.composite
def worlds(draw, max_sessions=4, max_members=7, max_seats=2):
    rubric = tuple(
        CompetencyNeed(
            key, key.title(), draw(st.sampled_from(("clinical", "technical", "both")))
        )
        for key in KEYS
    )
    n_sessions = draw(st.integers(1, max_sessions))
    sessions = tuple(
        SessionNeed(
            id=n + 1,
            title=f"S{n + 1}",
            starts_at=draw(st.one_of(st.none(), st.sampled_from(SLOTS))),
            duration_minutes=draw(st.sampled_from((30, 60, 90))),
            competencies=tuple(
                draw(st.lists(st.sampled_from(KEYS), max_size=2, unique=True))
            ),
            clinical_seats=draw(st.integers(0, max_seats)),
            technical_seats=draw(st.integers(0, max_seats)),
        )
        for n in range(n_sessions)
    )
    n_members = draw(st.integers(0, max_members))
    pool = tuple(
        PoolMember(
            id=10 + n,
            name=f"M{10 + n}",
            discipline=draw(st.sampled_from(("clinical", "technical"))),
            trained=frozenset(
                draw(st.lists(st.sampled_from(KEYS), max_size=4, unique=True))
            ),
            weekly_limit=draw(st.integers(0, 3)),
            busy=tuple(
                Busy(start, start + timedelta(minutes=draw(st.sampled_from((30, 60)))))
                for start in draw(st.lists(st.sampled_from(SLOTS), max_size=2))
            ),
            week_load=tuple(
                (tuple(start.isocalendar())[:2], draw(st.integers(1, 2)))
                for start in draw(
                    st.lists(st.sampled_from(SLOTS), max_size=1, unique=True)
                )
            ),
            conflict=draw(
                st.sampled_from((None, None, None, None, "referred the candidate"))
            ),
        )
        for n in range(n_members)
    )
    existing = ()
    if pool:
        existing = tuple(
            Assignment(
                session_id=draw(st.sampled_from([s.id for s in sessions])),
                interviewer_id=draw(st.sampled_from([m.id for m in pool])),
                discipline=draw(st.sampled_from(("clinical", "technical"))),
                reason="Picked by a person.",
            )
            for _ in range(draw(st.integers(0, 2)))
        )
    return sessions, rubric, pool, existing


FAST = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _new_assignments_break_no_seat_rule(sessions, pool, existing, proposal):
    """Even an invalid proposal never adds an assignment that breaks rules 1, 4, 5, 6."""
    assert proposal.assignments[: len(existing)] == existing
    added = proposal.assignments[len(existing) :]
    people = {m.id: m for m in pool}
    for a in added:
        assert people[a.interviewer_id].discipline == a.discipline
        assert people[a.interviewer_id].conflict is None
    relevant = [
        v
        for v in violations(sessions, (), pool, proposal.assignments)
        if v.startswith(("rule 4", "rule 5", "rule 6"))
    ]
    before = [
        v
        for v in violations(sessions, (), pool, existing)
        if v.startswith(("rule 4", "rule 5", "rule 6"))
    ]
    if not before:
        assert relevant == []
    counts: dict[tuple[int, str], int] = {}
    for a in proposal.assignments:
        counts[a.session_id, a.discipline] = (
            counts.get((a.session_id, a.discipline), 0) + 1
        )
    for s in sessions:
        for d, seats in (
            ("clinical", s.clinical_seats),
            ("technical", s.technical_seats),
        ):
            already = sum(
                1 for a in existing if a.session_id == s.id and a.discipline == d
            )
            assert counts.get((s.id, d), 0) <= max(seats, already)


@FAST
@given(worlds())
def test_property_ok_proposals_pass_the_independent_checker(world):
    sessions, rubric, pool, existing = world
    proposal = propose_panel(sessions, rubric, pool, existing)
    if proposal.ok:
        assert violations(sessions, rubric, pool, proposal.assignments) == []
    else:
        assert proposal.problems
        assert all(isinstance(p, str) and p.endswith(".") for p in proposal.problems)
    _new_assignments_break_no_seat_rule(sessions, pool, existing, proposal)


def _valid_completions(sessions, rubric, pool, existing):
    """Every valid completion of ``existing``, as whole panels."""
    choices = []
    for s in sessions:
        for d, seats in (
            ("clinical", s.clinical_seats),
            ("technical", s.technical_seats),
        ):
            taken = [a.interviewer_id for a in existing if a.session_id == s.id]
            open_seats = seats - sum(
                1 for a in existing if a.session_id == s.id and a.discipline == d
            )
            if open_seats < 0:
                return
            people = [m.id for m in pool if m.discipline == d and m.id not in taken]
            choices.append(
                [
                    (s.id, d, combo)
                    for combo in itertools.combinations(people, open_seats)
                ]
            )
    for pick in itertools.product(*choices):
        added = tuple(
            Assignment(sid, mid, d, "") for sid, d, combo in pick for mid in combo
        )
        if not violations(sessions, rubric, pool, existing + added):
            yield existing + added


def _brute_force_exists(sessions, rubric, pool, existing) -> bool:
    """Is there any valid completion of ``existing``? Tries every one."""
    return any(True for _ in _valid_completions(sessions, rubric, pool, existing))


@FAST
@given(worlds(max_sessions=3, max_members=5, max_seats=1))
def test_property_a_panel_is_found_whenever_one_exists(world):
    sessions, rubric, pool, existing = world
    proposal = propose_panel(sessions, rubric, pool, existing)
    assert proposal.ok == _brute_force_exists(sessions, rubric, pool, existing), (
        proposal.problems
    )


@FAST
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.sampled_from(SLOTS)),
            st.lists(st.sampled_from(KEYS), max_size=3, unique=True),
            st.integers(1, 2),
            st.integers(1, 2),
        ),
        min_size=1,
        max_size=6,
    ),
    st.lists(
        st.sampled_from(("clinical", "technical", "both")), min_size=4, max_size=4
    ),
)
def test_property_a_large_free_trained_pool_always_succeeds(plan, sides):
    rubric = tuple(
        CompetencyNeed(k, k.title(), side) for k, side in zip(KEYS, sides, strict=True)
    )
    sessions = tuple(
        SessionNeed(n + 1, f"S{n + 1}", start, 60, tuple(keys), clinical, technical)
        for n, (start, keys, clinical, technical) in enumerate(plan)
    )
    pool = tuple(
        PoolMember(
            n, f"P{n}", "clinical" if n % 2 else "technical", frozenset(KEYS), 20
        )
        for n in range(30)
    )
    proposal = propose_panel(sessions, rubric, pool)
    assert_valid(proposal, sessions, rubric, pool)
    # Spread: nobody sits more than their share rounded up, plus one.
    loads = [
        sum(1 for a in proposal.assignments if a.interviewer_id == m.id) for m in pool
    ]
    assert max(loads) - min(loads) <= 2


# Sessions of one week, and other interviews that week: some at a session's time,
# most not, so loads differ and tempt the search to reuse the lightest people.
WEEK_SLOTS = [at(3, 9), at(3, 11), at(3, 14), at(4, 10)]
OTHER_SLOTS = WEEK_SLOTS + [at(day, hour) for day in (2, 5, 6) for hour in (8, 12)]


@st.composite
def busy_weeks(draw, max_sessions=3, max_members=6, max_seats=1):
    rubric = tuple(
        CompetencyNeed(
            key, key.title(), draw(st.sampled_from(("clinical", "technical", "both")))
        )
        for key in KEYS
    )
    slots = draw(st.permutations(WEEK_SLOTS))
    sessions = tuple(
        SessionNeed(
            id=n + 1,
            title=f"S{n + 1}",
            starts_at=slots[n],
            duration_minutes=60,
            competencies=tuple(
                draw(st.lists(st.sampled_from(KEYS), max_size=1, unique=True))
            ),
            clinical_seats=draw(st.integers(1, max_seats)),
            technical_seats=draw(st.integers(0, max_seats)),
        )
        for n in range(draw(st.integers(2, max_sessions)))
    )
    pool = tuple(
        PoolMember(
            id=10 + n,
            name=f"M{10 + n}",
            discipline=("clinical", "technical")[n % 2],
            trained=frozenset(
                draw(st.lists(st.sampled_from(KEYS), max_size=4, unique=True))
            ),
            weekly_limit=draw(st.integers(2, 6)),
            busy=tuple(
                busy(start)
                for start in draw(
                    st.lists(st.sampled_from(OTHER_SLOTS), max_size=3, unique=True)
                )
            ),
        )
        for n in range(draw(st.integers(2, max_members)))
    )
    existing = ()
    if draw(st.booleans()):
        chosen = draw(st.sampled_from(pool))
        existing = (
            Assignment(
                draw(st.sampled_from([s.id for s in sessions])),
                chosen.id,
                chosen.discipline,
                "Picked by a person.",
            ),
        )
    return sessions, rubric, pool, existing


def _assert_notes_match_repeats(proposal, pool):
    """A note iff someone sits twice; each such person has one naming their sessions."""
    names = {m.id: m.name for m in pool}
    held: dict[int, list[int]] = {}
    for a in proposal.assignments:
        held.setdefault(a.interviewer_id, []).append(a.session_id)
    twice = {i for i, sessions in held.items() if len(sessions) > 1}
    assert bool(proposal.notes) == bool(twice)
    for i in twice:
        (note,) = [n for n in proposal.notes if n.startswith(f"{names[i]} sits on ")]
        assert all(f"'S{sid}'" in note for sid in held[i]), note
        assert note.endswith(".")


@FAST
@given(
    st.one_of(
        busy_weeks(),
        busy_weeks(max_sessions=2, max_members=4, max_seats=2),
        worlds(max_sessions=3, max_members=5, max_seats=1),
    )
)
def test_property_the_fewest_repeats_of_any_valid_panel(world):
    sessions, rubric, pool, existing = world
    proposal = propose_panel(sessions, rubric, pool, existing)
    fewest = min(
        (repeats_of(p) for p in _valid_completions(sessions, rubric, pool, existing)),
        default=None,
    )
    assert proposal.ok == (fewest is not None), proposal.problems
    if proposal.ok:
        assert repeats_of(proposal.assignments) == fewest
        _assert_notes_match_repeats(proposal, pool)
    else:
        assert proposal.notes == ()


@FAST
@given(worlds(max_sessions=3, max_members=5, max_seats=1), st.integers(1, 12))
def test_property_a_short_budget_still_says_when_a_repeat_may_be_avoidable(
    world, step_budget
):
    sessions, rubric, pool, existing = world
    proposal = propose_panel(sessions, rubric, pool, existing, step_budget=step_budget)
    if not proposal.ok:
        return
    assert violations(sessions, rubric, pool, proposal.assignments) == []
    _assert_notes_match_repeats(proposal, pool)
    fewest = min(
        repeats_of(p) for p in _valid_completions(sessions, rubric, pool, existing)
    )
    stopped = any("stopped after" in note for note in proposal.notes)
    assert repeats_of(proposal.assignments) == fewest or stopped
