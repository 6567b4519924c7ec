"""Queue a message in the outbox, in the caller's transaction: the caller's commit
makes it durable together with the change that caused it, and a rollback drops
both (the transactional outbox pattern)."""

import email.policy
import email.utils
from datetime import datetime
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import OutboxMessage, OutboxStatus
from ..models.outbox import KEY_MAX
from ..timeutil import utcnow

# Stored as sent: CRLF line ends, headers folded for SMTP, and bodies with accented
# names in base64 or quoted-printable rather than 8-bit, which a server without
# 8BITMIME may refuse or mangle (RFC 6152).
WIRE = email.policy.SMTP.clone(cte_type="7bit")


class OutboxError(ValueError):
    """A message the outbox cannot take (no recipient, several, a bad key)."""


def enqueue(
    key: str,
    message: EmailMessage,
    *,
    recipient=None,
    candidate_id: int | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Queue MESSAGE under KEY unless that key was ever queued; True if it was added.
    CANDIDATE_ID names the candidate the message is about: erasing them blanks it.

    INSERT ... ON CONFLICT (key) DO NOTHING on both databases, so two transactions
    queueing the same key at once add one row (PostgreSQL makes the second wait for
    the first's commit; SQLite's writers take turns). Nothing is committed here.
    """
    if not key or len(key) > KEY_MAX:
        raise OutboxError(f"an outbox key is 1 to {KEY_MAX} characters: {key!r}")
    address = recipient_address(message)
    complete_headers(message)
    if recipient is not None and recipient.id is None:
        db.session.flush()
    now = utcnow()
    row = {
        "key": key,
        "recipient_id": recipient.id if recipient is not None else None,
        "recipient": address,
        "candidate_id": candidate_id,
        "subject": str(message["Subject"] or "") or "(no subject)",
        "message": message.as_bytes(policy=WIRE),
        "status": OutboxStatus.QUEUED,
        "attempts": 0,
        "not_before": not_before or now,
        "created_at": now,
    }
    table = OutboxMessage.__table__
    statement = _insert_unless_queued().values(**row).returning(table.c.id)
    return db.session.execute(statement).scalar() is not None


def _insert_unless_queued():
    """INSERT ... ON CONFLICT (key) DO NOTHING, in the session's dialect."""
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    return insert(OutboxMessage.__table__).on_conflict_do_nothing(
        index_elements=["key"]
    )


def recipient_address(message: EmailMessage) -> str:
    """The one address in To: each person gets their own message."""
    addresses = [a for _, a in email.utils.getaddresses(message.get_all("To", []))]
    addresses = [a for a in addresses if a]
    if len(addresses) != 1:
        raise OutboxError(
            f"a queued message goes to exactly one address; its To has {addresses!r}"
        )
    return addresses[0]


def complete_headers(message: EmailMessage) -> None:
    """Fill in From (``MAIL_FROM``), Date and Message-ID when the builder left them
    out; the Message-ID is fixed now, so every retry is the same message."""
    sender = current_app.config["MAIL_FROM"]
    if message["From"] is None:
        message["From"] = sender
    if message["Date"] is None:
        message["Date"] = email.utils.format_datetime(utcnow())
    if message["Message-ID"] is None:
        domain = email.utils.parseaddr(str(message["From"]))[1].rpartition("@")[2]
        message["Message-ID"] = email.utils.make_msgid(domain=domain or "localhost")


def cancel(key: str) -> bool:
    """Withdraw a message still queued (a reminder whose scorecard came in); True
    if it was. One being sent or already sent is left alone."""
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.key == key, OutboxMessage.status == OutboxStatus.QUEUED)
        .values(status=OutboxStatus.CANCELLED)
    )
    return result.rowcount == 1


BLANKED = {"subject": "", "message": b""}


def blank(where) -> int:
    """Blank the subject and message of the rows WHERE selects (they name
    candidates); the row, its key and delivery record stay, so the event is still
    never queued twice. How many were blanked; no commit."""
    table = OutboxMessage.__table__
    result = db.session.execute(sa.update(table).where(where).values(**BLANKED))
    return result.rowcount
