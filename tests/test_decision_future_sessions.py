"""A decision recorded while interviews are still to come (issue 14): the decision form
lists them and asks first; recording it cancels them for their interviewers (a
calendar CANCEL, gone from Upcoming), keeps what was written, says so on the loop
page and in the audit log; reopening the loop brings none of them back by itself."""

import re
import secrets
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from interview.auth.operations import sign_out_everywhere
from interview.extensions import db
from interview.loops.operations import (
    assign_seat,
    change_status,
    reopen_loop,
    schedule_session,
)
from interview.loops.schedule import local_range
from interview.models import (
    AuditEntry,
    Discipline,
    HiringDecision,
    InterviewSession,
    Loop,
    LoopStatus,
    OutboxMessage,
    PlanSession,
    Role,
    Scorecard,
    ScorecardStatus,
    User,
)
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate
from interview.timeutil import utcnow

from .builders import add_scorecard, start_loop
from .rubric_samples import dump, rubric

NEXT_WEEK = (utcnow() + timedelta(days=7)).strftime("%Y-%m-%dT10:00")
LAST_WEEK = (utcnow() - timedelta(days=7)).strftime("%Y-%m-%dT10:00")
RATIONALE = "Strong on every competency the panel heard so far."


@pytest.fixture
def team(app, make_user):
    """A loop in debrief: Workflow (past, both submitted) and Privacy (next week in
    Berlin, Clara and Theo seated, Clara's draft begun), and its manager in New York."""
    ta = make_user(Role.TALENT_ACQUISITION, name="Tess Acquisition")
    manager = make_user(Role.HIRING_MANAGER, name="Mona Manager")
    clara = make_user(Role.INTERVIEWER, discipline=Discipline.CLINICAL, name="Clara")
    theo = make_user(Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="Theo")
    with app.app_context():
        db.session.get(User, manager.id).time_zone = "America/New_York"
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        keys = ["workflow", "privacy"]
        plan = [
            PlanSession(title="Workflow", competency_keys=keys),
            PlanSession(title="Privacy review", competency_keys=keys, position=1),
        ]
        loop = start_loop(manager.id, version.rubric_id, plan, candidate="Amara Nwosu")
        db.session.commit()
        actor = db.session.get(User, ta.id)
        for session, when in zip(loop.sessions, (LAST_WEEK, NEXT_WEEK), strict=True):
            for seat in list(session.seats):
                person = clara if seat.discipline == Discipline.CLINICAL else theo
                assign_seat(actor, seat, db.session.get(User, person.id))
            _schedule(actor, session, when)
        db.session.commit()
        past, future = loop.sessions
        for seat in _held(past):
            add_scorecard(
                seat.id,
                seat.interviewer_id,
                status=ScorecardStatus.SUBMITTED,
                submitted_at=utcnow() - timedelta(days=6),
            )
        clara_future = next(s for s in _held(future) if s.interviewer_id == clara.id)
        add_scorecard(clara_future.id, clara.id, summary="DRAFT-STAYS")
        for target in ("interviewing", "debrief"):
            change_status(actor, db.session.get(Loop, loop.id), target)
        db.session.commit()
        ids = {
            "loop": loop.id,
            "future": future.id,
            "past": past.id,
            "clara_seat": clara_future.id,
        }
    return {"ta": ta, "manager": manager, "clara": clara, "theo": theo, **ids}


def _schedule(actor, session, when):
    schedule_session(
        actor,
        session,
        {
            "time_zone": "Europe/Berlin",
            "starts_local": when,
            "duration_minutes": 60,
            "location": "Room 4",
            "video_url": "",
        },
    )


def _held(session):
    return [s for s in session.seats if s.removed_at is None and s.interviewer_id]


def _outbox_after(app, last_id: int) -> list[tuple[str, str, object]]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.id > last_id)
            .order_by(OutboxMessage.id)
        ).all()
        return [
            (r.key, r.recipient, message_from_bytes(r.message, policy=policy.default))
            for r in rows
        ]


def _last_outbox_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.max(OutboxMessage.id))) or 0


