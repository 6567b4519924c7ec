"""The page for a form sent after its session ended (issue 14, fresh-user test): it
named fields by their raw names ("Outcome", "no_hire"), left the ratings out, and
its sign-in link forgot the page. Now each field reads as the form labels it, each
choice in words, and sign-in returns to the sending page, on this site only."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from interview.auth.operations import sign_out_everywhere
from interview.extensions import db
from interview.models import Role, User

from .conftest import PASSWORD

RATIONALE = "Strong clinical reasoning, weak on\nthe privacy questions."


@pytest.fixture
def ended(app, client, auth, make_user):
    """Signed in here, then signed out everywhere from elsewhere; the token of the
    form the page carried."""
    manager = make_user(Role.HIRING_MANAGER)
    auth.login(manager)
    token = client.csrf_token()
    with app.app_context():
        sign_out_everywhere(db.session.get(User, manager.id))
        db.session.commit()
    return token


def _page(client, url, data, referrer=None):
    headers = {"Referer": referrer} if referrer else {}
    response = client.post(url, data=data, headers=headers)
    assert response.status_code == 401
    return response.get_data(as_text=True)


def _choices(page: str) -> dict[str, str]:
    listed = page.split('id="typed-choices"')[1].split("</dl>")[0]
    return {
        html.unescape(k): html.unescape(v)
        for k, v in re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", listed)
    }


def _labels(page: str) -> list[str]:
    return [
        html.unescape(x)
        for x in re.findall(r'<label class="label"[^>]*>([^<]*)<', page)
    ]


def _sign_in(page: str) -> tuple[str, str | None]:
    link = html.unescape(re.search(r'<a href="(/sign-in[^"]*)"', page).group(1))
    parts = urlsplit(link)
    return parts.path, parse_qs(parts.query).get("next", [None])[0]


def test_a_decision_reads_as_the_form_labels_it(client, ended):
    page = _page(
        client,
        "/loops/7/decision",
        {"csrf_token": ended, "outcome": "no_hire", "rationale": RATIONALE},
        referrer="http://localhost/loops/7/debrief",
    )
    assert _choices(page) == {"Decision": "No hire"}
    assert _labels(page) == ["Rationale: why, in the light of the evidence"]
    assert RATIONALE in html.unescape(page)
    assert "no_hire" not in page and ">Outcome<" not in page
    assert _sign_in(page) == ("/sign-in", "/loops/7/debrief")


def test_a_scorecard_lists_its_ratings_and_labels(client, ended):
    page = _page(
        client,
        "/interviews/12",
        {
            "csrf_token": ended,
            "version": "3",
            "edit_token": "abc",
            "level_workflow": "3",
            "evidence_workflow": "Walked through the ward round.",
            "level_data_privacy": "na",
            "notes_data_privacy": "Ran out of time.",
            "recommendation": "2",
            "summary": "Solid.",
            "save": "Save draft",
        },
    )
    assert _choices(page) == {
        "Rating for workflow": "3",
        "Rating for data privacy": "Not assessed in this interview",
        "Overall recommendation": "2",
    }
    assert _labels(page) == [
        "Evidence for workflow: what the candidate said or did",
        "Notes during the interview (data privacy)",
        "Summary: your overall view, in a few sentences",
    ]
    # No referrer: back to the form's own address, which opens.
    assert _sign_in(page) == ("/sign-in", "/interviews/12")


@pytest.mark.parametrize(
    "referrer",
    [
        "http://localhost//evil.example",
        "https://evil.example/loops/7/debrief",
        "http://localhost/\\evil.example",
    ],
)
def test_the_return_is_a_local_path_only(client, ended, referrer):
    page = _page(
        client,
        "/loops/7/decision",
        {"csrf_token": ended, "outcome": "hire", "rationale": RATIONALE},
        referrer=referrer,
    )
    # The sending page is refused: the form's own address instead.
    assert _sign_in(page) == ("/sign-in", "/loops/7/decision")
    assert "evil" not in page


def test_a_post_only_address_is_no_return(client, ended):
    page = _page(client, "/holds/3/release", {"csrf_token": ended, "note": "Typed."})
    assert _sign_in(page) == ("/sign-in", None)


@pytest.mark.parametrize(
    "target", ["//evil.example", "https://evil.example", "/\\evil.example"]
)
def test_sign_in_refuses_a_return_to_another_site(app, client, make_user, target):
    user = make_user(Role.HIRING_MANAGER)
    response = client.submit(
        f"/sign-in?next={target}",
        {"email": user.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


# Other forms read as their own labels too (issue 14, fresh-user test: "Role:
# interviewer", "Shape 1 competency keys", "Sessions 0 title", "Share scores after
# submit: y", the raw competency keys once a line, the hiring manager left out).
TYPED_TITLE = "Ward-round_systems  interview"  # typed: never humanised


def _words_only(page: str, *raw: str) -> None:
    """None of the raw names or values appear in what the page says."""
    said = html.unescape(page)
    for word in raw:
        assert word not in said, word


def test_an_account_reads_as_its_form(client, ended):
    page = _page(
        client,
        "/accounts/3/edit",
        {
            "csrf_token": ended,
            "name": "Grace Hopper",
            "email": "grace@example.org",
            "role": "interviewer",
            "discipline": "clinical",
            "time_zone": "Europe/London",
            "weekly_interview_limit": "4",
            "trained_keys": [
                "adaptability_learning_agility",
                "translating_technical_ideas",
            ],
            "password": "Typed-secret-2026",
            "version": "2",
            "submit": "Save account",
        },
    )
    assert _choices(page) == {
        "Role": "Interviewer",
        "Discipline": "Clinical",
        "Time zone": "Europe/London",
        "Interviews a week, at most": "4",
        "Trained to assess": (
            "Adaptability learning agility, Translating technical ideas"
        ),
    }
    assert _labels(page) == ["Full name", "Email"]
    assert "Typed-secret" not in page and "Passwords are never shown back" in page
    _words_only(
        page, "trained_keys", "Trained keys", "adaptability_learning_agility", "Weekly"
    )


def test_a_loop_session_reads_as_its_form(client, ended):
    page = _page(
        client,
        "/loops/7/sessions/1/shape",
        {
            "csrf_token": ended,
            "shape-1-title": TYPED_TITLE,
            "shape-1-duration_minutes": "45",
            "shape-1-competency_keys": [
                "translating_technical_ideas",
                "workflow",
                "<b>odd</b>",
            ],
            "shape-1-clinical_seats": "1",
            "shape-1-technical_seats": "2",
            "shape-1-version": "3",
            "shape-1-submit": "Save session",
        },
    )
    assert _choices(page) == {
        "Length in minutes": "45",
        "Competencies it covers": "Translating technical ideas, Workflow, <b>odd</b>",
        "Clinical interviewers": "1",
        "Technical interviewers": "2",
    }
    assert _labels(page) == ["Session title"]
    assert TYPED_TITLE in html.unescape(page) and "<b>odd" not in page  # escaped
    _words_only(page, "Shape 1", "shape-1", "competency_keys", "technical_ideas")


def test_a_plan_says_which_session(client, ended):
    page = _page(
        client,
        "/requisitions/4/plan",
        {
            "csrf_token": ended,
            "version": "1",
            "sessions-0-title": "Clinical scenario",
            "sessions-0-duration_minutes": "60",
            "sessions-0-competency_keys": ["patient_safety"],
            "sessions-1-title": TYPED_TITLE,
            "sessions-1-competency_keys": ["data_privacy", "workflow"],
            "sessions-1-technical_seats": "1",
        },
    )
    assert _choices(page) == {
        "Session 1: Length in minutes": "60",
        "Session 1: Competencies it covers": "Patient safety",
        "Session 2: Competencies it covers": "Data privacy, Workflow",
        "Session 2: Technical interviewers": "1",
    }
    assert _labels(page) == ["Session 1: Session title", "Session 2: Session title"]
    assert TYPED_TITLE in html.unescape(page)
    _words_only(page, "Sessions 0", "sessions-", "competency_keys", "patient_safety")


def test_a_requisition_reads_as_its_form_and_names_no_one(client, ended):
    page = _page(
        client,
        "/requisitions/4/edit",
        {
            "csrf_token": ended,
            "title": "Clinical informatics lead",
            "discipline": "technical",
            "hiring_manager_id": "17",
            "default_rubric_id": "5",
            "status": "on_hold",
            "share_scores_after_submit": "y",
            "version": "6",
            "submit": "Save requisition",
        },
    )
    hidden = "Chosen on the form (not shown while you are signed out)"
    assert _choices(page) == {
        "The job's own discipline": "Technical",
        "Hiring manager": hidden,
        "Rubric for its loops": hidden,
        "Status": "On hold",
        "Interviewers who have submitted may read the panel's other scorecards": (
            "Yes"
        ),
    }
    assert _labels(page) == ["Title"]
    _words_only(page, "Share scores", "on_hold", "hiring_manager_id", ">17<", ">5<")
