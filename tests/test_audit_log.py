"""The audit log page: talent acquisition reads who did or read what, when, to which
object; filtered, paginated in SQL, newest first; bad input gets a message."""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from interview.audit.filters import read_filters
from interview.audit.words import (
    ACTIONS,
    NOT_SHOWN,
    OBJECT_TYPES,
    SCORE_NOT_SHOWN,
    SHOWN_CHARS,
    Change,
    action_words,
    describe_change,
    object_words,
)
from interview.extensions import db
from interview.models import AuditEntry, Role

from .queries import counting_queries

BERLIN = ZoneInfo("Europe/Berlin")


# Entries in words (pure) -----------------------------------------------------------


def test_a_change_is_read_field_by_field():
    before = {"status": "planned", "title": "Case", "same": 1}
    after = {"status": "debrief", "same": 1, "is_open": True, "ratings": {"a": 2}}
    assert describe_change("requisitions", before, after) == [
        Change("status", "planned", "debrief"),
        Change("title", "Case", "—"),
        Change("is open", "—", "yes"),
        Change("ratings › a", "—", "2"),
    ]


def test_a_creation_and_a_read_have_only_one_side():
    assert describe_change("users", None, {"name": "x"}) == [Change("name", "—", "x")]
    assert describe_change("users", None, None) == []
    assert describe_change("requisitions", {"plan": [1, 2]}, {"plan": [1]}) == [
        Change("plan", "[1, 2]", "[1]")
    ]


def test_a_long_value_is_cut():
    (change,) = describe_change("requisitions", None, {"title": "x" * 5000})
    assert len(change.after) == SHOWN_CHARS and change.after.endswith("…")


def test_a_scorecards_text_is_never_shown_only_that_it_changed():
    before = {
        "recommendation": 2,
        "summary": "Hesitant on privacy.",
        "ratings": {"workflow": {"level": 2, "not_assessed": False, "evidence": "Old"}},
    }
    after = {
        "recommendation": 3,
        "summary": "Solid after all.",
        "ratings": {"workflow": {"level": 3, "not_assessed": False, "evidence": ""}},
    }
    assert describe_change("scorecards", before, after) == [
        Change("recommendation", SCORE_NOT_SHOWN, SCORE_NOT_SHOWN),
        Change("summary", SCORE_NOT_SHOWN, SCORE_NOT_SHOWN),
        Change("ratings › workflow › level", SCORE_NOT_SHOWN, SCORE_NOT_SHOWN),
        Change("ratings › workflow › evidence", SCORE_NOT_SHOWN, "—"),
    ]


def test_a_scorecards_status_is_shown_and_its_scores_are_not():
    """Levels and recommendations are what the independence rule keeps from a
    reader still to submit on the loop: the log says they changed, not to what."""
    before = {"status": "draft", "ratings": {"workflow": {"level": 2}}}
    after = {"status": "submitted", "ratings": {"workflow": {"level": 4}}}
    assert describe_change("scorecards", before, after) == [
        Change("status", "draft", "submitted"),
        Change("ratings › workflow › level", SCORE_NOT_SHOWN, SCORE_NOT_SHOWN),
    ]


def test_a_candidates_details_are_listed_without_their_values():
    before = {"email": "priya@candidate.example", "phone": None, "notes": "Met at X"}
    after = {"email": "p.raman@candidate.example", "phone": "+1 555", "notes": "Met"}
    assert describe_change("candidates", before, after) == [
        Change("email", NOT_SHOWN, NOT_SHOWN),
        Change("phone", "—", NOT_SHOWN),
        Change("notes", NOT_SHOWN, NOT_SHOWN),
    ]
    assert describe_change("candidates", None, {"name": "Priya", "source": 3}) == [
        Change("name", "—", NOT_SHOWN),
        Change("source", "—", "3"),  # a number is not text
    ]


@pytest.mark.parametrize(
    "kind, after, expected",
    [
        # A loop's start names its candidate; its sessions' titles may.
        ("loops", {"candidate": "Priya Raman", "rubric": 4}, [NOT_SHOWN, "4"]),
        ("loops", {"session": 7, "title": "Priya's case"}, ["7", NOT_SHOWN]),
        ("loops", {"status": "decided", "outcome": "hire"}, ["decided", "hire"]),
        # Codes and labels nobody types about a person.
        ("users", {"name": "Clara Jensen", "role": "nurse"}, ["Clara Jensen", "nurse"]),
        ("requisitions", {"plan": [{"title": "Case", "minutes": 60}]}, ["Case", "60"]),
        ("rubric_versions", {"key": "nursing", "title": "Nurse"}, ["nursing", "Nurse"]),
        ("legal_holds", {"candidate": 3, "requisition": None}, ["3"]),  # null: none
        ("widget_parts", {"label": "Unknown"}, [NOT_SHOWN]),  # not known: no text
    ],
)
def test_what_each_object_type_shows(kind, after, expected):
    shown = [c.after for c in describe_change(kind, None, after)]
    assert shown == expected
    assert "Priya" not in " ".join(shown)