def _event(message):
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    (event,) = Calendar.from_ical(part.get_content()).walk("VEVENT")
    return str(Calendar.from_ical(part.get_content())["METHOD"]), event.decoded(
        "SEQUENCE"
    )


def _decide(client, team, **extra):
    return client.submit(
        f"/loops/{team['loop']}/decision",
        {"outcome": "hire", "rationale": RATIONALE, **extra},
    )


def _key(app, team) -> str:
    with app.app_context():
        session = db.session.get(InterviewSession, team["future"])
        return f"{session.id}:{session.schedule_sequence}"


def _status(app, team) -> LoopStatus:
    with app.app_context():
        return db.session.get(Loop, team["loop"]).status


def test_the_decision_form_lists_the_sessions_to_come_and_asks_first(
    app, client, auth, team, make_user
):
    auth.login(team["manager"])
    page = client.get(f"/loops/{team['loop']}/debrief").get_data(as_text=True)
    with app.app_context():
        session = db.session.get(InterviewSession, team["future"])
        when = local_range(session.starts_at, session.ends_at, "America/New_York")
    assert "1 interview is still to come." in page
    # Title, time in the reader's zone (New York, not Berlin), who is seated; the
    # past session is not listed.
    listed = page.split('id="to-come-list"')[1].split("</ul>")[0]
    assert listed == (
        f"><li><strong>Privacy review</strong>, {when}: Clara and Theo are sent a "
        "calendar cancellation</li>"
    )
    assert 'name="confirm"' not in page  # nothing to confirm before a first try

    asked = _decide(client, team)
    assert asked.status_code == 302  # issue 14: to the draft's page (drafts.py)
    text = client.get(asked.location).get_data(as_text=True)
    assert "1 interview is still to come" in text
    assert "The decision was not recorded yet" in text
    assert f"<strong>Privacy review</strong>, {when}: Clara and Theo are" in text
    assert "Record the decision anyway" in text
    assert RATIONALE in text  # what was typed is kept
    assert _status(app, team) == LoopStatus.DEBRIEF

    # A confirmation of other sessions than these (a session moved since): asks again.
    stale = _decide(client, team, confirm="y", sessions=f"{team['future']}:0")
    assert stale.status_code == 302
    assert "changed since you confirmed" in client.get(stale.location).text
    assert _status(app, team) == LoopStatus.DEBRIEF
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(HiringDecision.id))) == 0
    auth.logout()

    # Confirming is no way round the permissions: only the requisition's manager.
    for person in (make_user(Role.HIRING_MANAGER), team["ta"], team["clara"]):
        auth.login(person)
        confirmed = _decide(client, team, confirm="y", sessions=_key(app, team))
        assert confirmed.status_code == 403
        auth.logout()
    assert _status(app, team) == LoopStatus.DEBRIEF

    # The interview took place after all: the normal path, no question asked.
    with app.app_context():
        db.session.get(InterviewSession, team["future"]).starts_at = utcnow() - (
            timedelta(days=1)
        )
        db.session.commit()
    seen = _last_outbox_id(app)
    auth.login(team["manager"])
    page = client.get(f"/loops/{team['loop']}/debrief").get_data(as_text=True)
    assert "still to come" not in page
    assert _decide(client, team).status_code == 302
    assert _status(app, team) == LoopStatus.DECIDED
    assert {k.split(":")[0] for k, _, _ in _outbox_after(app, seen)} == {"decision"}


def test_the_confirmation_words_each_session_by_what_will_happen(
    app, client, auth, team
):
    """Issue 14: the confirmation promised that interviewers are told for every
    session listed, even one where nobody is seated (nobody is sent anything)."""
    with app.app_context():
        future = db.session.get(InterviewSession, team["future"])
        actor = db.session.scalar(
            sa.select(User).where(User.role == Role.TALENT_ACQUISITION)
        )
        for seat in _held(future):
            assign_seat(actor, seat, None)
        db.session.commit()
    auth.login(team["manager"])
    text = client.get(_decide(client, team).location).get_data(as_text=True)
    listed = text.split('id="to-come-list"')[1].split("</ul>")[0]
    assert "<strong>Privacy review</strong>" in listed
    assert "nobody is seated, so nobody is told; it loses its time" in listed
    confirm = text.split('id="confirm-decision"')[1].split("</section>")[0]
    assert "sent a calendar cancellation" not in confirm
    assert "leave the upcoming lists" not in confirm
    assert _status(app, team) == LoopStatus.DEBRIEF


