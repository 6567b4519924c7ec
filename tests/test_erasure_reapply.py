"""Erasures kept across a backup restore (issue 13): a backup taken before an
erasure brings the candidate back when restored; ``erasure ids`` (on the live
database, before restoring) and ``erasure reapply`` (on the restored one) erase them
again, leaving no copy anywhere (test_erasure.py's scan), on both databases."""

import contextlib
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from interview import create_app
from interview.extensions import db
from interview.lifecycle.erasure import erase_candidate
from interview.lifecycle.holds import place_hold, release_hold
from interview.models import AuditEntry, Candidate, LegalHold, Role, User

from .conftest import BASE_CONFIG
from .test_erasure import NEEDLES, erasable, found_anywhere  # noqa: F401 (fixture)


def _back_up(runner, databases, tmp_path: Path) -> Path:
    """A backup as README.md says to make one: the command, or pg_dump."""
    if databases.name == "sqlite":
        out = tmp_path / "backup.sqlite"
        result = runner.invoke(args=["backup", str(out)])
        assert result.exit_code == 0, result.output
        return out
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump is not installed")
    out = tmp_path / "interview.dump"
    url = sa.make_url(databases.url).set(drivername="postgresql")
    subprocess.run(
        ["pg_dump", "--format=custom", f"--schema={databases.schema}"]
        + [f"--file={out}", url.render_as_string(hide_password=False)],
        check=True,
    )
    return out


@contextlib.contextmanager
def _restored(databases, backup: Path, tmp_path: Path):
    """An app on a copy of the database restored from ``backup``."""
    if databases.name == "sqlite":
        path = tmp_path / "restored.sqlite"
        shutil.copyfile(backup, path)
        config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}
        with _app(config) as app:
            yield app
        return
    name = f"restore_{uuid.uuid4().hex[:12]}"
    admin = databases.admin.execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        url = sa.make_url(databases.url).set(database=name)
        target = url.set(drivername="postgresql").render_as_string(False)
        subprocess.run(  # a schema's dump does not bring the extension it needs
            ["psql", "-q", target, "-c", "CREATE EXTENSION pg_trgm SCHEMA public"],
            check=True,
        )
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={target}", str(backup)],
            check=True,
        )
        config = databases.config_for(tmp_path)
        config["SQLALCHEMY_DATABASE_URI"] = url.render_as_string(False)
        with _app(config) as app:
            yield app
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')


@contextlib.contextmanager
def _app(config: dict):
    app = create_app({**BASE_CONFIG, **config})
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _erase(app, candidate_id: int, ta_id: int) -> None:
    with app.app_context():
        ta = db.session.get(User, ta_id)
        erase_candidate(ta, db.session.get(Candidate, candidate_id))
        db.session.commit()


def _ids(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line[:1] != "#"]


def _line(app, candidate_id: int) -> str:
    """The ids file's line for the candidate: id and created_at."""
    with app.app_context():
        added = db.session.get(Candidate, candidate_id).created_at
    return f"{candidate_id} {added.isoformat(timespec='microseconds')}"


def test_a_restored_backup_is_erased_again_from_the_ids_kept(
    app, runner, databases, tmp_path, request
):
    built = request.getfixturevalue("erasable")  # test_erasure.py's candidate
    candidate_id = built["candidate_id"]
    backup = _back_up(runner, databases, tmp_path)
    _erase(app, candidate_id, built["people"]["ta"].id)

    ids_file = tmp_path / "erased-ids.txt"
    listed = runner.invoke(args=["erasure", "ids", str(ids_file)])
    assert listed.exit_code == 0, listed.output
    assert f"Wrote the ids of 1 erased candidate to {ids_file}" in listed.output
    assert _ids(ids_file) == [_line(app, candidate_id)]
    assert _ids(ids_file)[0].endswith("+00:00")
    text = ids_file.read_text().lower()
    assert not [n for n in NEEDLES if n.lower() in text]
    printed = runner.invoke(args=["erasure", "ids", "-"])
    assert printed.output == ids_file.read_text()

    with _restored(databases, backup, tmp_path) as restored:
        with restored.app_context():
            assert found_anywhere(NEEDLES), "the backup was taken before the erasure"
        cli = restored.test_cli_runner()
        first = cli.invoke(args=["erasure", "reapply", str(ids_file)])
        assert first.exit_code == 0, first.output
        assert f"Erased again: #{candidate_id}" in first.output
        assert (
            "Erased 1 candidate again; the file lists 1 erased candidate "
            in first.output
        )
        assert not [n for n in NEEDLES if n.lower() in first.output.lower()]
        with restored.app_context():
            assert found_anywhere(NEEDLES) == []
            entry = db.session.scalars(
                sa.select(AuditEntry)
                .where(AuditEntry.action == "candidate.erased")
                .order_by(AuditEntry.id.desc())
            ).first()
            assert entry.object_id == candidate_id
            assert entry.after == {"via": "reapply"}

        again = cli.invoke(args=["erasure", "reapply", str(ids_file)])
        assert again.exit_code == 0, again.output
        assert f"Already erased: #{candidate_id}" in again.output
        assert (
            "Erased 0 candidates again; the file lists 1 erased candidate "
            in again.output
        )


