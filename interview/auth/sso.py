"""Single sign-on with OpenID Connect (issue 15): the authorization code flow with
PKCE, its state and nonce kept in the signed session cookie, the ID token's
signature, issuer, audience and lifetime checked (Authlib, joserfc). Who gets in,
and as what, is sso_rules.py's; accounts.py applies it to the rows.

Every way the flow can fail ends on a page that says what happened and what to do,
with a way back to sign in: the provider not answering, a sign-in link used twice or
from another browser, an answer that fails its checks, a person the rules refuse.
"""

import logging
from urllib.parse import urlencode

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user
from joserfc.errors import JoseError

from ..db import writes_on_get
from ..extensions import db
from ..security import is_safe_next
from .sso_accounts import sign_in_with_sso
from .sso_rules import Refused, SsoSettings

log = logging.getLogger(__name__)

bp = Blueprint("sso", __name__, url_prefix="/sign-in/sso")

NEXT = "sso_next"  # where to go after signing in, kept in the session meanwhile
SIGNED_IN_HERE = "sso_signed_in"  # this session began at the provider
STATE_PREFIX = "_state_sso_"  # Authlib's key for an attempt's state, verifier, nonce
LEEWAY_S = 30  # clock difference allowed between the provider and this server


def init_app(app) -> None:
    """Register the provider's client when single sign-on is set (else the routes
    answer 404)."""
    config: SsoSettings | None = app.config["SSO_SETTINGS"]
    if config is None:
        return
    oauth = OAuth(app)
    oauth.register(
        "sso",
        client_id=config.client_id,
        client_secret=config.client_secret,
        # The issuer as configured is what the ID token's ``iss`` must equal (some
        # end in "/"); the discovery document's address has no doubled slash.
        server_metadata_url=(
            f"{config.issuer.rstrip('/')}/.well-known/openid-configuration"
        ),
        client_kwargs={
            "scope": config.scope,
            "code_challenge_method": "S256",
            # Every request to the provider (Authlib's session reads this name; a
            # provider that stops answering must not hold a worker for ever).
            "default_timeout": config.timeout_s,
        },
    )
    app.extensions["interview_sso"] = oauth.sso


def enabled() -> bool:
    return "interview_sso" in current_app.extensions


def _client():
    if not enabled():
        abort(404)
    return current_app.extensions["interview_sso"]


@bp.route("")
def start():
    """Send the browser to the provider's sign-in, remembering where it was going."""
    client = _client()
    next_url = request.args.get("next")
    if current_user.is_authenticated:
        return redirect(next_url if is_safe_next(next_url) else url_for("home.index"))
    session[NEXT] = next_url if is_safe_next(next_url) else None
    # Each attempt keeps its state in the cookie until its answer comes back; drop
    # those of attempts abandoned before this one, or enough of them would
    # outgrow the cookie (and a sign-in's own state would not be kept).
    for key in [k for k in session if k.startswith(STATE_PREFIX)]:
        session.pop(key)
    try:
        return client.authorize_redirect(
            url_for(".callback", _external=True), nonce=generate_token(24)
        )
    except requests.RequestException as exc:
        log.warning("single sign-on: the provider did not answer: %s", type(exc))
        return _failed("unavailable", 503)


@bp.route("/callback")
def callback():
    """The provider's answer: check it, find or link or create the account, sign in."""
    client = _client()
    config: SsoSettings = current_app.config["SSO_SETTINGS"]
    writes_on_get()  # the account is found, linked or made, and audited
    try:
        token = client.authorize_access_token(
            claims_options={
                "iss": {"essential": True, "value": config.issuer},
                "aud": {"essential": True, "value": config.client_id},
            },
            leeway=LEEWAY_S,
        )
    except MismatchingStateError:
        return _failed("stale", 400)
    except OAuthError as exc:
        log.warning("single sign-on: the provider answered %r", exc.error)
        kind, status = PROVIDER_ERRORS.get(exc.error, ("untrusted", 400))
        return _failed(kind, status)
    except JoseError as exc:
        log.warning("single sign-on: an ID token failed its checks: %r", exc.error)
        return _failed("untrusted", 400)
    except requests.RequestException as exc:
        log.warning("single sign-on: the provider did not answer: %s", type(exc))
        return _failed("unavailable", 503)
    claims = token.get("userinfo")
    if not claims or not isinstance(claims.get("sub"), str):
        log.warning("single sign-on: the answer held no ID token")
        return _failed("untrusted", 400)
    try:
        user = sign_in_with_sso(dict(claims), config)
    except Refused as refused:
        db.session.rollback()
        log.info("single sign-on: refused (%s)", refused.reason)
        return _failed("refused", 403, refused.message)
    next_url = session.pop(NEXT, None)
    session.clear()  # signed-in life starts with a fresh session and CSRF token
    login_user(user)
    session[SIGNED_IN_HERE] = True  # sign-out may go on to the provider
    return redirect(next_url if is_safe_next(next_url) else url_for("home.index"))


# The provider's own error codes (OAuth 2.0 and OpenID Connect): the page each gets.
PROVIDER_ERRORS = {
    "access_denied": ("cancelled", 403),
    "server_error": ("unavailable", 503),
    "temporarily_unavailable": ("unavailable", 503),
    "login_required": ("stale", 400),
    "interaction_required": ("stale", 400),
    "consent_required": ("stale", 400),
}

MESSAGES = {
    "unavailable": (
        "Your organisation's sign-in service did not answer. Try again in a minute; "
        "if it keeps failing, tell your IT team."
    ),
    "stale": (
        "This sign-in was already used, has expired, or was started in another "
        "browser. Start again."
    ),
    "cancelled": "Sign-in was cancelled or refused at your organisation's sign-in.",
    "untrusted": (
        "Your organisation's sign-in sent an answer that did not pass this "
        "platform's checks, so you are not signed in. Try again; if it keeps "
        "failing, tell your IT team."
    ),
}


def _failed(kind: str, status: int, message: str | None = None):
    page = render_template(
        "auth/sso_failed.html",
        message=message or MESSAGES[kind],
        kind=kind,
        sso=current_app.config["SSO_SETTINGS"],
        passwords=current_app.config["PASSWORD_SIGN_IN"],
    )
    return page, status


def provider_sign_out_url(came_through_sso: bool) -> str | None:
    """Where sign-out sends the browser next: the provider's end-session endpoint
    (RP-initiated logout 1.0, identified by client_id, back to the sign-in page)
    when the setting asks for it and this session began there; None otherwise, or
    when the provider offers none or does not answer (signed out here all the same)."""
    config = current_app.config.get("SSO_SETTINGS")
    if not (came_through_sso and enabled() and config and config.sign_out_at_provider):
        return None
    try:
        metadata = current_app.extensions["interview_sso"].load_server_metadata()
    except requests.RequestException as exc:
        log.warning("single sign-on: the provider did not answer: %s", type(exc))
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return None
    query = urlencode(
        {
            "client_id": config.client_id,
            "post_logout_redirect_uri": url_for("auth.login", _external=True),
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
