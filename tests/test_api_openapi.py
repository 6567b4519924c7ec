"""The OpenAPI document describes every route of the API, and only those; it is a
valid OpenAPI 3.1 document; and every answer the API tests get is checked against it
(tests/api_client.py), which these tests check can fail."""

import re

import pytest
from openapi_core.exceptions import OpenAPIError
from openapi_spec_validator import validate

from interview.api.problems import CODES
from interview.models import Role

from .api_client import check_answer


def _document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def test_the_document_is_served_to_anyone_and_is_valid_openapi(client):
    document = _document(client)
    validate(document)  # raises on anything OpenAPI 3.1 does not allow
    assert document["openapi"].startswith("3.1")
    for code in CODES:
        assert f"`{code}`" in document["info"]["description"]


def test_every_route_of_the_api_is_in_the_document_and_nothing_else(app, client):
    document = _document(client)
    in_app = {
        (
            method.lower(),
            re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1")),
        )
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {
        (method, path) for path, item in document["paths"].items() for method in item
    }
    assert in_app == documented
    assert len(in_app) >= 14


def test_every_route_but_the_document_asks_for_a_token(client):
    document = _document(client)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            public = path == "/openapi.json"
            assert (operation["security"] == []) == public, (method, path)
            assert "401" in operation["responses"] or public


def test_an_answer_the_document_does_not_describe_is_caught(app, make_user, api):
    """The check every API test relies on fails when an answer strays."""
    client = api(make_user(Role.TALENT_ACQUISITION))
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    body = response.get_json()
    del body["token"]
    response.set_data(__import__("json").dumps(body))
    with pytest.raises(OpenAPIError):
        check_answer(app, response, "GET", "/api/v1/me")


def test_an_error_with_an_unlisted_status_is_caught(app, make_user, api):
    client = api(make_user(Role.TALENT_ACQUISITION))
    response = client.get("/api/v1/me")
    response.status_code = 418
    with pytest.raises(OpenAPIError):
        check_answer(app, response, "GET", "/api/v1/me")
