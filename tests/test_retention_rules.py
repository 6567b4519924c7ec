"""The retention rule (lifecycle/rules.py due_at), alone: plain values, no app."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from interview.lifecycle.rules import CandidateFacts, LoopFacts, due_at, is_due

T = datetime(2026, 1, 1, tzinfo=UTC)
DAYS = 365


def _loop(status, closed=None):
    return LoopFacts(status=status, closed_at=closed)


def test_a_recorded_closing_counts():
    """loops.closed_at (migration 0018), whatever changed in the loop since."""
    withdrawn = _loop("withdrawn", closed=T)
    assert due_at(CandidateFacts(T, (withdrawn,)), DAYS) == T + timedelta(days=DAYS)
    decided = _loop("decided", closed=T + timedelta(days=1))
    assert due_at(CandidateFacts(T, (decided,)), DAYS) == T + timedelta(days=DAYS + 1)
    reopened = _loop("debrief", closed=None)
    assert due_at(CandidateFacts(T, (reopened,)), DAYS) is None


def test_a_closed_loop_without_closed_at_counts_as_open():
    """As due_query's SQL reads it: never due, whatever the candidate's record."""
    for status in ("decided", "withdrawn"):
        loops = (_loop(status), _loop("decided", closed=T))
        assert due_at(CandidateFacts(T, loops), DAYS) is None
        assert not is_due(CandidateFacts(T, loops), T + timedelta(days=9999), DAYS)


def test_the_latest_closing_counts():
    loops = (
        _loop("decided", closed=T),
        _loop("withdrawn", closed=T + timedelta(days=40)),
    )
    assert due_at(CandidateFacts(T, loops), DAYS) == T + timedelta(days=DAYS + 40)


def test_no_loop_counts_from_the_last_change_of_the_record():
    assert due_at(CandidateFacts(T), 30) == T + timedelta(days=30)


def test_never_due_while_open_held_or_erased():
    open_too = (_loop("decided", closed=T), _loop("debrief"))
    assert due_at(CandidateFacts(T, open_too), DAYS) is None
    assert due_at(CandidateFacts(T, is_held=True), DAYS) is None
    assert due_at(CandidateFacts(T, is_erased=True), DAYS) is None


def test_due_exactly_on_the_day():
    facts = CandidateFacts(T, (_loop("decided", closed=T),))
    assert not is_due(facts, T + timedelta(days=DAYS, microseconds=-1), DAYS)
    assert is_due(facts, T + timedelta(days=DAYS), DAYS)


MOMENTS = st.integers(0, 2000).map(lambda d: T + timedelta(days=d))
STATUSES = st.sampled_from(
    ["planned", "interviewing", "debrief", "decided", "withdrawn"]
)
LOOPS = st.builds(LoopFacts, STATUSES, st.one_of(st.none(), MOMENTS))
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
        or any(
            loop.status not in closed or loop.closed_at is None for loop in facts.loops
        )
    )
    assert (when is None) == blocked
    if when is None:
        assert not is_due(facts, now, days)
        return
    closings = [loop.closed_at for loop in facts.loops] or [facts.updated_at]
    # Never before the period has passed since every closing; on the day of one.
    assert all(when >= c + timedelta(days=days) for c in closings)
    assert when - timedelta(days=days) in closings
    # Once due, due for good; a longer period is never due sooner.
    if is_due(facts, now, days):
        assert is_due(facts, now + timedelta(days=1), days)
    assert due_at(facts, days + 1) > when
