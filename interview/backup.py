"""``flask --app interview backup OUT``: a consistent copy of the SQLite database.

SQLite's online backup API (``sqlite3.Connection.backup``) copies the database page
by page inside one read transaction: the copy is the database as of one moment,
whatever the app writes meanwhile (in WAL mode the writers never wait for it). It
is written to a temporary file beside OUT, switched to a single self-contained file
(journal mode DELETE, so no -wal file is needed to read it), checked with
``PRAGMA quick_check``, flushed to disk, and only then given its name: OUT is never
a half-written file, and an existing OUT is replaced only with ``--force``.

PostgreSQL has its own tools for this; the command says so (README: Backups).
"""

import contextlib
import errno
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click
from flask.cli import with_appcontext

from .extensions import db


class BackupError(Exception):
    """A backup that could not be made, in words for the person running it."""


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int


PG_DUMP_HINT = (
    "the database is PostgreSQL: back it up with pg_dump, e.g.\n"
    "  pg_dump --format=custom --file=interview.dump DATABASE_URL\n"
    "and restore into an empty database with\n"
    "  pg_restore --no-owner --dbname=DATABASE_URL interview.dump\n"
    "(README.md, Backups)"
)


def backup_sqlite(source: str | os.PathLike, out: str | os.PathLike, force=False):
    """Copy the SQLite database at ``source`` to ``out`` as one consistent file.

    Raise BackupError when it cannot: no such database, ``out`` exists (without
    ``force``) or is the database itself, its folder is missing, unwritable or full.
    """
    source, out = Path(source), Path(out)
    _check_paths(source, out, force)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    try:
        _copy(source, Path(tmp))
        _publish(Path(tmp), out, force)
    except sqlite3.Error as exc:
        raise BackupError(f"the copy failed: {_sqlite_words(exc)}") from None
    except OSError as exc:
        raise BackupError(f"cannot write {out}: {_os_words(exc)}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return Backup(out, out.stat().st_size)


SIDE_FILES = ("-wal", "-shm", "-journal")  # SQLite's files beside the database


def _check_paths(source: Path, out: Path, force: bool) -> None:
    if not source.is_file():
        raise BackupError(f"there is no database file at {source}")
    if out.is_dir():
        raise BackupError(f"{out} is a folder: give the backup's file name")
    if not out.parent.is_dir():
        raise BackupError(f"the folder {out.parent} does not exist")
    if out.exists() and out.resolve() == source.resolve():
        raise BackupError(f"{out} is the database itself: choose another file")
    for suffix in SIDE_FILES:  # the live database's journal, WAL and shared memory
        if out.resolve() == source.resolve().with_name(source.resolve().name + suffix):
            raise BackupError(
                f"{out} is the database's {suffix[1:]} file: choose another file"
            )
    if out.exists() and not force:
        raise BackupError(f"{out} already exists; add --force to replace it")


def _copy(source: Path, tmp: Path) -> None:
    """Copy in one step (one read snapshot), then make the copy stand alone."""
    uri = source.resolve().as_uri() + "?mode=ro"  # never create or change the source
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as src:
        src.execute("PRAGMA busy_timeout = 15000")
        with contextlib.closing(sqlite3.connect(tmp)) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
            (verdict,) = dst.execute("PRAGMA quick_check").fetchone()
            if verdict != "ok":
                raise BackupError(f"the copy failed its check: {verdict}")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())


def _publish(tmp: Path, out: Path, force: bool) -> None:
    """Give the finished copy its name: a link never replaces a file that appeared
    meanwhile; with --force a rename replaces it in one step."""
    if force:
        os.replace(tmp, out)
    else:
        try:
            os.link(tmp, out)
        except FileExistsError:
            raise BackupError(f"{out} already exists; add --force to replace it")
    _sync_folder(out.parent)


def _sync_folder(folder: Path) -> None:
    """Make the new name survive a power cut (where the system allows)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _os_words(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied"
    return exc.strerror or str(exc)


def _sqlite_words(exc: sqlite3.Error) -> str:
    code = getattr(exc, "sqlite_errorcode", 0) or 0
    if code & 0xFF == 13:  # SQLITE_FULL
        return "the disk is full"
    return str(exc)


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@with_appcontext
def backup_command(out: Path, force: bool):
    """Copy the SQLite database to OUT, safely while the app runs (PostgreSQL:
    use pg_dump, as the command explains)."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(PG_DUMP_HINT)
    if not url.database or url.database == ":memory:":
        raise click.ClickException("the database is in memory: nothing to back up")
    try:
        made = backup_sqlite(url.database, out, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backed up the database to {made.path} ({made.size:,} bytes).")
