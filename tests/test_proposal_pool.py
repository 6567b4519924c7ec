"""The proposal weighs the whole interviewer pool and everyone's other interviews
(issue 11): at a hospital's size, thousands of each, read in a fixed number of
statements, with the same rules as for a small team."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.models import Discipline, Loop, PlanSession, Role, Training, User

from .builders import clinical_seat, start_loop
from .queries import counting_queries
from .rubric_samples import competency, dump, rubric

WEDNESDAY = datetime(2027, 3, 3, 10, 0, tzinfo=UTC)  # ISO week 2027-W09


@pytest.fixture
def pool(app, make_user):
    """A loop with one clinical seat on Wednesday at 10:00, and who could take it."""
    from interview.rubrics.operations import save_rubric
    from interview.rubrics.schema import validate

    manager = make_user(Role.HIRING_MANAGER)
    people = {
        name: make_user(Role.INTERVIEWER, discipline=Discipline.CLINICAL, name=name)
        for name in ("Ann Busy", "Bea Clash")
    }
    with app.app_context():
        only_clinical = rubric(
            competencies=[competency("workflow", assessed_by="clinical")]
        )
        version = save_rubric(None, validate(dump(only_clinical)).rubric).version
        for person in people.values():
            db.session.add(Training(user_id=person.id, competency_key="workflow"))
        loop = _loop(manager.id, version.rubric_id, "Priya Raman", WEDNESDAY)
        db.session.commit()
        return {
            "loop": loop.id,
            "manager": manager.id,
            "rubric": version.rubric_id,
            "people": {name: person.id for name, person in people.items()},
        }


def _loop(manager_id: int, rubric_id: int, candidate: str, when: datetime):
    plan = [PlanSession(title="Case", competency_keys=["workflow"], technical_seats=0)]
    loop = start_loop(manager_id, rubric_id, plan, candidate=candidate)
    loop.sessions[0].starts_at = when
    return loop


def _elsewhere(pool, person_id: int, *times: datetime) -> None:
    """Seat the person in another loop's session at each of these times."""
    for n, when in enumerate(times):
        loop = _loop(pool["manager"], pool["rubric"], f"Other {person_id} {n}", when)
        clinical_seat(loop).interviewer_id = person_id
    db.session.commit()


def _two_sessions(pool, candidate: str, titles: tuple[str, str], gap: timedelta):
    """A loop of two one-seat clinical sessions on workflow, the first on
    Wednesday at 10:00 and the second ``gap`` later; its id."""
    plan = [
        PlanSession(title=title, competency_keys=["workflow"], technical_seats=0)
        for title in titles
    ]
    loop = start_loop(pool["manager"], pool["rubric"], plan, candidate=candidate)
    loop.sessions[0].starts_at = WEDNESDAY
    loop.sessions[1].starts_at = WEDNESDAY + gap
    db.session.commit()
    return loop.id


def _page_text(html: str) -> str:
    """The page's words without its markup, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _propose(client, auth, make_user, loop_id: int) -> str:
    auth.login(make_user(Role.TALENT_ACQUISITION))
    return client.get(f"/loops/{loop_id}/propose").get_data(as_text=True)


def test_other_loops_interviews_that_week_and_at_that_time_keep_people_off(
    app, client, auth, make_user, pool
):
    """Ann's two interviews elsewhere that week (Monday, Friday) reach her limit of
    2; Bea's runs into the session. Nobody is proposed, and the page says why."""
    ann, bea = pool["people"]["Ann Busy"], pool["people"]["Bea Clash"]
    with app.app_context():
        db.session.execute(
            sa.update(User).where(User.id == ann).values(weekly_interview_limit=2)
        )
        _elsewhere(
            pool, ann, WEDNESDAY - timedelta(days=2), WEDNESDAY + timedelta(days=2)
        )
        _elsewhere(pool, bea, WEDNESDAY - timedelta(minutes=30))
    page = _propose(client, auth, make_user, pool["loop"])
    assert (
        "no clinical interviewer is free then and under their weekly limit (of 2 "
        "clinical interviewers, 1 is busy then and 1 is at their weekly limit)"
    ) in page
    assert "Ann Busy has reached their weekly limit of 2" in page
    assert "Bea Clash is busy then with loop " in page


def test_interviews_in_another_week_do_not_count(app, client, auth, make_user, pool):
    """The same two interviews of Ann's a week earlier leave her free: she is
    proposed (Bea still clashes)."""
    ann, bea = pool["people"]["Ann Busy"], pool["people"]["Bea Clash"]
    with app.app_context():
        db.session.execute(
            sa.update(User).where(User.id == ann).values(weekly_interview_limit=2)
        )
        _elsewhere(
            pool, ann, WEDNESDAY - timedelta(days=9), WEDNESDAY - timedelta(days=5)
        )
        _elsewhere(pool, bea, WEDNESDAY - timedelta(minutes=30))
    page = _propose(client, auth, make_user, pool["loop"])
    assert "Case, clinical seat: Ann Busy" in _page_text(page)
    assert "has the lightest load that week (0 of 2 so far)" in page


