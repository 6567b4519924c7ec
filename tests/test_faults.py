"""Database faults get a clear answer, never a 500, and nothing typed is lost.

The faults are real where the machine allows: the connection of the request is
dropped in the middle of it (PostgreSQL: its backend is terminated from another
connection; SQLite: its connection is closed under it), the disk fills up (SQLite:
``PRAGMA max_page_count`` caps the file; PostgreSQL cannot be filled safely here, so
a trigger raises its own disk-full error, SQLSTATE 53100, through the real driver),
and a value the database refuses (PostgreSQL: a NUL that reached the driver; SQLite:
a text over its length limit) is a DataError.
"""

import contextlib
import html
import re
import sqlite3

import psycopg.errors
import pytest
import sqlalchemy as sa
from flask import request
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from werkzeug.datastructures import MultiDict

from interview.errors import (
    DISK_FULL,
    OTHER,
    TEXT,
    UNAVAILABLE,
    database_fault,
    typed_fields,
)
from interview.extensions import db
from interview.models import Candidate, LoginFailure

from .conftest import PASSWORD as RIGHT_PASSWORD
from .test_bad_input import Page

NOTES = "Met at <script>alert(1)</script> & said 'call me'\nSecond line."


# --- the pure parts ----------------------------------------------------------------


def _wrapped(orig: Exception, invalidated: bool = False) -> sa_exc.DBAPIError:
    return sa_exc.DBAPIError.instance(
        "INSERT ...", {}, orig, Exception, connection_invalidated=invalidated
    )


def _sqlite_error(tmp_path, what: str) -> Exception:
    path = tmp_path / f"{what.replace(' ', '-')}.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x TEXT)")
    conn.commit()
    try:
        if what == "full":
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages}")
            conn.execute("INSERT INTO t VALUES (?)", ("x" * 100_000,))
        elif what == "bad sql":
            conn.execute("SELECT * FROM no_such_table")
        elif what == "closed":
            conn.close()
            conn.execute("SELECT 1")
    except sqlite3.Error as exc:
        return exc
    finally:
        conn.close()
    raise AssertionError("no error")


def test_faults_are_told_apart_from_bugs(tmp_path):
    full = _sqlite_error(tmp_path, "full")
    assert database_fault(_wrapped(full)) == DISK_FULL
    assert database_fault(_wrapped(psycopg.errors.DiskFull())) == DISK_FULL
    closed = _sqlite_error(tmp_path, "closed")
    assert database_fault(_wrapped(closed, invalidated=True)) == UNAVAILABLE
    shutdown = psycopg.errors.AdminShutdown()
    assert database_fault(_wrapped(shutdown)) == UNAVAILABLE
    assert database_fault(OSError(28, "No space left on device")) == DISK_FULL
    # Bugs stay bugs: bad SQL, a broken constraint, a missing file.
    assert database_fault(_wrapped(_sqlite_error(tmp_path, "bad sql"))) is None
    assert database_fault(_wrapped(sqlite3.IntegrityError("UNIQUE"))) is None
    assert database_fault(FileNotFoundError(2, "gone")) is None


pairs = st.lists(
    st.tuples(
        st.sampled_from(["title", "notes", "password", "confirm", "csrf_token", "n"]),
        st.text(max_size=12),
    ),
    max_size=8,
)


@given(pairs)
def test_typed_fields_give_back_everything_but_passwords_and_the_token(posted):
    kinds = {"notes": (TEXT, "Notes"), "n": (OTHER, "N")}
    typed, passwords = typed_fields(posted, kinds)
    kept = [(n, v) for n, v in posted if n not in ("password", "confirm", "csrf_token")]
    assert [(t.name, t.value) for t in typed] == kept
    assert passwords == sum(1 for n, v in posted if n in ("password", "confirm") and v)
    for t in typed:
        assert t.shown == (
            t.name in ("title", "notes")
            and bool(t.value.strip())
            and (t.name == "notes" or not t.value.strip().isdecimal())
        )


# --- real faults -------------------------------------------------------------------