def test_actions_and_objects_in_words():
    assert action_words("debrief.view") == "Viewed a debrief"
    assert action_words("hold.lifted_early") == "Hold lifted early"  # not known yet
    assert object_words("loops", 12) == "Loop 12"
    assert object_words("legal_holds", 3) == "Legal hold 3"
    assert object_words("widget_parts", 3) == "Widget parts 3"  # not known yet


# Filters (pure) --------------------------------------------------------------------


def _read(**args):
    return read_filters(args, BERLIN, ACTIONS, OBJECT_TYPES)


def test_filters_read_as_asked():
    found, problems = _read(
        who=" clara  jensen ",
        actor="7",
        action="debrief.view",
        type="loops",
        id="12",
        **{"from": "2026-03-01", "to": "2026-03-02"},
    )
    assert problems == []
    assert (found.who, found.actor, found.action) == ("clara jensen", 7, "debrief.view")
    assert (found.object_type, found.object_id) == ("loops", 12)
    # Days in the reader's zone, both included: Berlin is UTC+1 in March.
    assert found.start == datetime(2026, 2, 28, 23, tzinfo=UTC)
    assert found.end == datetime(2026, 3, 2, 23, tzinfo=UTC)
    assert found.dates == {"from": "2026-03-01", "to": "2026-03-02"}


def test_a_reversed_range_is_read_the_right_way_round_and_said():
    found, problems = _read(**{"from": "2026-03-05", "to": "2026-03-01"})
    assert found.dates == {"from": "2026-03-01", "to": "2026-03-05"}
    assert found.start < found.end
    assert problems == [
        (
            "'From' (2026-03-05) was after 'to' (2026-03-01): the entries from "
            "2026-03-01 to 2026-03-05 are shown."
        )
    ]


@pytest.mark.parametrize(
    "args, message",
    [
        ({"action": "loop.explode"}, "There is no action 'loop.explode'"),
        ({"type": "secrets"}, "There is no object type 'secrets'"),
        ({"type": "loops", "id": "-3"}, "'-3' is not an object id"),
        ({"type": "loops", "id": "99999999999"}, "is not an object id"),
        ({"type": "loops", "id": "2147483648"}, "is not an object id"),
        ({"id": "12"}, "An object id needs its type"),
        ({"actor": "nobody"}, "'nobody' is not an account id"),
        ({"from": "31/12/2026"}, "'31/12/2026' is not a date (YYYY-MM-DD)"),
        ({"to": "x" * 4000}, "'" + "x" * 40 + "…' is not a date"),
        ({"action": "y" * 4000}, "There is no action '" + "y" * 40 + "…'"),
    ],
)
def test_bad_filters_are_left_out_and_said(args, message):
    found, problems = _read(**args)
    left_out = (found.actor, found.action, found.object_id, found.start, found.end)
    assert left_out == (None, "", None, None, None)
    assert len(problems) == 1 and message in problems[0], problems


def test_the_calendars_ends_bound_nothing():
    found, problems = _read(**{"from": "0001-01-01", "to": "9999-12-31"})
    assert (found.start, found.end, problems) == (None, None, [])


def test_a_long_search_is_cut_to_the_search_limit():
    found, _ = _read(who="ab " * 2000)
    assert len(found.who) <= 200


# The page --------------------------------------------------------------------------


def _entry(app, actor_id, action, kind, object_id, at, **fields) -> int:
    with app.app_context():
        entry = AuditEntry(
            actor_id=actor_id,
            action=action,
            object_type=kind,
            object_id=object_id,
            at=at,
            **fields,
        )
        db.session.add(entry)
        db.session.commit()
        return entry.id