def test_the_confirmation_is_a_draft_page_that_reloads_and_keeps_the_text(
    app, client, auth, team
):
    """Issue 14: the confirmation was the answer to the POST, so Back or Reload
    showed the browser's "Confirm form resubmission". It is now a GET page holding
    what was typed (a draft in this browser's signed cookie, drafts.py)."""
    auth.login(team["manager"])
    asked = _decide(client, team, outcome="no_hire")
    assert asked.status_code == 302
    url = asked.location
    assert re.match(rf"/loops/{team['loop']}/decision\?draft=[\w-]+$", url)
    first, again = client.get(url), client.get(url)  # reloaded: the same page
    assert first.status_code == again.status_code == 200
    for page in (first.text, again.text):
        assert "Record the decision anyway" in page
        assert RATIONALE in page
        assert re.search(r'<input checked[^>]*value="no_hire"', page)
    assert _status(app, team) == LoopStatus.DEBRIEF
    # Confirmed from the page: recorded as typed, and the draft is gone.
    key = re.search(r'name="sessions" value="([^"]*)"', first.text).group(1)
    done = _decide(client, team, outcome="no_hire", confirm="y", sessions=key)
    assert done.status_code == 302 and _status(app, team) == LoopStatus.DECIDED
    with app.app_context():
        decision = db.session.scalar(sa.select(HiringDecision))
        assert decision.outcome.value == "no_hire"
    after = client.get(url)
    assert after.status_code == 200 and "Record the decision" not in after.text


def test_a_stale_draft_address_shows_a_message_or_the_plain_page(
    app, client, auth, team
):
    auth.login(team["manager"])
    url = _decide(client, team).location
    gone = client.get(f"/loops/{team['loop']}/decision?draft=no-such-draft")
    assert gone.status_code == 200
    assert "This decision draft is no longer kept in this browser" in gone.text
    assert RATIONALE not in gone.text
    auth.logout()
    # Another account in this browser: the debrief page, not the manager's text.
    auth.login(team["ta"])
    theirs = client.get(url)
    assert theirs.status_code == 200
    assert RATIONALE not in theirs.text and "Record the decision" not in theirs.text


def test_a_rationale_too_long_to_keep_is_answered_directly(app, client, auth, team):
    """The cookie holds about 4 KB: a draft too large is answered as before (409,
    the text on the page), never lost."""
    auth.login(team["manager"])
    long = " ".join(secrets.token_hex(4) for _ in range(700))  # ~6 KB, no repeats
    asked = _decide(client, team, rationale=long)
    assert asked.status_code == 409
    assert long in asked.text and "Record the decision anyway" in asked.text


def _session_cookie(response) -> str:
    (header,) = [
        h for h in response.headers.getlist("Set-Cookie") if h.startswith("interview_")
    ]
    return header


def test_long_drafts_never_make_the_cookie_too_large_for_the_browser(
    app, client, auth, team
):
    """Review of issue 14: each draft was measured alone, three kept, so three long
    rationales made a cookie over the browser's 4,093 bytes; Chromium drops it and
    the confirmation said the draft was no longer kept, the text lost. The whole
    cookie is measured: older drafts go, the newest is always on its page."""
    auth.login(team["manager"])
    for n in range(4):
        text = f"Draft {n}: " + " ".join(secrets.token_hex(4) for _ in range(180))
        asked = _decide(client, team, rationale=text)
        assert asked.status_code == 302
        assert len(_session_cookie(asked)) <= 4093
        page = client.get(asked.location)
        assert text in page.text and "Record the decision anyway" in page.text