def test_the_proposal_reads_the_pool_in_the_same_statements_however_large(
    app, client, auth, make_user, pool
):
    """Ten more interviewers, each trained and with interviews elsewhere that week
    (some at that very time): the preview sends as many statements as before."""
    auth.login(make_user(Role.TALENT_ACQUISITION))
    url = f"/loops/{pool['loop']}/propose"
    client.get(url)
    with counting_queries(app) as few:
        small = client.get(url).get_data(as_text=True)
    with app.app_context():
        for n in range(10):
            person = make_user(
                Role.INTERVIEWER, discipline=Discipline.CLINICAL, name=f"Extra {n}"
            )
            db.session.add(Training(user_id=person.id, competency_key="workflow"))
            db.session.add(Training(user_id=person.id, competency_key="privacy"))
            _elsewhere(
                pool,
                person.id,
                WEDNESDAY - timedelta(hours=n % 3),
                WEDNESDAY + timedelta(days=1),
            )
    with counting_queries(app) as many:
        large = client.get(url).get_data(as_text=True)
    assert "Seat this panel" in small and "Seat this panel" in large
    assert len(many) == len(few), f"few:\n{few}\n\nmany:\n{many}"


def test_an_interview_near_two_sessions_counts_once(app, client, auth, make_user, pool):
    """Ann's interview elsewhere at 09:00 starts within a session's length of both
    of this loop's sessions (10:00 and 13:00) without running into either: she is
    proposed (Bea, with none, takes the other), with that one interview as her load
    that week."""
    ann = pool["people"]["Ann Busy"]
    with app.app_context():
        loop_id = _two_sessions(
            pool, "Two", ("Morning case", "Afternoon case"), timedelta(hours=3)
        )
        _elsewhere(pool, ann, WEDNESDAY - timedelta(hours=1))
    page = _page_text(_propose(client, auth, make_user, loop_id))
    assert (
        "Afternoon case, clinical seat: Ann Busy Ann Busy (clinical) is trained on "
        "workflow and has the lightest load that week (1 of 4 so far)."
    ) in page


def test_the_loops_own_seats_count_once_toward_the_week(
    app, client, auth, make_user, pool
):
    """Ann (limit 2) sits on this loop's Wednesday session, seated by hand, and has
    one interview elsewhere on Monday: the week holds two, her limit, and no more.
    The week's counts read every held seat (this loop's too) and take this loop's
    out again: counted twice, her Wednesday seat would break her limit."""
    ann = pool["people"]["Ann Busy"]
    with app.app_context():
        db.session.execute(
            sa.update(User).where(User.id == ann).values(weekly_interview_limit=2)
        )
        loop_id = _two_sessions(
            pool, "Week", ("Wednesday case", "Thursday case"), timedelta(days=1)
        )
        clinical_seat(db.session.get(Loop, loop_id), 0).interviewer_id = ann
        db.session.commit()
        _elsewhere(pool, ann, WEDNESDAY - timedelta(days=2))
    page = _page_text(_propose(client, auth, make_user, loop_id))
    assert "weekly limit" not in page, page
    assert "Seat this panel" in page
    assert (
        "Thursday case, clinical seat: Bea Clash Bea Clash (clinical) is trained on "
        "workflow and has the lightest load that week (0 of 4 so far)."
    ) in page


def test_a_seat_given_up_while_the_proposal_reads_leaves_no_negative_week(
    app, make_user, pool
):
    """A page view's statements each see the moment they run: the loop read with
    Ann on both its sessions, then the week's counts read after she left them
    (here: seated in memory, never written). Taking her two seats out of a count of
    one (her interview elsewhere) once made her week -1, and the pure rules refuse
    a negative load: the preview was a 500."""
    from interview.loops.proposals import propose_for

    ann = pool["people"]["Ann Busy"]
    with app.app_context():
        loop_id = _two_sessions(
            pool, "Race", ("Wednesday case", "Thursday case"), timedelta(days=1)
        )
        _elsewhere(pool, ann, WEDNESDAY - timedelta(days=2))
        db.session.expunge_all()
        loop = db.session.get(Loop, loop_id)
        with db.session.no_autoflush:
            for n in range(2):
                clinical_seat(loop, n).interviewer_id = ann
            proposal = propose_for(loop)
        db.session.rollback()
    assert not any("negative" in p for p in proposal.problems)


def _proposal_reading(app, monkeypatch, loop_id: int, lightest: int):
    """The loop's proposal when the pool's lightest ``lightest`` of each week are read
    first, and the people asked for in each read of names and trainings (None:
    everyone)."""
    from interview.loops import pool as pool_reads
    from interview.loops.proposals import propose_for

    asked = []
    members = pool_reads.members

    def reading(loop, known, ids):
        asked.append(None if ids is None else set(ids))
        return members(loop, known, ids)

    monkeypatch.setattr(pool_reads, "members", reading)
    monkeypatch.setattr(pool_reads, "LIGHTEST", lightest)
    with app.app_context():
        proposal = propose_for(db.session.get(Loop, loop_id))
    monkeypatch.undo()
    return proposal, asked


