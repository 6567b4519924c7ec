"""Migration 0014's triggers against the ways around them (code review): SQLite's
REPLACE (its implicit delete fires no trigger), upserts, a "redaction" of an entry
erasure never touches or stamped at another time, numbers rewritten in another form,
and the erased candidate's search key; a real erasure still goes through. Migration
0017's redaction check: the closed vocabularies' values stay, nothing else does."""

import importlib.util
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.lifecycle.erasure import AUDITED, KEPT_VALUES, erase_candidate
from interview.lifecycle.rules import MARKER, redact_json
from interview.loops.operations import save_candidate
from interview.models import AuditEntry, Candidate, Role
from interview.timeutil import utcnow

AUDIT = AuditEntry.__table__
CANDIDATES = Candidate.__table__
APPEND_ONLY = "append-only"
ERASED = "candidate was erased"
BEFORE = {"role": "interviewer", "n": 3, "ok": True, "tags": ["a", 2]}
AFTER = {"role": "talent_acquisition", "n": 3, "ok": True, "tags": ["b", 2]}


def dialect() -> str:
    return db.session.connection().dialect.name


def sqlite_only():
    if dialect() != "sqlite":
        pytest.skip("SQLite's REPLACE conflict resolution")


def add_entry(object_type: str = "candidates", action: str = "candidate.update"):
    """A plain audit entry with text, numbers and booleans, committed."""
    entry_id = db.session.execute(
        AUDIT.insert()
        .values(
            at=utcnow() - timedelta(days=30),
            action=action,
            object_type=object_type,
            object_id=7,
            before=BEFORE,
            after=AFTER,
            reason="promoted by X",
        )
        .returning(AUDIT.c.id)
    ).scalar_one()
    db.session.commit()
    return entry_id


def entry(entry_id: int):
    return db.session.execute(sa.select(AUDIT).where(AUDIT.c.id == entry_id)).one()


def redact(entry_id: int, **values):
    """The redaction erasure writes, with ``values`` overriding it."""
    row = entry(entry_id)
    values = {
        "before": redact_json(row.before, KEPT_VALUES),
        "after": redact_json(row.after, KEPT_VALUES),
        "reason": None,
        "redacted_at": utcnow(),
    } | values
    db.session.execute(AUDIT.update().where(AUDIT.c.id == entry_id).values(**values))


def refused(match: str, statement, params=None):
    with pytest.raises(sa.exc.DatabaseError, match=match):
        db.session.execute(
            sa.text(statement) if isinstance(statement, str) else statement,
            params or {},
        )
    db.session.rollback()


@pytest.fixture
def erased(app, make_user):
    """An erased candidate's id (no loops), and the id of another candidate."""
    ta = make_user(Role.TALENT_ACQUISITION)
    with app.app_context():
        ta = db.session.merge(ta)
        person = {"name": "Ottilie Brandvold", "email": "ob@mail.example"}
        candidate = save_candidate(ta, None, person)
        other = save_candidate(
            ta, None, {"name": "Other Person", "email": "o@x.example"}
        )
        db.session.commit()
        erase_candidate(ta, candidate)
        db.session.commit()
        return candidate.id, other.id


# SQLite's REPLACE: the old row goes without a DELETE or UPDATE trigger -------------


@pytest.mark.parametrize("verb", ["INSERT OR REPLACE", "REPLACE"])
def test_sqlite_replace_cannot_rewrite_an_audit_entry(app, verb):
    with app.app_context():
        sqlite_only()
        entry_id = add_entry()
        kept = entry(entry_id)
        refused(
            APPEND_ONLY,
            f"{verb} INTO audit_log (id, at, action, object_type, object_id, reason) "
            "VALUES (:id, '2020-01-01 00:00:00.000000', 'forged', 'users', 1, 'x')",
            {"id": entry_id},
        )
        assert entry(entry_id) == kept
        # A new entry still goes in, with or without its id.
        db.session.execute(
            sa.text(
                f"{verb} INTO audit_log (id, at, action, object_type, object_id) "
                "VALUES (:id, '2020-01-01 00:00:00.000000', 'fine', 'users', 1)"
            ),
            {"id": entry_id + 1000},
        )
        db.session.commit()
        assert entry(entry_id + 1000).action == "fine"