def test_the_newest_drafts_are_kept_whatever_their_tokens(
    app, client, auth, team, monkeypatch
):
    """Review of issue 14: the cookie's serializer sorts the drafts by token, so
    keeping "the last three" dropped whichever token sorted first, not the oldest.
    Tokens handed out in descending order: the fourth draft must push out the
    first, not itself."""
    import types

    from interview.loops import drafts

    tokens = iter(["tok-d", "tok-c", "tok-b", "tok-a"])
    monkeypatch.setattr(
        drafts, "secrets", types.SimpleNamespace(token_urlsafe=lambda n: next(tokens))
    )
    auth.login(team["manager"])
    urls = []
    for n in range(4):
        asked = _decide(client, team, rationale=f"{RATIONALE} Number {n}.")
        assert asked.status_code == 302
        urls.append(asked.location)
    pages = [client.get(url).text for url in urls]
    assert "This decision draft is no longer kept in this browser" in pages[0]
    for n, page in enumerate(pages[1:], start=1):
        assert f"{RATIONALE} Number {n}." in page


def _cookie_data(app, client) -> str:
    """The session cookie as anyone holding it can read it (signed, not secret)."""
    cookie = client.get_cookie("interview_session")
    if cookie is None:
        return ""
    serializer = app.session_interface.get_signing_serializer(app)
    return repr(serializer.loads(cookie.value))


def test_signing_out_takes_the_drafts_out_of_the_cookie(app, client, auth, team):
    """Review of issue 14: a draft holds the rationale typed, and the cookie is
    readable by whoever holds it; signing out left it there."""
    auth.login(team["manager"])
    assert _decide(client, team).status_code == 302
    assert RATIONALE in _cookie_data(app, client)
    assert auth.logout().status_code == 302
    assert RATIONALE not in _cookie_data(app, client)


def test_a_session_ended_elsewhere_takes_the_drafts_out_of_the_cookie(
    app, client, auth, team
):
    """Signed out on another device (sign-out ends every copy of the session): the
    next page this browser opens sends it to sign in, and the drafts leave it."""
    auth.login(team["manager"])
    assert _decide(client, team).status_code == 302
    with app.app_context():
        sign_out_everywhere(db.session.get(User, team["manager"].id))
        db.session.commit()
    assert client.get("/").status_code == 302
    assert RATIONALE not in _cookie_data(app, client)


def test_confirmed_the_sessions_to_come_are_cancelled_for_their_interviewers(
    app, client, auth, team
):
    auth.login(team["clara"])
    assert "Privacy review" in client.get("/").get_data(as_text=True)
    assert "Privacy review" in _upcoming(client)
    auth.logout()
    seen = _last_outbox_id(app)
    key = _key(app, team)

    auth.login(team["manager"])
    done = _decide(client, team, confirm="y", sessions=key)
    assert done.status_code == 302
    flashed = client.get(done.location).get_data(as_text=True)
    assert "1 interview still to come was cancelled (Privacy review)" in flashed
    assert _status(app, team) == LoopStatus.DECIDED

    queued = _outbox_after(app, seen)
    cancels = [(to, _event(m)) for key, to, m in queued if key.startswith("cancel:")]
    # Sequence 2: above the invitation each of them holds (sequence 1).
    assert sorted(cancels) == [
        (team["clara"].email, ("CANCEL", 2)),
        (team["theo"].email, ("CANCEL", 2)),
    ]
    body = next(m for k, _, m in queued if k.startswith("cancel:"))
    assert (
        "A decision was recorded for this loop, so this interview"
        in body.get_body(("plain",)).get_content()
    )
    # Nothing about the past session, and talent acquisition is told as before.
    assert {k.split(":")[0] for k, _, _ in queued} == {"cancel", "decision"}

    with app.app_context():
        session = db.session.get(InterviewSession, team["future"])
        assert session.starts_at is None
        assert db.session.get(InterviewSession, team["past"]).starts_at is not None
        # The seats and what was written stay: Clara's draft is kept, frozen.
        assert len(_held(session)) == 2  # no seat changed: who sat stays recorded
        card = db.session.scalar(
            sa.select(Scorecard).where(Scorecard.seat_id == team["clara_seat"])
        )
        assert card.status == ScorecardStatus.DRAFT and card.summary == "DRAFT-STAYS"
        submitted = db.session.scalar(
            sa.select(sa.func.count(Scorecard.id)).where(
                Scorecard.status == ScorecardStatus.SUBMITTED
            )
        )
        assert submitted == 2
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "loop.session.cancel")
        )
        assert entry.after["cancelled_session"] == team["future"]
        assert entry.before["starts_at"] is not None
        assert sorted(entry.after["told"]) == sorted(
            [team["clara"].id, team["theo"].id]
        )
        decision = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "loop.decision")
        )
        assert decision.after["sessions_cancelled"] == [team["future"]]

    loop_page = client.get(f"/loops/{team['loop']}").get_data(as_text=True)
    assert "Cancelled</strong> when a decision was recorded: not held" in loop_page
    auth.logout()

    auth.login(team["ta"])  # the audit log says it in words
    log = client.get("/audit/?action=loop.session.cancel").get_data(as_text=True)
    assert "Cancelled a session (a decision came before it)" in log
    assert "cancelled session" in log
    auth.logout()

    auth.login(team["clara"])
    assert "Privacy review" not in client.get("/").get_data(as_text=True)
    assert "Privacy review" not in _upcoming(client)
    # Her draft cannot be submitted now: the decided loop's scorecards are frozen.
    kit = client.get(f"/interviews/{team['clara_seat']}").get_data(as_text=True)
    assert "This loop is decided, so its scorecards are frozen." in kit


