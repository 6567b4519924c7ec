"""Independence holds per seat: nobody reads another scorecard, score, flag or
aggregate of a loop until every one of their own active seats on it is submitted.

The pure rule (interview/independence.py) is tested on plain values; the leak crawl
signs in as an interviewer holding two seats and follows every link and every route
of the permission table, looking for the panel's words; the state machine drives
random seating, removal, drafts, submissions, amendments and decisions and checks
each person's access to every page and download against a small model of the rule.
"""

import html
import io
import re
from datetime import UTC, datetime, timedelta

import pypdf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from interview.extensions import db
from interview.independence import (
    SeatSpan,
    SharingHistory,
    may_read_panel,
    panel_readable_from,
)
from interview.loops.operations import assign_seat
from interview.models import Discipline, PanelSeat, PlanSession, Role, User
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate
from interview.scorecards.operations import Edit, scorecard_for, submit
from interview.scorecards.rules import Answer

from .builders import start_loop
from .rubric_samples import dump, rubric
from .test_permissions import API_ROUTES, ROUTES, _url

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


# --- the pure rule -------------------------------------------------------------------


def span(who, assigned=0, removed=None, submitted=None, author=None) -> SeatSpan:
    return SeatSpan(
        interviewer_id=who,
        assigned_at=at(assigned),
        removed_at=None if removed is None else at(removed),
        submitted_at=None if submitted is None else at(submitted),
        author_id=who if author is None else author,
    )


def test_two_seats_one_submitted_is_not_enough():
    spans = [span(1, submitted=2), span(1), span(2, submitted=1)]
    assert not may_read_panel(1, spans, sharing=True)
    assert may_read_panel(2, spans, sharing=True)


def test_removal_from_the_loop_closes_the_panel():
    spans = [span(1, removed=5, submitted=2), span(2, submitted=1)]
    assert not may_read_panel(1, spans, sharing=True)
    assert may_read_panel(1, spans, sharing=True, at=at(3))
    assert not may_read_panel(1, spans, sharing=True, at=at(5))


def test_no_sharing_means_never():
    spans = [span(1, submitted=2), span(2, submitted=1)]
    assert not may_read_panel(1, spans, sharing=False)
    assert panel_readable_from(1, spans, sharing=False) is None


def test_readable_from_waits_for_someone_elses_scorecard():
    # Own scorecard at 2, someone else's at 4: readable from 4, never from 2.
    spans = [span(1, submitted=2), span(2, submitted=4)]
    assert panel_readable_from(1, spans, sharing=True) == at(4)
    # Only the author's own two scorecards: nothing of anyone else to read.
    assert (
        panel_readable_from(1, [span(1, submitted=2), span(1, submitted=3)], True)
        is None
    )


def test_a_seat_added_later_keeps_the_moment_the_panel_was_open():
    # Submitted seat one at 2 (others at 1): readable from 2; seated again at 6, the
    # panel closes, but it was readable before the second scorecard was written.
    spans = [
        span(1, submitted=2),
        span(2, submitted=1),
        span(1, assigned=6, submitted=8),
    ]
    assert panel_readable_from(1, spans, sharing=True) == at(2)
    assert not may_read_panel(1, spans, sharing=True, at=at(7))


def test_switching_sharing_off_later_keeps_what_could_be_read():
    spans = [
        span(1, submitted=2),
        span(2, submitted=1),
        span(1, assigned=6, submitted=8),
    ]
    history = SharingHistory(True, ((at(10), False),))
    assert panel_readable_from(1, spans, history) == at(2)
    assert not may_read_panel(1, spans, history)  # now, sharing off


def test_switching_sharing_on_later_invents_no_earlier_reading():
    spans = [
        span(1, submitted=2),
        span(2, submitted=1),
        span(1, assigned=6, submitted=8),
    ]
    history = SharingHistory(False, ((at(9), True),))
    assert panel_readable_from(1, spans, history) == at(9)  # after both were written


moments = st.integers(min_value=0, max_value=12)


@st.composite
def histories(draw):
    spans = []
    for _ in range(draw(st.integers(1, 6))):
        who = draw(st.integers(1, 3))
        assigned = draw(moments)
        removed = draw(st.none() | st.integers(assigned + 1, 14))
        submitted = draw(st.none() | st.integers(assigned, 14))
        spans.append(span(who, assigned, removed, submitted))
    return spans


@st.composite
def sharings(draw):
    changes = sorted(
        draw(st.lists(st.tuples(moments, st.booleans()), max_size=3)),
        key=lambda change: change[0],
    )
    return SharingHistory(draw(st.booleans()), tuple((at(m), v) for m, v in changes))


