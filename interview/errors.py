"""Error pages in the site's style: a clear message, never a stack trace."""

from flask import Flask, current_app, make_response, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

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
}

CSRF_MESSAGE = (
    "This form could not be accepted because its security token is missing or your "
    "session has ended. Nothing was saved. Go back, copy anything you typed, reload "
    "the page (signing in again if asked) and send it again."
)


FALLBACK_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Error</title>"
    "<h1>Something went wrong</h1><p>Nothing was changed. Try again in a moment.</p>"
)


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
    page, code = render_error(exc.code)
    response = make_response(page, code)
    for name, value in exc.get_headers():  # e.g. Allow on 405, Retry-After on 429
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _csrf_error(exc: CSRFError):
    return render_error(400, CSRF_MESSAGE)


def _server_error(exc: InternalServerError):
    return render_error(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _server_error)
