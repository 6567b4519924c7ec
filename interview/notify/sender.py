"""Send the due queued messages: claim one, commit the claim, hand it over, record
the outcome. At most once: a row is claimed by one run only (PostgreSQL: FOR UPDATE
SKIP LOCKED; SQLite: a conditional UPDATE inside the write lock every command-line
transaction takes, db.tune_sqlite), and a row a crash left ``sending`` is never
claimed again: the server may have taken it, so ``notify status`` reports it as
unknown (check the mail server's log) instead of sending it twice."""

import email.utils
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import OutboxMessage, OutboxStatus
from ..timeutil import utcnow
from .outbox import blank
from .settings import MailSettings
from .stale import stale_reason
from .transports import Outgoing, SendFailure
from .webhooks import is_webhook, make_webhook_transport

T = OutboxMessage.__table__
MAX_RETRY_DELAY = timedelta(hours=12)


def retry_delay(attempts: int, first_seconds: int) -> timedelta:
    """Wait before try ``attempts + 1``: first_seconds * 2^(attempts - 1), at most
    12 hours (with the defaults: 5, 10, 20, 40, 80 minutes)."""
    seconds = first_seconds * 2 ** min(max(attempts - 1, 0), 20)
    return min(timedelta(seconds=seconds), MAX_RETRY_DELAY)


def stale_after(settings: MailSettings) -> timedelta:
    """How long a claim may last before its row counts as interrupted: every
    exchange of one message (connect, TLS, login, envelope, data) timing out."""
    return timedelta(seconds=10 * settings.timeout)


@dataclass
class Claimed:
    item: Outgoing
    attempts: int


@dataclass
class Summary:
    counts: Counter = field(default_factory=Counter)
    halted: str | None = None  # why the run could not go on: its exit is 1


