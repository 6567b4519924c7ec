"""The retention rule (lifecycle/rules.py due_at), alone: plain values, no app."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from interview.lifecycle.rules import CandidateFacts, LoopFacts, due_at, is_due

T = datetime(2026, 1, 1, tzinfo=UTC)
DAYS = 365


def _loop(status, decided=None, updated=T, closed=None):
    return LoopFacts(
        status=status, last_decided_at=decided, updated_at=updated, closed_at=closed
    )


def test_a_recorded_closing_counts_whatever_changed_later():
    """loops.closed_at (migration 0018): a withdrawn loop edited since, a decided
    one whose decision was recorded a moment before the status moved."""
    withdrawn = _loop("withdrawn", updated=T + timedelta(days=200), closed=T)
    assert due_at(CandidateFacts(T, (withdrawn,)), DAYS) == T + timedelta(days=DAYS)
    decided = _loop("decided", decided=T, updated=T, closed=T + timedelta(days=1))
    assert due_at(CandidateFacts(T, (decided,)), DAYS) == T + timedelta(days=DAYS + 1)
    reopened = _loop("debrief", decided=T, closed=None)
    assert due_at(CandidateFacts(T, (reopened,)), DAYS) is None


def test_a_decided_loop_counts_from_its_latest_decision():
    decided = _loop("decided", decided=T, updated=T + timedelta(days=9))
    assert due_at(CandidateFacts(T, (decided,)), DAYS) == T + timedelta(days=DAYS)


def test_a_decided_loop_without_a_decision_on_record_counts_from_its_last_change():
    facts = CandidateFacts(T, (_loop("decided", updated=T + timedelta(days=2)),))
    assert due_at(facts, DAYS) == T + timedelta(days=DAYS + 2)


def test_a_withdrawn_loop_counts_from_the_withdrawal():
    facts = CandidateFacts(T, (_loop("withdrawn", updated=T + timedelta(days=3)),))
    assert due_at(facts, DAYS) == T + timedelta(days=DAYS + 3)


def test_the_latest_closing_counts():
    loops = (
        _loop("decided", decided=T),
        _loop("withdrawn", updated=T + timedelta(days=40)),
    )
    assert due_at(CandidateFacts(T, loops), DAYS) == T + timedelta(days=DAYS + 40)


def test_no_loop_counts_from_the_last_change_of_the_record():
    assert due_at(CandidateFacts(T), 30) == T + timedelta(days=30)


def test_never_due_while_open_held_or_erased():
    open_too = (_loop("decided", decided=T), _loop("debrief"))
    assert due_at(CandidateFacts(T, open_too), DAYS) is None
    assert due_at(CandidateFacts(T, is_held=True), DAYS) is None
    assert due_at(CandidateFacts(T, is_erased=True), DAYS) is None


def test_due_exactly_on_the_day():
    facts = CandidateFacts(T, (_loop("decided", decided=T),))
    assert not is_due(facts, T + timedelta(days=DAYS, microseconds=-1), DAYS)
    assert is_due(facts, T + timedelta(days=DAYS), DAYS)


MOMENTS = st.integers(0, 2000).map(lambda d: T + timedelta(days=d))
STATUSES = st.sampled_from(
    ["planned", "interviewing", "debrief", "decided", "withdrawn"]
)
LOOPS = st.builds(
    LoopFacts,
    STATUSES,
    st.one_of(st.none(), MOMENTS),
    MOMENTS,
    st.one_of(st.none(), MOMENTS),
)
FACTS = st.builds(
    CandidateFacts,
    MOMENTS,
    st.lists(LOOPS, max_size=4).map(tuple),
    st.booleans(),
    st.booleans(),
)


@given(FACTS, MOMENTS, st.integers(1, 3000))
def test_the_rule_holds_for_any_candidate(facts, now, days):
    when = due_at(facts, days)
    closed = {"decided", "withdrawn"}
    blocked = (
        facts.is_held
        or facts.is_erased
        or any(loop.status not in closed for loop in facts.loops)
    )
    assert (when is None) == blocked
    if when is None:
        assert not is_due(facts, now, days)
        return
    closings = [
        loop.closed_at
        or (loop.status == "decided" and loop.last_decided_at)
        or loop.updated_at
        for loop in facts.loops
    ] or [facts.updated_at]
    # Never before the period has passed since every closing; on the day of one.
    assert all(when >= c + timedelta(days=days) for c in closings)
    assert when - timedelta(days=days) in closings
    # Once due, due for good; a longer period is never due sooner.
    if is_due(facts, now, days):
        assert is_due(facts, now + timedelta(days=1), days)
    assert due_at(facts, days + 1) > when
