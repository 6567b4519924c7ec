"""Reading a request's body and query, and writing answers, the same way on every
route: JSON bodies checked by their pydantic model, lists paged as the site's are,
versions compared through If-Match."""

import re
from contextlib import contextmanager

import sqlalchemy as sa
from flask import jsonify, request, url_for
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..paging import Page
from ..text import first_control_character
from .problems import ApiError


def body(model: type[BaseModel]) -> BaseModel:
    """The request's JSON body as ``model``, or the error that says what is wrong."""
    if not request.is_json:
        raise ApiError(
            415,
            "unsupported_media_type",
            "Send the body as JSON, with Content-Type: application/json.",
        )
    try:
        return model.model_validate_json(request.get_data(cache=True) or b"")
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        if any(e["type"] == "json_invalid" for e in errors):
            raise ApiError(
                400, "invalid_json", f"The body is not valid JSON: {errors[0]['msg']}"
            ) from None
        raise ApiError(
            422,
            "validation_failed",
            "Some values were refused; nothing was saved. Each is named in details.",
            [_detail(e) for e in errors],
        ) from None


def _detail(error: dict) -> dict:
    field = ".".join(str(part) for part in error["loc"]) or "(body)"
    message = error["msg"].removeprefix("Value error, ")
    message = message.replace(" Your text is kept here.", "")  # the forms' words
    if error["type"] == "extra_forbidden":
        message = "not a field of this body"
    elif error["type"] == "missing":
        message = "required"
    return {"field": field, "message": message}


def refused_query(name: str, message: str) -> ApiError:
    return ApiError(
        422,
        "validation_failed",
        f"The query's {name} was refused: {message}.",
        [{"field": f"query.{name}", "message": message}],
    )


def query_id(name: str) -> int | None:
    """A positive id from the query, None when not given; anything else refused."""
    text = request.args.get(name)
    if text is None or text == "":
        return None
    if not (text.isascii() and text.isdecimal() and len(text) < 10 and int(text) > 0):
        raise refused_query(name, "not an id")
    return int(text)


def query_choice(name: str, allowed) -> str | None:
    text = request.args.get(name)
    if text is None or text == "":
        return None
    if text not in allowed:
        raise refused_query(name, f"one of {', '.join(sorted(allowed))}")
    return text


def query_text(name: str, limit: int = 200) -> str:
    text = request.args.get(name, "")
    if len(text) > limit:
        raise refused_query(name, f"at most {limit} characters")
    if first_control_character(text) is not None:
        raise refused_query(name, "holds a control character")
    return text.strip()


def answer(
    model: BaseModel, status: int = 200, version: int | None = None, location=None
):
    response = jsonify(model.model_dump(mode="json"))
    response.status_code = status
    if version is not None:
        response.headers["ETag"] = f'"{version}"'
    if location is not None:
        response.headers["Location"] = location
    return response


def page_of(page: Page, model: type[BaseModel], item) -> dict:
    """A list page as the API gives it: its rows (``item`` makes each) and where it
    sits among the others."""
    return model(
        items=[item(row) for row in page.items],
        page=page.page,
        size=page.size,
        total=page.total,
        pages=page.pages,
        more=page.more,
    )


ENTITY_TAG = re.compile(r'(?:W/)?"[\x21\x23-\x7e]*"')


def check_version(current: int) -> None:
    """Refuse a change whose If-Match names a version other than ``current``."""
    wanted = request.headers.get("If-Match")
    if wanted is None or wanted.strip() == "*":
        return
    tags = [tag.strip() for tag in wanted.split(",")]
    if not all(ENTITY_TAG.fullmatch(tag) for tag in tags):
        raise ApiError(
            400,
            "bad_request",
            "If-Match holds something other than entity tags: send the record's "
            'ETag as it came, e.g. If-Match: "3".',
            [{"field": "If-Match", "message": "not an entity tag"}],
        )
    if f'"{current}"' not in tags:  # strong comparison: a weak tag never matches
        raise ApiError(
            412,
            "version_mismatch",
            f"The record is at version {current}, not the one you sent: it was "
            "changed meanwhile. Read it again, then send your change.",
            [{"field": "If-Match", "message": f"current version is {current}"}],
        )


def refuse_taken(model, external_id: str | None, but: int | None = None) -> None:
    """Refuse a create or change naming an ``external_id`` another record of
    ``model`` (Candidate, Requisition) holds: 409 already_exists, that record's
    address in Location, so a create sent twice makes one record."""
    if not external_id:
        return
    found = db.session.scalar(
        sa.select(model.id).where(model.external_id == external_id)
    )
    if found is None or found == but:
        return
    noun = model.__name__.lower()
    error = ApiError(
        409,
        "already_exists",
        f"{model.__name__} {found} has this external_id already; nothing was saved.",
        [{"field": "external_id", "message": f"taken by {noun} {found}"}],
    )
    error.headers["Location"] = url_for(f"api.get_{noun}", **{f"{noun}_id": found})
    raise error


def refuse_unknown_query(known: set[str]) -> None:
    """A query parameter the route does not take (a typo, a filter of another list)
    is refused, as an unknown field of a body is: ignored, it would return every row
    looking filtered."""
    unknown = sorted(set(request.args) - known)
    if unknown:
        raise ApiError(
            422,
            "validation_failed",
            f"This address takes no {', '.join(unknown)} parameter; nothing was done. "
            + (f"It takes: {', '.join(sorted(known))}." if known else "It takes none."),
            [
                {"field": f"query.{name}", "message": "not a parameter of this address"}
                for name in unknown
            ],
        )


@contextmanager
def saving(model, external_id: str | None, but: int | None = None):
    """Commit what the block changed. The same ``external_id`` committed elsewhere
    at the same moment (the unique index's refusal) is answered as refuse_taken
    answers one found beforehand: 409 already_exists, never a 500."""
    try:
        yield
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        refuse_taken(model, external_id, but)
        raise
