"""The sign-in throttle per network address, beside the per-account lock (issue 13).

The per-account lock (operations.py) stops guessing at one account; on its own it
lets anyone lock every account out by sending five wrong passwords for each. This
throttle counts the sign-in attempts each address sends: past
``SIGN_IN_ADDRESS_LIMIT`` in ``SIGN_IN_ADDRESS_WINDOW`` the address gets the sign-in
page back with a 429 and a Retry-After, its typed email kept, before any password or
account is looked at.

- Counted with Flask-Limiter in fixed windows, in the storage ``RATELIMIT_STORAGE_URI``
  names: by default the app's own database (``interview-db://``, throttle_storage.py),
  so every gunicorn worker and every host shares the counts with no other service;
  ``redis://host:6379`` for Redis; ``memory://`` counts per process (development
  only: production refuses it at start-up).
- Each attempt is counted before its password is checked, in one atomic statement,
  so attempts sent at once cannot slip past the limit; a correct password gives its
  attempt back (``give_back``). A hospital's staff often share one public address:
  only failed attempts use up its allowance, so a shift signing in is never refused.
- The address is the connection's, or with ``TRUSTED_PROXIES`` set, the one that
  many proxies in front report in X-Forwarded-For (security.py). An IPv6 address
  counts by its /64, the block one subscriber is usually given.
- A refusal is logged with the address, never the email or the password.
- Device cookies (OWASP's "Slow Down Online Guessing Attacks with Device Cookies"):
  a successful sign-in leaves a signed cookie naming the account (its id, the
  account's device key and when it was issued; HttpOnly, SameSite=Lax, Secure in
  production). An attempt for that account carrying a valid one is not counted by
  the address: the colleagues' typos or an insider's guesses that exhaust a shared
  address's allowance do not lock out people signing in from devices they used
  before. A cookie for another account, forged (another secret key), older than
  ``DEVICE_COOKIE_DAYS`` or issued before the account's password last changed does
  not help: a password change, an administrator's reset, a deactivation or a role
  change draws a new ``User.device_key`` (auth.operations.end_all_sessions), which
  revokes every device cookie of the account as it ends its sessions. The
  per-account lock applies whatever the cookie.
"""

import functools
import hmac
import ipaddress
import math
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app, make_response, render_template, request
from flask_limiter import Limiter, RateLimitExceeded, RequestLimit
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits.errors import ConfigurationError

from ..config import config_error
from . import throttle_storage  # noqa: F401  (registers interview-db://)

FALLBACK_KEY = "unknown"  # an address that is none (a proxy's garbled header)


def address_key(address: str | None) -> str:
    """The unit an address is throttled by: an IPv4 address itself, an IPv6
    address by its /64 network (an IPv4-mapped one as its IPv4 address)."""
    try:
        ip = ipaddress.ip_address((address or "").split("%", 1)[0])
    except ValueError:
        return FALLBACK_KEY
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip), 64), strict=False))
    return str(ip)


def client_key() -> str:
    """This request's address as the throttle counts it."""
    return address_key(request.remote_addr)


def address_limit() -> str:
    """The limit in Flask-Limiter's words, from the settings (checked at start-up)."""
    config = current_app.config
    seconds = int(config["SIGN_IN_ADDRESS_WINDOW"].total_seconds())
    return f"{config['SIGN_IN_ADDRESS_LIMIT']} per {seconds} seconds"


limiter = Limiter(key_func=client_key, strategy="fixed-window")


def refuse_sign_in(breached: RequestLimit):
    """The sign-in page again, saying when to try, with what was typed but the
    password (which a password field never shows back)."""
    from .forms import LoginForm

    wait = max(1, math.ceil(breached.window.reset_time - time.time()))
    minutes = math.ceil(wait / 60)
    form = LoginForm()
    form.form_errors.append(
        "Too many sign-in attempts from your network address. Try again in "
        f"{minutes} minute{'s' if minutes != 1 else ''}."
    )
    current_app.logger.warning(
        "sign-in refused: address %s is over its limit of %s",
        client_key(),
        breached.limit,
    )
    response = make_response(render_template("auth/login.html", form=form), 429)
    response.headers["Retry-After"] = str(wait)
    return response


# Device cookies ------------------------------------------------------------------
DEVICE_COOKIE_NAME = "interview_device"
DEVICE_COOKIE_SALT = "interview.sign-in.device-cookie"


def device_cookie_max_age() -> timedelta:
    """How long a device cookie counts (DEVICE_COOKIE_DAYS, checked at start-up)."""
    return timedelta(days=current_app.config["DEVICE_COOKIE_DAYS"])


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=DEVICE_COOKIE_SALT)


def device_token(user_id: int, key: str) -> str:
    """The signed cookie value naming this account and its current device key
    (User.device_key), stamped with the time now."""
    return _device_serializer().dumps({"user": user_id, "key": key})


def device_claim(token: str | None) -> tuple[int, str] | None:
    """The account and device key a cookie names, or None if it is missing, forged,
    garbled, too old, or from before device keys (no key)."""
    if not token or len(token) > 200:
        return None
    try:
        data = _device_serializer().loads(
            token, max_age=int(device_cookie_max_age().total_seconds())
        )
    except BadSignature:  # SignatureExpired is one
        return None
    if not isinstance(data, dict):
        return None
    user, key = data.get("user"), data.get("key")
    if not isinstance(user, int) or not isinstance(key, str) or not key:
        return None
    return user, key


