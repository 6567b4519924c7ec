"""notify run and status against a real SMTP server on loopback (aiosmtpd): what is
delivered, retried, failed, and never sent twice (notify/sender.py)."""

import asyncio
import email.policy
import re
import shutil
import socket
import ssl
import subprocess
import threading
from datetime import timedelta
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from interview.extensions import db
from interview.models import OutboxMessage, OutboxStatus
from interview.notify.outbox import enqueue
from interview.notify.sender import claim_next, send_due
from interview.notify.settings import mail_settings
from interview.notify.transports import DirectoryTransport, make_transport
from interview.timeutil import utcnow


class LoopbackController(Controller):
    """aiosmtpd on a free loopback port (port 0: the system picks it)."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class Server:
    """Accepts every message, unless told to refuse a recipient, answer DATA with
    a temporary failure some times first, or drop the connection at DATA."""

    def __init__(self):
        self.received = []  # (envelope recipients, message bytes)
        self.refuse = {}  # address -> reply to RCPT
        self.busy_replies = 0
        self.drops = 0
        self.delay = 0.0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            if self.drops:
                self.drops -= 1
                server.transport.abort()
                return "250 never read"
            if self.busy_replies:
                self.busy_replies -= 1
                return "451 4.3.0 Mailbox busy, try again later"
            self.received.append((list(envelope.rcpt_tos), envelope.content))
        return "250 2.0.0 Queued"

    def messages(self):
        parser = BytesParser(policy=email.policy.default)
        return [parser.parsebytes(content) for _, content in self.received]


@pytest.fixture
def smtp():
    handler = Server()
    controller = LoopbackController(handler, hostname="127.0.0.1", port=0)
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture
def app_config(smtp):
    return {
        "MAIL_TRANSPORT": "smtp",
        "MAIL_HOST": "127.0.0.1",
        "MAIL_PORT": smtp.port,
        "MAIL_SECURITY": "none",
        "MAIL_TIMEOUT": 5,
        "MAIL_RETRY_SECONDS": 60,
        "MAIL_MAX_ATTEMPTS": 3,
        "MAIL_FROM": "Interviews <interviews@hospital.example>",
    }


def queue(app, key, to="clara@example.org", subject="Your interview"):
    msg = EmailMessage()
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(
        f"Łukasz, your interview kit: https://interviews.example/kit/{key}\n"
    )
    with app.app_context():
        added = enqueue(key, msg)
        db.session.commit()
    return added


def row(app, key) -> OutboxMessage:
    with app.app_context():
        found = db.session.scalar(sa.select(OutboxMessage).filter_by(key=key))
        db.session.expunge(found)
    return found


def notify(runner, *args):
    result = runner.invoke(args=["notify", *args])
    return result


def test_a_message_is_delivered_once_and_reads_back(app, runner, smtp):
    assert queue(app, "invite:1:0") is True
    assert queue(app, "invite:1:0", subject="Same event again") is False

    result = notify(runner, "run")

    assert result.exit_code == 0, result.output
    assert "sent    #1 invite:1:0 to clara@example.org" in result.output
    assert "Sent 1, to retry 0, failed 0" in result.output
    [(recipients, _)] = smtp.received
    assert recipients == ["clara@example.org"]
    [msg] = smtp.messages()
    assert msg["Subject"] == "Your interview"
    assert msg["From"] == "Interviews <interviews@hospital.example>"
    assert msg.get_content().startswith("Łukasz, your interview kit:")
    assert "kit/invite:1:0" in msg.get_content()
    assert msg["Content-Transfer-Encoding"] != "8bit"  # any server takes it
    sent = row(app, "invite:1:0")
    assert sent.status == OutboxStatus.SENT and sent.attempts == 1
    assert sent.sent_at is not None

    again = notify(runner, "run")
    assert "Nothing due" in again.output
    assert len(smtp.received) == 1


def test_the_directory_transport_writes_eml_files(app, runner, tmp_path):
    app.config.update(MAIL_TRANSPORT="directory", MAIL_OUTBOX_DIR=str(tmp_path / "o"))
    queue(app, "debrief:12:3", subject="Ready for debrief")

    result = notify(runner, "run")

    assert result.exit_code == 0, result.output
    [path] = (tmp_path / "o").iterdir()
    assert re.fullmatch(r"\d{8}T\d{12}Z-1-debrief-12-3-[0-9a-f]{8}\.eml", path.name)
    msg = BytesParser(policy=email.policy.default).parsebytes(path.read_bytes())
    assert msg["Subject"] == "Ready for debrief"
    assert msg["To"] == "clara@example.org"
    assert row(app, "debrief:12:3").status == OutboxStatus.SENT


def test_a_refused_recipient_fails_at_once_with_the_answer(app, runner, smtp):
    smtp.refuse["nobody@example.org"] = "550 5.1.1 <nobody@example.org>: no such user"
    queue(app, "invite:2:0", to="nobody@example.org")
    queue(app, "invite:3:0")

    result = notify(runner, "run")

    assert result.exit_code == 0, result.output
    assert "failed  #1 invite:2:0 to nobody@example.org (attempt 1 of 3)" in (
        result.output
    )
    failed = row(app, "invite:2:0")
    assert failed.status == OutboxStatus.FAILED
    assert failed.last_error == "550 5.1.1 <nobody@example.org>: no such user"
    assert len(smtp.received) == 1  # the next message still went
    status = notify(runner, "status")
    assert "failed     1" in status.output
    assert "#1 invite:2:0 to nobody@example.org, after 1 attempt: 550 5.1.1" in (
        status.output
    )


def test_an_address_beyond_ascii_fails_with_a_reason(app, runner, smtp):
    """The accounts form takes internationalized addresses; the run must neither
    crash on one nor leave it 'sending'."""
    queue(app, "invite:15:0", to="zoë@example.org")
    queue(app, "invite:16:0")

    result = notify(runner, "run")

    assert result.exit_code == 0, result.output
    assert "failed  #1 invite:15:0 to zoë@example.org" in result.output
    assert row(app, "invite:15:0").last_error.startswith(
        "zoë@example.org has letters beyond ASCII, which needs SMTPUTF8"
    )
    assert len(smtp.received) == 1


def test_a_fault_mid_send_leaves_the_message_unknown_not_resent(
    app, runner, monkeypatch, tmp_path
):
    """A bug or a full disk while handing a message over: it may have gone, so it
    stays 'sending'; the run stops with one line and status 1, no traceback."""
    app.config.update(MAIL_TRANSPORT="directory", MAIL_OUTBOX_DIR=str(tmp_path))
    queue(app, "invite:17:0")
    queue(app, "invite:18:0")

    def broken(self, item):
        raise RuntimeError("the disk driver gave up")

    monkeypatch.setattr(DirectoryTransport, "send", broken)
    result = notify(runner, "run")

    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "unknown #1 invite:17:0 to clara@example.org: RuntimeError: the disk" in (
        result.output
    )
    assert "a fault stopped the run while sending" in result.output
    assert row(app, "invite:17:0").status == OutboxStatus.SENDING
    assert row(app, "invite:18:0").status == OutboxStatus.QUEUED


def test_a_busy_server_is_tried_again_later_then_delivers(app, runner, smtp):
    smtp.busy_replies = 1
    queue(app, "decision:4")

    first = notify(runner, "run")

    assert "retry   #1 decision:4" in first.output
    assert "(attempt 1 of 3; again after" in first.output
    waiting = row(app, "decision:4")
    assert waiting.status == OutboxStatus.QUEUED
    assert waiting.last_error == "451 4.3.0 Mailbox busy, try again later"
    wait = waiting.not_before - utcnow()
    assert timedelta(seconds=50) < wait <= timedelta(seconds=60)
    assert "Nothing due" in notify(runner, "run").output  # not before its time
    assert smtp.received == []

    _make_due(app, "decision:4")
    smtp.busy_replies = 1
    second = notify(runner, "run")
    assert "again after" in second.output
    assert row(app, "decision:4").not_before - utcnow() > timedelta(seconds=110)

    _make_due(app, "decision:4")
    third = notify(runner, "run")
    assert "sent    #1 decision:4" in third.output
    assert len(smtp.received) == 1
    assert row(app, "decision:4").attempts == 3


def test_the_last_try_fails_with_the_servers_answer(app, runner, smtp):
    smtp.busy_replies = 10
    queue(app, "decision:5")
    for _ in range(3):
        _make_due(app, "decision:5")
        result = notify(runner, "run")
    assert "failed  #1 decision:5 to clara@example.org (attempt 3 of 3)" in (
        result.output
    )
    failed = row(app, "decision:5")
    assert failed.status == OutboxStatus.FAILED
    assert failed.last_error.startswith("451 4.3.0")


def test_a_dropped_connection_is_tried_again_and_stops_the_run(app, runner, smtp):
    smtp.drops = 1
    queue(app, "invite:6:0")
    queue(app, "invite:7:0")

    result = notify(runner, "run")

    assert result.exit_code == 0, result.output
    assert "retry   #1 invite:6:0" in result.output
    assert "the server closed the connection" in result.output
    assert "The rest wait for the next run" in result.output
    assert row(app, "invite:6:0").status == OutboxStatus.QUEUED
    untouched = row(app, "invite:7:0")
    assert (untouched.status, untouched.attempts) == (OutboxStatus.QUEUED, 0)

    _make_due(app, "invite:6:0")
    assert "Sent 2" in notify(runner, "run").output
    assert sorted(m["Subject"] for m in smtp.messages()) == ["Your interview"] * 2


def test_a_refused_connection_is_tried_again(app, runner):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        app.config["MAIL_PORT"] = probe.getsockname()[1]
    queue(app, "invite:8:0")

    result = notify(runner, "run")

    assert result.exit_code == 0, result.output
    assert "retry   #1 invite:8:0" in result.output
    assert "connection refused by 127.0.0.1" in result.output
    assert row(app, "invite:8:0").status == OutboxStatus.QUEUED


def test_a_silent_server_times_out_and_is_tried_again(app, runner):
    """A server that takes the connection and never greets: MAIL_TIMEOUT, not a hang."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        app.config.update(MAIL_PORT=silent.getsockname()[1], MAIL_TIMEOUT=0.3)
        queue(app, "invite:10:0")

        result = notify(runner, "run")

    assert result.exit_code == 0, result.output
    assert "no answer from 127.0.0.1" in result.output
    assert "within 0.3 s" in result.output
    assert row(app, "invite:10:0").status == OutboxStatus.QUEUED


