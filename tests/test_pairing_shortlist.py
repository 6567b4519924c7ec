"""A large pool is searched through a shortlist first (issue 11): the panels it gives
are as valid, its reasons as true of the whole pool, and where the shortlist holds no
panel without repeats the whole pool is searched."""

import re
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from interview.loops.pairing import (
    DEFAULT_STEP_BUDGET,
    MORE_PEOPLE,
    SHORTLIST_FAILED,
    SHORTLIST_MARGIN,
    Assignment,
    CompetencyNeed,
    Proposal,
    _propose,
    _shortlisted,
    propose_from_lightest,
    propose_panel,
    shortlist,
)

from .test_pairing import (
    FAST,
    at,
    busy,
    member,
    reason_of,
    seated,
    session,
    violations,
    worlds,
)

A = CompetencyNeed("a", "Alarm fatigue", "clinical")
B = CompetencyNeed("b", "Bedside handover", "clinical")

LIGHTEST = re.compile(
    r"has the lightest load that week(?: of those not yet on this loop)? \((\d+) of"
)
FEWEST = re.compile(r"the fewest seats in this loop so far \((\d+)\)")


def _week_load(m, week) -> int:
    """Interviews elsewhere in that ISO week, from the member as given."""
    busy_items = sum(1 for b in m.busy if tuple(b.start.isocalendar())[:2] == week)
    return busy_items + sum(n for w, n in m.week_load if w == week)


def _free_for(m, s, discipline) -> bool:
    """Free for a seat of session s by the rules alone, for someone on no session."""
    if m.discipline != discipline or m.conflict:
        return False
    if s.starts_at is None:
        return True
    end = s.starts_at + timedelta(minutes=s.duration_minutes)
    week = tuple(s.starts_at.isocalendar())[:2]
    return _week_load(m, week) < m.weekly_limit and not any(
        b.start < end and s.starts_at < b.end for b in m.busy
    )


def _claims_hold_for_the_whole_pool(sessions, pool, proposal) -> None:
    """Whoever is said to have the lightest load (or fewest seats) has no one in the
    pool, left off the panel and free for that seat, with less."""
    on_panel = {a.interviewer_id for a in proposal.assignments}
    by_id = {s.id: s for s in sessions}
    for a in proposal.assignments:
        s = by_id[a.session_id]
        others = [
            m for m in pool if m.id not in on_panel and _free_for(m, s, a.discipline)
        ]
        lightest = LIGHTEST.search(a.reason)
        if lightest and s.starts_at is not None:
            week = tuple(s.starts_at.isocalendar())[:2]
            said = int(lightest.group(1))
            assert all(_week_load(m, week) >= said for m in others), a.reason
        fewest = FEWEST.search(a.reason)
        if fewest and others:
            assert int(fewest.group(1)) == 0, a.reason


@FAST
@given(worlds(max_sessions=4, max_members=30, max_seats=2))
def test_property_a_large_pool_gives_valid_panels_with_true_reasons(world):
    sessions, rubric, pool, existing = world
    proposal = propose_panel(sessions, rubric, pool, existing)
    if proposal.ok:
        assert violations(sessions, rubric, pool, proposal.assignments) == []
    _claims_hold_for_the_whole_pool(sessions, pool, proposal)


def test_a_large_pool_is_shortlisted_to_the_lightest_loads():
    """Sixty clinical people, a few of them with no interview that week: the shortlist
    keeps those, and the panel seats the lightest with a reason saying so."""
    monday = at(2, 9)
    light = [member(200 + k, f"Light {k}", "clinical", ("a",)) for k in range(3)]
    heavy = [
        member(100 + k, f"Heavy {k}", "clinical", ("a",), busy=(busy(monday),))
        for k in range(60)
    ]
    tech = [member(300, "Tech", "technical")]
    sessions = [session(1, "Handover", at(4, 14), ("a",), clinical=1, technical=1)]
    pool = heavy + light + tech
    few = shortlist(sessions, [A], pool)
    assert few is not None
    assert len(few) <= 2 * (1 + SHORTLIST_MARGIN) + 1
    assert {m.id for m in light} <= {m.id for m in few}
    proposal = propose_panel(sessions, [A], pool)
    assert proposal.ok
    assert seated(proposal, 1, "clinical") == [200]
    assert "has the lightest load that week (0 of 4 so far)" in reason_of(
        proposal, 1, 200
    )


