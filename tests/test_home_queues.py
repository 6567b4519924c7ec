"""The home pages' queues (issue 14): the hiring manager's loops awaiting a decision
and still interviewing; talent acquisition's overdue feedback, loops ready for
debrief and loops with gaps. Each lists exactly the loops its definition says, over
a state space of loops in every status, and costs the same statements at any size."""

import itertools
import re
from datetime import timedelta

import pytest

from interview.debrief.packet import loop_synthesis
from interview.extensions import db
from interview.home.queues import lateness
from interview.models import (
    DecisionOutcome,
    Discipline,
    HiringDecision,
    Loop,
    LoopStatus,
    PanelSeat,
    PlanSession,
    Role,
    Scorecard,
    ScorecardStatus,
)
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate
from interview.timeutil import utcnow

from .builders import start_loop
from .queries import counting_queries
from .rubric_samples import dump, rubric

S, D, N = "submitted", "draft", None  # a seat's scorecard: submitted, draft, none
SECTIONS = {
    "hiring_manager": ["Awaiting your decision", "Still interviewing", "Your requis"],
    "talent_acquisition": [
        "Overdue feedback",
        "Ready for debrief",
        "Loops with gaps",
        "At a glance",
    ],
}


@pytest.fixture
def people(make_user):
    return {
        "ta": make_user(Role.TALENT_ACQUISITION),
        "manager": make_user(Role.HIRING_MANAGER, name="Mona Manager"),
        "other": make_user(Role.HIRING_MANAGER, name="Otto Other"),
        "clara": make_user(Role.INTERVIEWER, name="Clara Jensen"),
        "tom": make_user(
            Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="Tom Okafor"
        ),
        "rita": make_user(Role.INTERVIEWER, name="Rita Former"),
    }


@pytest.fixture
def rubric_id(app):
    with app.app_context():
        rubric_id = save_rubric(None, validate(dump(rubric())).rubric).version.rubric_id
        db.session.commit()
        return rubric_id


def _plan() -> list[PlanSession]:
    keys = ["workflow", "privacy"]
    return [
        PlanSession(title="Clinical case", position=0, competency_keys=keys),
        PlanSession(title="Systems design", position=1, competency_keys=keys),
    ]


def make_loop(app, people, rubric_id, name, status, sessions, manager="manager"):
    """A loop for candidate ``name`` in ``status``; ``sessions`` gives each of its
    two sessions as (start from now or None, clinical seat, technical seat), a seat
    being (holder or None, its scorecard: S, D or N). Returns the loop id."""
    with app.app_context():
        loop = start_loop(
            people[manager].id, rubric_id, _plan(), candidate=name, title=f"Req {name}"
        )
        for session, (starts_in, *seats) in zip(loop.sessions, sessions, strict=True):
            session.starts_at = None if starts_in is None else utcnow() + starts_in
            by_discipline = {s.discipline: s for s in session.seats}
            for seat, (who, card) in zip(
                (
                    by_discipline[Discipline.CLINICAL],
                    by_discipline[Discipline.TECHNICAL],
                ),
                seats,
                strict=True,
            ):
                _fill(seat, people[who].id if who else None, card, loop)
        loop.status = status
        db.session.commit()
        return loop.id


def _fill(seat: PanelSeat, interviewer_id, card, loop) -> None:
    seat.interviewer_id = interviewer_id
    seat.assigned_at = utcnow() if interviewer_id else None
    if card:
        seat.scorecard = Scorecard(
            interviewer_id=interviewer_id,
            rubric_version_id=loop.rubric_version_id,
            status=ScorecardStatus(card),
            submitted_at=utcnow() if card == S else None,
        )


def add_removed_seat(app, loop_id, session, who, card):
    """A clinical seat ``who`` held on the loop's ``session`` and left (removed),
    with a ``card`` scorecard or none: a seat's history, owing nothing."""
    with app.app_context():
        loop = db.session.get(Loop, loop_id)
        seat = PanelSeat(
            session=loop.sessions[session],
            discipline=Discipline.CLINICAL,
            removed_at=utcnow(),
        )
        db.session.add(seat)
        _fill(seat, who, card, loop)
        db.session.commit()


PAST = -timedelta(days=4)  # ended, its feedback due three days ago
LATER = PAST + timedelta(hours=2)
RECENT = -timedelta(hours=3)  # ended, but its feedback is not due yet
SOON = timedelta(days=2)
FULL = ("clara", S), ("tom", S)


