"""``flask --app interview retention run [--dry-run]``: erase what retention says.

It prints ids and dates, never a name or a hold's reason: cron mails its output and
the journal keeps it, and neither is a place for personal data."""

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..timeutil import utcnow
from . import retention


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
