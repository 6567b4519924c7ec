"""The decision webhook: queued with the decision, sent by the outbox to a real HTTP
receiver on loopback, signed with HMAC, retried on a timeout or a 5xx, failed for
good on a 4xx, never sent for an erased candidate; its settings checked at start-up."""

import hashlib
import hmac
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from interview import create_app
from interview.debrief.operations import record_decision
from interview.extensions import db
from interview.lifecycle.erasure import erase_candidate
from interview.models import (
    Candidate,
    Loop,
    OutboxMessage,
    OutboxStatus,
    PlanSession,
    Role,
    User,
)
from interview.notify.sender import send_due
from interview.notify.settings import mail_settings
from interview.notify.transports import DirectoryTransport
from interview.notify.webhooks import signature, verify
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate

from .builders import start_loop
from .conftest import BASE_CONFIG
from .rubric_samples import dump, rubric

SECRET = "s" * 16 + "-webhook-secret-for-tests"


class Receiver:
    """Answers each POST with the next of ``statuses`` (200 once they run out),
    after ``delay`` seconds; keeps what it was sent."""

    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        self.statuses: list[int] = []
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(receiver.delay)
                receiver.received.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/interviews"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def app_config(receiver, tmp_path):
    return {
        "WEBHOOK_URL": receiver.url,
        "WEBHOOK_SECRET": SECRET,
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "MAIL_TIMEOUT": 1,
        "MAIL_MAX_ATTEMPTS": 3,
    }


@pytest.fixture
def debrief(app, make_user):
    """A loop in debrief, its candidate and requisition known to the tracking system."""
    manager = make_user(Role.HIRING_MANAGER, name="Mona Manager")
    with app.app_context():
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        plan = [PlanSession(title="Workflow", competency_keys=["workflow"])]
        loop = start_loop(manager.id, version.rubric_id, plan, candidate="Amara Nwosu")
        loop.status = "debrief"
        loop.candidate.external_id = "ATS-CAND-7"
        loop.requisition.external_id = "ATS-REQ-3"
        db.session.commit()
        return {"loop": loop.id, "manager": manager, "candidate": loop.candidate_id}


def _decide(debrief, outcome="hire"):
    loop = db.session.get(Loop, debrief["loop"])
    manager = db.session.get(User, debrief["manager"].id)
    decision = record_decision(manager, loop, outcome, "Clear on workflow and consent.")
    db.session.commit()
    return decision


def _run(app, when=None) -> list[str]:
    """One ``notify run``'s sending, at ``when`` (now by default); its lines."""
    settings = mail_settings(app.config, app.instance_path)
    lines: list[str] = []
    clock = (lambda: when) if when else (lambda: datetime.now(UTC))
    send_due(
        DirectoryTransport(settings.outbox_dir),
        settings,
        lines.append,
        limit=10,
        clock=clock,
    )
    return lines


def _row() -> OutboxMessage:
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.key.startswith("webhook:"))
    ).one()


def test_a_decision_is_delivered_signed_and_names_nobody(
    app, client, auth, debrief, receiver
):
    auth.login(debrief["manager"])
    response = client.submit(
        f"/loops/{debrief['loop']}/decision",
        {"outcome": "hire", "rationale": "Clear on workflow and consent."},
    )
    assert response.status_code in (302, 303)
    with app.app_context():
        row = _row()
        assert (
            row.status == OutboxStatus.QUEUED
            and row.candidate_id == debrief["candidate"]
        )
        lines = _run(app)
        assert _row().status == OutboxStatus.SENT, lines
    ((headers, body),) = receiver.received
    assert headers["Content-Type"] == "application/json"
    assert headers["Interview-Event"] == "decision.recorded"
    assert headers["Interview-Delivery"] == row.key
    assert verify(SECRET, headers["Interview-Signature"], body, int(time.time()))
    event = json.loads(body)
    assert event["data"]["outcome"] == "hire"
    assert event["data"]["loop_id"] == debrief["loop"]
    assert event["data"]["candidate"] == {
        "id": debrief["candidate"],
        "external_id": "ATS-CAND-7",
    }
    assert event["data"]["requisition"]["external_id"] == "ATS-REQ-3"
    text = body.decode()
    assert "Amara" not in text and "Nwosu" not in text  # the candidate by ids only
    assert "consent" not in text  # nor the rationale


def test_without_a_webhook_nothing_is_queued(app, debrief):
    app.config["WEBHOOK_URL"] = None
    with app.app_context():
        _decide(debrief)
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).where(
                    OutboxMessage.key.startswith("webhook:")
                )
            )
            == 0
        )


def test_a_rolled_back_decision_queues_nothing(app, debrief):
    with app.app_context():
        loop = db.session.get(Loop, debrief["loop"])
        record_decision(
            db.session.get(User, debrief["manager"].id), loop, "hire", "x" * 30
        )
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_a_5xx_is_retried_later_and_then_delivered(app, debrief, receiver):
    receiver.statuses = [503]
    with app.app_context():
        _decide(debrief)
        now = datetime.now(UTC)
        lines = _run(app, now)
        row = _row()
        assert row.status == OutboxStatus.QUEUED and row.attempts == 1
        assert row.not_before > now and "503" in row.last_error
        assert any("retry" in line for line in lines)
        assert _run(app, now) == []  # not due yet
        _run(app, row.not_before + timedelta(seconds=1))
        assert _row().status == OutboxStatus.SENT
    assert [json.loads(b)["delivery"] for _, b in receiver.received] == [row.key] * 2
    first, second = (h["Interview-Delivery"] for h, _ in receiver.received)
    assert first == second  # the receiver can tell it is the same event


