"""``flask --app interview notify run|status|requeue``: send the outbox from cron or a
systemd timer, and see or settle what did not go."""

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from ..config import Defaults
from ..extensions import db
from ..models import OutboxMessage, OutboxStatus
from ..timeutil import utcnow
from .due import queue_due
from .sender import forget_bodies, interrupted, send_due, stale_after
from .settings import MailSettingsError, mail_settings
from .transports import make_transport

SHOWN = 50  # failed or interrupted messages listed by status, newest first


@click.group("notify")
def notify_group():
    """Send the email outbox and report on it."""


def _public_base_problem(config) -> str | None:
    """Why production must not send (its links would lead to a laptop's address)."""
    base = (config.get("PUBLIC_BASE_URL") or "").strip()
    if config.get("ENV_NAME") != "production" or (
        base and base.rstrip("/") != Defaults.PUBLIC_BASE_URL
    ):
        return None
    return (
        "INTERVIEW_PUBLIC_BASE_URL is not set, so every link in the email would lead"
        f" to {Defaults.PUBLIC_BASE_URL}. Set it (or PUBLIC_BASE_URL in"
        " instance/config.py) to the address people open, e.g."
        " https://interviews.hospital.org, in the environment file the web server"
        " uses too, and load that file for notify run (README, Email). Nothing was"
        " queued or sent."
    )


def _settings():
    try:
        return mail_settings(current_app.config, current_app.instance_path)
    except MailSettingsError as exc:
        raise click.ClickException(str(exc)) from None


@notify_group.command("run")
@click.option(
    "--limit",
    default=1000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Send at most this many.",
)
@with_appcontext
def run_command(limit):
    """Send the messages that are due; one line per message, then a summary."""
    if problem := _public_base_problem(current_app.config):
        raise click.ClickException(problem)
    settings = _settings()
    transport = make_transport(settings)
    now = utcnow()
    if reminders := queue_due(now):  # feedback reminders due now (notify/due.py)
        click.echo(f"Queued {_count(reminders, 'feedback reminder')}.")
    left = db.session.scalar(
        sa.select(sa.func.count()).select_from(interrupted(now, settings).subquery())
    )
    if left:
        click.echo(
            f"{_count(left, 'message')} left 'sending' by an interrupted run: not sent"
            " again, as it may have gone; see notify status."
        )
    summary = send_due(transport, settings, click.echo, limit=limit)
    counts = summary.counts
    waiting = db.session.scalar(
        sa.select(sa.func.count()).where(OutboxMessage.status == OutboxStatus.QUEUED)
    )
    db.session.commit()
    forgotten = forget_bodies(now, settings.keep_days)
    if forgotten:
        click.echo(
            f"Blanked the text of {_count(forgotten, 'message')} finished over"
            f" {settings.keep_days} days ago."
        )
    if not counts:
        click.echo(f"Nothing due ({_count(waiting, 'message')} queued for later).")
    else:
        click.echo(
            f"Sent {counts['sent']}, to retry {counts['retry']}, failed"
            f" {counts['failed']} through {transport.describe()};"
            f" {_count(waiting, 'message')} queued."
            + (
                f" Cancelled {counts['cancelled']} no longer due."
                if counts["cancelled"]
                else ""
            )
        )
    if summary.halted:
        raise click.ClickException(summary.halted)


@notify_group.command("status")
@with_appcontext
def status_command():
    """Count the messages by status; list the failed ones with the server's answer
    and the ones whose fate is unknown."""
    settings = _settings()
    counts = dict(
        db.session.execute(
            sa.select(OutboxMessage.status, sa.func.count()).group_by(
                OutboxMessage.status
            )
        ).all()
    )
    for status in OutboxStatus:
        click.echo(f"{status.value:<10} {counts.get(status, 0)}")
    failed = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.FAILED)
        .order_by(OutboxMessage.id.desc())
        .limit(SHOWN)
    ).all()
    if failed:
        click.echo("Failed (newest first):")
    for row in failed:
        click.echo(
            f"  #{row.id} {row.key} to {row.recipient}, after"
            f" {_count(row.attempts, 'attempt')}: {row.last_error}"
        )
    unknown = db.session.scalars(interrupted(utcnow(), settings).limit(SHOWN)).all()
    if unknown:
        seconds = int(stale_after(settings).total_seconds())
        since = _count(seconds // 60, "minute") if seconds >= 120 else f"{seconds} s"
        click.echo(
            f"Unknown: claimed over {since} ago by a run that stopped before"
            " recording the answer. Check the mail server's log for the Message-ID;"
            " if it never went, notify requeue ID."
        )
    for row in unknown:
        click.echo(
            f"  #{row.id} {row.key} to {row.recipient}, claimed"
            f" {row.claimed_at:%Y-%m-%d %H:%M:%S} UTC"
        )
    db.session.rollback()


@notify_group.command("requeue")
@click.argument("ids", nargs=-1, type=int, required=True)
@with_appcontext
def requeue_command(ids):
    """Queue failed or interrupted messages again, with their tries reset (after
    fixing the address, or when the mail log shows an interrupted one never went).
    All or nothing: an id that is not such a message is named and nothing changes."""
    settings = _settings()
    now = utcnow()
    wanted = sorted(set(ids))
    stuck = set(
        db.session.scalars(
            interrupted(now, settings).with_only_columns(OutboxMessage.id)
        )
    )
    rows = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.id.in_(wanted))
    ).all()
    found = {row.id: row for row in rows}
    problems = [_requeue_problem(n, found.get(n), stuck) for n in wanted]
    problems = [p for p in problems if p]
    if problems:
        db.session.rollback()
        raise click.ClickException("Nothing queued again:\n  " + "\n  ".join(problems))
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(wanted),
            # as read: not one sent (or sending again) since
            (OutboxMessage.status == OutboxStatus.FAILED)
            | (
                OutboxMessage.id.in_(stuck)
                & (OutboxMessage.status == OutboxStatus.SENDING)
            ),
        )
        .values(status=OutboxStatus.QUEUED, attempts=0, not_before=now)
    )
    db.session.commit()
    click.echo(f"Queued again: {_count(result.rowcount, 'message')} of {len(wanted)}.")


def _requeue_problem(number: int, row, stuck: set[int]) -> str | None:
    """Why message NUMBER cannot be queued again, or None."""
    if row is None:
        return f"#{number}: no such message in the outbox (notify status lists them)"
    if row.subject == "":
        return (
            f"#{number}: its text was blanked (kept past MAIL_KEEP_DAYS or its"
            " candidate erased), so there is nothing left to send"
        )
    if row.status == OutboxStatus.FAILED or number in stuck:
        return None
    if row.status == OutboxStatus.SENDING:
        return (
            f"#{number} is being sent (claimed"
            f" {row.claimed_at:%Y-%m-%d %H:%M:%S} UTC): only once notify status"
            " lists it as unknown can it be queued again"
        )
    return (
        f"#{number} is {row.status.value}: only failed or interrupted messages are"
        " queued again"
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
