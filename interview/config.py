"""Configuration in layers: these defaults, ``instance/config.py``, the environment,
then the dict a test passes."""

import math
import os
import secrets
import sys
import tempfile
from datetime import timedelta
from typing import ClassVar
from urllib.parse import urlsplit

MIB = 1024 * 1024


class Defaults:
    ENV_NAME = "development"
    SQLALCHEMY_DATABASE_URI = None  # filled in with the instance folder's SQLite file
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {}
    # Large enough for a rubric upload (1 MiB) or a scorecard with long evidence.
    MAX_CONTENT_LENGTH = 4 * MIB
    MAX_FORM_MEMORY_SIZE = 4 * MIB
    MAX_FORM_PARTS = 2000
    # A CSRF token lives as long as the session: two hours of notes must still submit.
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "interview_session"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    REMEMBER_COOKIE_NAME = "interview_remember"
    PASSWORD_HASH_METHOD = "scrypt"
    LOGIN_MAX_FAILURES = 5
    LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
    SQLITE_BUSY_TIMEOUT_MS = 15000
    # A pooled PostgreSQL connection idle this long is checked before use (db.py).
    POSTGRESQL_PING_AFTER_IDLE_S = 1.0
    # PostgreSQL's parallel workers per query (max_parallel_workers_per_gather) on
    # the app's connections: 0, none; None leaves the server's own setting (db.py).
    POSTGRESQL_PARALLEL_WORKERS = 0
    # Lists count and page through at most this many rows (paging.py says why).
    LIST_COUNT_LIMIT = 10_000
    # A scorecard not submitted this many hours after its interview ended is overdue.
    FEEDBACK_DUE_HOURS = 24
    # The debrief packet: "A4" or "letter" (a reader may ask for the other one), and
    # the limits of the child processes that lay it out (see debrief/renderer.py).
    DEBRIEF_PAGE_SIZE = "A4"
    # Seconds per packet (a 25-page packet takes about 1 s). With a renderer's start-up
    # (under 30 s) it stays below gunicorn's --timeout of 60 that the README gives.
    DEBRIEF_RENDER_TIMEOUT = 20.0
    DEBRIEF_RENDER_MEMORY_MB = 1024  # on top of a warm renderer's own footprint
    DEBRIEF_RENDERERS = 1  # children per web worker (a sync worker serves one request)
    # Start them at a worker's first request, so the first packet does not wait for
    # one to start (debrief/warmup.py); None: yes, except under TESTING.
    DEBRIEF_WARM_RENDERERS = None
    # Compile the heaviest writes' statements at start-up, on a scratch database,
    # so that none is compiled inside SQLite's write lock (warmup.py); None: yes,
    # except under TESTING.
    WARM_WRITES = None
    # Leave what start-up made out of later garbage collections (heap.py); None:
    # yes, except under TESTING.
    FREEZE_START_UP = None
    # The contradiction flag: a recommendation at least this many levels from the
    # interviewer's own mean rating (debrief/synthesis/flags.py).
    DEBRIEF_CONTRADICTION_DISTANCE = 1.5
    # The note beside an interviewer's ratings on their leniency across the rubric's
    # loops: shown when their shrunk leniency is at least this many levels from the
    # panel, its 95% interval clear of 0, over at least this many ratings shared with
    # other interviewers (debrief/reliability.py says why a minimum).
    DEBRIEF_LENIENCY_NOTE_LEVELS = 0.5
    DEBRIEF_LENIENCY_NOTE_MIN_RATINGS = 60
    # Seconds the debrief uses a rubric's figures across loops as they are before
    # asking whether its scorecards changed (debrief/across_loops.py); 0: every time.
    DEBRIEF_CALIBRATION_RECHECK_SECONDS = 10
    # Operations (issue 13): the sign-in throttle per address (auth/throttle.py), the
    # proxies whose X-Forwarded-For/-Proto to believe, HSTS in production.
    SIGN_IN_ADDRESS_LIMIT = 20  # failed sign-ins per address per window
    SIGN_IN_ADDRESS_WINDOW = timedelta(minutes=15)
    RATELIMIT_STORAGE_URI = "interview-db://"  # or redis://host:6379, memory://
    RATELIMIT_ENABLED = True
    TRUSTED_PROXIES = 0  # how many proxies in front set X-Forwarded-For
    HSTS_MAX_AGE = 365 * 24 * 3600  # seconds; production only
    HSTS_INCLUDE_SUBDOMAINS = False
    # Days a sign-in device cookie spares its account the address limit (1 to 400:
    # browsers keep no cookie longer than 400 days). A password change revokes it.
    DEVICE_COOKIE_DAYS = 365
    # Issue 13, data lifecycle: days a candidate's personal data is kept after their
    # last loop closed (lifecycle/rules.py); 365, the US federal minimum for hiring
    # records (29 CFR 1602.14). Checked at start-up: a whole number, 1 or more.
    RETENTION_DAYS = 365
    # The same read is recorded once per this many seconds (auditing.record_read);
    # 0 records every request. Checked at start-up: a whole number, 0 or more.
    READ_AUDIT_WINDOW_SECONDS = 600
    # Issue 14: the time zone new accounts start in (an IANA name such as
    # "America/Chicago"); each person can change theirs on their profile page.
    DEFAULT_TIMEZONE = "UTC"
    # Issue 14: email (notify/settings.py checks these when notify runs). "directory"
    # writes each message to MAIL_OUTBOX_DIR (instance/outbox/ when None) as an .eml
    # file, no mail server needed; "smtp" sends through MAIL_HOST. Each can also come
    # from the environment as INTERVIEW_MAIL_<NAME> (INTERVIEW_MAIL_PASSWORD...).
    MAIL_TRANSPORT = "directory"
    MAIL_OUTBOX_DIR = None
    # A host with a dot: calendars take it as the invitation's ORGANIZER (a bare
    # @localhost is left out of the event). Set your own for real mail.
    MAIL_FROM = "Interviews <interviews@localhost.localdomain>"
    MAIL_HOST = "localhost"
    MAIL_PORT = None  # None: 25, 587 with starttls, 465 with tls
    MAIL_SECURITY = "starttls"  # or "tls" (implicit TLS) or "none"
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_CA_FILE = None  # PEM file of the CA to trust for TLS; None: the system's
    MAIL_TIMEOUT = 30  # seconds per SMTP exchange
    MAIL_MAX_ATTEMPTS = 6  # then failed, with the server's last answer
    MAIL_RETRY_SECONDS = 300  # first wait after a temporary failure; doubles each time
    # Days a sent, failed or cancelled message keeps its subject and text (they
    # name candidates); the row stays, without them, so it is never queued again.
    MAIL_KEEP_DAYS = 30
    # Issue 14: links in emails start with this (no request to take the host from);
    # set it to the address people open, e.g. https://interviews.hospital.org.
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    # Feedback reminders: one an hour after the interview, then one a working day
    # for this many working days (notify/due.py). Checked at start-up: 0 or more.
    REMINDER_WORKING_DAYS = 3
    # Issue 15: single sign-on with OpenID Connect: None (off), or the dict
    # auth/sso_rules.py describes (issuer, client id and secret, claims, groups by
    # role and discipline, just-in-time accounts), checked at start-up. The secret
    # may come from INTERVIEW_SSO_CLIENT_SECRET instead.
    SSO = None
    # False: email and password no longer sign anyone in (single sign-on only).
    PASSWORD_SIGN_IN = True
    # Issue 15: the decision webhook (notify/webhooks.py): where the applicant
    # tracking system hears of each hiring decision (https, or http on loopback),
    # and the secret its deliveries are signed with (32 characters or more; also
    # INTERVIEW_WEBHOOK_SECRET). Sent by `notify run`; None: no webhook.
    WEBHOOK_URL = None
    WEBHOOK_SECRET = None


