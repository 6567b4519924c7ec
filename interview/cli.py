"""Command-line tools: thin click commands over the operations."""

import contextlib
import functools
import os
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from .accounts.operations import AccountError, create_user
from .auth.passwords import password_problem
from .extensions import db
from .models import Discipline, Role


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create or upgrade the database schema by running the migrations."""
    upgrade()
    click.echo("Database is up to date.")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load the demo once (accounts, requisitions, loops); a re-run changes nothing."""
    from .demo import DEMO_ACCOUNTS, seed_demo

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException(
            "refusing to load demo accounts with known passwords in production mode"
        )
    _require_schema()
    created = seed_demo()
    if created:
        click.echo(f"Demo data ready ({created} new records).")
    else:
        click.echo(
            "Demo data ready (0 new records: it was loaded before; nothing changed)."
        )
    click.echo("Demo accounts (development only; passwords as first created):")
    for account in DEMO_ACCOUNTS:
        click.echo(
            f"  {account['role_label']:<28} {account['email']:<34} {account['password']}"
        )


def _require_schema() -> None:
    """Refuse with a hint, not a traceback, when the database has no tables yet."""
    if not sa.inspect(db.engine).has_table("users"):
        raise click.ClickException(
            "the database has no tables yet: run `flask --app interview init-db` first"
        )


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.removesuffix("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--discipline", type=click.Choice([d.value for d in Discipline]))
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from one line of stdin."
)
def create_user_command(email, name, role, discipline, password_stdin):
    """Create an account, e.g. the first talent acquisition administrator."""
    if role == Role.INTERVIEWER and not discipline:
        raise click.UsageError("interviewers need --discipline clinical|technical")
    _require_schema()
    password = _read_password(password_stdin)
    if problem := password_problem(password):
        raise click.ClickException(f"password refused: {problem}")
    data = {"email": email, "name": name, "role": role, "discipline": discipline}
    try:
        user = create_user(None, {**data, "password": password})
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Created {user.role.label.lower()} account {user.email}.")


@click.group("rubric")
def rubric_group():
    """Validate, import and export rubric files."""


def _check_files(paths) -> dict:
    """Validate each file, print its problems, and return the valid specs by path."""
    from .rubrics.schema import validate

    valid = {}
    for path in paths:
        result = validate(_read_bytes(path))
        if result.ok:
            valid[path] = result.rubric
            continue
        count = len(result.problems)
        click.echo(f"{path}: {count} problem{'s' if count != 1 else ''}", err=True)
        for problem in result.problems:
            click.echo(f"  {problem}", err=True)
    return valid


def _read_bytes(path: str) -> bytes:
    from .rubrics.loader import MAX_BYTES

    try:
        with open(path, "rb") as fh:
            return fh.read(MAX_BYTES + 1)  # enough to tell it is too large
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror}") from None


@rubric_group.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def rubric_validate_command(files):
    """Check rubric files; print ok or every problem, and fail if there is one."""
    valid = _check_files(files)
    for path in valid:
        click.echo(f"{path}: ok")
    if len(valid) != len(files):
        sys.exit(1)


@rubric_group.command("import")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--library", is_flag=True, help="Import every shipped rubric.")
@with_appcontext
def rubric_import_command(files, library):
    """Add rubrics, or new versions of them; nothing is imported if any file is bad."""
    from .rubrics.operations import library_files, save_rubric

    paths = list(files) + ([str(p) for p in library_files()] if library else [])
    if not paths:
        raise click.UsageError("name rubric files, or use --library")
    _require_schema()
    valid = _check_files(paths)
    if len(valid) != len(paths):
        raise click.ClickException("nothing imported: fix the problems above first")
    for spec in valid.values():
        saved = save_rubric(None, spec)
        state = "imported as" if saved.created else "unchanged at"
        click.echo(f"{spec.key}: {state} version {saved.version.number}")
    db.session.commit()


@rubric_group.command("export")
@click.argument("key")
@click.option("--version", "number", type=int, help="Version number (default latest).")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-")
@with_appcontext
def rubric_export_command(key, number, output):
    """Write a rubric version as YAML (to standard output unless --output)."""
    from .rubrics.operations import export_yaml, find_version

    _require_schema()
    version = find_version(key, number)
    if version is None:
        which = f"version {number} of " if number else ""
        raise click.ClickException(f"there is no {which}rubric {key!r}")
    output.write(export_yaml(version))