@contextlib.contextmanager
def dropped_connection(app, databases, pattern: str, lasting: bool = False):
    """Drop the request's connection when a statement matches ``pattern`` (and, if
    ``lasting``, at every statement after it: the database is down)."""
    state = {"hits": 0}
    with app.app_context():
        engine = db.engine

    def before(conn, cursor, statement, parameters, context, executemany):
        if (lasting and state["hits"]) or re.search(pattern, statement):
            state["hits"] += 1
            _drop(conn, databases)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield state
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _drop(conn, databases) -> None:
    dbapi = conn.connection.dbapi_connection
    if databases.name == "sqlite":
        dbapi.close()
        return
    with databases.admin.connect() as admin:
        admin.execute(
            sa.text("SELECT pg_terminate_backend(:pid, 5000)"),
            {"pid": dbapi.info.backend_pid},
        )


@contextlib.contextmanager
def full_disk(app, databases, table: str):
    """The disk is full when ``table`` grows (SQLite: the file may not grow)."""
    with app.app_context():
        engine = db.engine
    if databases.name == "sqlite":
        path = engine.url.database
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute("VACUUM")  # no free pages left to fill quietly
            pages = conn.execute("PRAGMA page_count").fetchone()[0]

        def cap(dbapi_connection, _record, _proxy):
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

        engine.dispose()
        event.listen(engine, "checkout", cap)
        try:
            yield
        finally:
            event.remove(engine, "checkout", cap)
            engine.dispose()
        return
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE FUNCTION disk_full() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'could not extend file: No space left on device' "
            "USING ERRCODE = 'disk_full'; END $$ LANGUAGE plpgsql"
        )
        conn.exec_driver_sql(
            f"CREATE TRIGGER disk_full BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION disk_full()"
        )
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP TRIGGER disk_full ON {table}")
            conn.exec_driver_sql("DROP FUNCTION disk_full()")


def _candidates(app) -> list[Candidate]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Candidate)).all()
        return [(c.name, c.notes) for c in rows]


def _send_again(client, response, url: str):
    """Post the 503 page's "send again" form exactly as it is, as its button does."""
    page = Page(response.get_data(as_text=True))
    form = page.form_for("/", url)
    data = MultiDict((f["name"], f["value"]) for f in form["fields"] if f.get("name"))
    return client.post(url, data=data)


@pytest.mark.parametrize("lasting", [False, True], ids=["dropped", "down"])
def test_a_dropped_connection_gives_a_503_with_the_typed_text(
    app, databases, client, auth, users, lasting
):
    ta = users["talent_acquisition"]
    auth.login(ta)
    data = {"name": "Amara Nwosu", "notes": NOTES, "submit": "Save candidate"}
    with dropped_connection(app, databases, r"^INSERT INTO candidates", lasting):
        response = client.submit("/candidates/new", data)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    text = response.get_data(as_text=True)
    assert "The database did not answer" in text
    assert "nothing was saved" in text
    assert "Traceback" not in text
    assert str(escape(NOTES)) in text  # shown back, escaped
    assert "<script>alert(1)" not in text
    assert ta.name in text  # the page needed no database to say who is signed in
    page = Page(text)
    assert page.field("notes")["value"] == NOTES
    assert page.field("name")["value"] == "Amara Nwosu"
    assert page.field("csrf_token")["value"]
    assert _candidates(app) == []
    # Sending it again once the database is back saves exactly what was typed.
    again = _send_again(client, response, "/candidates/new")
    assert again.status_code == 302
    assert _candidates(app) == [("Amara Nwosu", NOTES)]


def test_a_dropped_connection_on_a_page_view_says_to_reload(
    app, databases, client, auth, users
):
    auth.login(users["talent_acquisition"])
    with dropped_connection(app, databases, r"FROM candidates"):
        response = client.get("/candidates/")
    assert response.status_code == 503
    text = response.get_data(as_text=True)
    assert "Try the page again" in text
    assert "What you sent" not in text
    assert client.get("/candidates/").status_code == 200