@pytest.mark.parametrize("verb", ["INSERT OR REPLACE", "REPLACE"])
def test_sqlite_replace_cannot_restore_an_erased_candidate(app, erased, verb):
    erased_id, _ = erased
    with app.app_context():
        sqlite_only()
        kept = db.session.execute(
            sa.select(CANDIDATES).where(CANDIDATES.c.id == erased_id)
        ).one()
        refused(
            ERASED,
            f"{verb} INTO candidates (id, name, email, notes, search_key, created_at, "
            "updated_at) VALUES (:id, 'Ottilie Brandvold', 'ob@mail.example', '', "
            "'ottilie brandvold', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
            {"id": erased_id},
        )
        # Another candidate moved onto the erased one's id would replace it too.
        refused(
            ERASED,
            "UPDATE OR REPLACE candidates SET id = :id WHERE id = :other",
            {"id": erased_id, "other": erased[1]},
        )
        now = db.session.execute(
            sa.select(CANDIDATES).where(CANDIDATES.c.id == erased_id)
        ).one()
        assert now == kept and now.erased_at is not None
        assert "Brandvold" not in now.name


# Upserts go through the UPDATE triggers (PostgreSQL and SQLite alike) -------------


def test_an_upsert_cannot_rewrite_an_audit_entry(app):
    with app.app_context():
        entry_id = add_entry()
        kept = entry(entry_id)
        refused(
            APPEND_ONLY,
            "INSERT INTO audit_log (id, at, action, object_type, object_id) "
            "VALUES (:id, :at, 'forged', 'users', 1) "
            "ON CONFLICT (id) DO UPDATE SET action = 'forged', reason = NULL",
            {"id": entry_id, "at": kept.at},
        )
        assert entry(entry_id) == kept


def test_an_upsert_cannot_restore_an_erased_candidate(app, erased):
    erased_id, _ = erased
    with app.app_context():
        refused(
            ERASED,
            "INSERT INTO candidates (id, name, email, notes, search_key, created_at, "
            "updated_at) VALUES (:id, 'Ottilie Brandvold', 'ob@mail.example', '', "
            "'ottilie brandvold', :t, :t) ON CONFLICT (id) DO UPDATE SET "
            "name = excluded.name, email = excluded.email, erased_at = NULL",
            {"id": erased_id, "t": utcnow().replace(tzinfo=None)},
        )
        candidate = db.session.get(Candidate, erased_id)
        assert candidate.email is None and candidate.erased_at is not None


def test_an_erased_candidates_search_key_is_frozen(app, erased):
    erased_id, other_id = erased
    with app.app_context():
        key = db.session.get(Candidate, erased_id).search_key
        assert "brandvold" not in key
        refused(
            ERASED,
            CANDIDATES.update()
            .where(CANDIDATES.c.id == erased_id)
            .values(search_key="ottilie brandvold\tob@mail.example"),
        )
        assert db.session.get(Candidate, erased_id).search_key == key
        # Another candidate's key is written as ever.
        db.session.execute(
            CANDIDATES.update()
            .where(CANDIDATES.c.id == other_id)
            .values(search_key="other person changed")
        )
        db.session.commit()


# The redaction path: only entries erasure redacts, only stamped now --------------


@pytest.mark.parametrize(
    "object_type", ["users", "requisitions", "legal_holds", "rubrics", "settings"]
)
def test_only_entries_erasure_redacts_can_be_redacted(app, object_type):
    with app.app_context():
        entry_id = add_entry(object_type, action="user.update")
        kept = entry(entry_id)
        with pytest.raises(sa.exc.DatabaseError, match=APPEND_ONLY):
            redact(entry_id)
        db.session.rollback()
        assert entry(entry_id) == kept


@pytest.mark.parametrize("object_type", sorted(AUDITED))
def test_an_entry_about_a_candidate_can_be_redacted(app, object_type):
    with app.app_context():
        entry_id = add_entry(object_type)
        redact(entry_id)
        db.session.commit()
        row = entry(entry_id)
        assert row.redacted_at is not None and row.reason is None
        assert row.before == {
            "role": "interviewer",
            "n": 3,
            "ok": True,
            "tags": [MARKER, 2],
        }
        assert row.after == {
            "role": "talent_acquisition",
            "n": 3,
            "ok": True,
            "tags": [MARKER, 2],
        }


@pytest.mark.parametrize(
    "offset",
    [
        timedelta(days=-40),  # backdated (before the entry itself)
        timedelta(minutes=-2),
        timedelta(minutes=2),
        timedelta(days=365),
    ],
)
def test_a_redaction_is_stamped_with_the_current_time(app, offset):
    with app.app_context():
        entry_id = add_entry()
        kept = entry(entry_id)
        with pytest.raises(sa.exc.DatabaseError, match=APPEND_ONLY):
            redact(entry_id, redacted_at=utcnow() + offset)
        db.session.rollback()
        assert entry(entry_id) == kept
        redact(entry_id, redacted_at=utcnow() - timedelta(seconds=20))
        db.session.commit()
        assert entry(entry_id).redacted_at is not None