@click.command("debrief")
@click.argument("loop_id", type=click.IntRange(1, 2**31 - 1), required=False)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    help="Where to write one loop's packet (default: its usual file name).",
)
@click.option("--all-decided", is_flag=True, help="One packet per decided loop.")
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False),
    help="Folder for --all-decided (created if missing).",
)
@click.option(
    "--size",
    type=click.Choice(["a4", "letter"], case_sensitive=False),
    help="Page size (default: the DEBRIEF_PAGE_SIZE setting).",
)
@click.option("--archival", is_flag=True, help="PDF/A, for records kept for years.")
@click.option(
    "--zone",
    default="UTC",
    show_default=True,
    help="Time zone for the dates in the packet.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    default=os.cpu_count() or 1,
    show_default="the number of cores",
    help="Packets laid out at once.",
)
@with_appcontext
def debrief_command(loop_id, output, all_decided, out_dir, size, archival, zone, jobs):
    """Write the debrief packet PDF of LOOP_ID, or of every decided loop."""
    from .debrief.batch import render_to_files, write_atomically
    from .debrief.documents import packet_filename, packet_pdf
    from .debrief.renderer import RenderError
    from .debrief.synthesis import ScaleError
    from .loops.schedule import ScheduleError
    from .loops.schedule import zone as find_zone
    from .models import Loop, LoopStatus

    _require_schema()
    try:
        find_zone(zone)
    except ScheduleError as exc:
        raise click.BadParameter(str(exc), param_hint="--zone") from None
    options = {"size": size, "zone": zone, "archival": archival}
    if all_decided == (loop_id is not None):
        raise click.UsageError("give either a LOOP_ID or --all-decided")
    if loop_id is not None:
        if out_dir:
            raise click.UsageError("--out-dir goes with --all-decided; use -o FILE")
        loop = db.session.get(Loop, loop_id)
        if loop is None:
            raise click.ClickException(f"there is no loop {loop_id}")
        path = Path(output or packet_filename(loop))
        try:
            write_atomically(path, packet_pdf(loop, **options))
        except (RenderError, ScaleError, OSError) as exc:
            raise click.ClickException(f"loop {loop_id}: {exc}") from None
        _record_packets_written([loop], options)  # read audit (issue 13)
        click.echo(f"Wrote {path}")
        return
    if not out_dir or output:
        raise click.UsageError("--all-decided needs --out-dir DIR (and no -o)")
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.ClickException(f"cannot create {folder}: {exc}") from None
    loops = db.session.scalars(
        sa.select(Loop).where(Loop.status == LoopStatus.DECIDED).order_by(Loop.id)
    ).all()
    if not loops:
        click.echo("No decided loop: nothing to write.")
        return
    with click.progressbar(length=len(loops), label="Writing packets") as bar:
        outcomes = render_to_files(
            loops, folder, jobs=jobs, done=lambda _: bar.update(1), **options
        )
    failed = [o for o in outcomes if o.error]
    written = {o.loop_id for o in outcomes if not o.error}
    _record_packets_written([loop for loop in loops if loop.id in written], options)
    click.echo(f"Wrote {len(outcomes) - len(failed)} packets to {folder}")
    for outcome in failed:
        click.echo(f"  loop {outcome.loop_id} failed: {outcome.error}", err=True)
    if failed:
        sys.exit(1)


def _record_packets_written(loops, options: dict) -> None:
    """Read audit (issue 13): one entry per packet written, by the command line."""
    from .auditing import record

    details = {
        "via": "command line",
        "size": options["size"],
        "archival": options["archival"],
    }
    for loop in loops:
        record(None, "debrief.packet", loop, after=details)
    db.session.commit()


@click.group("calibration")
def calibration_group():
    """Calibration's summary tables."""


@calibration_group.command("rebuild")
@with_appcontext
def calibration_rebuild_command():
    """Compute calibration's summary tables again from every submitted scorecard."""
    from .calibration.summaries import rebuild

    _require_schema()
    loops = rebuild()
    db.session.commit()
    click.echo(
        f"Calibration summaries rebuilt: {loops:,} loops with submitted scorecards. "
        "A running app computes its kept figures again after the next submission, "
        "or when restarted."
    )


class DatabaseProblem(click.ClickException):
    """A database that cannot be reached or has no schema, told in one line."""


UNREACHABLE_OR_UNMIGRATED = (
    sa.exc.OperationalError,  # refused, no such database or file, no such table
    sa.exc.ProgrammingError,  # PostgreSQL: no such table or column
    sa.exc.InterfaceError,
)


def explain_database_errors(command: click.Command) -> click.Command:
    """Make COMMAND (and, for a group, every command under it) print one line and
    exit 1 when the database is unreachable or not migrated: operators run these
    from cron and shells, where a 150-line traceback hides the one useful fact."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            explain_database_errors(sub)
        return command
    callback = command.callback
    if callback is None or getattr(callback, "_explains_database", False):
        return command

    @functools.wraps(callback)
    def wrapped(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except UNREACHABLE_OR_UNMIGRATED as exc:  # not an integrity error, say
            raise DatabaseProblem(_database_words(exc)) from None

    wrapped._explains_database = True
    command.callback = wrapped
    return command


def _database_words(exc: sa.exc.DBAPIError) -> str:
    """One line for EXC: what the driver said (first line, no password), and what
    to do about it."""
    said = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else ""
    said = said.removeprefix("connection failed: ").strip()
    with contextlib.suppress(Exception):
        password = db.engine.url.password
        if password:
            said = said.replace(str(password), "***")
    if isinstance(exc, sa.exc.ProgrammingError) or any(
        word in said for word in ("no such table", "no such column")
    ):
        return (
            f"the database is not set up or not up to date ({said}): "
            "run `flask --app interview init-db` first"
        )
    return f"cannot reach the database ({said}). Check INTERVIEW_DATABASE_URL."


def init_app(app: Flask) -> None:
    for command in (
        init_db_command,
        seed_demo_command,
        create_user_command,
        rubric_group,
        debrief_command,
        calibration_group,
    ):
        app.cli.add_command(command)
    from .lifecycle.cli import erasure_group, retention_group  # issue 13: lifecycle

    app.cli.add_command(retention_group)
    app.cli.add_command(erasure_group)  # erasures kept across a backup restore
    from .backup import backup_command  # issue 13: operations

    app.cli.add_command(backup_command)
    from .notify.cli import notify_group  # issue 14: email

    app.cli.add_command(notify_group)
    for command in app.cli.commands.values():  # every command, one place (m2)
        explain_database_errors(command)