def from_environment(config) -> None:
    """Apply the ``INTERVIEW_*`` environment variables, which override the instance file."""
    if url := os.environ.get("INTERVIEW_DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = url
    if key := os.environ.get("INTERVIEW_SECRET_KEY"):
        config["SECRET_KEY"] = key
    if env := os.environ.get("INTERVIEW_ENV"):
        config["ENV_NAME"] = env.strip().lower()
    if zone := os.environ.get("INTERVIEW_DEFAULT_TIMEZONE"):  # issue 14
        config["DEFAULT_TIMEZONE"] = zone.strip()
    if base := os.environ.get("INTERVIEW_PUBLIC_BASE_URL"):  # issue 14: email links
        config["PUBLIC_BASE_URL"] = base.strip()
    secret = os.environ.get("INTERVIEW_SSO_CLIENT_SECRET")  # issue 15
    if secret and isinstance(config.get("SSO"), dict):
        config["SSO"] = {**config["SSO"], "client_secret": secret}
    for name in ("WEBHOOK_URL", "WEBHOOK_SECRET"):  # issue 15
        if value := os.environ.get(f"INTERVIEW_{name}"):
            config[name] = value
    for name in MAIL_SETTINGS:  # issue 14: email
        if (value := os.environ.get(f"INTERVIEW_{name}")) is not None:
            config[name] = value


MAIL_SETTINGS = tuple(name for name in vars(Defaults) if name.startswith("MAIL_"))


ENV_NAMES = ("development", "production")


def check_env_name(config) -> None:
    """Refuse a mistyped mode rather than quietly running production as development."""
    if config["ENV_NAME"] not in ENV_NAMES:
        raise config_error(
            f"INTERVIEW_ENV is {config['ENV_NAME']!r}; use 'development' or 'production'"
        )


def check_default_timezone(config) -> None:
    """Refuse a default time zone the picker does not offer (a typo, an older name)
    at start-up, rather than give every new account a zone shown as UTC."""
    from . import timezones

    name = config["DEFAULT_TIMEZONE"]
    if isinstance(name, str) and timezones.is_canonical(name):
        return
    target = timezones.alias_target(name) if isinstance(name, str) else None
    hint = f"use {target}" if target else "use a name such as America/Chicago or UTC"
    raise config_error(
        f"DEFAULT_TIMEZONE is {name!r}, which is not a time zone this server offers;"
        f" {hint}"
    )


def check_numbers(config) -> None:
    """Refuse a setting the debrief would trip over on every page (a number given
    as text in the instance file, or out of range) at start-up, with its name."""
    for name, example in (
        ("DEBRIEF_CONTRADICTION_DISTANCE", "1.5"),
        ("DEBRIEF_LENIENCY_NOTE_LEVELS", "0.5"),
    ):
        value = config[name]
        if not _is_number(value) or not value > 0:
            raise config_error(
                f"{name} is {value!r}; give a number of levels above 0, such as"
                f" {example}"
            )
    recheck = config["DEBRIEF_CALIBRATION_RECHECK_SECONDS"]
    if not _is_number(recheck) or recheck < 0:
        raise config_error(
            f"DEBRIEF_CALIBRATION_RECHECK_SECONDS is {recheck!r}; give a number of"
            " seconds, 0 or more, such as 10"
        )
    retention = config["RETENTION_DAYS"]  # issue 13: data lifecycle
    if isinstance(retention, bool) or not isinstance(retention, int) or retention < 1:
        raise config_error(
            f"RETENTION_DAYS is {retention!r}; give a whole number of days, 1 or"
            " more, such as 365"
        )
    workers = config["POSTGRESQL_PARALLEL_WORKERS"]
    if workers is not None and (
        isinstance(workers, bool)
        or not isinstance(workers, int)
        or not 0 <= workers <= 1024  # PostgreSQL's own range for the setting
    ):
        raise config_error(
            f"POSTGRESQL_PARALLEL_WORKERS is {workers!r}; give a whole number from 0"
            " to 1024, such as 0, or None for the server's own setting"
        )
    window = config["READ_AUDIT_WINDOW_SECONDS"]
    if isinstance(window, bool) or not isinstance(window, int) or window < 0:
        raise config_error(
            f"READ_AUDIT_WINDOW_SECONDS is {window!r}; give a whole number of"
            " seconds, 0 or more, such as 600"
        )
    days = config["REMINDER_WORKING_DAYS"]  # issue 14: feedback reminders
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise config_error(
            f"REMINDER_WORKING_DAYS is {days!r}; give a whole number of working days,"
            " 0 or more, such as 3"
        )
    ratings = config["DEBRIEF_LENIENCY_NOTE_MIN_RATINGS"]
    if isinstance(ratings, bool) or not isinstance(ratings, int) or ratings < 2:
        raise config_error(
            f"DEBRIEF_LENIENCY_NOTE_MIN_RATINGS is {ratings!r}; give a whole number of"
            " ratings, 2 or more, such as 60"
        )


def check_operations(config) -> None:
    """Refuse an operations setting (issue 13) out of range, at start-up, by name."""
    for name, least, example in (
        ("SIGN_IN_ADDRESS_LIMIT", 1, "20"),
        ("TRUSTED_PROXIES", 0, "1 (one reverse proxy in front)"),
        ("HSTS_MAX_AGE", 0, "31536000 (a year)"),
    ):
        value = config[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise config_error(
                f"{name} is {value!r}; give a whole number, {least} or more, such as"
                f" {example}"
            )
    days = config["DEVICE_COOKIE_DAYS"]
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 400:
        raise config_error(
            f"DEVICE_COOKIE_DAYS is {days!r}; give a whole number of days from 1 to"
            " 400 (browsers keep no cookie longer), such as 365"
        )
    window = config["SIGN_IN_ADDRESS_WINDOW"]
    if not isinstance(window, timedelta) or window < timedelta(seconds=1):
        raise config_error(
            f"SIGN_IN_ADDRESS_WINDOW is {window!r}; give a datetime.timedelta of a"
            " second or more, such as timedelta(minutes=15)"
        )
    uri = config["RATELIMIT_STORAGE_URI"]
    if not isinstance(uri, str) or "://" not in uri:
        raise config_error(
            f"RATELIMIT_STORAGE_URI is {uri!r}; give interview-db:// (this app's"
            " database), redis://host:6379 or memory:// (one process only)"
        )
    for name in ("HSTS_INCLUDE_SUBDOMAINS", "RATELIMIT_ENABLED"):
        if not isinstance(config[name], bool):
            raise config_error(f"{name} is {config[name]!r}; give True or False")


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
WEBHOOK_SECRET_MIN = 32


def check_webhook(config) -> None:
    """Check the decision webhook's settings (issue 15) at start-up: both or none,
    an https address (http only on this machine), a long secret."""
    url, secret = config["WEBHOOK_URL"], config["WEBHOOK_SECRET"]
    if not url and not secret:
        return
    if not url or not secret:
        missing = "WEBHOOK_URL" if not url else "WEBHOOK_SECRET"
        raise config_error(
            f"{missing} is not set; set both webhook settings or neither"
        )
    parts = urlsplit(str(url))
    loopback = parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
    if parts.username or parts.password:
        raise config_error(
            "WEBHOOK_URL holds a user name or password; give the address without "
            "them (the deliveries are signed with WEBHOOK_SECRET)"
        )
    if not parts.hostname or not (parts.scheme == "https" or loopback):
        raise config_error(
            f"WEBHOOK_URL is {url!r}; give an https:// address (http:// only on loopback)"
        )
    if len(str(secret)) < WEBHOOK_SECRET_MIN:
        raise config_error(
            f"WEBHOOK_SECRET has {len(str(secret))} characters; give at least "
            f"{WEBHOOK_SECRET_MIN} (e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )


def check_sso(config) -> None:
    """Check the single sign-on setting (issue 15) at start-up, keeping it checked
    as ``SSO_SETTINGS`` (None when off); refuse turning off passwords without it."""
    from .auth.sso_rules import settings

    if not isinstance(config["PASSWORD_SIGN_IN"], bool):
        raise config_error(
            f"PASSWORD_SIGN_IN is {config['PASSWORD_SIGN_IN']!r}; give True or False"
        )
    raw = config["SSO"]
    if raw is None:
        config["SSO_SETTINGS"] = None
        if not config["PASSWORD_SIGN_IN"]:
            raise config_error(
                "PASSWORD_SIGN_IN is False but SSO is not set: nobody could sign in"
            )
        return
    if not isinstance(raw, dict):
        raise config_error(f"SSO is {type(raw).__name__}; give a dict or None")
    try:
        config["SSO_SETTINGS"] = settings(raw)
    except ValueError as exc:
        raise config_error(str(exc)) from None


def _is_number(value) -> bool:
    """A real number, not a bool, not text, not NaN or infinite."""
    return (
        not isinstance(value, bool)
        and isinstance(value, int | float)
        and math.isfinite(value)
    )


# Gunicorn's "application failed to load" code: it stops the master instead of
# restarting workers in a loop; the flask command exits with it too.
APP_LOAD_ERROR = 4


def on_except_testing(config, name: str) -> bool:
    """A start-up step's switch: True does it, False does not, None (the default)
    does it except under ``TESTING``, where a process makes and drops hundreds of
    apps. Anything else stops start-up, naming the setting."""
    wanted = config[name]
    if not (wanted is None or wanted is True or wanted is False):
        raise config_error(
            f"{name} is {wanted!r}; give True, False or None"
            " (None: yes, except under TESTING)"
        )
    return wanted is True or (wanted is None and not config["TESTING"])


def config_error(message: str) -> SystemExit:
    """Print a one-line explanation and give the exit that stops start-up."""
    print(f"interview: configuration error: {message}", file=sys.stderr, flush=True)
    return SystemExit(APP_LOAD_ERROR)


def ensure_secret_key(config, instance_path: str) -> None:
    """Refuse to start in production without a key; in development make one once."""
    if config.get("SECRET_KEY"):
        return
    if config["ENV_NAME"] == "production":
        raise config_error(
            "INTERVIEW_SECRET_KEY is not set; production mode refuses to start "
            "without a secret key (set it in the environment or instance/config.py)"
        )
    config["SECRET_KEY"] = _instance_secret(os.path.join(instance_path, "secret_key"))


def _instance_secret(path: str) -> str:
    """Read the development key, writing a random one first if none exists yet.

    The key is written to a private temporary file and linked into place, so several
    workers starting at once all end up reading the same complete key.
    """
    if not os.path.exists(path):
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".secret_key.")
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another worker was first: use its key
        finally:
            os.unlink(tmp)
    with open(path, encoding="ascii") as fh:
        key = fh.read().strip()
    if not key:
        raise config_error(f"{path} is empty; delete it to have a new key made")
    return key


def apply_mode(config) -> None:
    """Derive settings that depend on production mode and the database in use."""
    if config["ENV_NAME"] == "production":
        # Flask's own default is False, so this must overwrite, not setdefault.
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
    # PostgreSQL connections are checked before use by db.tune_postgresql.
    config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(
        config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}
    )