def test_a_server_without_starttls_stops_the_run_with_status_1(app, runner, smtp):
    """Sending in clear text because TLS is missing would leak the password: the
    run stops, says why, and the message waits."""
    app.config["MAIL_SECURITY"] = "starttls"
    queue(app, "invite:11:0")

    result = notify(runner, "run")

    assert result.exit_code == 1
    assert "STARTTLS extension not supported by server" in result.output
    assert "check the MAIL_* settings" in result.output
    assert row(app, "invite:11:0").status == OutboxStatus.QUEUED
    assert smtp.received == []


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1 and its key (openssl's command)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_message_goes_over_tls_to_a_trusted_server(
    app, runner, certificate, security
):
    """STARTTLS on a server that requires it, or TLS from the first byte; the
    server's certificate is checked against MAIL_CA_FILE."""
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = Server()
    options = (
        {"tls_context": context, "require_starttls": True}
        if security == "starttls"
        else {"ssl_context": context}
    )
    controller = LoopbackController(handler, hostname="127.0.0.1", port=0, **options)
    controller.start()
    try:
        app.config.update(
            MAIL_SECURITY=security, MAIL_PORT=controller.port, MAIL_CA_FILE=cert
        )
        queue(app, "invite:12:0")
        result = notify(runner, "run")
        assert result.exit_code == 0, result.output
        assert f"({security})" in result.output
        assert [m["Subject"] for m in handler.messages()] == ["Your interview"]

        app.config["MAIL_CA_FILE"] = None  # not trusted by the system
        queue(app, "invite:13:0")
        refused = notify(runner, "run")
        assert refused.exit_code == 1, refused.output
        assert "CERTIFICATE_VERIFY_FAILED" in refused.output
        assert len(handler.received) == 1
    finally:
        controller.stop()


