"""Error pages in the site's style: a clear message, never a stack trace.

Database faults are answered too, after a rollback. A dropped connection, a busy or
locked database, a pool with no connection left: 503, "nothing was saved, send it
again". A full disk (SQLite's SQLITE_FULL, PostgreSQL's 53100, ENOSPC): 503 saying
so. A value the database refuses (a DataError, e.g. a NUL that reached PostgreSQL):
400 saying what was wrong. On those pages the text fields of a form post are shown
back, in a form that sends them again with a fresh CSRF token, so nothing typed is
lost; passwords are never echoed. A request that asks for JSON (the autosave script)
gets ``{"ok": false, "retry": true|false, "reason": ..., "message": ...}`` instead.
The pages are rendered without touching the database: who is signed in is read from
what was already loaded before the rollback.
"""

import errno
from dataclasses import dataclass

import sqlalchemy as sa
from flask import (
    Flask,
    current_app,
    g,
    jsonify,
    make_response,
    render_template,
    request,
)
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError
from wtforms import HiddenField, PasswordField, StringField

from .api.problems import ApiError, from_api_error, from_http_status, is_api_request
from .api.problems import error_response as api_error

MESSAGES = {
    401: ("Sign in needed", "Please sign in to see this page."),
    400: (
        "Bad request",
        "The page could not understand what was sent. Go back and try again.",
    ),
    403: (
        "Not allowed",
        (
            "Your account does not have access to this page. If you think it "
            "should, ask talent acquisition."
        ),
    ),
    404: ("Not found", "There is nothing at this address. It may have been moved."),
    405: ("Not allowed", "This page cannot be used that way."),
    413: (
        "Too large",
        "What you sent is larger than this site accepts (4 MB). Nothing was saved.",
    ),
    429: ("Too many requests", "Slow down a little, then try again."),
    500: (
        "Something went wrong",
        (
            "The server hit an error and nothing was changed. Try again in a "
            "moment; if it keeps happening, tell your administrator when it happened."
        ),
    ),
    503: (
        "Try again in a moment",
        "The server cannot answer just now. Nothing was changed. Try again shortly.",
    ),
}

CSRF_MESSAGE = (
    "This form could not be accepted because its security token is missing or your "
    "session has ended. Nothing was saved. Go back, copy anything you typed, reload "
    "the page (signing in again if asked) and send it again."
)
# The interview kit copies every change to this browser's storage at once and puts
# it back when the kit opens again, after signing in too (static/scorecard.js):
# copying by hand is needed only where that script does not run.
KIT_CSRF_MESSAGE = (
    "Your scorecard could not be accepted because its security token is missing or "
    "your session has ended. Nothing was saved on the server, but what you typed is "
    "kept in this browser: go back and reload the page (signing in again if asked), "
    "and the kit puts your text back (or offers it, if the scorecard was saved from "
    "elsewhere meanwhile). Then save or submit it again. If JavaScript is turned "
    "off in this browser nothing is kept: go back and copy your text before "
    "reloading."
)
KIT_ENDPOINTS = frozenset({"scorecards.kit", "scorecards.autosave"})

UNAVAILABLE = "unavailable"
DISK_FULL = "disk_full"
BAD_DATA = "bad_data"

FAULT_TITLES = {
    UNAVAILABLE: "The database did not answer",
    DISK_FULL: "The server's disk is full",
    BAD_DATA: "This could not be stored",
}
FAULT_MESSAGES = {
    UNAVAILABLE: (
        "The connection to the database was lost or it was too busy, so nothing "
        "was saved. Wait a moment and send it again."
    ),
    DISK_FULL: (
        "The server's disk is full, so nothing was saved. Keep a copy of what you "
        "typed, tell your administrator, and send it again once there is room."
    ),
}

# A page view changes nothing: it only needs loading again.
PAGE_MESSAGES = {
    UNAVAILABLE: (
        "The connection to the database was lost or it was too busy, so this page "
        "could not be shown. Wait a moment and load it again."
    ),
    DISK_FULL: (
        "The server's disk is full, so this page could not be shown. Tell your "
        "administrator."
    ),
}

# SQLite's primary result codes (the low byte of an extended code).
SQLITE_ERROR = 1  # bad SQL, a missing table: a bug, not a fault
SQLITE_FULL = 13
PG_DISK_FULL = "53100"

