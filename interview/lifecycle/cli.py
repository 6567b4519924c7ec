"""``flask --app interview retention run [--dry-run]``: erase what retention says;
``erasure ids OUT`` and ``erasure reapply FILE``: erase again, after a backup is
restored, the candidates erased since it was taken (reapply.py).

They print ids and dates, never a name or a hold's reason: cron mails their output
and the journal keeps it, and neither is a place for personal data."""

from collections import defaultdict

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..timeutil import utcnow
from . import reapply, retention


@click.group("retention")
def retention_group():
    """Personal data kept RETENTION_DAYS after a candidate's last loop closed."""


@retention_group.command("run")
@click.option(
    "--dry-run", is_flag=True, help="List who would be erased; change nothing."
)
@with_appcontext
def run_command(dry_run: bool):
    """Erase every candidate due under the retention rule, one at a time."""
    days = current_app.config["RETENTION_DAYS"]
    now = utcnow()
    due = retention.due_dates(now, days)
    ids = [candidate_id for candidate_id, _ in due]
    for candidate_id, hold_id in retention.held_back(now, days):
        click.echo(
            f"Kept: candidate #{candidate_id} is due, but legal hold #{hold_id} "
            "stops the erasure."
        )
    if dry_run:
        _list(due)
        db.session.rollback()
        return
    if not ids:
        retention.merge_text_index()  # after a run that was cut short
        kept = f"{days} day{'s' if days != 1 else ''}"
        click.echo(f"Nobody is due (personal data kept {kept} after closing).")
        return
    with click.progressbar(ids, label="Erasing", show_pos=True) as bar:
        erased = sum(retention.run(bar, now, days))
    retention.merge_text_index()
    click.echo(f"Erased {erased} candidate{'s' if erased != 1 else ''}.")
    if skipped := len(ids) - erased:
        click.echo(f"{skipped} changed meanwhile and were left as they are.")


def _list(due: list) -> None:
    """Print the candidates a run would erase (nothing is written): ids and due
    dates only, never a name, since the output goes to cron's mail and the journal."""
    if not due:
        click.echo("Would erase nobody.")
        return
    click.echo(f"Would erase {len(due)} candidate{'s' if len(due) != 1 else ''}:")
    for candidate_id, due_at in due:
        click.echo(f"  #{candidate_id} due since {due_at:%Y-%m-%d}")


@click.group("erasure")
def erasure_group():
    """Keep erasures across a backup restore: list erased ids, erase them again."""


@erasure_group.command("ids")
@click.argument("out", type=click.Path(dir_okay=False, allow_dash=True))
@with_appcontext
def ids_command(out: str):
    """Write the ids of every erased candidate, each with when the candidate was
    added, to OUT ('-': print them)."""
    ids, unknown = reapply.erased_ids()
    db.session.rollback()
    if unknown:  # to stderr: with OUT '-', stdout is the file
        click.echo(
            "Left out, no candidate row to read when they were added: #"
            + ", #".join(map(str, unknown)),
            err=True,
        )
    if out == "-":
        click.echo(reapply.ids_text(ids), nl=False)
        return
    try:
        with click.open_file(out, "w", encoding="utf-8", atomic=True) as fh:
            fh.write(reapply.ids_text(ids))
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror}") from None
    kind = "candidate" if len(ids) == 1 else "candidates"
    click.echo(f"Wrote the ids of {len(ids)} erased {kind} to {out}.")


@erasure_group.command("reapply")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@with_appcontext
def reapply_command(file):
    """Erase again every candidate FILE lists (made by 'erasure ids' on the live
    database before a backup was restored). Safe to run twice."""
    try:
        ids = reapply.parse_ids(file)
    except reapply.IdsFileError as exc:
        raise click.ClickException(f"{file.name}: {exc}") from None
    by_status = defaultdict(list)
    for outcome in reapply.reapply(ids):
        by_status[outcome.status].append(outcome)
    for status, words in REAPPLY_WORDS:
        if found := by_status.get(status):
            click.echo(f"{words}: {', '.join(_described(o) for o in found)}")
    for outcome in by_status["reused"]:
        click.echo(
            f"A different candidate now has id {outcome.candidate_id} "
            f"(added {outcome.added:%Y-%m-%d %H:%M} UTC): not erased"
        )
    erased = len(by_status["erased"])
    listed = f"{len(ids)} erased candidate{'s' if len(ids) != 1 else ''}"
    click.echo(
        f"Erased {_people(erased)} again; the file lists {listed} "
        "(what became of each: above)."
    )
    if by_status["held"] or by_status["open"]:
        raise click.ClickException(
            "some listed candidates were not erased (above): release the hold or "
            "close the loop in this database, then run reapply again"
        )


REAPPLY_WORDS = (
    ("erased", "Erased again"),
    ("already", "Already erased"),
    ("missing", "Not in this database (skipped)"),
    ("held", "Not erased, a legal hold is in force here"),
    ("open", "Not erased, a loop is still open here"),
)


def _described(outcome: reapply.Outcome) -> str:
    """The candidate's id, with the ids of what stopped the erasure."""
    text = f"#{outcome.candidate_id}"
    if outcome.holds:
        text += f" (hold #{', #'.join(map(str, outcome.holds))})"
    if outcome.loops:
        text += f" (loop #{', #'.join(map(str, outcome.loops))})"
    return text


def _people(count: int) -> str:
    return f"{count} candidate{'s' if count != 1 else ''}"