def test_the_run_logs_in_after_starttls(app, runner, certificate):
    """MAIL_USERNAME/MAIL_PASSWORD over STARTTLS; a refused login stops the run
    with status 1 and the server's answer, and the message waits."""
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        given = (auth_data.login, auth_data.password)
        ok = given == (b"interviews", b"s3cret")
        return AuthResult(success=ok, handled=False)  # the server answers 235/535

    handler = Server()
    controller = LoopbackController(
        handler,
        hostname="127.0.0.1",
        port=0,
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        authenticator=authenticator,
    )
    controller.start()
    try:
        app.config.update(
            MAIL_SECURITY="starttls",
            MAIL_PORT=controller.port,
            MAIL_CA_FILE=cert,
            MAIL_USERNAME="interviews",
            MAIL_PASSWORD="wrong",
        )
        queue(app, "invite:14:0")
        refused = notify(runner, "run")
        assert refused.exit_code == 1, refused.output
        assert "535 5.7.8 Authentication credentials invalid" in refused.output
        assert row(app, "invite:14:0").status == OutboxStatus.QUEUED

        app.config["MAIL_PASSWORD"] = "s3cret"
        _make_due(app, "invite:14:0")
        result = notify(runner, "run")
        assert result.exit_code == 0, result.output
        assert len(handler.received) == 1
    finally:
        controller.stop()


