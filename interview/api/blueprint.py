"""The API's blueprint and its gate: every request but the OpenAPI document's shows
a personal token (``Authorization: Bearer ivk_...``); the browser's cookie is never
read here, so no page's session can be used across sites (the API takes no CSRF
token). Who the token belongs to is then the request's ``current_user``, and the
site's permission predicates apply as on the pages."""

from flask import Blueprint, g, request
from flask_login import current_user

from ..db import check_visitor_when_writing, reading
from ..timeutil import utcnow
from . import scopes as sc
from . import tokens
from .problems import ApiError

bp = Blueprint("api", __name__, url_prefix="/api/v1")

OPEN_ENDPOINTS = frozenset({"api.openapi"})
REALM = 'Bearer realm="interview-api"'

MESSAGES = {
    "authentication_required": (
        "Send an API token in the Authorization header: 'Bearer <token>'. Make one "
        "on your account's API tokens page."
    ),
    "invalid_token": (
        "This token is not valid: it was revoked, its owner's account was "
        "deactivated or changed role, or it was mistyped. Make a new one."
    ),
    "token_expired": "This token has expired. Make a new one on your API tokens page.",
}


def _refuse(code: str) -> ApiError:
    error = ApiError(401, code, MESSAGES[code])
    extra = "" if code == "authentication_required" else ', error="invalid_token"'
    error.headers["WWW-Authenticate"] = REALM + extra
    return error


def bearer_token() -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    secret = secret.strip()
    return secret if scheme.lower() == "bearer" and secret else None


@bp.before_request
def authenticate():
    if request.endpoint in OPEN_ENDPOINTS:
        return
    if (secret := bearer_token()) is None:
        raise _refuse("authentication_required")
    with reading():  # SQLite: outside the write lock a post's transaction takes
        found = tokens.find(secret)
    if found is None:
        raise _refuse("invalid_token")
    token, user = found
    now = utcnow()
    if (code := tokens.why_refused(token, user, now)) is not None:
        raise _refuse(code)
    g._login_user = user  # Flask-Login's current_user for this request only
    g.interview_visitor = {  # errors.py: who this is, without the database
        "name": user.name,
        "role": user.role,
        "discipline": user.discipline,
    }
    g.api_token = token
    g.api_scopes = sc.parse(token.scopes)
    tokens.mark_used(token, now)
    if request.method not in ("GET", "HEAD"):  # as a form post's visitor (db.py)
        check_visitor_when_writing(user.id, user.session_token)


def require_scope(scope: str) -> None:
    if not sc.allows(g.get("api_scopes", frozenset()), scope):
        if sc.refused([scope], current_user.role):  # no token of theirs could
            raise ApiError(
                403,
                "forbidden",
                f"Your role ({current_user.role.label.lower()}) cannot do this, here "
                "or on the site's pages.",
            )
        raise ApiError(
            403,
            "insufficient_scope",
            f"This token may not do this: it needs the {scope} scope. Make a token "
            "with it on your API tokens page.",
        )


@bp.after_request
def options_answer(response):
    """Flask's own answer to OPTIONS (the methods in Allow) is an empty HTML page:
    here it is 204 No Content, so every answer of the API is JSON or nothing."""
    if request.method == "OPTIONS" and response.status_code == 200:
        response.status_code = 204
        response.set_data(b"")
        response.headers.pop("Content-Type", None)
    return response
