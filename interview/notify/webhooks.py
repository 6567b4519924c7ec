"""The decision webhook (issue 15): when a hiring decision is recorded, the
applicant tracking system is told at ``WEBHOOK_URL``, through the outbox.

Queued in the decision's own transaction (outbox.py: durable with it, dropped with
its rollback), sent by ``notify run`` beside the email, retried on the email's
schedule (a timeout, a refused connection, 408, 429 or 5xx), failed for good on
another answer or after MAIL_MAX_ATTEMPTS tries. Each delivery is signed:

    Interview-Signature: t=<unix time of this try>,v1=<hex HMAC-SHA256>

over ``<t>.<body>`` with ``WEBHOOK_SECRET``, so the receiver checks that the body
came from here (compare in constant time) and is recent (refuse an old ``t``: a
replay). ``Interview-Delivery`` is the same on every try of one event: a receiver
that saw it already answers 2xx and does nothing.

The body names the candidate by ids only (ours and the tracking system's), never
by name or email, and gives no rationale: a client reads those through the API
with its token, under the permission rules. Erasing the candidate blanks a body
not yet sent, which is then never sent.
"""

import hashlib
import hmac
import json
import time
from datetime import datetime
from urllib.parse import urlsplit

import requests
from flask import current_app

from ..extensions import db
from ..models import HiringDecision, OutboxMessage, OutboxStatus
from ..models.outbox import KEY_MAX
from ..timeutil import utcnow
from .outbox import _insert_unless_queued
from .transports import Outgoing, SendFailure

EVENT = "decision.recorded"
PREFIX = "webhook:"
RETRIED = frozenset({408, 425, 429})  # and every 5xx
USER_AGENT = "interview-webhooks/1"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Interview-Signature`` header's value."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(
    secret: str, header: str, body: bytes, now: int, tolerance: int = 300
) -> bool:
    """What a receiver does with the header: the signature matches and ``t`` is
    within ``tolerance`` seconds of ``now`` (documented in the README)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    stamp = parts.get("t", "")
    if not (stamp.isascii() and stamp.isdigit()) or abs(now - int(stamp)) > tolerance:
        return False
    expected = signature(secret, int(parts["t"]), body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def payload(
    decision_id: int, loop, outcome: str, decided_at: datetime, decided_by
) -> dict:
    """The event's body: what happened, to which loop, in ids a tracking system maps."""
    return {
        "event": EVENT,
        "delivery": f"{PREFIX}decision:{decision_id}",
        "occurred_at": decided_at.isoformat().replace("+00:00", "Z"),
        "data": {
            "loop_id": loop.id,
            "decision_id": decision_id,
            "outcome": outcome,
            "decided_by": {"id": decided_by.id, "name": decided_by.name},
            "candidate": {
                "id": loop.candidate.id,
                "external_id": loop.candidate.external_id,
            },
            "requisition": {
                "id": loop.requisition.id,
                "external_id": loop.requisition.external_id,
                "title": loop.requisition.title,
            },
            "links": {
                "decision": f"/api/v1/loops/{loop.id}/decision",
                "debrief": f"/api/v1/loops/{loop.id}/debrief",
            },
        },
    }


def decision_recorded(decision: HiringDecision, actor) -> bool:
    """Queue the event if a webhook is set; True if queued (no commit)."""
    url = current_app.config.get("WEBHOOK_URL")
    if not url:
        return False
    db.session.flush()
    body = payload(
        decision.id, decision.loop, str(decision.outcome), decision.decided_at, actor
    )
    key = body["delivery"]
    now = utcnow()
    row = {
        "key": key[:KEY_MAX],
        "recipient_id": None,
        "recipient": f"webhook {shown(url)}"[:254],
        "candidate_id": decision.loop.candidate_id,
        "subject": EVENT,
        "message": json.dumps(body, ensure_ascii=False, sort_keys=True).encode(),
        "status": OutboxStatus.QUEUED,
        "attempts": 0,
        "not_before": now,
        "created_at": now,
    }
    table = OutboxMessage.__table__
    statement = _insert_unless_queued().values(**row).returning(table.c.id)
    return db.session.execute(statement).scalar() is not None


def shown(url: str | None) -> str:
    """The address as logs and the outbox show it: scheme, host and port only (a
    tracking system's hook address may carry a key in its path or query)."""
    parts = urlsplit(url or "")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}/…" if parts.hostname else "(none)"


def is_webhook(key: str) -> bool:
    return key.startswith(PREFIX)


class WebhookTransport:
    """POST each event to the URL set now (a URL changed since the event was queued
    gets it: the receiver is whoever is configured when it goes)."""

    def __init__(
        self, url: str | None, secret: str | None, timeout: float, clock=time.time
    ):
        self.url, self.secret, self.timeout, self.clock = url, secret, timeout, clock
        self.session = requests.Session()

    def describe(self) -> str:
        return f"the webhook {shown(self.url)}"

    def send(self, item: Outgoing) -> str:
        if not self.url or not self.secret:
            raise SendFailure(
                "WEBHOOK_URL or WEBHOOK_SECRET is no longer set", permanent=True
            )
        body = item.message
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Interview-Event": EVENT,
            "Interview-Delivery": item.key,
            "Interview-Signature": signature(self.secret, int(self.clock()), body),
        }
        try:
            answer = self.session.post(
                self.url,
                data=body,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise SendFailure(
                f"no answer from {self.url}: {type(exc).__name__}"
            ) from None
        status = answer.status_code
        if 200 <= status < 300:
            return f"{shown(self.url)} answered {status}"
        words = f"{shown(self.url)} answered {status} {answer.reason or ''}".strip()
        if status in RETRIED or status >= 500:
            raise SendFailure(words)
        if 300 <= status < 400:
            words += " (a redirect, not followed: set WEBHOOK_URL to where it points)"
        raise SendFailure(words, permanent=True)

    def close(self) -> None:
        self.session.close()


def make_webhook_transport(config, timeout: float) -> WebhookTransport:
    return WebhookTransport(
        config.get("WEBHOOK_URL"), config.get("WEBHOOK_SECRET"), timeout
    )