def _crowd(app, make_user, pool, count: int, trained: bool, load) -> list[int]:
    """``count`` more clinical interviewers, the nth with ``load(n)`` interviews
    elsewhere on the Monday of the loop's week."""
    ids = []
    with app.app_context():
        for n in range(count):
            person = make_user(
                Role.INTERVIEWER, discipline=Discipline.CLINICAL, name=f"Crowd {n}"
            )
            if trained:
                db.session.add(Training(user_id=person.id, competency_key="workflow"))
            monday = WEDNESDAY - timedelta(days=2)
            _elsewhere(
                pool, person.id, *(monday + timedelta(hours=h) for h in range(load(n)))
            )
            ids.append(person.id)
    return ids


def test_a_large_pool_is_answered_from_its_lightest_people(
    app, make_user, pool, monkeypatch
):
    """Twelve trained people with busier and lighter weeks: reading the lightest six
    in full decides the panel, the same one the whole pool gives."""
    _crowd(app, make_user, pool, 10, trained=True, load=lambda n: 1 + n % 3)
    proposal, asked = _proposal_reading(app, monkeypatch, pool["loop"], 6)
    whole, everyone = _proposal_reading(app, monkeypatch, pool["loop"], 1000)
    assert proposal.ok and proposal == whole
    assert everyone == [None]
    assert len(asked) == 1 and len(asked[0]) == 6


def test_the_whole_pool_is_read_when_the_lightest_do_not_decide(
    app, make_user, pool, monkeypatch
):
    """The lightest ten are not trained on the loop's competency, Ann and Bea (with
    interviews elsewhere) are: the lightest six cannot cover it, so everyone is read,
    and Ann, the lighter of the two, is proposed."""
    ann, bea = pool["people"]["Ann Busy"], pool["people"]["Bea Clash"]
    with app.app_context():
        monday = WEDNESDAY - timedelta(days=2)
        _elsewhere(pool, ann, monday)
        _elsewhere(pool, bea, monday, monday + timedelta(hours=2))
    _crowd(app, make_user, pool, 10, trained=False, load=lambda n: 0)
    proposal, asked = _proposal_reading(app, monkeypatch, pool["loop"], 6)
    whole, _ = _proposal_reading(app, monkeypatch, pool["loop"], 1000)
    assert proposal == whole
    assert [a.interviewer_id for a in proposal.assignments] == [ann]
    assert len(asked) == 2 and asked[1] is None


def test_the_people_read_first_are_the_lightest_by_the_rules_count(
    app, make_user, pool, monkeypatch
):
    """Loads made of interviews elsewhere that week, one running into a session (a
    busy item) and a seat held on this loop, and a session not scheduled yet: the
    lightest read from the database are the first by the pure rules' own count of
    the pool they are given, for every horizon, and the proposal is the whole
    pool's."""
    from interview.loops import pool as pool_reads
    from interview.loops.proposals import needs

    from .test_pairing_shortlist import _lightest_first

    ann, bea = pool["people"]["Ann Busy"], pool["people"]["Bea Clash"]
    with app.app_context():
        plan = [
            PlanSession(title=title, competency_keys=["workflow"], technical_seats=0)
            for title in ("Wednesday", "Thursday", "Later")
        ]
        loop = start_loop(pool["manager"], pool["rubric"], plan, candidate="Ranked")
        loop.sessions[0].starts_at = WEDNESDAY
        loop.sessions[1].starts_at = WEDNESDAY + timedelta(days=1)
        clinical_seat(loop, 0).interviewer_id = bea
        db.session.commit()
        loop_id = loop.id
        _elsewhere(pool, ann, WEDNESDAY + timedelta(days=1, minutes=-30))
    _crowd(app, make_user, pool, 8, trained=True, load=lambda n: n % 3)
    with app.app_context():
        loop = db.session.get(Loop, loop_id)
        sessions, _, existing = needs(loop)
        known = pool_reads.calendars(loop)
        everyone = pool_reads.members(loop, known, None)
        assert any(m.busy for m in everyone) and existing
        all_ids = {m.id for m in everyone}
        for horizon in range(1, 11):
            rules = _lightest_first(sessions, everyone, existing, horizon)
            read = known.lightest(horizon)
            assert (all_ids if read is None else read) == {m.id for m in rules}
    proposal, asked = _proposal_reading(app, monkeypatch, loop_id, 7)
    whole, _ = _proposal_reading(app, monkeypatch, loop_id, 1000)
    assert proposal == whole and proposal.ok
    assert asked[0] is not None and len(asked[0]) < len(all_ids)