def test_two_overlapping_runs_send_each_message_once(app, smtp):
    smtp.delay = 0.005
    keys = [f"invite:{n}:0" for n in range(40)]
    for key in keys:
        queue(app, key, subject=key)
    barrier = threading.Barrier(2)
    lines = [[], []]

    def run(n):
        with app.app_context():
            settings = mail_settings(app.config, app.instance_path)
            barrier.wait()
            send_due(make_transport(settings), settings, lines[n].append, limit=100)
            db.session.remove()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    subjects = [m["Subject"] for m in smtp.messages()]
    assert sorted(subjects) == sorted(keys)  # every one, none twice
    assert len(lines[0]) + len(lines[1]) == 40
    assert all(line.startswith("sent") for line in lines[0] + lines[1])


def test_a_message_claimed_by_a_crashed_run_is_never_sent_again(app, runner, smtp):
    queue(app, "invite:9:0")
    with app.app_context():
        claimed = claim_next(utcnow())  # then the process dies before sending
    assert claimed.item.key == "invite:9:0"

    result = notify(runner, "run")

    assert "Nothing due" in result.output
    assert smtp.received == []
    assert row(app, "invite:9:0").status == OutboxStatus.SENDING
    assert "Unknown" not in notify(runner, "status").output  # may still be sending

    with app.app_context():  # an hour later: nobody is sending it
        db.session.execute(
            sa.update(OutboxMessage).values(claimed_at=utcnow() - timedelta(hours=1))
        )
        db.session.commit()
    assert "1 message left 'sending' by an interrupted run" in (
        notify(runner, "run").output
    )
    status = notify(runner, "status")
    assert "sending    1" in status.output
    assert "Unknown: claimed over 50 s ago by a run that stopped" in status.output
    assert "#1 invite:9:0 to clara@example.org, claimed" in status.output
    assert smtp.received == []

    # The mail log shows it never went: the operator queues it again.
    assert "Queued again: 1 message of 1" in notify(runner, "requeue", "1").output
    assert "Sent 1" in notify(runner, "run").output
    assert len(smtp.received) == 1


