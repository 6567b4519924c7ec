"""Talent acquisition's heaviest writes hold SQLite's write lock briefly, so that an
interviewer's autosave meanwhile waits milliseconds, not the whole request.

On SQLite a form post takes the database's write lock (BEGIN IMMEDIATE) at its first
statement and keeps it until commit. What is asserted is the mechanism, not a time
(timings are bench/heavy_writes.py's): the signed-in user is read before the lock,
the rubric is validated, looked up and compared before it, and a rubric of 30
competencies is written in a fixed, small number of statements.
"""

import io
import sqlite3

import pytest
import sqlalchemy as sa
from flask import request

from interview.extensions import db
from interview.models import AuditEntry, Rubric, RubricVersion
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate

from .queries import counting_queries
from .rubric_samples import competency, dump, rubric

COMPETENCIES = 30
# Under the lock: BEGIN IMMEDIATE, the rubric and its latest version read again, the
# rubric (added or retitled), the version, its scale, its competencies, their ids,
# their anchors, their questions, the version for the audit entry, the audit entry.
LOCKED_MAX = 12  # the rubric row locked by a statement of its own (concurrent saves)
SAVE_MAX = 20  # and before it, the lookup and (for a new version) the old one whole


def _big(title: str = "Big rubric") -> bytes:
    keys = [f"skill_{n}" for n in range(COMPETENCIES)]
    return dump(
        rubric(key="big", title=title, competencies=list(map(competency, keys)))
    )


def _upload(client, raw: bytes, token: str | None = None):
    return client.post(
        "/rubrics/upload",
        data={
            "file": (io.BytesIO(raw), "rubric.yaml"),
            "csrf_token": token or client.csrf_token(),
        },
        content_type="multipart/form-data",
    )


def _locked(log) -> list[str]:
    """The statements sent from the BEGIN IMMEDIATE on (SQLite)."""
    begins = [i for i, s in enumerate(log.statements) if s == "BEGIN IMMEDIATE"]
    assert begins, f"no write transaction:\n{log}"
    return log.statements[begins[0] :]


@pytest.fixture
def ta(client, auth, users):
    auth.login(users["talent_acquisition"])
    return client


def test_a_form_post_reads_its_visitor_before_taking_the_write_lock(app, databases, ta):
    """The user's load is not what starts the write transaction: on SQLite it would
    hold every autosave back while the post validates and builds what it writes."""
    if databases.name != "sqlite":
        pytest.skip("PostgreSQL has row locks, not a database write lock")
    token = ta.csrf_token()
    with counting_queries(app) as log:
        response = _upload(ta, _big(), token)
    assert response.status_code == 302
    before = log.statements[: log.statements.index("BEGIN IMMEDIATE")]
    assert any("FROM users" in s for s in before), f"{log}"
    assert any("FROM rubrics" in s for s in before), f"{log}"  # looked up first
    assert not any(s.lstrip().startswith(("INSERT", "UPDATE")) for s in before)
    assert not any("FROM users" in s for s in _locked(log))


@pytest.mark.parametrize("change", ["new rubric", "new version", "unchanged"])
def test_a_30_competency_rubric_is_saved_in_a_few_statements(
    app, databases, ta, change
):
    """Was 249 statements for a new rubric and 312 for a new version (one INSERT per
    competency, anchor and question, and the old version read lazily under the lock)."""
    if change != "new rubric":
        assert _upload(ta, _big()).status_code == 302
    title = "Big rubric, revised" if change == "new version" else "Big rubric"
    token = ta.csrf_token()
    with counting_queries(app) as log:
        response = _upload(ta, _big(title), token)
    assert response.status_code == 302
    assert len(log) <= SAVE_MAX, f"{log}"
    if databases.name == "sqlite":
        assert len(_locked(log)) <= LOCKED_MAX, f"{log}"
    with app.app_context():
        versions = db.session.scalars(
            sa.select(RubricVersion)
            .join(Rubric)
            .where(Rubric.key == "big")
            .order_by(RubricVersion.id)  # PostgreSQL returned them in either order
        ).all()
        latest = versions[-1]
        assert (
            len(versions) == {"new rubric": 1, "new version": 2, "unchanged": 1}[change]
        )
        assert latest.title == title
        assert [c.key for c in latest.competencies] == [
            f"skill_{n}" for n in range(COMPETENCIES)
        ]
        for c in latest.competencies:
            assert [a.level for a in c.anchors] == [1, 2, 3, 4]
            assert [q.position for q in c.questions] == [0, 1]
        audits = db.session.scalar(
            sa.select(sa.func.count()).where(AuditEntry.action == "rubric.version")
        )
        assert audits == len(versions)


def test_a_saved_version_reads_back_as_the_spec_it_was_saved_from(app):
    spec = validate(_big()).rubric
    with app.app_context():
        saved = save_rubric(None, spec)
        db.session.commit()
        from interview.rubrics.documents import from_version

        assert from_version(db.session.get(RubricVersion, saved.version.id)) == spec
        assert save_rubric(None, spec).created is False


def test_a_post_whose_session_ended_before_it_writes_is_refused(
    app, databases, ta, users
):
    """Signed out everywhere (or deactivated) between the user's load and the view's
    first write: the write transaction checks the session again and refuses."""
    if databases.name != "sqlite":
        pytest.skip("on PostgreSQL the user is read in the request's transaction")
    with app.app_context():
        path = db.engine.url.database

    def end_the_session():
        if request.endpoint != "rubrics.upload" or request.method != "POST":
            return
        other = sqlite3.connect(path, isolation_level=None)
        other.execute(
            "UPDATE users SET session_token = 'ended' WHERE id = ?",
            (users["talent_acquisition"].id,),
        )
        other.close()

    # Runs after the sign-in check, before the view: the window the lock left open.
    app.before_request_funcs.setdefault(None, []).append(end_the_session)
    response = _upload(ta, _big())
    assert response.status_code == 401
    with app.app_context():
        assert (
            db.session.scalar(sa.select(Rubric.id).where(Rubric.key == "big")) is None
        )