@pytest.fixture
def state(app, people, rubric_id):
    return build_state(app, people, rubric_id)


def build_state(app, people, rubric_id) -> dict[str, int]:
    """Loops in every status, seats of several kinds, two managers."""

    def add(name, status, sessions, manager="manager"):
        return make_loop(app, people, rubric_id, name, status, sessions, manager)

    ids = {
        "ada": add("Ada Debrief", LoopStatus.DEBRIEF, [(PAST, *FULL)] * 2),
        "bea": add("Bea Other", LoopStatus.DEBRIEF, [(PAST, *FULL)] * 2, "other"),
        # Tom's draft on the first session and Clara's missing second: both late.
        "cy": add(
            "Cy Interviewing",
            LoopStatus.INTERVIEWING,
            [(PAST, ("clara", S), ("tom", D)), (LATER, ("clara", N), ("tom", S))],
        ),
        "dee": add("Dee Ready", LoopStatus.INTERVIEWING, [(PAST, *FULL)] * 2),
        "eve": add(
            "Eve Withdrawn",
            LoopStatus.WITHDRAWN,
            [(PAST, ("clara", N), ("tom", D)), (None, (None, N), (None, N))],
        ),
        "fay": add(
            "Fay Planned",
            LoopStatus.PLANNED,
            [(None, ("clara", N), ("tom", N)), (SOON, ("clara", N), (None, N))],
        ),
        "gus": add(
            "Gus Recent",
            LoopStatus.INTERVIEWING,
            [(RECENT, ("clara", N), ("tom", N)), (SOON, ("clara", N), ("tom", N))],
            "other",
        ),
        "hal": add(
            "Hal Decided",
            LoopStatus.DECIDED,
            [(PAST, ("clara", D), ("tom", N)), (PAST, *FULL)],
        ),
    }
    # Rita left Dee's first session with a draft (kept), and Cy's second without
    # one: removed seats owe nothing.
    add_removed_seat(app, ids["dee"], 0, people["rita"].id, D)
    add_removed_seat(app, ids["cy"], 1, people["rita"].id, None)
    return ids


def sections(page: str, role: str) -> dict[str, str]:
    """The page's text under each queue's heading, up to the next one."""
    names = SECTIONS[role]
    found = {}
    for name, after in itertools.pairwise(names):
        found[name] = page.split(name, 1)[1].split(after, 1)[0]
    return found


def candidates_in(text: str) -> set[str]:
    return set(re.findall(r"([A-Z][a-z]+ [A-Z][a-z]+) — Req", text))


def home(client, auth, user) -> str:
    auth.login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_hiring_manager_sees_their_loops_awaiting_decision_and_interviewing(
    client, auth, people, state
):
    page = sections(home(client, auth, people["manager"]), "hiring_manager")
    awaiting = page["Awaiting your decision"]
    assert candidates_in(awaiting) == {"Ada Debrief"}  # not Bea: another's
    assert "1 loop in debrief" in awaiting
    assert f'href="/loops/{state["ada"]}/debrief"' in awaiting
    interviewing = page["Still interviewing"]
    assert candidates_in(interviewing) == {"Cy Interviewing", "Dee Ready"}
    assert "2 loops still interviewing" in interviewing
    # Cy: two of four held seats submitted (Rita's removed seat is not counted).
    assert re.search(
        r"Cy Interviewing — Req Cy Interviewing</a>:\s+2 of 4 scorecards in\b",
        interviewing,
    )
    assert re.search(
        r"Dee Ready</a>:\s+4 of 4 scorecards in, ready for debrief", interviewing
    )
    assert f'href="/loops/{state["cy"]}"' in interviewing