@given(histories(), st.integers(1, 3), sharings())
def test_readable_from_is_the_first_moment_the_rule_and_a_scorecard_allow(
    spans, who, sharing
):
    """Checked against a plain walk over every quarter hour."""
    found = panel_readable_from(who, spans, sharing)
    walk = None
    for quarter in range(15 * 4 + 1):
        moment = at(quarter / 4)
        others = any(
            s.submitted_at is not None
            and s.submitted_at <= moment
            and s.author_id != who
            for s in spans
        )
        if others and may_read_panel(who, spans, sharing, at=moment):
            walk = moment
            break
    assert found == walk


# --- the leak crawl --------------------------------------------------------------------

CANARIES = {
    "wei": (
        "CANARY wei evidence: explained FHIR paging to the ward sister.",
        "CANARY wei summary: would hire for the integration team.",
    ),
    "ines": (
        "CANARY ines evidence: mapped the consent flow without a prompt.",
        "CANARY ines summary: strong on privacy, needs support on workflow.",
    ),
}


def _write(seat_id: int, evidence: str, summary: str, level: int = 3) -> None:
    """A submitted scorecard on the seat, written as its interviewer would."""
    seat = db.session.get(PanelSeat, seat_id)
    card = scorecard_for(seat)
    answers = {c.key: Answer(level, False, evidence) for c in seat.session.competencies}
    submit(seat.interviewer, card, answers, level, summary, Edit(card.version))
    db.session.commit()


@pytest.fixture
def two_seat_loop(app, make_user):
    """Clara holds the clinical seat of both sessions; Wei and Ines the technical ones,
    and both have submitted scorecards full of canary words."""
    manager = make_user(Role.HIRING_MANAGER)
    clara = make_user(
        Role.INTERVIEWER, discipline=Discipline.CLINICAL, name="Clara Jensen"
    )
    wei = make_user(Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="Wei Zhang")
    ines = make_user(
        Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="Inés Delgado"
    )
    kwame = make_user(
        Role.INTERVIEWER, discipline=Discipline.CLINICAL, name="Kwame Mensah"
    )
    with app.app_context():
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        plan = [
            PlanSession(title="Workflow case", competency_keys=["workflow"]),
            PlanSession(title="Privacy case", competency_keys=["privacy", "workflow"]),
        ]
        loop = start_loop(manager.id, version.rubric_id, plan, candidate="Amara Nwosu")
        for day, session in enumerate(loop.sessions):
            session.starts_at = T0 + timedelta(days=day)
        db.session.flush()
        seats = {}
        for session, tech in zip(loop.sessions, (wei, ines), strict=True):
            for seat in session.seats:
                who = clara if seat.discipline == Discipline.CLINICAL else tech
                assign_seat(None, seat, db.session.get(User, who.id))
        db.session.commit()
        for position, session in enumerate(loop.sessions):
            for seat in session.seats:
                if seat.removed_at is None:
                    seats[(position, str(seat.discipline))] = seat.id
        _write(seats[(0, "technical")], *CANARIES["wei"])
        _write(seats[(1, "technical")], *CANARIES["ines"])
        _write(
            seats[(0, "clinical")],
            "Clara's own evidence on the first session.",
            "Clara's own summary of the first session.",
        )
        return {
            "loop": loop.id,
            "requisition": loop.requisition_id,
            "candidate": loop.candidate_id,
            "sessions": [s.id for s in loop.sessions],
            "seats": seats,
            "clara": clara,
            "kwame": kwame,
            "manager": manager,
        }


def _text(response) -> str:
    if response.mimetype == "application/pdf":
        reader = pypdf.PdfReader(io.BytesIO(response.data))
        return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    return response.get_data(as_text=True)


def crawl(client, objects_list) -> dict[str, tuple[int, str]]:
    """Every page reachable by links from home, and every GET route of the
    permission table with each set of ids: url -> (status, text)."""
    start = ["/"]
    for objects in objects_list:
        start += [_url(rule, objects) for method, rule, _ in ROUTES if method == "GET"]
    seen: dict[str, tuple[int, str]] = {}
    queue = list(dict.fromkeys(start))
    while queue and len(seen) < 400:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        text = _text(response)
        seen[url] = (response.status_code, text)
        if response.mimetype == "text/html":
            for link in re.findall(r'href="(/[^"#]*)', text):
                link = html.unescape(link)
                if not link.startswith("/static/") and link not in seen:
                    queue.append(link)
    return seen


def _objects(loop: dict) -> list[dict]:
    base = {
        "user_id": loop["clara"].id,
        "key": "sample",
        "number": 1,
        "requisition_id": loop["requisition"],
        "candidate_id": loop["candidate"],
        "loop_id": loop["loop"],
    }
    with_ids = []
    for seat_id in loop["seats"].values():
        for session_id in loop["sessions"]:
            with_ids.append(base | {"seat_id": seat_id, "session_id": session_id})
    return with_ids


def _leaks(pages: dict) -> list[tuple[str, str]]:
    return [
        (url, canary)
        for url, (_, text) in pages.items()
        for pair in CANARIES.values()
        for canary in pair
        if canary in text or html.escape(canary) in text
    ]


