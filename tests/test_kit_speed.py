"""The kit page and its autosave send a fixed, small number of statements, whatever
the size of the rubric, of the scorecard or of the database.

What is counted: every statement sent through SQLAlchemy's engine (tests/queries.py),
SQLite's BEGIN or BEGIN IMMEDIATE included (the app sends it itself, db.py). The
COMMIT is the driver's commit() on both databases, not a statement through the
engine, and PostgreSQL's BEGIN is sent by the driver: neither is in the count. The
CSRF token is fetched before counting starts, so only the request itself counts.
"""

import re

import pytest

from interview.extensions import db
from interview.models import Discipline, PlanSession, Role
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate
from interview.scorecards.kit_data import LRU

from .builders import clinical_seat, start_loop
from .conftest import Auth
from .queries import counting_queries
from .rubric_samples import competency, dump, rubric
from .tabs import Tab
from .test_scorecards import EVIDENCE, _form

# BEGIN (SQLite), the visitor with the seat bundle and its competencies (one
# statement: auth/visitor.py), the scorecard's ratings.
KIT_MAX = 3
# The first kit of a rubric version in a process also reads the version (scale,
# competencies, anchors, questions), kept from then on: versions never change.
VERSION_READ = 4
KIT_SUBMITTED_MAX = KIT_MAX + 1  # and the panel's seats (the independence rule)
# BEGIN IMMEDIATE (SQLite), user, the locked seat with its scorecard, 2 writes: the
# scorecard and its changed ratings (one statement on PostgreSQL), or the first save's
# two inserts. PostgreSQL's BEGIN and COMMIT go by the driver, not counted here.
AUTOSAVE_MAX = {"sqlite": 5, "postgresql": 3}
# The first save on PostgreSQL reads the scorecard again under the lock before it
# inserts one (drafts.py: another first save may have come between).
FIRST_AUTOSAVE_MAX = 5


def _big_seat(app, make_user, competencies: int, loops: int):
    """A seat on a session covering ``competencies`` competencies, among ``loops``
    other loops of the same requisition shape (their seats filled and saved)."""
    manager = make_user(Role.HIRING_MANAGER)
    clara = make_user(Role.INTERVIEWER, discipline=Discipline.CLINICAL)
    keys = [f"skill_{n}" for n in range(competencies)]
    with app.app_context():
        data = rubric(key="big", competencies=[competency(k) for k in keys])
        version = save_rubric(None, validate(dump(data)).rubric).version
        plan = [PlanSession(title="Case", competency_keys=keys)]
        seats = [
            clinical_seat(
                start_loop(
                    manager.id, version.rubric_id, plan, candidate=f"Person {n} Doe"
                )
            )
            for n in range(loops + 1)
        ]
        for seat in seats:
            seat.interviewer_id = clara.id
        db.session.commit()
        ids = [seat.id for seat in seats]
    return clara, ids, keys


def _answers(keys, **overrides) -> dict:
    data = {"recommendation": "3", "summary": "A summary of the interview, long."}
    for key in keys:
        data |= {f"level_{key}": "3", f"evidence_{key}": EVIDENCE}
    return data | overrides


def _count(app, send):
    with counting_queries(app) as log:
        response = send()
    return response, log