@pytest.fixture
def log(app, make_user):
    """Entries by two people and the command line, over three days."""
    ta = make_user(Role.TALENT_ACQUISITION, name="Tess Acquisition")
    mona = make_user(Role.HIRING_MANAGER, name="Mona Manager")
    base = datetime(2026, 3, 1, 12, tzinfo=UTC)
    ids = {
        "created": _entry(
            app, ta.id, "user.create", "users", mona.id, base, after={"role": "x"}
        ),
        "viewed": _entry(
            app, mona.id, "debrief.view", "loops", 999, base + timedelta(days=1)
        ),
        "system": _entry(
            app,
            None,
            "requisition.save",
            "requisitions",
            5,
            base + timedelta(days=2),
            before={"title": "<b>Old</b>"},
            after={"title": "<script>alert(1)</script>"},
        ),
    }
    return {"ta": ta, "mona": mona, "ids": ids}


def _rows(page: str) -> list[str]:
    if "<tbody>" not in page:
        return []
    body = page[page.index("<tbody>") : page.rindex("</tbody>")]
    return re.findall(r'<time datetime="([^"]+)"', body)


def test_entries_are_shown_newest_first_in_words(client, auth, log):
    auth.login(log["ta"])
    page = client.get("/audit/").get_data(as_text=True)
    assert "Showing 1–3 of 3 entries" in page
    assert [t[:10] for t in _rows(page)] == ["2026-03-03", "2026-03-02", "2026-03-01"]
    assert "Viewed a debrief" in page and "Created an account" in page
    assert "Command line or system" in page and "Mona Manager" in page
    # An account that exists is linked; a loop that does not is said so.
    assert (
        f'<a href="/accounts/{log["mona"].id}/edit">Account {log["mona"].id}</a>'
        in page
    )
    assert 'Loop 999 <span class="muted">(no longer exists)</span>' in page
    # Changes are readable and escaped.
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    )
    assert "&lt;b&gt;Old&lt;/b&gt;" in page
    oldest = client.get("/audit/?sort=oldest").get_data(as_text=True)
    assert _rows(oldest)[0][:10] == "2026-03-01"


@pytest.mark.parametrize(
    "query, expected",
    [
        ("who=mona", ["viewed"]),
        ("who=tess+acq", ["created"]),
        ("actor=system", ["system"]),
        ("action=user.create", ["created"]),
        ("type=loops", ["viewed"]),
        ("type=requisitions&id=5", ["system"]),
        ("type=requisitions&id=6", []),
        ("from=2026-03-02&to=2026-03-02", ["viewed"]),
        ("from=2026-03-02", ["system", "viewed"]),
        ("to=2026-03-01", ["created"]),
        ("who=tess&action=debrief.view", []),
    ],
)
def test_each_filter_selects_its_entries(app, client, auth, log, query, expected):
    auth.login(log["ta"])
    page = client.get(f"/audit/?{query}").get_data(as_text=True)
    with app.app_context():
        times = {
            name: db.session.get(AuditEntry, entry_id).at.isoformat()
            for name, entry_id in log["ids"].items()
        }
    assert _rows(page) == [times[name] for name in expected]
    assert ("No entries match." in page) == (not expected)


def test_the_actor_filter_follows_an_entrys_link(client, auth, log):
    auth.login(log["ta"])
    page = client.get("/audit/").get_data(as_text=True)
    link = f'href="/audit/?actor={log["mona"].id}"'
    assert link in page
    mine = client.get(f"/audit/?actor={log['mona'].id}").get_data(as_text=True)
    assert len(_rows(mine)) == 1 and "Showing Mona Manager's entries (" in mine


def test_an_unknown_account_is_said(client, auth, log):
    auth.login(log["ta"])
    response = client.get("/audit/?actor=999999")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "No account 999999" in page and _rows(page) == []
    assert "Showing Mona" not in page and "one account's" not in page


def test_every_text_input_of_the_filters_is_styled(client, auth, log):
    """The style sheet styles inputs by type (style.css): an input without one, or
    of a type it does not list, was drawn unstyled beside the others."""
    import pathlib

    import interview

    css = (pathlib.Path(interview.__file__).parent / "static/style.css").read_text()
    auth.login(log["ta"])
    page = client.get("/audit/").get_data(as_text=True)
    form = page[page.index('class="filters"') :]
    form = form[: form.index("</form>")]
    inputs = [i for i in re.findall(r"<input[^>]*>", form) if 'type="hidden"' not in i]
    assert {"who", "from", "to", "id"} <= {
        re.search(r'id="([^"]+)"', i).group(1) for i in inputs
    }
    for tag in inputs:
        kind = re.search(r'type="([^"]+)"', tag)
        assert kind, tag
        assert f'input[type="{kind.group(1)}"]' in css, tag