def test_json_clients_get_a_json_503_that_says_to_retry(
    app, databases, client, auth, users
):
    auth.login(users["talent_acquisition"])
    data = {"name": "Amara Nwosu", "notes": NOTES}
    with dropped_connection(app, databases, r"^INSERT INTO candidates"):
        response = client.submit(
            "/candidates/new", data, headers={"Accept": "application/json"}
        )
    assert response.status_code == 503
    body = response.get_json()
    assert body["ok"] is False
    assert body["retry"] is True
    assert "send it again" in body["message"]


def test_the_autosave_gets_a_json_503_when_the_connection_drops(
    app, databases, client, auth, seat
):
    auth.login(seat["clara"])
    url = f"/interviews/{seat['id']}"
    form = Page(client.get(url).get_data(as_text=True)).form_for(url, url)
    data = MultiDict((f["name"], f["value"]) for f in form["fields"] if f.get("name"))
    data["evidence_workflow"] = "Asked the ward what changed."
    with dropped_connection(app, databases, r"^(INSERT|UPDATE)"):
        response = client.post(
            f"{url}/autosave", data=data, headers={"Accept": "application/json"}
        )
    assert response.status_code == 503
    assert response.get_json()["retry"] is True


def test_a_full_disk_gives_a_503_that_says_so(app, databases, client, auth, users):
    auth.login(users["talent_acquisition"])
    notes = NOTES + "x" * 15_000 if databases.name == "sqlite" else NOTES
    data = {"name": "Amara Nwosu", "notes": notes}
    with full_disk(app, databases, "candidates"):
        response = client.submit("/candidates/new", data)
    assert response.status_code == 503
    text = response.get_data(as_text=True)
    assert "The server&#39;s disk is full, so nothing was saved." in text
    assert Page(text).field("notes")["value"] == notes
    assert _candidates(app) == []
    assert client.get("/candidates/").status_code == 200


def _poison(databases):
    """A value the database refuses, put into the statement at the driver."""
    if databases.name == "sqlite":

        def limit(dbapi_connection, _record, _proxy):
            dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 2000)

        return "checkout", limit, "a text longer than the database can store"

    def nul(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO candidates"):
            parameters = {**parameters, "name": "Amara\x00Nwosu"}
        return statement, parameters

    what = "an invisible control character (NUL), which cannot be stored"
    return "before_cursor_execute", nul, what


def test_a_value_the_database_refuses_is_a_400_saying_what(
    app, databases, client, auth, users
):
    auth.login(users["talent_acquisition"])
    name, listener, what = _poison(databases)
    with app.app_context():
        engine = db.engine
    engine.dispose()
    event.listen(engine, name, listener, retval=name == "before_cursor_execute")
    try:
        data = {"name": "Amara Nwosu", "notes": "y" * 3000}
        response = client.submit("/candidates/new", data)
    finally:
        event.remove(engine, name, listener)
        engine.dispose()
    assert response.status_code == 400
    text = html.unescape(response.get_data(as_text=True))
    assert f"What you sent contains {what}, so nothing was saved." in text
    assert Page(response.get_data(as_text=True)).field("notes")["value"] == "y" * 3000
    assert _candidates(app) == []
    assert client.get("/candidates/").status_code == 200  # rolled back, still working


# --- signing in when failures cannot be recorded ------------------------------------


def _failures(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(LoginFailure.id)))


def test_a_correct_password_signs_in_when_the_failure_record_is_lost(
    app, databases, client, users
):
    user = users["clinical"]
    wrong = {"email": user.email, "password": "not the right one"}
    with dropped_connection(app, databases, r"^INSERT INTO login_failures"):
        response = client.submit("/sign-in", wrong)
    assert response.status_code == 401
    assert "The email or password is not right." in response.get_data(as_text=True)
    right = {"email": user.email, "password": RIGHT_PASSWORD}
    with dropped_connection(app, databases, r"^INSERT INTO login_failures") as drop:
        response = client.submit("/sign-in", right)
    assert drop["hits"] == 1, "the record was lost on the way"
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert _failures(app) == 0


