"""Request-wide safety: clean addresses, the sign-in gate, security headers, safe
redirects."""

from urllib.parse import urlsplit

from flask import Flask, current_app, g, jsonify, redirect, request, url_for
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from .db import check_visitor_when_writing, reading
from .text import first_control_character

# Endpoints reachable without signing in; everything else needs an account.
PUBLIC_ENDPOINTS = frozenset(
    {"auth.login", "static", "ops.healthz", "ops.readyz"}  # ops: issue 13 probes
    | {"sso.start", "sso.callback"}  # issue 15: single sign-on
)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; "
    "script-src 'self'; "
    "style-src 'self'; "
    "img-src 'self' data:; "
    "font-src 'self'; "
    "connect-src 'self'; "
    "object-src 'none'; "
    "base-uri 'none'; "
    "form-action 'self'; "
    "frame-ancestors 'none'"
)


def is_safe_next(target: str | None) -> bool:
    """Accept only a path on this site, never another host (open-redirect guard)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def url_problem(path: str, args) -> str | None:
    """Say which control character an address holds (in its path or query), if any.

    No page of the site has one in its address; on PostgreSQL a NUL reaching a query
    would fail deep in the driver, so such an address is answered before any query.
    """
    for part, texts in (("address", [path]), ("query", _query_texts(args))):
        for text in texts:
            if (found := first_control_character(text)) is not None:
                return (
                    f"The {part} of this page holds an invisible control character "
                    f"(U+{ord(found[1]):04X}), which no page of this site uses. "
                    "Check the link, or type the address again."
                )
    return None


API_CONTROL_CHARACTER = (
    "The address or its query holds a control character (such as NUL), which no "
    "value of this API takes: percent-encode only printable text."
)


def _query_texts(args) -> list[str]:
    return [text for key, value in args.items(multi=True) for text in (key, value)]


def refuse_control_characters():
    """Answer an address holding a control character with a clear 400 page."""
    from .errors import render_error, wants_json

    if (problem := url_problem(request.path, request.args)) is not None:
        from .api.problems import error_response, is_api_request

        if is_api_request():
            return error_response(400, "bad_request", API_CONTROL_CHARACTER)
        if wants_json():  # a picker's search: its script shows the message
            response = jsonify(ok=False, retry=False, message=problem)
            response.status_code = 400
            return response
        return render_error(400, problem)
    return None


def require_sign_in():
    """Send anonymous visitors of any non-public page to sign-in, remembering the page."""
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    if request.blueprint == "api":  # issue 15: a token, checked by api/blueprint.py
        return None
    if request.method not in ("GET", "HEAD"):
        _load_visitor_before_writing()
    if current_user.is_authenticated:
        # Who this is, kept for an error page that must not touch the database.
        g.interview_visitor = {
            "name": current_user.name,
            "role": current_user.role,
            "discipline": current_user.discipline,
        }
        return None
    # Signed out elsewhere (or deactivated): the drafts typed leave the cookie.
    from .loops.drafts import forget_drafts  # (loops imports this module)

    forget_drafts()
    from .signed_out import signed_out_page  # (it imports this module)

    if request.method not in ("GET", "HEAD") and (page := signed_out_page()):
        return page  # what was typed comes back to copy, not lost to a redirect
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target))


def _load_visitor_before_writing() -> None:
    """Load the visitor of a form post in a read of its own, outside the write lock.

    On SQLite a post's transaction holds the database's write lock from its first
    statement; were that the user's load, every other writer would wait while this
    request validates its form and builds what it writes. The view's own first
    statement takes the lock instead, and checks first that the visitor is still
    signed in (a sign-out or deactivation may have committed in between).
    """
    with reading():
        user = current_user._get_current_object()
        if user.is_authenticated:
            check_visitor_when_writing(user.id, user.session_token)


def add_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.endpoint != "static":
        # Signed-in pages hold candidates' data: never keep them in a shared cache.
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Cookie")
    if (hsts := strict_transport_security(current_app.config)) is not None:
        response.headers["Strict-Transport-Security"] = hsts
    return response


# Issue 13, operations: HSTS and the proxies in front ---------------------------------


def strict_transport_security(config) -> str | None:
    """The HSTS header production sends: browsers then reach the site over HTTPS
    only, for HSTS_MAX_AGE seconds. None in development, which runs on plain HTTP
    (a browser that kept the header would refuse localhost's http:// afterwards)."""
    if config["ENV_NAME"] != "production":
        return None
    value = f"max-age={config['HSTS_MAX_AGE']}"
    return value + "; includeSubDomains" if config["HSTS_INCLUDE_SUBDOMAINS"] else value


def trust_proxies(app: Flask) -> None:
    """Take the client's address and scheme from X-Forwarded-For/-Proto as set by
    the TRUSTED_PROXIES nearest proxies; with none (the default) the headers are
    ignored, so a client cannot choose the address the sign-in throttle counts."""
    if count := app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def init_app(app: Flask) -> None:
    app.before_request(refuse_control_characters)  # first: before any query
    app.before_request(require_sign_in)
    app.after_request(add_security_headers)
    trust_proxies(app)  # issue 13