def test_a_released_hold_lists_no_change():
    """Its entry names the hold's subject only (holds.py), which did not change."""
    after = {"candidate": 4, "requisition": None}
    assert describe_change("legal_holds", None, after, "hold.release") == []
    assert describe_change("legal_holds", None, after, "hold.place") == [
        Change("candidate", "—", "4")
    ]


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-1",
        "page=999999999999",
        "size=0",
        "size=100000",
        "sort=sideways",
        "action=" + "a" * 4000,
        "who=" + "w" * 4000,
        "from=" + "9" * 4000,
        "type=loops&id=" + "1" * 4000,
        "actor=%E2%80%AE",
    ],
)
def test_bad_input_gets_a_page_never_an_error(client, auth, log, query):
    auth.login(log["ta"])
    response = client.get(f"/audit/?{query}")
    assert response.status_code == 200
    assert "Audit log" in response.get_data(as_text=True)


def test_a_nul_byte_gets_a_clear_message(client, auth, log):
    auth.login(log["ta"])
    response = client.get("/audit/?who=a%00b")
    assert response.status_code == 400
    assert "control character" in response.get_data(as_text=True)


def test_a_page_past_the_end_shows_the_last(app, client, auth, log):
    with app.app_context():
        start = datetime(2025, 1, 1, tzinfo=UTC)
        db.session.add_all(
            AuditEntry(
                action="loop.create",
                object_type="loops",
                object_id=n,
                at=start + timedelta(minutes=n),
            )
            for n in range(1, 58)
        )
        db.session.commit()
    auth.login(log["ta"])
    page = client.get("/audit/?page=99&size=25").get_data(as_text=True)
    assert "Showing 51–60 of 60 entries" in page
    assert len(_rows(page)) == 10
    second = client.get("/audit/?page=2&size=25&action=loop.create")
    assert "Showing 26–50 of 57 entries" in second.get_data(as_text=True)


@pytest.mark.parametrize("who", ["hiring_manager", "clinical", "technical"])
def test_only_talent_acquisition_reads_the_log(client, auth, users, who):
    auth.login(users[who])
    response = client.get("/audit/")
    assert response.status_code == 403
    assert 'href="/audit/"' not in response.get_data(as_text=True)


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/audit/?action=debrief.view")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_talent_acquisition_finds_the_log_in_the_navigation(client, auth, log):
    auth.login(log["ta"])
    page = client.get("/").get_data(as_text=True)
    assert '<a href="/audit/">Audit log</a>' in page


def test_the_page_costs_the_same_statements_with_more_entries(app, client, auth, log):
    auth.login(log["ta"])
    urls = [
        "/audit/",
        "/audit/?who=mona&sort=oldest",
        "/audit/?type=loops&id=999",
        f"/audit/?actor={log['mona'].id}",  # the account named: one query, not a row's
    ]

    def measure() -> list[int]:
        counts = []
        for url in urls:
            client.get(url)
            with counting_queries(app) as statements:
                assert client.get(url).status_code == 200
            counts.append(len(statements))
        return counts

    few = measure()
    with app.app_context():
        people = [log["ta"].id, log["mona"].id, None]
        kinds = [("loops", 999), ("users", log["mona"].id), ("requisitions", 5)]
        db.session.add_all(
            AuditEntry(
                actor_id=people[n % 3],
                action=list(ACTIONS)[n % len(ACTIONS)],
                object_type=kinds[n % 3][0],
                object_id=kinds[n % 3][1],
                at=datetime(2026, 3, 4, tzinfo=UTC) + timedelta(seconds=n),
                after={"n": n},
            )
            for n in range(200)
        )
        db.session.commit()
    assert measure() == few


# The indexes (migration 0015) ------------------------------------------------------

INDEXES = {
    "ix_audit_log_newest": ["at", "id"],
    "ix_audit_log_actor": ["actor_id", "at", "id"],
    "ix_audit_log_action": ["action", "at", "id"],
    "ix_audit_log_object": ["object_type", "object_id", "at", "id"],
    "ix_audit_log_type": ["object_type", "at", "id"],
}


def test_the_migrated_database_has_an_index_per_filter(app_ctx):
    found = {
        index["name"]: index["column_names"]
        for index in sa.inspect(db.engine).get_indexes("audit_log")
    }
    assert {name: found.get(name) for name in INDEXES} == INDEXES


