"""The coverage matrix and the loop's status rules (pure)."""

import pytest

from interview.loops.coverage import Seat, coverage, gaps
from interview.loops.states import transition_problem

COMPETENCIES = [
    ("workflow", "Clinical workflow understanding", "both"),
    ("interop", "Interoperability design", "technical"),
    ("bedside", "Bedside manner", "clinical"),
]


def test_a_both_discipline_competency_needs_both_sides():
    sessions = {1: ("workflow", "interop"), 2: ("bedside",)}
    seats = [
        Seat(1, "technical", "Inés"),
        Seat(2, "clinical", "Clara"),
        Seat(1, "clinical", None),
    ]
    rows = coverage(COMPETENCIES, sessions, seats)
    workflow = rows[0].cells
    assert workflow["technical"].interviewers == ("Inés",)
    assert workflow["clinical"].gap  # the clinical seat of session 1 is empty
    assert not rows[1].cells["clinical"].required and not rows[1].cells["clinical"].gap
    assert rows[2].cells["clinical"].interviewers == ("Clara",)
    assert gaps(rows) == ["Clinical workflow understanding has no clinical interviewer"]


def test_a_seat_counts_only_for_its_own_sessions_competencies():
    sessions = {1: ("workflow",), 2: ("interop",)}
    seats = [Seat(1, "clinical", "Clara"), Seat(2, "technical", "Inés")]
    assert gaps(coverage(COMPETENCIES[:2], sessions, seats)) == [
        "Clinical workflow understanding has no technical interviewer"
    ]


def test_a_competency_in_no_session_is_a_gap_on_every_required_side():
    assert gaps(coverage(COMPETENCIES[2:], {1: ()}, [])) == [
        "Bedside manner has no clinical interviewer"
    ]


@pytest.mark.parametrize(
    "current, target, allowed",
    [
        ("planned", "interviewing", True),
        ("planned", "decided", False),
        ("interviewing", "debrief", True),
        ("debrief", "decided", True),
        ("decided", "planned", False),
        ("withdrawn", "planned", True),
        ("interviewing", "withdrawn", True),
    ],
)
def test_only_sensible_transitions(current, target, allowed):
    assert (transition_problem(current, target, []) is None) is allowed


def test_gaps_keep_a_loop_from_interviewing():
    problem = transition_problem(
        "planned", "interviewing", ["Bedside manner has no clinical interviewer"]
    )
    assert (
        problem
        == "The panel still has gaps: Bedside manner has no clinical interviewer."
    )
    assert transition_problem("planned", "decided", []) == (
        "A planned loop cannot become decided (possible: interviewing, withdrawn)."
    )