def _panel_status(pages: dict, loop_id: int) -> dict[str, int]:
    return {
        name: pages[url][0]
        for name, url in (
            ("panel", f"/interviews/loops/{loop_id}/scorecards"),
            ("debrief", f"/loops/{loop_id}/debrief"),
            ("packet", f"/loops/{loop_id}/debrief.pdf"),
        )
    }


def test_leak_crawl_with_two_seats_one_submitted(app, client, auth, two_seat_loop):
    loop = two_seat_loop
    auth.login(loop["clara"])
    pages = crawl(client, _objects(loop))
    assert len(pages) > 20
    assert _leaks(pages) == []
    assert _panel_status(pages, loop["loop"]) == {
        "panel": 403,
        "debrief": 403,
        "packet": 403,
    }

    # The crawl does see the panel once the rule allows it: the check can fail.
    with app.app_context():
        _write(
            loop["seats"][(1, "clinical")],
            "Clara's evidence on the second session.",
            "Clara's summary of the second session.",
        )
    pages = crawl(client, _objects(loop))
    assert _panel_status(pages, loop["loop"]) == {
        "panel": 200,
        "debrief": 200,
        "packet": 200,
    }
    leaked = {canary for _, canary in _leaks(pages)}
    assert leaked == {c for pair in CANARIES.values() for c in pair}


def api_crawl(client, objects_list) -> dict[str, tuple[int, str]]:
    """Issue 15: every GET route of the API's permission table with each set of ids:
    url -> (status, body as text)."""
    seen: dict[str, tuple[int, str]] = {}
    for objects in objects_list:
        for method, rule, _ in API_ROUTES:
            url = _url(rule, objects)
            if method == "GET" and url not in seen:
                response = client.get(url)
                seen[url] = (response.status_code, response.get_data(as_text=True))
    return seen


def _others_progress(client, loop: dict) -> set:
    """The scorecard states the API shows Clara for the seats that are not hers."""
    body = client.get(f"/api/v1/loops/{loop['loop']}").get_json()
    return {
        seat["scorecard"]
        for session in body["sessions"]
        for seat in session["seats"]
        if seat["interviewer"]["id"] != loop["clara"].id
    }


def test_api_leak_crawl_with_two_seats_one_submitted(app, api, two_seat_loop):
    loop = two_seat_loop
    client = api(loop["clara"])  # every scope an interviewer can hold
    pages = api_crawl(client, _objects(loop))
    assert _leaks(pages) == []
    panel = {
        name: pages[f"/api/v1/loops/{loop['loop']}/{name}"][0]
        for name in ("debrief", "decision")
    }
    assert panel == {"debrief": 403, "decision": 403}
    assert _others_progress(client, loop) == {None}  # not even who has submitted

    # The crawl does see the panel once the rule allows it: the check can fail.
    with app.app_context():
        _write(
            loop["seats"][(1, "clinical")],
            "Clara's evidence on the second session.",
            "Clara's summary of the second session.",
        )
    pages = api_crawl(client, _objects(loop))
    panel = {
        name: pages[f"/api/v1/loops/{loop['loop']}/{name}"][0]
        for name in ("debrief", "decision")
    }
    assert panel == {"debrief": 200, "decision": 200}
    assert _others_progress(client, loop) == {"submitted"}


def test_removed_from_the_loop_reads_nothing(app, client, auth, two_seat_loop):
    loop = two_seat_loop
    with app.app_context():
        _write(
            loop["seats"][(1, "clinical")],
            "Clara's evidence on the second session.",
            "Clara's summary of the second session.",
        )
        for position in (0, 1):
            seat = db.session.get(PanelSeat, loop["seats"][(position, "clinical")])
            assign_seat(None, seat, db.session.get(User, loop["kwame"].id))
        db.session.commit()
    auth.login(loop["clara"])
    pages = crawl(client, _objects(loop))
    assert _leaks(pages) == []
    assert _panel_status(pages, loop["loop"]) == {
        "panel": 403,
        "debrief": 403,
        "packet": 403,
    }
    assert pages[f"/loops/{loop['loop']}"][0] == 403


def test_others_progress_shows_only_once_the_panel_is_open(
    app, client, auth, two_seat_loop
):
    """Who has submitted is part of the panel too: before every one of her seats is
    in, Clara sees the state of her own scorecards only."""
    loop = two_seat_loop
    auth.login(loop["clara"])
    page = client.get(f"/loops/{loop['loop']}").get_data(as_text=True)
    assert page.count('class="tag status-submitted"') == 1  # her own first seat
    with app.app_context():
        _write(
            loop["seats"][(1, "clinical")],
            "Clara's evidence on the second session.",
            "Clara's summary of the second session.",
        )
    page = client.get(f"/loops/{loop['loop']}").get_data(as_text=True)
    assert page.count('class="tag status-submitted"') == 4
