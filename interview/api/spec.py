"""Every API route is declared here with what it takes and gives (``operation``),
and the OpenAPI 3.1 document is built from those declarations and the pydantic
models (``document``): the routes and their description come from one place.
tests/test_api_openapi.py checks every route of the app against the document and
every answer the tests get against its schema."""

import functools
import re
from dataclasses import dataclass, field

from flask import current_app
from pydantic.json_schema import models_json_schema

from . import schemas
from .blueprint import OPEN_ENDPOINTS, bp, require_scope
from .io import refuse_unknown_query
from .problems import CODES, HTTP_CODES


@dataclass(frozen=True)
class Param:
    name: str
    schema: dict
    description: str


@dataclass(frozen=True)
class Operation:
    rule: str  # as Flask writes it, under the blueprint's prefix
    method: str
    endpoint: str
    summary: str
    description: str
    scope: str | None
    body: type | None
    response: type | None
    status: int
    query: tuple[Param, ...] = ()
    errors: tuple[int, ...] = field(default=())


OPERATIONS: list[Operation] = []

PAGING = (
    Param(
        "page",
        {"type": "integer", "minimum": 1},
        "Page number; past the last: the last.",
    ),
    Param(
        "size",
        {"type": "integer", "minimum": 1},
        "Rows per page: 25 (the default), 50 or 100; another number, the nearest.",
    ),
)
COMMON_ERRORS = (401, 403, 429, 500, 503)


def operation(
    rule: str,
    method: str,
    *,
    scope: str | None,
    summary: str,
    body: type | None = None,
    response: type | None = None,
    status: int = 200,
    query: tuple[Param, ...] = (),
    errors: tuple[int, ...] = (),
):
    """Register the view at ``rule`` for ``method``; with ``scope``, refuse a token
    without it before the view runs."""

    def decorator(view):
        known = {p.name for p in query}

        @functools.wraps(view)
        def wrapped(**kwargs):
            if scope is not None:
                require_scope(scope)
            refuse_unknown_query(known)
            return view(**kwargs)

        endpoint = view.__name__
        bp.add_url_rule(rule, endpoint, wrapped, methods=[method])
        description = (view.__doc__ or "").strip()
        OPERATIONS.append(
            Operation(
                rule,
                method,
                f"api.{endpoint}",
                summary,
                description,
                scope,
                body,
                response,
                status,
                query,
                errors,
            )
        )
        return wrapped

    return decorator


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def _path_params(rule: str) -> list[dict]:
    params = []
    for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", rule):
        schema = (
            {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
            if converter == "int"
            else {"type": "string"}
        )
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return params


def _schemas() -> dict:
    models = {schemas.Error}
    for op in OPERATIONS:
        models |= {m for m in (op.body, op.response) if m is not None}
    modes = [
        (m, "validation" if issubclass(m, schemas.Body) else "serialization")
        for m in models
    ]
    _, found = models_json_schema(
        sorted(modes, key=lambda pair: pair[0].__name__),
        ref_template="#/components/schemas/{model}",
    )
    return found.get("$defs", {})


def _ref(model: type) -> dict:
    name = model.__name__
    return {"$ref": f"#/components/schemas/{_schema_name(name)}"}


def _schema_name(name: str) -> str:
    """pydantic's name for a model's schema (a generic's: Page_Candidate_)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def _json(model: type, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref(model)}},
    }


def _operation(op: Operation) -> dict:
    out = {
        "operationId": op.endpoint.removeprefix("api."),
        "summary": op.summary,
        "parameters": _path_params(op.rule)
        + [
            {
                "name": p.name,
                "in": "query",
                "required": False,
                "schema": p.schema,
                "description": p.description,
            }
            for p in op.query
        ],
        "responses": {},
    }
    if op.description:
        out["description"] = op.description
    if op.endpoint in OPEN_ENDPOINTS:
        out["security"] = []
    else:
        out["security"] = [{"token": []}]
    if op.scope is not None:
        out["x-scope"] = op.scope
        scope = f"Scope: `{op.scope}`."
        out["description"] = (out.get("description", "") + "\n\n" + scope).strip()
    if op.body is not None:
        out["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(op.body)}},
        }
    if op.response is not None:
        out["responses"][str(op.status)] = _json(op.response, "Done.")
    else:
        out["responses"][str(op.status)] = {
            "description": "Done.",
            "content": {"application/json": {"schema": {}}},
        }
    public = op.endpoint in OPEN_ENDPOINTS
    # 400: an address holding a control character (security.py); 422: a query
    # parameter the route does not take, or a value refused (api/io.py).
    codes = set(op.errors) | {400, 422}
    codes |= {500, 503} if public else set(COMMON_ERRORS)
    if op.body is not None:
        codes |= {413, 415}
    for status in sorted(codes):
        out["responses"][str(status)] = {"$ref": f"#/components/responses/E{status}"}
    return out


def document() -> dict:
    """The OpenAPI 3.1 document of the API, as served at /api/v1/openapi.json."""
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(openapi_path(op.rule), {})[op.method.lower()] = _operation(op)
    statuses = sorted(
        {s for op in OPERATIONS for s in op.errors}
        | set(COMMON_ERRORS)
        | {400, 413, 415, 422}
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Structured interviews API",
            "version": "1",
            "description": DESCRIPTION.format(codes=", ".join(f"`{c}`" for c in CODES)),
        },
        "servers": [
            {
                "url": current_app.config.get("APPLICATION_ROOT", "/").rstrip("/")
                + "/api/v1"
            }
        ],
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token, made on your account's API tokens page.",
                }
            },
            "responses": {
                f"E{status}": _json(schemas.Error, HTTP_CODES[status][1])
                for status in statuses
            },
        },
    }


DESCRIPTION = """\
For applicant tracking systems and other tools: candidates, requisitions and loops,
their scorecards' states, decisions and debrief summaries.

Send a personal API token as `Authorization: Bearer <token>`. A token does what its
scopes allow and what its owner may do on the site, no more: the same permission
rules apply, and an interviewer reads the panel only once their own scorecards are in.

Lists take `page` and `size` (25, 50 or 100) and count up to the site's list limit
(`more` says when more rows match: narrow the query).

A record's `version` is raised by every change; send it back in `If-Match` to change
it only if nobody else has meanwhile (412 `version_mismatch` otherwise). A create
that names an `external_id` already on file is refused with 409 `already_exists`
and the record's address in `Location`, so a create sent twice makes one record.

Errors are JSON: `{{"error": {{"code": ..., "message": ..., "details": [...]}}}}`.
Codes: {codes}.
"""