def test_a_redaction_keeps_numbers_as_they_were_written(app):
    """3 written as 3.0 is another text (PostgreSQL's jsonb takes them as equal)."""
    with app.app_context():
        entry_id = add_entry()
        row = entry(entry_id)
        with pytest.raises(sa.exc.DatabaseError, match=APPEND_ONLY):
            redact(entry_id, after=redact_json(row.after, KEPT_VALUES) | {"n": 3.0})
        db.session.rollback()
        assert entry(entry_id).redacted_at is None


def test_a_real_erasure_redacts_its_entries(app, erased):
    erased_id, _ = erased
    with app.app_context():
        rows = db.session.execute(
            sa.select(AUDIT).where(
                AUDIT.c.object_type == "candidates",
                AUDIT.c.object_id == erased_id,
                AUDIT.c.action != "candidate.erased",
            )
        ).all()
        assert rows and all(row.redacted_at is not None for row in rows)
        text = repr([(row.before, row.after, row.reason) for row in rows])
        assert "Brandvold" not in text and "ob@mail" not in text


# Migration 0017: the closed vocabularies' values stay, and only they ---------------


@pytest.mark.parametrize(
    "after",
    [
        # free text kept
        {"role": "talent_acquisition", "n": 3, "ok": True, "tags": ["b", 2]},
        # a kept value turned into another
        {"role": "hiring_manager", "n": 3, "ok": True, "tags": [MARKER, 2]},
        {"role": "decided", "n": 3, "ok": True, "tags": [MARKER, 2]},
        # a kept value erased after all (the check is the one redaction, exactly)
        {"role": MARKER, "n": 3, "ok": True, "tags": [MARKER, 2]},
        # free text turned into a kept value
        {"role": "talent_acquisition", "n": 3, "ok": True, "tags": ["hire", 2]},
    ],
)
def test_a_redaction_keeps_exactly_the_kept_values(app, after):
    with app.app_context():
        entry_id = add_entry()
        kept = entry(entry_id)
        with pytest.raises(sa.exc.DatabaseError, match=APPEND_ONLY):
            redact(entry_id, after=after)
        db.session.rollback()
        with pytest.raises(sa.exc.DatabaseError, match=APPEND_ONLY):
            redact(entry_id, before=after)
        db.session.rollback()
        assert entry(entry_id) == kept


def test_a_kept_value_is_an_exact_member_in_the_database_too(app):
    """ "Hire" and "hire " are someone's text, not the outcome "hire"."""
    with app.app_context():
        entry_id = db.session.execute(
            AUDIT.insert()
            .values(
                at=utcnow(),
                action="loop.decision",
                object_type="loops",
                object_id=7,
                before={"status": "debrief"},
                after={"outcome": "hire", "said": ["Hire", "hire ", "no_hire"]},
            )
            .returning(AUDIT.c.id)
        ).scalar_one()
        db.session.commit()
        with pytest.raises(sa.exc.DatabaseError, match=APPEND_ONLY):
            redact(
                entry_id, after={"outcome": "hire", "said": ["Hire", MARKER, MARKER]}
            )
        db.session.rollback()
        redact(entry_id)
        db.session.commit()
        assert entry(entry_id).after == {
            "outcome": "hire",
            "said": [MARKER, MARKER, "no_hire"],
        }


def _migration_0017():
    path = (
        Path(__file__).parents[1]
        / "interview/migrations/versions/0017_redaction_keeps_enums.py"
    )
    spec = importlib.util.spec_from_file_location("migration_0017", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_keeps_the_applications_closed_vocabularies():
    """Migration 0017 froze the set erasure keeps: a value added to an enum without
    a migration would have every erasure refused by the database."""
    assert set(_migration_0017().KEPT) == KEPT_VALUES


def test_downgrading_0017_puts_back_the_redaction_of_every_string(app):
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        first, second = add_entry(), add_entry()
        db.session.remove()  # SQLite: no transaction of ours holds the write lock
        downgrade(revision="0016_sign_in_throttle")
        try:
            with pytest.raises(sa.exc.DatabaseError, match=APPEND_ONLY):
                redact(first)  # keeps "interviewer", "talent_acquisition"
            db.session.rollback()
            everything = redact_json(BEFORE, frozenset())
            redact(first, before=everything, after=redact_json(AFTER, frozenset()))
            db.session.commit()
        finally:
            db.session.remove()
            upgrade()
        redact(second)
        db.session.commit()
        assert entry(first).before["role"] == MARKER
        assert entry(second).before["role"] == "interviewer"