def test_loops_awaiting_a_decision_say_how_many_scorecards_are_in(
    app, client, auth, people, rubric_id, state
):
    """Issue 14: the awaiting list counts scorecards as the debrief page does (a
    session the decision cancelled on a reopened loop is not waited on)."""
    partial = make_loop(
        app,
        people,
        rubric_id,
        "Ivy Partial",
        LoopStatus.DEBRIEF,
        [(PAST, ("clara", S), ("tom", D)), (PAST, *FULL)],
    )
    reopened = make_loop(
        app,
        people,
        rubric_id,
        "Jo Reopened",
        LoopStatus.DEBRIEF,
        [(PAST, *FULL), (None, ("clara", N), ("tom", N))],
    )
    with app.app_context():
        db.session.add(
            HiringDecision(
                loop_id=reopened,
                outcome=DecisionOutcome.HOLD,
                rationale="Held while the second interview was cancelled.",
                decided_by_id=people["manager"].id,
            )
        )
        db.session.commit()
    awaiting = sections(home(client, auth, people["manager"]), "hiring_manager")[
        "Awaiting your decision"
    ]
    shown = dict(
        re.findall(r"([A-Z][a-z]+ [A-Z][a-z]+) — Req [^<]+</a>:\s+([^<]+)<", awaiting)
    )
    assert {name: " ".join(text.split()) for name, text in shown.items()} == {
        "Ada Debrief": "4 of 4 scorecards in",
        "Ivy Partial": "3 of 4 scorecards in",
        "Jo Reopened": "2 of 2 scorecards in",
    }
    with app.app_context():  # the debrief page's own count agrees
        for loop_id, name in ((partial, "Ivy Partial"), (reopened, "Jo Reopened")):
            result = loop_synthesis(db.session.get(Loop, loop_id))
            words = f"{result.submitted_active} of {result.expected} scorecards in"
            assert " ".join(shown[name].split()) == words


def test_the_other_manager_sees_only_their_own(client, auth, people, state):
    page = sections(home(client, auth, people["other"]), "hiring_manager")
    assert candidates_in(page["Awaiting your decision"]) == {"Bea Other"}
    assert candidates_in(page["Still interviewing"]) == {"Gus Recent"}
    assert "0 of 4 scorecards in" in page["Still interviewing"]


def test_talent_acquisition_sees_overdue_feedback(client, auth, people, state):
    overdue = sections(home(client, auth, people["ta"]), "talent_acquisition")[
        "Overdue feedback"
    ]
    assert "1 open loop has feedback overdue" in overdue
    rows = re.findall(r"<li><strong>([^<]+)</strong>.*?</li>", overdue, re.DOTALL)
    assert rows == ["Tom Okafor", "Clara Jensen"]  # Clara's first seat is in
    assert candidates_in(overdue) == {"Cy Interviewing"}
    assert "Systems design" in overdue and "Clinical case" in overdue
    assert "2 days late" in overdue  # ended four days ago less an hour
    assert "draft started" in overdue and "not started" in overdue
    assert "Rita Former" not in overdue  # her seat was removed


def test_talent_acquisition_sees_loops_ready_for_debrief(client, auth, people, state):
    ready = sections(home(client, auth, people["ta"]), "talent_acquisition")[
        "Ready for debrief"
    ]
    assert candidates_in(ready) == {"Dee Ready"}
    assert "1 loop is still interviewing with every scorecard in" in ready
    assert f'href="/loops/{state["dee"]}"' in ready
    assert "hiring manager Mona Manager" in ready


def test_talent_acquisition_sees_loops_with_gaps(client, auth, people, state):
    gaps = sections(home(client, auth, people["ta"]), "talent_acquisition")[
        "Loops with gaps"
    ]
    assert candidates_in(gaps) == {"Fay Planned"}  # Eve's are on a withdrawn loop
    assert "1 open loop has an empty seat" in gaps
    assert "1 empty seat, 1 session without a time" in gaps
    assert f'href="/loops/{state["fay"]}"' in gaps


def test_empty_queues_say_what_it_means(client, auth, people):
    page = home(client, auth, people["manager"])
    assert "Nothing awaits your decision" in page
    assert "No loop of yours is interviewing now" in page
    auth.logout()
    page = home(client, auth, people["ta"])
    assert "No feedback is overdue" in page
    assert "No loop is ready for debrief" in page
    assert "No open loop has a gap" in page


def test_lateness_in_words():
    assert lateness(timedelta(days=2, hours=5)) == "2 days"
    assert lateness(timedelta(hours=1, minutes=59)) == "1 hour"
    assert lateness(timedelta(minutes=20)) == "20 minutes"
    assert lateness(timedelta(seconds=30)) == "0 minutes"
    assert lateness(timedelta(days=1200)) == "1,200 days"