def test_a_small_pool_is_searched_whole():
    pool = [member(1, "C", "clinical"), member(2, "T", "technical")]
    sessions = [session(1, "Handover", at(4, 14))]
    assert shortlist(sessions, [], pool) is None


def test_the_whole_pool_is_searched_when_the_shortlist_holds_no_panel():
    """The seat needs someone trained on both competencies; the shortlist holds the
    lightest trained on each, none of them on both; the one who is has a heavier week
    and is found in the whole pool."""
    monday = at(2, 9)
    only_a = [member(100 + k, f"A{k}", "clinical", ("a",)) for k in range(12)]
    only_b = [member(200 + k, f"B{k}", "clinical", ("b",)) for k in range(12)]
    both = member(300, "Both", "clinical", ("a", "b"), busy=(busy(monday),))
    sessions = [session(1, "Handover", at(4, 14), ("a", "b"), clinical=1, technical=0)]
    pool = [both, *only_a, *only_b]
    few = shortlist(sessions, [A, B], pool)
    assert few is not None and both not in few
    proposal = propose_panel(sessions, [A, B], pool)
    assert proposal.ok, proposal.problems
    assert seated(proposal, 1) == [300]
    assert "although others had lighter loads that week" in reason_of(proposal, 1, 300)


def test_reasons_stay_true_when_the_lightest_are_all_seated_elsewhere_in_the_loop():
    """Six sessions at one time, each covering alarm fatigue, which only one person
    with a busier week is trained on: eleven people with free weeks take five seats
    first, and the last seat's reason must not claim the lightest load, as six of
    them are still free then."""
    monday = at(2, 9)
    at_once = at(4, 14)
    free_weeks = [member(100 + k, f"Free {k}", "clinical") for k in range(11)]
    trained = member(300, "Trained", "clinical", ("a",), busy=(busy(monday),))
    sessions = [session(n, f"Room {n}", at_once, ("a",), 1, 0) for n in range(1, 7)]
    pool = [*free_weeks, trained]
    proposal = propose_panel(sessions, [A], pool)
    assert proposal.ok
    (where,) = [a.session_id for a in proposal.assignments if a.interviewer_id == 300]
    assert "although others had lighter loads that week" in reason_of(
        proposal, where, 300
    )
    _claims_hold_for_the_whole_pool(sessions, pool, proposal)


@FAST
@given(worlds(max_sessions=3, max_members=30, max_seats=2))
def test_property_the_shortlist_finds_a_panel_whenever_the_whole_pool_does(world):
    """Found on the shortlist or not, the proposal is valid exactly when the whole
    pool's is, and repeats nobody the whole pool's search would not."""
    sessions, rubric, pool, existing = world
    proposal = propose_panel(sessions, rubric, pool, existing)
    whole = _propose(sessions, rubric, pool, existing, DEFAULT_STEP_BUDGET)
    assert proposal.ok == whole.ok
    assert _repeats(proposal) <= _repeats(whole)


def _repeats(proposal) -> int:
    people = [a.interviewer_id for a in proposal.assignments]
    return len(people) - len(set(people))


def _lightest_first(sessions, pool, existing, horizon):
    """What a caller reads for ``propose_from_lightest``: per discipline and week of
    the sessions (ids, for an unscheduled one), the first ``horizon`` people by load
    that week then id, and everyone on the loop; loads from the rules (busy items
    and week loads by the week they start in, and each session on this loop)."""
    by_id = {s.id: s for s in sessions}
    on_loop = {}
    for a in existing:
        if a.session_id in by_id:
            on_loop.setdefault(a.interviewer_id, set()).add(a.session_id)

    def week_of(moment):
        return tuple(moment.isocalendar())[:2] if moment is not None else None

    def load(m, week):
        if week is None:
            return 0
        own = sum(
            1 for sid in on_loop.get(m.id, ()) if week_of(by_id[sid].starts_at) == week
        )
        return own + _week_load(m, week)

    chosen = set(on_loop)
    for d in ("clinical", "technical"):
        people = [m for m in pool if m.discipline == d]
        for week in {week_of(s.starts_at) for s in sessions}:
            ranked = sorted(people, key=lambda m: (load(m, week), m.id))
            chosen.update(m.id for m in ranked[:horizon])
    return [m for m in pool if m.id in chosen]