def test_the_kit_page_sends_the_same_few_queries_for_any_rubric_and_database(
    app, client, auth, seat, make_user
):
    auth.login(seat["clara"])
    first, first_log = _count(app, lambda: client.get(f"/interviews/{seat['id']}"))
    small, small_log = _count(app, lambda: client.get(f"/interviews/{seat['id']}"))
    # The same page but for its edit token and its CSRF token (signed with the time,
    # so two loads a second apart carry different ones).
    assert _without_tokens(first) == _without_tokens(small)
    assert len(first_log) <= len(small_log) + VERSION_READ, f"{first_log}"
    Tab(client, seat["id"]).autosave()
    saved, saved_log = _count(app, lambda: client.get(f"/interviews/{seat['id']}"))
    assert saved.status_code == 200

    clara, ids, keys = _big_seat(app, make_user, competencies=9, loops=6)
    other = app.test_client()
    Auth(other).login(clara)
    for seat_id in ids[1:]:  # other loops' scorecards fill the database
        tab = Tab(other, seat_id)
        assert tab.autosave(tab.request() | _answers(keys)).json["ok"]
    tab = Tab(other, ids[0])
    assert tab.autosave(tab.request() | _answers(keys)).json["ok"]
    other.get(f"/interviews/{ids[0]}")
    big, big_log = _count(app, lambda: other.get(f"/interviews/{ids[0]}"))
    assert big.status_code == 200
    assert "Skill 8" in big.get_data(as_text=True)

    assert len(small_log) <= len(saved_log) <= KIT_MAX, f"{saved_log}"
    assert len(big_log) == len(saved_log), f"{saved_log}\n---\n{big_log}"


def _without_tokens(page) -> bytes:
    data = page.get_data().replace(_token(page), b"EDIT-TOKEN")
    return re.sub(rb'(csrf[-_]token"[^>]*(?:value|content)=")[^"]+', rb"\1CSRF", data)


def _token(page) -> bytes:
    """The page's edit token (new on every page load)."""
    return re.search(rb'name="edit_token" type="hidden" value="([^"]+)"', page.data)[1]


def test_kit_data_keeps_a_bounded_number_of_rubric_versions():
    cache = LRU(3)
    loads = []
    for key in [1, 2, 3, 1, 4, 1, 2]:
        cache.get(key, lambda key=key: loads.append(key) or str(key))
    assert loads == [1, 2, 3, 4, 2]  # 1 kept while used; 2 and 3 went first
    assert list(cache.items) == [4, 1, 2]


def test_a_submitted_kit_reads_the_panel_in_one_more_query(app, client, auth, seat):
    auth.login(seat["clara"])
    tab = Tab(client, seat["id"])
    assert tab.post(tab.request(submit="y")).status_code == 302
    page, log = _count(app, lambda: client.get(f"/interviews/{seat['id']}"))
    assert "Your submitted scorecard" in page.get_data(as_text=True)
    assert len(log) <= KIT_SUBMITTED_MAX, f"{log}"


@pytest.mark.parametrize("competencies", [2, 9])
def test_an_autosave_sends_a_few_statements_whatever_it_changes(
    app, make_user, competencies
):
    clara, ids, keys = _big_seat(app, make_user, competencies, loops=1)
    client = app.test_client()
    Auth(client).login(clara)
    tab = Tab(client, ids[0])
    token = client.csrf_token()

    def save(**fields):
        data = tab.request() | _answers(keys, **fields) | {"csrf_token": token}
        # Posted as the page's script does, with the token it already has.
        return _count(app, lambda: client.post(tab.url + "/autosave", data=data))

    first, first_log = save()  # inserts the scorecard and its ratings
    # Different fields of different ratings change at once.
    second, second_log = save(
        **{f"evidence_{keys[0]}": EVIDENCE + " More.", f"level_{keys[-1]}": "2"}
    )
    same, same_log = save(**{f"level_{keys[-1]}": "2"})  # only the seq moves
    assert [first.json["ok"], second.json["ok"], same.json["ok"]] == [True] * 3
    assert second.json["version"] > first.json["version"]
    assert len(first_log) <= FIRST_AUTOSAVE_MAX, f"{first_log}"
    with app.app_context():
        most = AUTOSAVE_MAX[db.engine.dialect.name]
    for log in (second_log, same_log):
        assert len(log) <= most, f"{log}"


