"""What a scorecard needs before submission (pure rules)."""

from interview.scorecards.rules import (
    MAX_TEXT,
    Answer,
    length_problems,
    submission_problems,
)

GOOD = "Walked me through the ADT feed failure and what she changed."


def test_a_complete_scorecard_has_no_problems():
    answers = {"workflow": Answer(3, False, GOOD), "privacy": Answer(None, True, "")}
    assert (
        submission_problems(answers, 3, "Strong on workflow; privacy not covered.")
        == {}
    )


def test_a_rating_without_enough_evidence_asks_for_more():
    problems = submission_problems({"workflow": Answer(4, False, "great")}, 4, "x" * 30)
    assert problems == {
        "workflow.evidence": "Write at least 20 characters of evidence: what the candidate "
        "said or did that earns this rating."
    }


def test_every_missing_piece_is_named():
    problems = submission_problems({"workflow": Answer(None, False, "")}, None, "")
    assert set(problems) == {"workflow.level", "recommendation", "summary"}


def test_all_not_assessed_cannot_be_submitted():
    problems = submission_problems({"a": Answer(None, True, "")}, 2, "y" * 30)
    assert problems == {"ratings": "Rate at least one competency before submitting."}


def test_text_over_the_limit_is_refused_even_in_a_draft():
    long = "é" * (MAX_TEXT + 1)
    assert length_problems({"a": Answer(None, False, long)}, "") == {
        "a.evidence": "20,001 characters; the limit is 20,000. Shorten it: your text is still here."
    }
    assert length_problems({"a": Answer(None, False, "é" * MAX_TEXT)}, "") == {}