@pytest.mark.parametrize(
    "query",
    [
        "",
        "actor=1",
        "actor=system",
        "action=debrief.view",
        "type=loops",
        "type=loops&id=3",
        "from=2026-01-01&to=2026-02-01",
    ],
)
def test_each_filter_reads_its_page_in_order_from_an_index(app, databases, query):
    """The plan for a page's rows: an index of the audit log, and no sort of the
    matches (on PostgreSQL with sequential scans and sorts priced out, as a large
    log would: its planner reads a handful of rows however it likes)."""
    from urllib.parse import parse_qsl

    from interview.audit.queries import SORTS, entries

    filters, _ = read_filters(dict(parse_qsl(query)), UTC, ACTIONS, OBJECT_TYPES)
    with app.app_context():
        statement = entries(filters).order_by(*SORTS["newest"][1]).limit(25)
        compiled = statement.compile(
            db.engine, compile_kwargs={"render_postcompile": True}
        )
        if databases.name == "sqlite":
            plan = _sqlite_plan(compiled)
            assert "USING INDEX ix_audit_log_" in plan or "COVERING INDEX" in plan
            assert "TEMP B-TREE" not in plan, plan
        else:
            plan = _postgresql_plan(compiled)
            assert "ix_audit_log_" in plan and "Sort" not in plan, plan


def test_a_candidates_page_reads_its_entries_and_its_holds_from_the_object_index(
    app, databases
):
    """The object and its holds: two ranges of ix_audit_log_object, then the matches
    sorted (one candidate's history), never a walk through the whole log."""
    from interview.audit.queries import SORTS, entries

    filters, _ = read_filters(
        {"type": "candidates", "id": "3"}, UTC, ACTIONS, OBJECT_TYPES
    )
    with app.app_context():
        start = datetime(2026, 1, 1, tzinfo=UTC)
        db.session.execute(  # a log of many objects, as the planner will know it
            sa.insert(AuditEntry),
            [
                {
                    "action": "candidate.save" if n % 2 else "hold.place",
                    "object_type": "candidates" if n % 2 else "legal_holds",
                    "object_id": n % 500,
                    "at": start + timedelta(minutes=n),
                }
                for n in range(5000)
            ],
        )
        db.session.commit()
        db.session.execute(sa.text("ANALYZE audit_log"))
        db.session.commit()
        statement = entries(filters).order_by(*SORTS["newest"][1]).limit(25)
        compiled = statement.compile(
            db.engine, compile_kwargs={"render_postcompile": True}
        )
        if databases.name == "sqlite":
            plan = _sqlite_plan(compiled)
        else:
            plan = _postgresql_plan(compiled, sorts=True)
    assert plan.count("ix_audit_log_object") == 2, plan
    assert "ix_audit_log_newest" not in plan and "SCAN audit_log" not in plan, plan


def _sqlite_plan(compiled) -> str:
    # The plan does not depend on the values: times are passed as text.
    values = (compiled.params[name] for name in compiled.positiontup)
    params = tuple(str(v) if isinstance(v, datetime) else v for v in values)
    connection = db.session.connection()
    rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params)
    return " | ".join(row[-1] for row in rows)


def _postgresql_plan(compiled, sorts: bool = False) -> str:
    with db.engine.connect() as connection:
        connection.exec_driver_sql("SET enable_seqscan = off")
        if not sorts:
            connection.exec_driver_sql("SET enable_sort = off")
        rows = connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
        plan = " | ".join(row[0] for row in rows)
        connection.rollback()
    return plan


def test_dates_in_the_form_are_shown_back(client, auth, log):
    auth.login(log["ta"])
    page = client.get("/audit/?from=2026-03-02&to=2026-03-01").get_data(as_text=True)
    assert 'value="2026-03-01"' in page and 'value="2026-03-02"' in page
    assert "was after" in page
    assert date(2026, 3, 1).isoformat() in page


# Text the page never prints ---------------------------------------------------------


