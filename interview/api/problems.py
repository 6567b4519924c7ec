"""The API's errors: JSON with a stable code and a message a person can act on.

Every error the API gives reads ``{"error": {"code": ..., "message": ...}}``, with
``details`` where there is more to say (each refused field of a body). Codes are
part of the API's contract (the OpenAPI document lists them): a client branches on
the code; the message is for the person reading its log and may be reworded.
"""

from flask import jsonify, request

API_PREFIX = "/api/"

# An HTTP error raised by Flask or Werkzeug (no route, wrong method, too large...),
# as the API names it.
HTTP_CODES = {
    400: ("bad_request", "The request could not be understood."),
    401: ("authentication_required", "Send an API token."),
    403: ("forbidden", "Your account may not do this."),
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not take that method."),
    406: ("not_acceptable", "This API answers in JSON only."),
    409: ("conflict", "This conflicts with the record's current state."),
    412: ("version_mismatch", "The record changed since the version you sent."),
    413: ("too_large", "The request is larger than this API accepts (4 MB)."),
    415: ("unsupported_media_type", "Send the body as JSON (application/json)."),
    422: ("validation_failed", "The body's values were refused."),
    429: ("rate_limited", "Too many requests: slow down and try again."),
    500: (
        "internal_error",
        (
            "The server hit an error and nothing was changed. Try again; if it keeps "
            "happening, tell your administrator when it happened."
        ),
    ),
    503: ("unavailable", "The server cannot answer just now. Try again shortly."),
}
# Every code an error may carry, for the OpenAPI document.
CODES = sorted(
    {code for code, _ in HTTP_CODES.values()}
    | {
        "invalid_json",
        "invalid_token",
        "token_expired",
        "insufficient_scope",
        "already_exists",
        "loop_already_open",
        "not_ready",
        "erased",
        "bad_data",
    }
)


class ApiError(Exception):
    """An error to answer with; raised anywhere in a request through the API."""

    def __init__(
        self, status: int, code: str, message: str, details: list | None = None
    ):
        super().__init__(message)
        self.status, self.code, self.message, self.details = (
            status,
            code,
            message,
            details,
        )
        self.headers: dict[str, str] = {}


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def error_response(
    status: int, code: str, message: str, details: list | None = None, headers=None
):
    body = {"code": code, "message": message}
    if details:
        body["details"] = details
    response = jsonify(error=body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_api_error(exc: ApiError):
    return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)


def from_http_status(status: int, headers=()):
    """An HTTP error (no route, wrong method...) in the API's words."""
    code, message = HTTP_CODES.get(status, HTTP_CODES[500])
    kept = {n: v for n, v in headers if n.lower() in ("allow", "retry-after")}
    return error_response(status, code, message, headers=kept)