FALLBACK_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Error</title>"
    "<h1>Something went wrong</h1><p>Nothing was changed. Try again in a moment.</p>"
)


def database_fault(exc: BaseException) -> str | None:
    """Name the kind of fault ``exc`` is (UNAVAILABLE, DISK_FULL, BAD_DATA) or None.

    None means a bug (bad SQL, a broken constraint), which stays a 500.
    """
    if isinstance(exc, OSError):
        return DISK_FULL if exc.errno in (errno.ENOSPC, errno.EDQUOT) else None
    if isinstance(exc, (sa_exc.TimeoutError, sa_exc.DisconnectionError)):
        return UNAVAILABLE
    if not isinstance(exc, sa_exc.DBAPIError):
        return None
    code = _sqlite_code(exc.orig)
    if code == SQLITE_FULL or getattr(exc.orig, "sqlstate", None) == PG_DISK_FULL:
        return DISK_FULL
    if exc.connection_invalidated:
        return UNAVAILABLE
    if isinstance(exc, sa_exc.DataError):
        return BAD_DATA
    if isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError)):
        return None if code == SQLITE_ERROR else UNAVAILABLE
    return None


def _sqlite_code(orig) -> int | None:
    code = getattr(orig, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def bad_data_message(exc: BaseException) -> str:
    """Say what the database refused, in words a person can act on."""
    text = str(getattr(exc, "orig", exc))
    if "NUL" in text or "0x00" in text:
        what = "an invisible control character (NUL), which cannot be stored"
    elif "too big" in text or "too long" in text:
        what = "a text longer than the database can store"
    elif "out of range" in text:
        what = "a number outside the range the database can store"
    else:
        what = "a value the database cannot store"
    return (
        f"What you sent contains {what}, so nothing was saved. Correct it and send "
        "it again."
    )


@dataclass(frozen=True)
class Typed:
    """One posted value, to show back (``shown``) or carry along hidden."""

    name: str
    value: str
    label: str
    shown: bool


TEXT, PASSWORD, OTHER, TOKEN = "text", "password", "other", "token"


def typed_fields(
    pairs: list[tuple[str, str]], kinds: dict[str, tuple[str, str]]
) -> tuple[list[Typed], int]:
    """The posted values to give back, and how many passwords were left out.

    ``kinds`` maps a field's name to its (kind, label) where the form is known; other
    names are guessed: a name mentioning a password is one, a number is carried
    hidden, any other non-empty value is shown as text.
    """
    typed, passwords = [], 0
    for name, value in pairs:
        kind, label = kinds.get(name) or _guess(name, value)
        if kind == PASSWORD:
            passwords += bool(value)
        elif kind != TOKEN:
            shown = kind == TEXT and bool(value.strip())
            typed.append(Typed(name, value, label, shown))
    return typed, passwords


# Fields a page keeps for itself (a form's version and edit token, the button that
# was pressed): carried back hidden when the form could not be built to say so.
STATE_NAMES = frozenset({"version", "edit_seq", "restored_from", "current"})
BUTTON_NAMES = frozenset({"save", "submit", "amend"})


def _guess(name: str, value: str) -> tuple[str, str]:
    label = name.replace("-", " ").replace("_", " ").strip().capitalize()
    if name == "csrf_token":
        return TOKEN, label
    if "password" in name or name == "confirm":
        return PASSWORD, label
    base = name.rsplit("-", 1)[-1]
    if base in STATE_NAMES or base in BUTTON_NAMES or base.endswith("_token"):
        return OTHER, label
    if not value.strip() or value.strip().isdecimal():
        return OTHER, label
    return TEXT, label


def _field_kinds() -> dict[str, tuple[str, str]]:
    """What each field of the forms built in this request is, by its posted name."""
    from .forms import leaf_fields

    kinds = {}
    for form in g.get("interview_forms", ()):
        for field in leaf_fields(form):
            if isinstance(field, PasswordField):
                kind = PASSWORD
            elif field.type == "CSRFTokenField":
                kind = TOKEN
            elif isinstance(field, StringField) and not isinstance(field, HiddenField):
                kind = TEXT
            else:
                kind = OTHER
            kinds[field.name] = (kind, field.label.text)
    return kinds


class _Visitor:
    """Who is signed in, as already loaded: the error page reads no database."""

    is_anonymous = property(lambda self: not self.is_authenticated)

    def __init__(self, values: dict | None = None):
        self.is_authenticated = values is not None
        for name, value in (values or {}).items():
            setattr(self, name, value)


def _visitor() -> _Visitor:
    if (known := g.get("interview_visitor")) is not None:  # see security.py
        return _Visitor(known)
    user = g.get("_login_user")
    try:
        loaded = sa.inspect(user).dict if user is not None else {}
    except sa_exc.NoInspectionAvailable:  # the anonymous user
        loaded = {}
    wanted = ("name", "role", "discipline")
    if not all(name in loaded for name in wanted):
        return _Visitor()
    return _Visitor({name: loaded[name] for name in wanted})


def _roll_back() -> None:
    from .extensions import db

    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the pool has already dropped it
        current_app.logger.warning("rollback after a fault failed", exc_info=True)


def wants_json() -> bool:
    """The autosave script (and any JSON client) asks for JSON by its Accept header."""
    best = request.accept_mimetypes.best_match(("text/html", "application/json"))
    return request.is_json or best == "application/json"


def _database_error(exc: Exception):
    kind = database_fault(exc)
    if kind is None:
        raise exc  # a bug: Flask's own 500 handling (logged, or raised in tests)
    g._login_user = _visitor()  # read before the rollback expires the user
    _roll_back()
    # The driver's own words only: the statement's parameters hold what people typed.
    detail = getattr(exc, "orig", None) or exc
    current_app.logger.warning("database fault (%s): %r", kind, detail)
    status = 400 if kind == BAD_DATA else 503
    if kind == BAD_DATA:
        message = bad_data_message(exc)
    elif request.method in ("GET", "HEAD"):
        message = PAGE_MESSAGES[kind]
    else:
        message = FAULT_MESSAGES[kind]
    if is_api_request():  # issue 15: the API's own error body
        code = "bad_data" if kind == BAD_DATA else "unavailable"
        response = api_error(status, code, message)
    elif wants_json():
        response = jsonify(
            ok=False, retry=kind != BAD_DATA, reason=kind, message=message
        )
        response.status_code = status
    else:
        response = make_response(_fault_page(kind, message, status), status)
    if kind == UNAVAILABLE:
        response.headers["Retry-After"] = "5"
    return response


def _fault_page(kind: str, message: str, code: int) -> str:
    posted = request.method == "POST"
    typed, passwords = (
        typed_fields(list(request.form.items(multi=True)), _field_kinds())
        if posted
        else ([], 0)
    )
    files = [f.filename for f in request.files.values() if f.filename] if posted else []
    try:
        return render_template(
            "errors/fault.html",
            code=code,
            title=FAULT_TITLES[kind],
            message=message,
            posted=posted,
            typed=typed,
            shown=[t for t in typed if t.shown],
            passwords=passwords,
            files=files,
            action=request.full_path.rstrip("?"),
        )
    except Exception:
        current_app.logger.exception("fault page failed to render")
        return FALLBACK_PAGE


def render_error(code: int, message: str | None = None):
    title, default = MESSAGES.get(code, MESSAGES[500])
    try:
        page = render_template(
            "errors/error.html", code=code, title=title, message=message or default
        )
    except Exception:  # the page itself failed (e.g. the database is down)
        current_app.logger.exception("error page failed to render")
        page = FALLBACK_PAGE
    return page, code


def _http_error(exc: HTTPException):
    if exc.code is None or exc.code < 400:
        return exc
    if is_api_request():
        return from_http_status(exc.code, exc.get_headers())
    page, code = render_error(exc.code)
    response = make_response(page, code)
    for name, value in exc.get_headers():  # e.g. Allow on 405, Retry-After on 429
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _csrf_error(exc: CSRFError):
    kit = request.endpoint in KIT_ENDPOINTS
    return render_error(400, KIT_CSRF_MESSAGE if kit else CSRF_MESSAGE)


def _server_error(exc: InternalServerError):
    if is_api_request():
        return from_http_status(500)
    return render_error(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiError, from_api_error)  # issue 15: the API's
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _server_error)
    for fault in (
        sa_exc.DBAPIError,
        sa_exc.TimeoutError,
        sa_exc.DisconnectionError,
        OSError,
    ):
        app.register_error_handler(fault, _database_error)
