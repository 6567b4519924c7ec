"""The MAIL_* settings read and checked when mail is sent, so a mistyped one
stops ``notify run`` with its name instead of failing message after message."""

import email.utils
import os
from dataclasses import dataclass

TRANSPORTS = ("directory", "smtp")
SECURITY_PORTS = {"none": 25, "starttls": 587, "tls": 465}


class MailSettingsError(ValueError):
    """A MAIL_* setting out of range; the message names it and shows an example."""


@dataclass(frozen=True)
class MailSettings:
    transport: str
    outbox_dir: str
    sender: str  # the envelope sender: MAIL_FROM's address
    host: str
    port: int
    security: str
    username: str | None
    password: str | None
    ca_file: str | None  # None: the system's trusted authorities
    timeout: float
    max_attempts: int
    retry_seconds: int
    keep_days: int  # finished messages' text is blanked after this many days


def mail_settings(config, instance_path: str) -> MailSettings:
    """Read the MAIL_* settings (values from the environment arrive as text)."""
    transport = _choice(config, "MAIL_TRANSPORT", TRANSPORTS)
    security = _choice(config, "MAIL_SECURITY", tuple(SECURITY_PORTS))
    sender = email.utils.parseaddr(str(config["MAIL_FROM"] or ""))[1]
    if "@" not in sender:
        raise MailSettingsError(
            f"MAIL_FROM is {config['MAIL_FROM']!r}; give an address such as"
            " 'Interviews <interviews@example.org>'"
        )
    ca_file = config["MAIL_CA_FILE"] or None
    if ca_file is not None and not os.path.isfile(ca_file):
        raise MailSettingsError(
            f"MAIL_CA_FILE is {ca_file!r}, which is not a file; give the path of a PEM"
            " file, or None for the system's trusted authorities"
        )
    port = config["MAIL_PORT"]
    return MailSettings(
        transport=transport,
        outbox_dir=config["MAIL_OUTBOX_DIR"] or os.path.join(instance_path, "outbox"),
        sender=sender,
        host=str(config["MAIL_HOST"] or ""),
        port=SECURITY_PORTS[security]
        if port in (None, "")
        else _whole(config, "MAIL_PORT", 1, "587"),
        security=security,
        username=config["MAIL_USERNAME"] or None,
        password=config["MAIL_PASSWORD"] or None,
        ca_file=ca_file,
        timeout=_seconds(config, "MAIL_TIMEOUT"),
        max_attempts=_whole(config, "MAIL_MAX_ATTEMPTS", 1, "6"),
        retry_seconds=_whole(config, "MAIL_RETRY_SECONDS", 1, "300"),
        keep_days=_whole(config, "MAIL_KEEP_DAYS", 1, "30"),
    )


def _choice(config, name: str, choices: tuple[str, ...]) -> str:
    value = str(config[name] or "").strip().lower()
    if value not in choices:
        raise MailSettingsError(
            f"{name} is {config[name]!r}; give one of {', '.join(choices)}"
        )
    return value


def _whole(config, name: str, least: int, example: str) -> int:
    value = config[name]
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise MailSettingsError(
            f"{name} is {config[name]!r}; give a whole number, {least} or more,"
            f" such as {example}"
        )
    return value


def _seconds(config, name: str) -> float:
    value = config[name]
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = 0.0
    if isinstance(value, bool) or not 0 < seconds < float("inf"):
        raise MailSettingsError(
            f"{name} is {value!r}; give a number of seconds above 0, such as 30"
        )
    return seconds