def test_ids_missing_here_are_skipped_and_a_bad_line_is_named(app, runner, tmp_path):
    ids_file = tmp_path / "ids.txt"
    added = "2026-11-30T10:00:00.123456+00:00"
    ids_file.write_text(f"# before the restore\n\n 424242 {added} \n424242 {added}\n")
    result = runner.invoke(args=["erasure", "reapply", str(ids_file)])
    assert result.exit_code == 0, result.output
    assert "Not in this database (skipped): #424242\n" in result.output
    assert (
        "Erased 0 candidates again; the file lists 1 erased candidate " in result.output
    )

    ids_file.write_text(f"12 {added}\nJane Doe\n")
    bad = runner.invoke(args=["erasure", "reapply", str(ids_file)])
    assert bad.exit_code == 1
    assert "line 2 is not a candidate id" in bad.output
    assert "Traceback" not in bad.output

    ids_file.write_text("424242 not-a-date\n")
    undated = runner.invoke(args=["erasure", "reapply", str(ids_file)])
    assert undated.exit_code == 1
    assert "line 1: 'not-a-date' is not a date and time" in undated.output
    assert "Traceback" not in undated.output

    missing = runner.invoke(args=["erasure", "ids", str(tmp_path / "no" / "ids")])
    assert missing.exit_code == 1
    assert "cannot write" in missing.output and "Traceback" not in missing.output


def test_a_hold_in_force_in_the_restored_database_is_reported_by_id(
    app, runner, tmp_path, make_user
):
    """A hold released in the live database after the backup is still in force in
    the restored one: the erasure is refused there, said with ids (the exit status
    says so too), and done once the hold is released."""
    ta = make_user(Role.TALENT_ACQUISITION)
    with app.app_context():
        person = Candidate(name="Held Again", email="held.again@candidate.example")
        db.session.add(person)
        db.session.flush()
        hold = place_hold(db.session.get(User, ta.id), person, "Tribunal claim 77")
        db.session.commit()
        candidate_id, hold_id = person.id, hold.id
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text(_line(app, candidate_id) + "\n")

    refused = runner.invoke(args=["erasure", "reapply", str(ids_file)])
    assert refused.exit_code == 1
    assert (
        f"Not erased, a legal hold is in force here: #{candidate_id} (hold #{hold_id})"
        in refused.output
    )
    assert "Tribunal" not in refused.output and "Held Again" not in refused.output
    with app.app_context():
        assert db.session.get(Candidate, candidate_id).erased_at is None
        release_hold(db.session.get(User, ta.id), db.session.get(LegalHold, hold_id))
        db.session.commit()

    done = runner.invoke(args=["erasure", "reapply", str(ids_file)])
    assert done.exit_code == 0, done.output
    assert f"Erased again: #{candidate_id}" in done.output


def _add_candidate(app, name: str) -> int:
    with app.app_context():
        person = Candidate(name=name, email=f"{name.split()[0].lower()}@x.example")
        db.session.add(person)
        db.session.commit()
        return person.id


def test_a_candidate_who_got_an_erased_ones_id_after_the_restore_is_kept(
    app, runner, databases, tmp_path, make_user
):
    """The backup is taken before X was added; X is erased live; after the restore,
    the next candidate added gets X's id again (SQLite reuses the highest id,
    pg_restore sets the sequence back). Reapply, before and after, leaves them be."""
    ta = make_user(Role.TALENT_ACQUISITION)
    _add_candidate(app, "Before Backup")
    backup = _back_up(runner, databases, tmp_path)
    erased_id = _add_candidate(app, "Erased Later")
    _erase(app, erased_id, ta.id)
    ids_file = tmp_path / "erased-ids.txt"
    assert runner.invoke(args=["erasure", "ids", str(ids_file)]).exit_code == 0
    assert _ids(ids_file) == [_line(app, erased_id)]

    with _restored(databases, backup, tmp_path) as restored:
        cli = restored.test_cli_runner()
        first = cli.invoke(args=["erasure", "reapply", str(ids_file)])
        assert first.exit_code == 0, first.output
        assert f"Not in this database (skipped): #{erased_id}\n" in first.output

        newcomer = _add_candidate(restored, "Newcomer Person")
        assert newcomer == erased_id, "the restored database hands out the id again"
        with restored.app_context():
            added = db.session.get(Candidate, newcomer).created_at
        again = cli.invoke(args=["erasure", "reapply", str(ids_file)])
        assert again.exit_code == 0, again.output
        assert (
            f"A different candidate now has id {erased_id} "
            f"(added {added:%Y-%m-%d %H:%M} UTC): not erased\n" in again.output
        )
        assert "Erased 0 candidates again; the file lists 1 erased " in again.output
        assert "Newcomer" not in again.output
        with restored.app_context():
            kept = db.session.get(Candidate, newcomer)
            assert kept.erased_at is None and kept.name == "Newcomer Person"


def test_a_line_without_created_at_is_refused(app, runner, tmp_path):
    """A hand-written id alone cannot tell the erased candidate from one who got the
    id after the restore: the file is refused, naming the line, and nobody erased."""
    candidate_id = _add_candidate(app, "Plain Person")
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text(f"# by hand\n{candidate_id}\n")
    result = runner.invoke(args=["erasure", "reapply", str(ids_file)])
    assert result.exit_code == 1
    assert (
        f"line 2 lists #{candidate_id} without when the candidate was added"
        in result.output
    )
    assert "Traceback" not in result.output
    with app.app_context():
        assert db.session.get(Candidate, candidate_id).erased_at is None