def test_failures_that_cannot_be_recorded_still_count(app, databases, client, users):
    user = users["technical"]
    wrong = {"email": user.email, "password": "not the right one"}
    with dropped_connection(app, databases, r"^INSERT INTO login_failures"):
        for _ in range(5):
            assert client.submit("/sign-in", wrong).status_code == 401
        locked = client.submit(
            "/sign-in", {"email": user.email, "password": RIGHT_PASSWORD}
        )
    assert locked.status_code == 429
    assert _failures(app) == 0


def _fill(app, email_prefix: str) -> None:
    """Record failures for other people until the database refuses one more."""
    with app.app_context():
        for n in range(100_000):
            db.session.add(LoginFailure(email=f"{email_prefix}{n:06}@example.org"))
            try:
                db.session.commit()
            except sa_exc.OperationalError as exc:
                db.session.rollback()
                assert database_fault(exc) == DISK_FULL
                return
    raise AssertionError("the database never filled up")


def test_a_correct_password_signs_in_on_a_full_disk(app, databases, client, users):
    user = users["hiring_manager"]
    with full_disk(app, databases, "login_failures"):
        if databases.name == "sqlite":
            _fill(app, "filler")
        with app.app_context():  # the precondition: this failure cannot be stored
            db.session.add(LoginFailure(email=user.email))
            with pytest.raises(sa_exc.OperationalError) as refused:
                db.session.commit()
            assert database_fault(refused.value) == DISK_FULL
            db.session.rollback()
        before = _failures(app)
        wrong = client.submit(
            "/sign-in", {"email": user.email, "password": "not the right one"}
        )
        assert wrong.status_code == 401
        assert "The email or password is not right." in wrong.get_data(as_text=True)
        right = client.submit(
            "/sign-in", {"email": user.email, "password": RIGHT_PASSWORD}
        )
        assert right.status_code == 302
        assert client.get("/").status_code == 200
        assert _failures(app) == before
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).where(LoginFailure.email == user.email)
            )
            == 0
        )


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_connection_lost_after_the_answer_was_made_does_not_become_a_500(
    app, databases, client, auth, users, method
):
    """The database drops the connection between the answer and the end of the
    request: the person gets the answer that was made, and the next request works."""

    @app.after_request
    def lose_the_connection(response):
        if request.path.startswith("/candidates"):
            _drop(db.session.connection(), databases)
        return response

    auth.login(users["talent_acquisition"])
    if method == "GET":
        response = client.get("/candidates/")
        assert response.status_code == 200
    else:
        response = client.submit(
            "/candidates/new", {"name": "Amara Nwosu", "submit": "Save candidate"}
        )
        assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_a_scorecard_sent_while_the_database_is_down_comes_back_as_typed(
    app, databases, client, auth, seat
):
    """The form could not even be built: the page still shows the typed text, and
    keeps the page's own fields (version, edit token, the button) hidden."""
    from .tabs import Tab

    auth.login(seat["clara"])
    tab = Tab(client, seat["id"])
    data = tab.request(save="y", evidence_workflow=NOTES)
    with dropped_connection(app, databases, r"FROM panel_seats", lasting=True):
        response = client.submit(f"/interviews/{seat['id']}", data)
    assert response.status_code == 503
    text = response.get_data(as_text=True)
    assert str(escape(NOTES)) in text
    for name in ("edit_token", "version", "edit_seq", "save"):
        assert re.search(rf'<input type="hidden" name="{name}" value=', text), name
        assert f'<textarea id="typed-1" name="{name}"' not in text
    again = _send_again(client, response, f"/interviews/{seat['id']}")
    assert again.status_code == 302  # sent again from the same page: saved


def test_a_page_view_while_the_database_is_down_says_to_load_it_again(
    app, databases, client, auth, users
):
    auth.login(users["talent_acquisition"])
    with dropped_connection(app, databases, r"FROM candidates"):
        response = client.get("/candidates/")
    text = response.get_data(as_text=True)
    assert "could not be shown" in text and "nothing was saved" not in text
