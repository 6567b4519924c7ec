"""``flask --app interview retention run [--dry-run]``: erase what retention says."""

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..models import Candidate
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
    ids = retention.due_ids(now, days)
    for candidate_id, why in retention.held_back(now, days):
        click.echo(f"Kept: candidate #{candidate_id} is due, but {_lower(why)}")
    if dry_run:
        _list(ids)
        db.session.rollback()
        return
    if not ids:
        retention.merge_text_index()  # after a run that was cut short
        click.echo(f"Nobody is due (personal data kept {days} days after closing).")
        return
    with click.progressbar(ids, label="Erasing", show_pos=True) as bar:
        erased = sum(retention.run(bar, now, days))
    retention.merge_text_index()
    click.echo(f"Erased {erased} candidate{'s' if erased != 1 else ''}.")
    if skipped := len(ids) - erased:
        click.echo(f"{skipped} changed meanwhile and were left as they are.")


def _list(ids: list[int]) -> None:
    """Print the candidates a run would erase (nothing is written)."""
    click.echo(f"Would erase {len(ids)} candidate{'s' if len(ids) != 1 else ''}:")
    for candidate_id in ids:
        candidate = db.session.get(Candidate, candidate_id)
        click.echo(f"  #{candidate.id} {candidate.name}")


def _lower(sentence: str) -> str:
    return sentence[:1].lower() + sentence[1:]