def test_a_slow_or_absent_receiver_is_retried(app, debrief, receiver):
    receiver.delay = 2  # past MAIL_TIMEOUT
    with app.app_context():
        _decide(debrief)
        _run(app)
        row = _row()
        assert (row.status, row.attempts) == (OutboxStatus.QUEUED, 1)
        assert "no answer" in row.last_error
    receiver.close()  # nobody listening now
    receiver.delay = 0
    with app.app_context():
        _run(app, row.not_before + timedelta(seconds=1))
        row = _row()
        assert (row.status, row.attempts) == (OutboxStatus.QUEUED, 2)


def test_a_4xx_or_a_redirect_fails_for_good(app, debrief, receiver):
    receiver.statuses = [410]
    with app.app_context():
        _decide(debrief)
        _run(app)
        row = _row()
        assert row.status == OutboxStatus.FAILED and "410" in row.last_error
        assert "/hooks/interviews" not in row.last_error  # host and port only


def test_retries_stop_after_the_last_attempt(app, debrief, receiver):
    receiver.statuses = [500, 502, 503, 200]
    with app.app_context():
        _decide(debrief)
        when = datetime.now(UTC)
        for _ in range(3):
            _run(app, when)
            when = _row().not_before + timedelta(seconds=1)
        row = _row()
        assert (row.status, row.attempts) == (OutboxStatus.FAILED, 3)
    assert len(receiver.received) == 3


def test_an_erased_candidates_event_is_never_sent(app, make_user, debrief, receiver):
    ta = make_user(Role.TALENT_ACQUISITION)
    with app.app_context():
        _decide(debrief)
        candidate = db.session.get(Candidate, debrief["candidate"])
        erase_candidate(db.session.get(User, ta.id), candidate)
        db.session.commit()
        _run(app)
        assert _row().message == b""
    assert receiver.received == []


def test_the_signature_is_hmac_sha256_of_time_and_body():
    body = b'{"event": "decision.recorded"}'
    header = signature(SECRET, 1_700_000_000, body)
    expected = hmac.new(
        SECRET.encode(), b"1700000000." + body, hashlib.sha256
    ).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert verify(SECRET, header, body, 1_700_000_100)
    assert not verify(SECRET, header, body, 1_700_000_000 + 301)  # a replay, later
    assert not verify(
        "another secret of thirty-two chars!", header, body, 1_700_000_000
    )


@given(body=st.binary(max_size=200), flip=st.integers(min_value=0, max_value=199))
def test_any_change_to_the_body_breaks_the_signature(body, flip):
    header = signature(SECRET, 1_700_000_000, body)
    assert verify(SECRET, header, body, 1_700_000_000)
    if body:
        index = flip % len(body)
        changed = body[:index] + bytes([body[index] ^ 1]) + body[index + 1 :]
        assert not verify(SECRET, header, changed, 1_700_000_000)


@pytest.mark.parametrize(
    "settings, message",
    [
        (
            {"WEBHOOK_URL": "http://hooks.example.org/x", "WEBHOOK_SECRET": SECRET},
            "https://",
        ),
        (
            {"WEBHOOK_URL": "https://hooks.example.org/x", "WEBHOOK_SECRET": "short"},
            "at least 32",
        ),
        ({"WEBHOOK_URL": "https://hooks.example.org/x"}, "WEBHOOK_SECRET is not set"),
        ({"WEBHOOK_SECRET": SECRET}, "WEBHOOK_URL is not set"),
        (
            {"WEBHOOK_URL": "https://u:p@hooks.example.org/", "WEBHOOK_SECRET": SECRET},
            "user name",
        ),
        (
            {"WEBHOOK_URL": "ftp://hooks.example.org/", "WEBHOOK_SECRET": SECRET},
            "https://",
        ),
    ],
)
def test_wrong_webhook_settings_stop_start_up_with_one_line(
    tmp_path, capsys, settings, message
):
    config = {
        **BASE_CONFIG,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite",
    }
    with pytest.raises(SystemExit):
        create_app({**config, **settings})
    assert message in capsys.readouterr().err


def test_the_secret_may_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("INTERVIEW_WEBHOOK_SECRET", SECRET)
    config = {
        **BASE_CONFIG,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite",
    }
    app = create_app({**config, "WEBHOOK_URL": "https://hooks.example.org/x"})
    assert app.config["WEBHOOK_SECRET"] == SECRET


def test_an_event_overtaken_by_a_later_decision_is_cancelled(
    app, make_user, debrief, receiver
):
    """The first decision's delivery failed and waits; the loop is reopened and
    decided again: the tracking system gets the later decision only, never the
    earlier one after it."""
    from interview.loops.operations import reopen_loop

    receiver.statuses = [503]
    ta = make_user(Role.TALENT_ACQUISITION)
    with app.app_context():
        _decide(debrief, "hire")
        _run(app)  # 503: waits for a retry
        loop = db.session.get(Loop, debrief["loop"])
        reopen_loop(db.session.get(User, ta.id), loop, "New references arrived today.")
        db.session.commit()
        loop = db.session.get(Loop, debrief["loop"])
        loop.status = "debrief"
        db.session.commit()
        _decide(debrief, "hold")
        later = datetime.now(UTC) + timedelta(hours=1)
        lines = _run(app, later)
        rows = {
            r.key: r
            for r in db.session.scalars(
                sa.select(OutboxMessage).where(OutboxMessage.key.startswith("webhook:"))
            )
        }
    outcomes = [json.loads(body)["data"]["outcome"] for _, body in receiver.received]
    assert outcomes == ["hire", "hold"]  # the first try (refused), then the later one
    first, second = sorted(rows, key=lambda k: int(k.rsplit(":", 1)[1]))
    assert rows[first].status == OutboxStatus.CANCELLED
    assert rows[second].status == OutboxStatus.SENT
    assert any("later decision" in line for line in lines)