def set_device_cookie(response, user) -> None:
    """Mark this browser as one the account has signed in from, until its password
    changes (which draws a new device key) or DEVICE_COOKIE_DAYS pass."""
    response.set_cookie(
        DEVICE_COOKIE_NAME,
        device_token(user.id, user.device_key),
        max_age=int(device_cookie_max_age().total_seconds()),
        httponly=True,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        samesite="Lax",
    )


def has_device_cookie() -> bool:
    """This sign-in is for the active account the request's valid device cookie
    names, with the device key it has now: it is not subject to the address limit.
    No query without such a cookie."""
    if request.method != "POST":
        return False
    claim = device_claim(request.cookies.get(DEVICE_COOKIE_NAME))
    if claim is None:
        return False
    from ..extensions import db
    from ..models import User
    from .operations import normalise_email

    email = request.form.get("email", "")
    if not email or len(email) > 320 or "\0" in email:
        return False
    # On a connection of its own, closed at once: a read left open on the request's
    # session would hold SQLite's lock while the storage writes the count.
    with db.engine.connect() as connection:
        found = connection.execute(
            sa.select(User.id, User.device_key).where(
                User.email == normalise_email(email), User.is_active.is_(True)
            )
        ).first()
    if found is None or not found.device_key:
        return False
    user_id, key = claim
    return found.id == user_id and hmac.compare_digest(found.device_key, key)


# The view's decorator: counts sign-in posts only; the page itself is never refused.
sign_in_limit = limiter.limit(
    address_limit,
    methods=["POST"],
    on_breach=refuse_sign_in,
    exempt_when=has_device_cookie,
)


def give_back() -> None:
    """Return this request's sign-in attempt to its address: the password was right.

    Call with no write transaction open on the request's session (SQLite: the
    storage writes on a connection of its own). A count that cannot be given back
    is logged and left: it only ends its window a little fuller.
    """
    for counted in limiter.current_limits:
        try:
            limiter.limiter.hit(counted.limit, *counted.request_args, cost=-1)
        except Exception:
            current_app.logger.warning("sign-in attempt not given back", exc_info=True)


def _refused(exc: RateLimitExceeded):
    """Serve the page a limit's on_breach made; errors.py's plain 429 otherwise."""
    if exc.response is not None:
        return exc.response
    from ..errors import render_error

    return render_error(429)


def init_app(app: Flask) -> None:
    """Bind the limiter to the app, refusing a storage it cannot use."""
    uri = app.config["RATELIMIT_STORAGE_URI"]
    if app.config["ENV_NAME"] == "production" and uri.startswith("memory:"):
        raise config_error(
            "RATELIMIT_STORAGE_URI is memory://, which counts per process: with "
            "several workers each allows the whole limit. Use interview-db:// (the "
            "default: this app's database) or redis://host:6379"
        )
    try:
        limiter.init_app(app)
    except ConfigurationError as exc:
        scheme = uri.split(":", 1)[0]
        problem = str(exc).replace(uri, f"{scheme}://...")  # it may hold a password
        raise config_error(
            f"RATELIMIT_STORAGE_URI ({scheme}:...) cannot be used: {problem}. Use "
            "interview-db:// (this app's database), redis://host:6379 (with the "
            "redis package installed) or memory:// (one process only)"
        ) from None
    app.register_error_handler(RateLimitExceeded, _refused)
    _drop_hooks_for_other_limits(app)
    if app.config["ENV_NAME"] == "production" and not app.config["TRUSTED_PROXIES"]:
        app.logger.warning(PROXY_WARNING)


# Behind a reverse proxy with TRUSTED_PROXIES = 0 every request seems to come from
# the proxy: everyone shares one address's sign-in allowance.
PROXY_WARNING = (
    "TRUSTED_PROXIES is 0: client addresses are the connection's. Behind a reverse "
    "proxy every client shares the proxy's sign-in limit; set TRUSTED_PROXIES to the "
    "number of proxies in front"
)


# Flask-Limiter's hooks on every request serve what this app does not set: limits on
# all routes, meta limits, rate-limit headers, deductions after the response. The
# sign-in limit is checked by its decorator alone. The hooks cost about 0.1 ms per
# request (measured: 120-170 us for the before_request check on /healthz), over half
# of what a trivial page costs here, so they go unless such a setting asks for them.
OTHER_LIMITS = (
    "RATELIMIT_DEFAULT",
    "RATELIMIT_APPLICATION",
    "RATELIMIT_META",
    "RATELIMIT_HEADERS_ENABLED",
)


def _drop_hooks_for_other_limits(app: Flask) -> None:
    """Remove the hooks Flask-Limiter registered for ``limiter`` on this app."""
    if any(app.config.get(name) for name in OTHER_LIMITS):
        return
    for hooks in (
        app.before_request_funcs,
        app.after_request_funcs,
        app.teardown_request_funcs,
    ):
        hooks[None] = [hook for hook in hooks.get(None, []) if not _is_limiters(hook)]


def _is_limiters(hook) -> bool:
    """A bound method of ``limiter``, or a partial over one of its functions."""
    if getattr(hook, "__self__", None) is limiter:
        return True
    return isinstance(hook, functools.partial) and hook.args[:1] == (limiter,)
