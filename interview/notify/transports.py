"""Where messages go: an SMTP server, or .eml files in a folder (the default, so a
laptop needs no mail server). ``send`` returns when the message is handed over and
raises ``SendFailure`` saying whether trying again later may help."""

import contextlib
import os
import re
import secrets
import smtplib
import ssl
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime

from .settings import MailSettings


@dataclass(frozen=True)
class Outgoing:
    """A claimed row, as the transport needs it."""

    id: int
    key: str
    recipient: str
    message: bytes


NAME_TRIES = 5  # random names that collide: another database writes there too


class SendFailure(Exception):
    """Not handed over. ``answer`` is the server's own words (or what went wrong
    on the way); ``permanent`` (5xx): trying again will not help; ``stop``: the
    server or folder is unusable now, so the run leaves the other messages for
    later; ``misconfigured``: a person must fix a setting (login, TLS)."""

    def __init__(
        self, answer: str, *, permanent=False, stop=False, misconfigured=False
    ):
        super().__init__(answer)
        self.answer = answer
        self.permanent = permanent
        self.stop = stop or misconfigured
        self.misconfigured = misconfigured


def make_transport(settings: MailSettings):
    """The transport MAIL_TRANSPORT names."""
    if settings.transport == "smtp":
        return SmtpTransport(settings)
    return DirectoryTransport(settings.outbox_dir)


def slug(key: str) -> str:
    """``reminder:12:3`` -> ``reminder-12-3``: a key safe in a file name."""
    return re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")[:80] or "message"


class DirectoryTransport:
    """Write each message, whole or not at all, to a file of its own,
    ``<UTC time>-<id>-<key-slug>-<random>.eml``: never over an existing file, so
    two databases (the tests' and a laptop's, two instances) sharing a folder, or
    the same message written again after a requeue, keep every file."""

    def __init__(self, folder: str, clock=None):
        self.folder = folder
        self.clock = clock or (lambda: datetime.now(UTC))

    def describe(self) -> str:
        return f"the folder {self.folder}"

    def send(self, item: Outgoing) -> str:
        try:
            os.makedirs(self.folder, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".sending-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(item.message)
                path = self._publish(tmp, item)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
        except OSError as exc:
            raise SendFailure(
                f"cannot write in {self.folder}: {exc}", stop=True
            ) from exc
        return f"written to {path}"

    def _name(self, item: Outgoing) -> str:
        stamp = self.clock().strftime("%Y%m%dT%H%M%S%fZ")
        return f"{stamp}-{item.id}-{slug(item.key)}-{secrets.token_hex(4)}.eml"

    def _publish(self, tmp: str, item: Outgoing) -> str:
        """Give the written file a name no file has: a hard link fails rather than
        replace one (os.replace would), and another name is tried."""
        for _ in range(NAME_TRIES):
            path = os.path.join(self.folder, self._name(item))
            try:
                os.link(tmp, path)
            except FileExistsError:
                continue
            except OSError:  # a file system without hard links (some shares)
                if not _write_new(path, item.message):
                    continue
            return path
        raise FileExistsError(f"{NAME_TRIES} names taken, the last {path}")

    def close(self) -> None:
        pass


def _write_new(path: str, data: bytes) -> bool:
    """Create PATH (False if it exists) and write DATA, removing it on failure."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except OSError:
        os.unlink(path)
        raise
    return True


class SmtpTransport:
    """One connection per run, opened at the first message and reused."""

    def __init__(self, settings: MailSettings):
        self.settings = settings
        self.connection: smtplib.SMTP | None = None

    def describe(self) -> str:
        s = self.settings
        return f"{s.host}:{s.port} ({s.security})"

    def send(self, item: Outgoing) -> str:
        if not item.recipient.isascii():
            raise SendFailure(
                f"{item.recipient} has letters beyond ASCII, which needs SMTPUTF8;"
                " this sender does not use it: give the person an ASCII address",
                permanent=True,
            )
        if self.connection is None:
            self.connection = self._connect()
        try:
            self.connection.sendmail(
                self.settings.sender, [item.recipient], item.message
            )
        except (smtplib.SMTPException, OSError) as exc:
            failure = classify(exc, self.settings)
            self.close()  # a fresh connection for the next message
            raise failure from exc
        return f"accepted by {self.describe()}"

    def _connect(self) -> smtplib.SMTP:
        """Connect, secure and log in; any failure here stops the run."""
        s = self.settings
        context = ssl.create_default_context(cafile=s.ca_file)
        connection = None
        try:
            if s.security == "tls":
                connection = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=context
                )
            else:
                connection = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            connection.ehlo()
            if s.security == "starttls":
                connection.starttls(context=context)
                connection.ehlo()
            if s.username:
                connection.login(s.username, s.password or "")
        except (smtplib.SMTPException, OSError) as exc:
            if connection is not None:
                _quietly_close(connection)
            failure = classify(exc, s)
            raise SendFailure(
                failure.answer,
                stop=True,
                misconfigured=isinstance(
                    exc,
                    smtplib.SMTPAuthenticationError
                    | smtplib.SMTPNotSupportedError
                    | ssl.SSLError,
                ),
            ) from exc
        return connection

    def close(self) -> None:
        if self.connection is not None:
            _quietly_close(self.connection)
            self.connection = None


def _quietly_close(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()


def classify(exc: BaseException, settings: MailSettings) -> SendFailure:
    """Turn smtplib's exceptions into the answer and whether to try again: a 5xx
    reply is permanent; a 4xx, a dropped or refused connection, a timeout are not.
    A refused sender (MAIL FROM: 553, or 530 authentication required) is no fault
    of the message: every message would meet it, so the run stops and keeps them."""
    if isinstance(exc, smtplib.SMTPSenderRefused):
        answer = _answer(exc.smtp_code, exc.smtp_error)
        return SendFailure(
            f"the server refused the sender {exc.sender} or its login: {answer}",
            misconfigured=True,
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()))
        return SendFailure(_answer(code, reply), permanent=code >= 500)
    if isinstance(exc, smtplib.SMTPResponseException):
        # 421: the server is closing the connection; try again later.
        answer = _answer(exc.smtp_code, exc.smtp_error)
        return SendFailure(
            answer, permanent=exc.smtp_code >= 500, stop=exc.smtp_code == 421
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected) and not isinstance(
        exc.__context__,
        TimeoutError,  # smtplib reports a read's timeout so
    ):
        return SendFailure(f"the server closed the connection ({exc})", stop=True)
    if isinstance(exc, TimeoutError | smtplib.SMTPServerDisconnected):
        return SendFailure(
            f"no answer from {settings.host}:{settings.port} within"
            f" {settings.timeout:g} s",
            stop=True,
        )
    if isinstance(exc, ConnectionRefusedError):
        return SendFailure(
            f"connection refused by {settings.host}:{settings.port}", stop=True
        )
    return SendFailure(f"{type(exc).__name__}: {exc}", stop=True)


def _answer(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return f"{code} {' '.join(text.split())}"