def test_an_autosave_still_writes_every_changed_rating(app, client, auth, seat):
    """One statement for the changed ratings, each with its own fields."""
    from .test_scorecards import _card

    auth.login(seat["clara"])
    tab = Tab(client, seat["id"])
    assert tab.autosave().json["ok"]
    changed = _form(
        evidence_workflow=EVIDENCE + " And the interface engine.",
        level_privacy="2",
        evidence_privacy="Named the minimum-necessary rule for the audit trail.",
    )
    assert tab.autosave(tab.request() | changed).json["ok"]
    stored = _card(app)["evidence"]
    assert stored["workflow"].endswith("And the interface engine.")
    assert stored["privacy"].startswith("Named the minimum-necessary rule")


def test_sqlite_keeps_planner_statistics_for_the_tables_it_reads(app, client, seat):
    """A connection that read through indexes leaves statistics when it closes
    (PRAGMA optimize, db.py), so the planner does not guess on a large database."""

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's planner statistics")
        db.engine.dispose()
        Auth(client).login(seat["clara"])
        assert client.get(f"/interviews/{seat['id']}").status_code == 200
        db.session.remove()
        db.engine.dispose()  # closes the pool's connections: optimize runs
        with db.engine.connect() as conn:
            analysed = conn.exec_driver_sql("SELECT DISTINCT tbl FROM sqlite_stat1")
            tables = set(analysed.scalars())
    assert {"panel_seats", "anchors"} <= tables, tables


def _panel_loop(app, make_user, sessions: int) -> tuple:
    """A loop of ``sessions`` sessions, every seat filled by its own interviewer and
    its scorecard submitted with a rating per competency."""
    from interview.models import Rating, Scorecard, ScorecardStatus
    from interview.timeutil import utcnow

    manager = make_user(Role.HIRING_MANAGER)
    people = [make_user(Role.INTERVIEWER) for _ in range(sessions * 2)]
    keys = ["workflow", "privacy", "safety"]
    with app.app_context():
        data = rubric(
            key=f"panel{sessions}", competencies=[competency(k) for k in keys]
        )
        version = save_rubric(None, validate(dump(data)).rubric).version
        plan = [
            PlanSession(title=f"Session {n}", competency_keys=keys)
            for n in range(sessions)
        ]
        loop = start_loop(manager.id, version.rubric_id, plan, candidate="Pat Lee")
        db.session.flush()
        seats = [seat for session in loop.sessions for seat in session.seats]
        for seat, person in zip(seats, people, strict=False):
            seat.interviewer_id = person.id
            ratings = [
                Rating(
                    rubric_version_id=version.id,
                    competency_id=c.id,
                    level=3,
                    evidence=f"{person.name} heard about {c.name}.",
                )
                for c in seat.session.competencies
            ]
            db.session.add(
                Scorecard(
                    seat=seat,
                    interviewer_id=person.id,
                    rubric_version_id=version.id,
                    status=ScorecardStatus.SUBMITTED,
                    submitted_at=utcnow(),
                    overall_recommendation=3,
                    summary=f"Summary by {person.name}.",
                    ratings=ratings,
                )
            )
        db.session.commit()
        return manager, loop.id, len(seats)


def test_the_panel_page_sends_the_same_statements_for_any_panel(app, client, make_user):
    manager, small_loop, small_seats = _panel_loop(app, make_user, sessions=1)
    big_manager, big_loop, big_seats = _panel_loop(app, make_user, sessions=5)
    assert big_seats > small_seats
    auth = Auth(client)
    auth.login(manager)
    small, small_log = _count(
        app, lambda: client.get(f"/interviews/loops/{small_loop}/scorecards")
    )
    other = app.test_client()
    Auth(other).login(big_manager)
    big, big_log = _count(
        app, lambda: other.get(f"/interviews/loops/{big_loop}/scorecards")
    )
    assert small.status_code == big.status_code == 200
    text = big.get_data(as_text=True)
    assert text.count('<section class="card">') == big_seats
    assert text.count("heard about") == big_seats * 3
    assert len(big_log) == len(small_log), f"{small_log}\n---\n{big_log}"
    assert len(big_log) <= 12, f"{big_log}"