@FAST
@given(worlds(max_sessions=3, max_members=30, max_seats=2), st.integers(1, 12))
def test_property_the_lightest_few_answer_as_the_whole_pool_or_not_at_all(
    world, horizon
):
    """Given only the lightest people of each week, the answer is the whole pool's,
    or says what the whole pool's search may skip (then the caller reads everyone)."""
    sessions, rubric, pool, existing = world
    few = _lightest_first(sessions, pool, existing, horizon)
    answer = propose_from_lightest(sessions, rubric, few, existing, horizon)
    whole = propose_panel(sessions, rubric, pool, existing)
    if isinstance(answer, Proposal):
        assert answer == whole
    elif answer == SHORTLIST_FAILED:
        # The whole pool's shortlist is the one that failed: skipping it changes
        # nothing.
        assert whole == propose_panel(
            sessions, rubric, pool, existing, shortlisted=False
        )
    else:
        assert answer == MORE_PEOPLE
    # The shortlist itself: the whole pool's, or none.
    kept = _shortlisted(sessions, rubric, few, existing, horizon)
    if kept is not None:
        listed = _shortlisted(sessions, rubric, pool, existing, None)
        assert {few[k].id for k in kept} == {pool[k].id for k in listed}


def test_a_hospital_pool_is_answered_from_its_lightest_few():
    """Two hundred clinical and technical people: the first twenty of each week are
    enough, and the answer is the whole pool's."""
    monday = at(2, 9)
    pool = [
        member(
            n,
            f"P{n}",
            ("clinical", "technical")[n % 2],
            ("a",) if n % 3 else (),
            busy=(busy(monday),) * (n % 4),
        )
        for n in range(1, 401)
    ]
    sessions = [
        session(1, "Handover", at(4, 14), ("a",)),
        session(2, "Alarms", at(5, 14), ("a",)),
    ]
    few = _lightest_first(sessions, pool, (), 20)
    assert len(few) <= 40
    answer = propose_from_lightest(sessions, [A], few, (), 20)
    assert isinstance(answer, Proposal) and answer.ok
    assert answer == propose_panel(sessions, [A], pool)
    assert propose_from_lightest(sessions, [A], few, (), 2) == MORE_PEOPLE


@FAST
@given(worlds(max_sessions=3, max_members=30, max_seats=2))
def test_property_a_loop_already_broken_is_answered_no_worse_than_by_the_whole_pool(
    world,
):
    """Whether answered from the shortlist or not, a loop whose assignments already
    break a rule gets no problem the whole pool's search would not report, and no
    fewer of its open seats filled."""
    sessions, rubric, pool, existing = world
    proposal = propose_panel(sessions, rubric, pool, existing)
    whole = _propose(sessions, rubric, pool, existing, DEFAULT_STEP_BUDGET)
    assert set(proposal.problems) <= set(whole.problems)
    assert len(proposal.assignments) >= len(whole.assignments)
    assert _repeats(proposal) <= _repeats(whole)


def _over_their_limit():
    """Forty clinical and forty technical people, and a loop whose clinical seat
    already went to someone with a full week: no panel of it is valid."""
    monday = at(2, 9)
    pool = [
        member(n, f"P{n}", ("clinical", "technical")[n % 2], ("a",))
        for n in range(1, 81)
    ]
    full = member(100, "Full", "clinical", ("a",), limit=1, busy=(busy(monday),))
    sessions = [
        session(1, "Handover", at(4, 14), ("a",), clinical=1, technical=1),
        session(2, "Alarms", at(5, 14), ("a",), clinical=1, technical=1),
    ]
    made = (Assignment(1, 100, "clinical", "Picked by a person."),)
    return sessions, [full, *pool], made


def test_a_loop_already_over_a_limit_is_answered_from_the_shortlist():
    """Its open seats are filled from the lightest few, as the whole pool would fill
    them, and the one problem is the one already made: a hospital's loop like this
    needs no read of every interviewer."""
    sessions, pool, made = _over_their_limit()
    few = _lightest_first(sessions, pool, made, 10)
    answer = propose_from_lightest(sessions, [A], few, made, 10)
    assert isinstance(answer, Proposal)
    (problem,) = answer.problems
    assert "Full" in problem
    assert answer == propose_panel(sessions, [A], pool, made)
    assert answer.problems == _propose(sessions, [A], pool, made, 10_000).problems
    assert sorted(seated(answer, 1) + seated(answer, 2)) == sorted(
        {a.interviewer_id for a in answer.assignments}
    )
    assert len(answer.assignments) == 4
