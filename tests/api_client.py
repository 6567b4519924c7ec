"""A client of the JSON API for tests: it sends a token, and checks every request
and answer against the app's own OpenAPI document (openapi-core), so any test that
uses it also tests the document."""

import json

from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import (
    WerkzeugOpenAPIRequest,
    WerkzeugOpenAPIResponse,
)
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from interview.api import tokens
from interview.api.problems import CODES
from interview.extensions import db
from interview.models import User

_documents: dict[int, OpenAPI] = {}


def document_of(app) -> OpenAPI:
    """The app's OpenAPI document, parsed once per app."""
    if id(app) not in _documents:
        spec = app.test_client().get("/api/v1/openapi.json").get_json()
        _documents.clear()
        _documents[id(app)] = OpenAPI.from_dict(spec)
    return _documents[id(app)]


class ApiClient:
    def __init__(self, app, secret: str | None, check: bool = True):
        self.app, self.secret, self.check = app, secret, check
        self.client = app.test_client()

    def open(self, method: str, url: str, body=None, headers=None, raw=None, **kwargs):
        sent = dict(headers or {})
        if self.secret is not None:
            sent.setdefault("Authorization", f"Bearer {self.secret}")
        if body is not None:
            kwargs["data"] = json.dumps(body)
            kwargs["content_type"] = "application/json"
        elif raw is not None:
            kwargs["data"] = raw
        response = self.client.open(url, method=method, headers=sent, **kwargs)
        if self.check and url.startswith("/api/v1/"):
            check_answer(self.app, response, method, url)
        return response

    def get(self, url, **kw):
        return self.open("GET", url, **kw)

    def post(self, url, body=None, **kw):
        return self.open("POST", url, body, **kw)

    def patch(self, url, body=None, **kw):
        return self.open("PATCH", url, body, **kw)


def check_answer(app, response, method: str, url: str) -> None:
    """The answer matches the document: its status is one the operation lists, and
    its body that status's schema (an error: the Error schema, a known code)."""
    openapi = document_of(app)
    # The request as sent, but for its body (read already by the app).
    sent = EnvironBuilder(path=url, method=method, base_url="http://localhost")
    request = WerkzeugOpenAPIRequest(Request(sent.get_environ()))
    try:
        openapi.validate_response(request, WerkzeugOpenAPIResponse(response))
    except (PathNotFound, OperationNotFound):  # no such route: an error all the same
        assert response.status_code in (404, 405)
    if response.status_code >= 400:
        error = response.get_json()["error"]
        assert error["code"] in CODES and error["message"]


def make_token(app, user: User, scopes=None, days: int = 90) -> str:
    """A token of ``user`` holding ``scopes`` (every scope their role can hold)."""
    from interview.api import scopes as sc

    with app.app_context():
        owner = db.session.get(User, user.id)
        names = (
            scopes if scopes is not None else [s.name for s in sc.offered(owner.role)]
        )
        made = tokens.create_token(owner, "test", names, days)
        db.session.commit()
        return made.secret
