"""Refused forms answered by a redirect, not a page (review of issue 14): a page
answering a POST makes Back or Reload show the browser's "Confirm form resubmission".
The form's fields are kept in the signed session cookie under a random token named
in the redirect's address, so each tab keeps its own, and with the account that
typed them, so nobody else's session shows them. Nothing typed is lost: the address
shows the same fields, errors and questions again however often it is reloaded.

A browser drops a cookie over about 4 KB, silently (Chromium), and with it the
sign-in and every draft: the whole cookie, as it will be sent, is measured before a
draft is kept (``cookie_size``), the oldest drafts go until it fits, and a draft too
large to keep even alone (a very long plan) is not kept: the caller answers with the
page as before. Drafts are ordered by a number kept in each (``seq``): the cookie's
serializer sorts a dict's keys, so the order the tokens were added in is lost."""

import secrets

from flask import current_app, redirect, request
from flask import session as cookie_session
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.http import dump_cookie

DRAFTS = "interview_drafts"
KEPT = 3  # drafts kept per browser: the newest, whatever form they came from
# Werkzeug's limit (Response.max_cookie_size, what browsers keep), less room for
# what a later request adds before the drafts are used or dropped (flashes).
COOKIE_LIMIT = 4_093
ROOM_LEFT = 400


def keep_draft(form_name: str, pairs: list[tuple[str, str]], **extra) -> str | None:
    """Keep the fields of a refused form; the token naming them, or None when too
    large to keep (the drafts kept before are then left as they were)."""
    before = cookie_session.get(DRAFTS, {})
    older = sorted(before.items(), key=lambda item: item[1].get("seq", 0))
    seq = (older[-1][1].get("seq", 0) if older else 0) + 1
    token = secrets.token_urlsafe(9)
    draft = {"form": form_name, "user": current_user.id, "pairs": pairs, **extra}
    kept = [*older[-(KEPT - 1) :], (token, {**draft, "seq": seq})]
    while kept:
        cookie_session[DRAFTS] = dict(kept)
        if cookie_size() <= COOKIE_LIMIT - ROOM_LEFT:
            return token
        kept.pop(0)  # the oldest goes first; the new draft last of all
    cookie_session[DRAFTS] = before
    return None


def cookie_size() -> int:
    """The length of the session's Set-Cookie header value as it stands, measured
    as Flask's session interface will write it (what Werkzeug checks against its
    limit)."""
    app = current_app
    interface = app.session_interface
    value = interface.get_signing_serializer(app).dumps(dict(cookie_session))
    return len(
        dump_cookie(
            interface.get_cookie_name(app),
            value,
            expires=interface.get_expiration_time(app, cookie_session),
            domain=interface.get_cookie_domain(app),
            path=interface.get_cookie_path(app),
            secure=interface.get_cookie_secure(app),
            httponly=interface.get_cookie_httponly(app),
            samesite=interface.get_cookie_samesite(app),
            partitioned=interface.get_cookie_partitioned(app),
            max_size=0,  # measured here, not warned about
        )
    )


def draft(form_name: str, token: str | None) -> dict | None:
    """The draft kept under ``token`` for this form and this account, or None."""
    found = cookie_session.get(DRAFTS, {}).get(token or "")
    if not found or found["form"] != form_name or found["user"] != current_user.id:
        return None
    return {**found, "formdata": MultiDict([tuple(p) for p in found["pairs"]])}


def drop_drafts(form_name: str) -> None:
    """Forget this form's drafts (saved at last)."""
    drafts = cookie_session.get(DRAFTS, {})
    if any(d["form"] == form_name for d in drafts.values()):
        kept = {t: d for t, d in drafts.items() if d["form"] != form_name}
        cookie_session[DRAFTS] = kept


def forget_drafts() -> None:
    """Forget every draft in this browser: the session ends (sign-out, or its
    account signed out elsewhere), and a draft holds what was typed, readable by
    anyone holding the cookie (it is signed, not encrypted)."""
    for name in (DRAFTS, CHANGED):
        if name in cookie_session:
            cookie_session.pop(name)


def posted_pairs(skip: tuple[str, ...] = ("csrf_token",)) -> list[list[str]]:
    """The form as posted, in order, every value of a repeated name kept."""
    from flask import request

    return [[k, v] for k, v in request.form.items(multi=True) if k not in skip]


# A confirmation sent back stale (who would be told, what is missing, the panel
# shown changed meanwhile) redirects to its question's page, which says so once.
# The note is kept here, not in the address (?changed=1 told anyone opening a
# bookmarked or copied address that something "changed since you confirmed").
CHANGED = "interview_changed"
NOTES_KEPT = 3  # paths with a note waiting: one per tab, the newest kept


def changed_redirect(url: str):
    """Redirect to ``url``, whose page says once that the confirmation sent was
    stale. The note is kept by the target's path, for the account that sent it;
    older notes make room first, and a note that cannot fit under the cookie's
    limit is not kept (the page still asks again, without saying why). A note
    takes at most half the room drafts leave for what later requests add."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    before = cookie_session.get(CHANGED, [])
    kept = [n for n in before if n[0] != path][-(NOTES_KEPT - 1) :]
    kept.append([path, current_user.id])
    while kept:
        cookie_session[CHANGED] = kept
        if cookie_size() <= COOKIE_LIMIT - ROOM_LEFT // 2:
            break
        kept.pop(0)
    if not kept:
        cookie_session.pop(CHANGED, None)
    return redirect(url)


def changed_since_confirmed() -> bool:
    """Whether this page was reached from a stale confirmation: the note left by
    ``changed_redirect`` for this path and account, taken so it shows once."""
    notes = cookie_session.get(CHANGED, [])
    note = [request.path, current_user.id]
    if note not in notes:
        return False
    rest = [n for n in notes if n != note]
    if rest:
        cookie_session[CHANGED] = rest
    else:
        cookie_session.pop(CHANGED)
    return True