def _upcoming(client) -> str:
    page = client.get("/my-interviews").get_data(as_text=True)
    return page.split('id="upcoming-heading"')[1].split('id="past-heading"')[0]


def test_reopening_does_not_bring_the_cancelled_sessions_back(app, client, auth, team):
    auth.login(team["manager"])
    _decide(client, team, confirm="y", sessions=_key(app, team))
    auth.logout()
    seen = _last_outbox_id(app)
    with app.app_context():
        reopen_loop(
            db.session.get(User, team["ta"].id),
            db.session.get(Loop, team["loop"]),
            "Theo asked to amend the workflow evidence.",
        )
        db.session.commit()
        assert db.session.get(InterviewSession, team["future"]).starts_at is None
    # Nobody is invited again: only the manager is told the loop awaits a decision.
    assert [k.split(":")[0] for k, _, _ in _outbox_after(app, seen)] == ["debrief"]
    auth.login(team["ta"])
    page = client.get(f"/loops/{team['loop']}").get_data(as_text=True)
    assert "give it a time again for it to take place" in page
    auth.logout()
    auth.login(team["clara"])
    assert "Privacy review" not in client.get("/").get_data(as_text=True)
    auth.logout()

    with app.app_context():  # scheduled again by hand: its panel is invited anew
        _schedule(
            db.session.get(User, team["ta"].id),
            db.session.get(InterviewSession, team["future"]),
            NEXT_WEEK,
        )
        db.session.commit()
    invites = [
        (to, _event(m))
        for k, to, m in _outbox_after(app, seen)
        if k.startswith("invite:")
    ]
    assert sorted(invites) == [
        (team["clara"].email, ("REQUEST", 3)),
        (team["theo"].email, ("REQUEST", 3)),
    ]
    auth.login(team["ta"])
    page = client.get(f"/loops/{team['loop']}").get_data(as_text=True)
    assert "when a decision was recorded" not in page
    # Its time taken away again by hand: not scheduled, no longer "cancelled".
    with app.app_context():
        session = db.session.get(InterviewSession, team["future"])
        _schedule(db.session.get(User, team["ta"].id), session, "")
        db.session.commit()
    page = client.get(f"/loops/{team['loop']}").get_data(as_text=True)
    assert "when a decision was recorded" not in page
    assert "Not scheduled yet" in page


def test_a_withdrawn_loops_sessions_leave_the_interviewers_home(
    app, client, auth, team
):
    auth.login(team["clara"])
    assert "Privacy review" in client.get("/").get_data(as_text=True)
    with app.app_context():
        change_status(
            db.session.get(User, team["ta"].id),
            db.session.get(Loop, team["loop"]),
            "withdrawn",
        )
        db.session.commit()
    assert "Privacy review" not in client.get("/").get_data(as_text=True)
    assert "Privacy review" not in _upcoming(client)