def claim_next(now: datetime) -> Claimed | None:
    """Mark the oldest due queued message ``sending`` and commit that, or None.
    A blanked row (its candidate erased) is never claimed, should one be queued."""
    sendable = (T.c.status == OutboxStatus.QUEUED, T.c.subject != "")
    due = (
        sa.select(T.c.id)
        .where(*sendable, T.c.not_before <= now)
        .order_by(T.c.not_before, T.c.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    row = db.session.execute(
        sa.update(T)
        .where(T.c.id == due, *sendable)
        .values(status=OutboxStatus.SENDING, claimed_at=now, attempts=T.c.attempts + 1)
        .returning(T.c.id, T.c.key, T.c.recipient, T.c.message, T.c.attempts)
    ).one_or_none()
    db.session.commit()
    if row is None:
        return None
    item = Outgoing(row.id, row.key, row.recipient, bytes(row.message))
    return Claimed(item, row.attempts)


def _finish(row_id: int, **values) -> None:
    """Record the outcome of a claimed row, and commit it."""
    db.session.execute(
        sa.update(T)
        .where(T.c.id == row_id, T.c.status == OutboxStatus.SENDING)
        .values(**values)
    )
    db.session.commit()


def send_due(
    transport,
    settings: MailSettings,
    echo: Callable[[str], None],
    *,
    limit: int,
    clock: Callable[[], datetime] = utcnow,
    webhooks=None,
) -> Summary:
    """Send up to LIMIT due messages, one line each; stop early when the server or
    folder is unusable, leaving the rest queued. Webhook events (issue 15) go
    through ``webhooks`` (by default the WEBHOOK_* settings'), on the same rules."""
    summary = Summary()
    if webhooks is None:
        webhooks = make_webhook_transport(current_app.config, settings.timeout)
    transports = (transport, webhooks)
    try:
        for _ in range(limit):
            claimed = claim_next(clock())
            if claimed is None:
                break
            through = webhooks if is_webhook(claimed.item.key) else transport
            outcome = _drop_if_stale(claimed, clock()) or _send_one(
                through, settings, claimed, clock
            )
            summary.counts[outcome.status] += 1
            if outcome.line:
                echo(outcome.line)
            if outcome.stop is not None:
                echo(f"Stopped: {outcome.stop.answer}. The rest wait for the next run.")
                summary.halted = _halted(outcome)
                break
    finally:
        for each in transports:
            each.close()
    return summary


def _halted(outcome) -> str | None:
    """The exit's reason when a person must act before the next run."""
    if outcome.status == "unknown":
        return "a fault stopped the run while sending (see the line above)"
    if outcome.stop.misconfigured:
        return (
            "the mail server refused the sender, the login or TLS: check the"
            " MAIL_* settings"
        )
    return None


@dataclass
class Outcome:
    status: str  # sent, retry, failed, unknown, held, cancelled
    line: str
    stop: SendFailure | None = None  # the run ends here


def _drop_if_stale(claimed: Claimed, now) -> Outcome | None:
    """Cancel, unsent, a claimed message the world has overtaken (notify/stale.py)."""
    item = claimed.item
    reason = stale_reason(item.key, now)
    if reason is None:
        return None
    _finish(item.id, status=OutboxStatus.CANCELLED, last_error=reason)
    name = f"#{item.id} {item.key} to {item.recipient}"
    return Outcome("cancelled", f"cancelled {name}: {reason}")


def _send_one(transport, settings, claimed: Claimed, clock):
    """Hand one claimed message over and record what happened."""
    item = claimed.item
    name = f"#{item.id} {item.key} to {item.recipient}"
    try:
        if not is_webhook(item.key):  # an email's Date: when it is handed over
            item = replace(item, message=dated(item.message, clock()))
        where = transport.send(item)
    except SendFailure as failure:
        if failure.misconfigured:  # no fault of this message: put it back as it was
            _finish(
                item.id,
                status=OutboxStatus.QUEUED,
                attempts=T.c.attempts - 1,
                last_error=failure.answer,
            )
            return Outcome("held", "", stop=failure)
        outcome = _record_failure(settings, claimed, failure, clock(), name)
        outcome.stop = failure if failure.stop else None
        return outcome
    except Exception as exc:  # noqa: BLE001 (a fault mid-send: it may have gone)
        answer = f"{type(exc).__name__}: {exc}"
        return Outcome(
            "unknown",
            f"unknown {name}: {answer}; left 'sending' and never sent again by"
            " itself (see notify status)",
            stop=SendFailure(answer),
        )
    _finish(item.id, status=OutboxStatus.SENT, sent_at=clock(), last_error=None)
    return Outcome("sent", f"sent    {name}: {where}")


_DATE = re.compile(
    rb"^Date:[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*", re.IGNORECASE | re.MULTILINE
)


def dated(message: bytes, when: datetime) -> bytes:
    """The message with its Date header set to ``when``, the time it is handed
    over (issue 14: it said when it was queued, hours before for a retry). Only
    that header's bytes change: the Message-ID, fixed when it was queued, and the
    rest stay as stored, so a retry is still the same message."""
    head, blank_line, body = message.partition(b"\r\n\r\n")
    if not blank_line:
        head, blank_line, body = message.partition(b"\n\n")
    date = b"Date: " + email.utils.format_datetime(when).encode("ascii")
    if _DATE.search(head):
        head = _DATE.sub(lambda _: date, head, count=1)
    else:
        head = date + (b"\r\n" if b"\r\n" in blank_line else b"\n") + head
    return head + blank_line + body


def _record_failure(settings, claimed: Claimed, failure: SendFailure, now, name):
    """Failed for good (a 5xx, or the last try), or queued again after a wait."""
    tries = f"attempt {claimed.attempts} of {settings.max_attempts}"
    if failure.permanent or claimed.attempts >= settings.max_attempts:
        _finish(claimed.item.id, status=OutboxStatus.FAILED, last_error=failure.answer)
        return Outcome("failed", f"failed  {name} ({tries}): {failure.answer}")
    later = now + retry_delay(claimed.attempts, settings.retry_seconds)
    _finish(
        claimed.item.id,
        status=OutboxStatus.QUEUED,
        not_before=later,
        last_error=failure.answer,
    )
    when = later.strftime("%Y-%m-%d %H:%M:%S UTC")
    return Outcome(
        "retry", f"retry   {name} ({tries}; again after {when}): {failure.answer}"
    )


def interrupted(now: datetime, settings: MailSettings):
    """Rows left ``sending`` longer than any send takes: a run stopped between its
    claim and the record of the server's answer, so nobody knows if they went."""
    return (
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.claimed_at < now - stale_after(settings),
        )
        .order_by(OutboxMessage.claimed_at, OutboxMessage.id)
    )


FINISHED = (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.CANCELLED)
FORGET_BATCH = 1000


def forget_bodies(now: datetime, keep_days: int) -> int:
    """Blank the subject and message of finished messages queued over KEEP_DAYS
    ago (they name candidates); the row and its key stay, so the event is still
    never queued twice. At most FORGET_BATCH rows a run; returns how many."""
    old = (
        sa.select(T.c.id)
        .where(
            T.c.status.in_(FINISHED),
            T.c.created_at < now - timedelta(days=keep_days),
            T.c.subject != sa.literal_column("''"),  # a literal: the partial index
        )
        .limit(FORGET_BATCH)
    )
    count = blank(T.c.id.in_(old))
    db.session.commit()
    return count