def _grow(app, people, rubric_id, n):
    """``n`` more loops in each queue of each home page."""
    for i in range(n):
        for name, status, sessions in (
            ("Many Debrief", LoopStatus.DEBRIEF, [(PAST, *FULL)] * 2),
            (
                "Many Late",
                LoopStatus.INTERVIEWING,
                [(PAST, ("clara", D), ("tom", S)), (PAST, *FULL)],
            ),
            ("Many Ready", LoopStatus.INTERVIEWING, [(PAST, *FULL)] * 2),
            ("Many Gaps", LoopStatus.PLANNED, [(None, (None, N), ("tom", N))] * 2),
        ):
            make_loop(app, people, rubric_id, f"{name}{i}", status, sessions)


PAGES = {
    "ta": ["/", "/?overdue=2&ready=2&gaps=2"],
    "manager": ["/"],
}


def _measure(app, client, auth, people) -> dict[str, int]:
    counts = {}
    for who, urls in PAGES.items():
        auth.login(people[who])
        for url in urls:
            client.get(url)
            with counting_queries(app) as log:
                assert client.get(url).status_code == 200
            counts[f"{who} {url}"] = len(log)
        auth.logout()
    return counts


def test_home_queues_cost_the_same_statements_at_any_size(
    app, client, auth, people, rubric_id
):
    """Empty queues, a few rows in each, and more than a page of each: the same
    statements (closed loops give the manager requisitions from the start)."""
    for name, status in (
        ("Old Decided", LoopStatus.DECIDED),
        ("Old Gone", LoopStatus.WITHDRAWN),
    ):
        make_loop(app, people, rubric_id, name, status, [(PAST, *FULL)] * 2)
    empty = _measure(app, client, auth, people)
    build_state(app, people, rubric_id)
    few = _measure(app, client, auth, people)
    _grow(app, people, rubric_id, 12)  # past one queue's page, in every queue
    many = _measure(app, client, auth, people)
    assert empty == few == many, (empty, few, many)


def test_queues_page_on_and_say_how_many_more(
    app, client, auth, people, rubric_id, state
):
    _grow(app, people, rubric_id, 12)
    page = home(client, auth, people["manager"])
    assert "13 loops in debrief" in page
    assert "And 3 more" in page and 'href="/loops/?status=debrief"' in page
    auth.logout()
    page = home(client, auth, people["ta"])
    assert "13 open loops have feedback overdue" in page and "Showing 1–10." in page
    page = client.get("/?overdue=2").get_data(as_text=True)
    overdue = sections(page, "talent_acquisition")["Overdue feedback"]
    assert "Showing 11–13." in overdue
    assert 'id="overdue-heading" tabindex="-1" autofocus' in page
    assert len(re.findall(r"<li><strong>", overdue)) == 3  # one late seat each
    assert "13 loops are still interviewing with every scorecard in" in page


def test_a_queue_is_counted_up_to_its_limit(
    app, client, auth, people, rubric_id, state, monkeypatch
):
    """Past the count's limit a queue says "more than", and pages up to it."""
    from interview.home import queues

    monkeypatch.setattr(queues, "QUEUE_COUNT_LIMIT", 12)
    _grow(app, people, rubric_id, 12)
    page = home(client, auth, people["ta"])
    gaps = sections(page, "talent_acquisition")["Loops with gaps"]
    assert "More than 12 open loops have an empty seat" in gaps
    assert "The first 12 are listed here." in gaps
    page = client.get("/?gaps=5").get_data(as_text=True)  # the last page: 2
    assert "Showing 11–12." in sections(page, "talent_acquisition")["Loops with gaps"]
    auth.logout()
    page = home(client, auth, people["manager"])
    assert "More than 12 loops in debrief" in page and "And 2+ more" in page


def test_each_queue_is_searched_once_per_view(
    app, client, auth, people, rubric_id, state
):
    """A queue's conditions (EXISTS probes over sessions, seats and scorecards) run
    in one statement, which counts the queue and finds its page's ids; the page's
    loops are then loaded by id. Ready for debrief reads every interviewing loop at
    scale (1,260 to find 5): searching again for the page doubled that."""
    _grow(app, people, rubric_id, 12)
    auth.login(people["ta"])
    with counting_queries(app) as log:
        page = client.get("/?overdue=2&ready=2&gaps=2").get_data(as_text=True)
    queues = sections(page, "talent_acquisition")
    for name in ("Overdue feedback", "Ready for debrief", "Loops with gaps"):
        assert "Showing 11–13." in queues[name], name
    loads = [s for s in log.statements if "JOIN candidates" in s]
    assert len(loads) == 3, log
    assert not [s for s in loads if "EXISTS" in s], log
