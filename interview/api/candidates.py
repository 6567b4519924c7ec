"""Candidates through the API: talent acquisition's, as on the site."""

import sqlalchemy as sa
from flask import request, url_for
from flask_login import current_user

from ..candidate_search import candidate_ids, candidate_matching, name_order_walk
from ..extensions import db
from ..listing import paginate
from ..loops.lists import CANDIDATE_SORTS
from ..loops.operations import save_candidate
from ..models import Candidate
from ..paging import page_request
from ..permissions import can_see_contact_details
from . import schemas as s
from .io import (
    answer,
    body,
    check_version,
    page_of,
    query_choice,
    query_text,
    refuse_taken,
    saving,
)
from .problems import ApiError
from .spec import PAGING, Param, operation

SORT = Param("sort", {"type": "string", "enum": list(CANDIDATE_SORTS)}, "Order (name).")
EXTERNAL = Param("external_id", {"type": "string"}, "Only the one with this id.")
SEARCH = Param("q", {"type": "string", "maxLength": 200}, "Words in the name or email.")
EDITABLE = ("name", "email", "phone", "source", "notes", "external_id")


def _only_talent_acquisition() -> None:
    if not can_see_contact_details(current_user):
        raise ApiError(403, "forbidden", "Candidates are talent acquisition's.")


def _out(candidate: Candidate) -> s.Candidate:
    return s.Candidate(
        id=candidate.id,
        name=candidate.name,
        email=candidate.email,
        phone=candidate.phone,
        source=candidate.source,
        notes=candidate.notes,
        external_id=candidate.external_id,
        erased=candidate.erased_at is not None,
        version=candidate.version,
        created_at=candidate.created_at,
        updated_at=candidate.updated_at,
    )


def _location(candidate_id: int) -> str:
    return url_for("api.get_candidate", candidate_id=candidate_id)


def _load(candidate_id: int, lock: bool = False) -> Candidate:
    _only_talent_acquisition()
    candidate = db.session.get(Candidate, candidate_id, with_for_update=lock or None)
    if candidate is None:
        raise ApiError(404, "not_found", f"No candidate {candidate_id}.")
    return candidate


@operation(
    "/candidates",
    "GET",
    scope="candidates:read",
    summary="List candidates",
    response=s.Page[s.Candidate],
    query=(SEARCH, EXTERNAL, SORT, *PAGING),
)
def list_candidates():
    """Candidates found by name or email (accents and case aside), as the site's list."""
    _only_talent_acquisition()
    sort = query_choice("sort", CANDIDATE_SORTS) or "name"
    text = query_text("q")
    query = sa.select(Candidate).where(*candidate_matching(text))
    if external := query_text("external_id", 100):
        query = query.where(Candidate.external_id == external)
    page_req = page_request({**request.args, "sort": sort}, list(CANDIDATE_SORTS))
    walk = None
    if sort == "name" and text and not external:
        walk = lambda total, rows: name_order_walk(text, total, rows)
    page = paginate(
        query,
        page_req,
        CANDIDATE_SORTS[sort][1],
        counted=candidate_ids(text) if text and not external else None,
        walk=walk,
    )
    return answer(page_of(page, s.Page[s.Candidate], _out))


@operation(
    "/candidates",
    "POST",
    scope="candidates:write",
    summary="Add a candidate",
    body=s.CandidateIn,
    response=s.Candidate,
    status=201,
    errors=(409,),
)
def create_candidate():
    """A candidate whose external_id is on file already is not added again: 409
    already_exists, with the one on file's address in Location."""
    _only_talent_acquisition()
    data = body(s.CandidateIn)
    refuse_taken(Candidate, data.external_id)
    with saving(Candidate, data.external_id):
        candidate = save_candidate(current_user, None, data.model_dump())
    return answer(_out(candidate), 201, candidate.version, _location(candidate.id))


@operation(
    "/candidates/<int:candidate_id>",
    "GET",
    scope="candidates:read",
    summary="Read a candidate",
    response=s.Candidate,
    errors=(404,),
)
def get_candidate(candidate_id: int):
    candidate = _load(candidate_id)
    return answer(_out(candidate), version=candidate.version)


@operation(
    "/candidates/<int:candidate_id>",
    "PATCH",
    scope="candidates:write",
    summary="Change a candidate",
    body=s.CandidatePatch,
    response=s.Candidate,
    errors=(404, 409, 412),
)
def update_candidate(candidate_id: int):
    """Only the fields sent change. An erased candidate's details are never written
    again (409 erased)."""
    data = body(s.CandidatePatch)
    candidate = _load(candidate_id, lock=True)  # an erasure in flight: wait, see it
    if candidate.erased_at is not None:
        raise ApiError(
            409,
            "erased",
            "This candidate's personal data was erased; nothing was saved.",
        )
    check_version(candidate.version)
    sent = data.model_dump(exclude_unset=True)
    if "name" in sent and not sent["name"]:
        raise ApiError(
            422,
            "validation_failed",
            "A candidate keeps a name; nothing was saved.",
            [{"field": "name", "message": "must not be null"}],
        )
    refuse_taken(Candidate, sent.get("external_id"), but=candidate.id)
    current = {name: getattr(candidate, name) for name in EDITABLE}
    if all(current[name] == value for name, value in sent.items()):
        return answer(_out(candidate), version=candidate.version)  # nothing changes
    fields = current | sent
    with saving(Candidate, sent.get("external_id"), but=candidate_id):
        save_candidate(current_user, candidate, fields)
    return answer(_out(candidate), version=candidate.version)