def test_old_finished_messages_lose_their_text_but_keep_their_key(app, runner):
    """Bodies name candidates: after MAIL_KEEP_DAYS only the delivery record stays,
    and the event it was for is still never queued again."""
    app.config.update(MAIL_TRANSPORT="directory", MAIL_KEEP_DAYS=30)
    for key in ("old", "recent", "old-queued"):
        queue(app, key, subject=f"Interview with Ana Souza ({key})")
    with app.app_context():
        for key, days, status in (
            ("old", 31, OutboxStatus.SENT),
            ("recent", 29, OutboxStatus.SENT),
            ("old-queued", 31, OutboxStatus.QUEUED),
        ):
            db.session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.key == key)
                .values(
                    created_at=utcnow() - timedelta(days=days),
                    not_before=utcnow() + timedelta(hours=1),
                    status=status,
                )
            )
        db.session.commit()

    result = notify(runner, "run")

    assert "Blanked the text of 1 message finished over 30 days ago." in result.output
    old = row(app, "old")
    assert (old.subject, old.message, old.status) == ("", b"", OutboxStatus.SENT)
    assert b"Ana Souza" in row(app, "recent").message
    assert b"Ana Souza" in row(app, "old-queued").message
    assert queue(app, "old") is False
    assert "Blanked" not in notify(runner, "run").output


def test_a_mistyped_setting_stops_the_run_by_name(app, runner):
    app.config["MAIL_SECURITY"] = "ssl"
    result = notify(runner, "run")
    assert result.exit_code == 1
    assert "MAIL_SECURITY is 'ssl'; give one of none, starttls, tls" in result.output


def test_mail_settings_come_from_the_environment(monkeypatch):
    """INTERVIEW_MAIL_* override the instance file, as text turned into numbers."""
    from interview import create_app

    monkeypatch.setenv("INTERVIEW_MAIL_PORT", "2525")
    monkeypatch.setenv("INTERVIEW_MAIL_PASSWORD", "from-the-vault")
    app = create_app({"TESTING": True, "SECRET_KEY": "x"})
    settings = mail_settings(app.config, app.instance_path)
    assert (settings.port, settings.password) == (2525, "from-the-vault")
    assert settings.transport == "directory"
    assert settings.outbox_dir == f"{app.instance_path}/outbox"


def _make_due(app, key):
    """Time passes: the message's wait is over."""
    with app.app_context():
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.key == key)
            .values(not_before=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()


def test_the_date_is_when_the_message_is_sent_not_queued(app, tmp_path):
    """Issue 14, fresh-user test: the Date header was fixed when the message was
    queued, so a retry hours later said the time of the queueing. It is set when
    the message is handed over; the Message-ID, fixed when queued, stays."""
    app.config.update(MAIL_TRANSPORT="directory", MAIL_OUTBOX_DIR=str(tmp_path / "o"))
    queue(app, "debrief:12:3", subject="Ready for debrief")
    stored = BytesParser(policy=email.policy.default).parsebytes(
        row(app, "debrief:12:3").message
    )
    later = utcnow().replace(microsecond=0) + timedelta(hours=3)
    with app.app_context():
        settings = mail_settings(app.config, app.instance_path)
        send_due(
            make_transport(settings), settings, print, limit=5, clock=lambda: later
        )
    [path] = (tmp_path / "o").iterdir()
    sent = BytesParser(policy=email.policy.default).parsebytes(path.read_bytes())
    assert sent["Date"].datetime == later != stored["Date"].datetime
    assert len(sent.get_all("Date")) == 1
    assert sent["Message-ID"] == stored["Message-ID"]
    assert sent.get_body(("plain",)).get_content() == (
        stored.get_body(("plain",)).get_content()
    )