def test_the_page_never_prints_a_scorecards_or_candidates_text(app, client, auth, log):
    ta = log["ta"]
    at = datetime(2026, 3, 5, tzinfo=UTC)
    card = {"summary": "SUMMARY-MARK", "ratings": {"workflow": {"level": 2}}}
    amended = {
        "summary": "SUMMARY-MARK-2",
        "ratings": {"workflow": {"level": 3, "evidence": "EVIDENCE-MARK"}},
    }
    _entry(app, ta.id, "scorecard.submit", "scorecards", 8, at, after=card)
    _entry(
        app,
        ta.id,
        "scorecard.amend",
        "scorecards",
        8,
        at,
        before=card,
        after=amended,
        reason="REASON-MARK",
    )
    _entry(
        app,
        ta.id,
        "candidate.save",
        "candidates",
        9,
        at,
        before={"email": "OLD-MARK@candidate.example"},
        after={"email": "NEW-MARK@candidate.example", "notes": "NOTES-MARK"},
    )
    _entry(
        app,
        ta.id,
        "loop.decision",
        "loops",
        3,
        at,
        after={"status": "decided", "outcome": "hire"},
        reason="RATIONALE-MARK",
    )
    auth.login(ta)
    for query in ("", "type=scorecards", "type=scorecards&id=8", "type=candidates"):
        page = client.get(f"/audit/?{query}").get_data(as_text=True)
        assert "MARK" not in page, query
    page = client.get("/audit/").get_data(as_text=True)
    for shown in (
        "ratings › workflow › level",
        "ratings › workflow › evidence",
        "summary",
        "email",
        "notes",
        "hire",
        NOT_SHOWN,
    ):
        assert shown in page, shown
    assert page.count("A reason was given (not shown in the log).") == 2


# A candidate's legal holds -----------------------------------------------------------


def test_a_candidate_filter_finds_the_entries_about_their_holds(app, client, auth, log):
    from interview.lifecycle.holds import place_hold, release_hold
    from interview.models import Candidate, User

    with app.app_context():
        ta = db.session.get(User, log["ta"].id)
        mine, other = Candidate(name="Priya Raman"), Candidate(name="Ola Berg")
        db.session.add_all([mine, other])
        db.session.flush()
        held = place_hold(ta, mine, "Litigation about the 2025 round.")
        place_hold(ta, other, "Another matter entirely.")
        db.session.flush()
        release_hold(ta, held)
        db.session.commit()
        ids = {"mine": mine.id, "other": other.id, "hold": held.id}
    now = datetime.now(UTC)
    _entry(app, log["ta"].id, "candidate.save", "candidates", ids["mine"], now)
    auth.login(log["ta"])
    page = client.get(f"/audit/?type=candidates&id={ids['mine']}").get_data(
        as_text=True
    )
    assert "Showing 1–3 of 3 entries" in page
    assert (
        "<td>Placed a legal hold</td>" in page
        and "<td>Released a legal hold</td>" in page
    )
    assert f"Legal hold {ids['hold']}" in page and "<td>Saved a candidate</td>" in page
    assert "The entries about its legal holds are included." in page
    assert "Litigation" not in page
    other = client.get(f"/audit/?type=candidates&id={ids['other']}")
    assert "Showing 1 entry<" in other.get_data(as_text=True)
    holds = client.get(f"/audit/?type=legal_holds&id={ids['hold']}")
    assert "Showing 1–2 of 2 entries" in holds.get_data(as_text=True)


def test_a_requisition_filter_finds_the_entries_about_its_holds(
    app, client, auth, log, seat
):
    from interview.lifecycle.holds import place_hold
    from interview.models import Loop, Requisition, User

    with app.app_context():
        ta = db.session.get(User, log["ta"].id)
        requisition_id = db.session.scalar(sa.select(Loop.requisition_id))
        hold = place_hold(
            ta, db.session.get(Requisition, requisition_id), "Audit of the round."
        )
        db.session.commit()
        hold_id = hold.id
    auth.login(log["ta"])
    page = client.get(f"/audit/?type=requisitions&id={requisition_id}")
    text = page.get_data(as_text=True)
    assert "<td>Placed a legal hold</td>" in text and f"Legal hold {hold_id}" in text
    assert "Audit of the round" not in text
    elsewhere = client.get(f"/audit/?type=requisitions&id={requisition_id + 1}")
    assert "<td>Placed a legal hold</td>" not in elsewhere.get_data(as_text=True)


@pytest.mark.parametrize("value", [-1, "600", True, 1.5])
def test_a_bad_read_window_stops_start_up_with_its_name(value, capsys):
    from interview import create_app

    from .conftest import BASE_CONFIG

    with pytest.raises(SystemExit):
        create_app({**BASE_CONFIG, "READ_AUDIT_WINDOW_SECONDS": value})
    assert "READ_AUDIT_WINDOW_SECONDS" in capsys.readouterr().err
