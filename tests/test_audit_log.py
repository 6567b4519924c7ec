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
    OBJECT_TYPES,
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
    assert describe_change(before, after) == [
        Change("status", "planned", "debrief"),
        Change("title", "Case", "—"),
        Change("is open", "—", "yes"),
        Change("ratings › a", "—", "2"),
    ]


def test_a_creation_and_a_read_have_only_one_side():
    assert describe_change(None, {"name": "x"}) == [Change("name", "—", "x")]
    assert describe_change(None, None) == []
    assert describe_change({"plan": [1, 2]}, {"plan": [1]}) == [
        Change("plan", "[1, 2]", "[1]")
    ]


def test_a_long_value_is_cut():
    (change,) = describe_change(None, {"summary": "x" * 5000})
    assert len(change.after) == SHOWN_CHARS and change.after.endswith("…")


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
    assert len(_rows(mine)) == 1 and "one account's entries" in mine


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
    urls = ["/audit/", "/audit/?who=mona&sort=oldest", "/audit/?type=loops&id=999"]

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
        compiled = statement.compile(db.engine)
        if databases.name == "sqlite":
            plan = _sqlite_plan(compiled)
            assert "USING INDEX ix_audit_log_" in plan or "COVERING INDEX" in plan
            assert "TEMP B-TREE" not in plan, plan
        else:
            plan = _postgresql_plan(compiled)
            assert "ix_audit_log_" in plan and "Sort" not in plan, plan


def _sqlite_plan(compiled) -> str:
    # The plan does not depend on the values: times are passed as text.
    values = (compiled.params[name] for name in compiled.positiontup)
    params = tuple(str(v) if isinstance(v, datetime) else v for v in values)
    connection = db.session.connection()
    rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params)
    return " | ".join(row[-1] for row in rows)


def _postgresql_plan(compiled) -> str:
    with db.engine.connect() as connection:
        connection.exec_driver_sql("SET enable_seqscan = off")
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
