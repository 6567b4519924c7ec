"""Requisitions through the API: talent acquisition opens and changes them; a hiring
manager reads their own, as on the site. The interview plan is read here and set
in the browser, where its coverage of the rubric is checked as it is drawn."""

import sqlalchemy as sa
from flask import request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..listing import paginate
from ..loops.lists import REQUISITION_SORTS, requisitions_listed
from ..loops.operations import LoopError, save_requisition
from ..models import Requisition, RequisitionStatus, Role, Rubric, RubricVersion, User
from ..paging import page_request
from ..permissions import can_view_requisition
from ..search import matching
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

STATUSES = [status.value for status in RequisitionStatus]
QUERY = (
    Param(
        "q",
        {"type": "string", "maxLength": 200},
        "Words in the title, discipline or manager's name.",
    ),
    Param("status", {"type": "string", "enum": STATUSES}, "Only those in this status."),
    Param("external_id", {"type": "string"}, "Only the one with this id."),
    Param(
        "sort", {"type": "string", "enum": list(REQUISITION_SORTS)}, "Order (status)."
    ),
    *PAGING,
)
LOADS = (
    joinedload(Requisition.hiring_manager),
    joinedload(Requisition.default_rubric),
    selectinload(Requisition.plan),
)


def _out(r: Requisition) -> s.Requisition:
    return s.Requisition(
        id=r.id,
        title=r.title,
        discipline=r.discipline,
        status=r.status,
        hiring_manager=s.Person(id=r.hiring_manager.id, name=r.hiring_manager.name),
        rubric=r.default_rubric.key if r.default_rubric is not None else None,
        share_scores_after_submit=r.share_scores_after_submit,
        external_id=r.external_id,
        plan=[
            s.PlannedSession(
                title=p.title,
                duration_minutes=p.duration_minutes,
                competencies=list(p.competency_keys),
                clinical_seats=p.clinical_seats,
                technical_seats=p.technical_seats,
            )
            for p in r.plan
        ],
        version=r.version,
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


def _location(requisition_id: int) -> str:
    return url_for("api.get_requisition", requisition_id=requisition_id)


def _only_talent_acquisition() -> None:
    if current_user.role != Role.TALENT_ACQUISITION:
        raise ApiError(
            403,
            "forbidden",
            "Requisitions are opened and changed by talent acquisition.",
        )


def _load(requisition_id: int, lock: bool = False) -> Requisition:
    if lock:
        db.session.get(Requisition, requisition_id, with_for_update=True)
    requisition = db.session.get(
        Requisition, requisition_id, options=LOADS, populate_existing=lock
    )
    if requisition is None:
        raise ApiError(404, "not_found", f"No requisition {requisition_id}.")
    if not can_view_requisition(current_user, requisition):
        raise ApiError(403, "forbidden", "This requisition is not yours to see.")
    return requisition


@operation(
    "/requisitions",
    "GET",
    scope="requisitions:read",
    summary="List requisitions",
    response=s.Page[s.Requisition],
    query=QUERY,
)
def list_requisitions():
    """All of them for talent acquisition; a hiring manager's own for them."""
    if current_user.role not in (Role.TALENT_ACQUISITION, Role.HIRING_MANAGER):
        raise ApiError(
            403,
            "forbidden",
            "Requisitions are for talent acquisition and hiring managers.",
        )
    sort = query_choice("sort", REQUISITION_SORTS) or "status"
    status = query_choice("status", STATUSES)
    query = requisitions_listed(current_user, query_text("q"), status)
    if external := query_text("external_id", 100):
        query = query.where(Requisition.external_id == external)
    page_req = page_request({**request.args, "sort": sort}, list(REQUISITION_SORTS))
    order = [*REQUISITION_SORTS[sort][1], Requisition.id]
    page = paginate(query, page_req, order, LOADS)
    return answer(page_of(page, s.Page[s.Requisition], _out))


@operation(
    "/requisitions/<int:requisition_id>",
    "GET",
    scope="requisitions:read",
    summary="Read a requisition",
    response=s.Requisition,
    errors=(404,),
)
def get_requisition(requisition_id: int):
    requisition = _load(requisition_id)
    return answer(_out(requisition), version=requisition.version)


@operation(
    "/requisitions",
    "POST",
    scope="requisitions:write",
    summary="Open a requisition",
    body=s.RequisitionIn,
    response=s.Requisition,
    status=201,
    errors=(409,),
)
def create_requisition():
    """One whose external_id is on file already is not opened again: 409
    already_exists, with its address in Location."""
    _only_talent_acquisition()
    data = body(s.RequisitionIn)
    refuse_taken(Requisition, data.external_id)
    fields = data.model_dump()
    requisition = _save(None, fields, data.external_id)
    return answer(
        _out(requisition), 201, requisition.version, _location(requisition.id)
    )


@operation(
    "/requisitions/<int:requisition_id>",
    "PATCH",
    scope="requisitions:write",
    summary="Change a requisition",
    body=s.RequisitionPatch,
    response=s.Requisition,
    errors=(404, 409, 412),
)
def update_requisition(requisition_id: int):
    """Only the fields sent change."""
    _only_talent_acquisition()
    data = body(s.RequisitionPatch)
    requisition = _load(requisition_id, lock=True)  # a second save waits, then sees
    check_version(requisition.version)
    sent = data.model_dump(exclude_unset=True)
    for name in (
        "title",
        "discipline",
        "hiring_manager_id",
        "status",
        "share_scores_after_submit",
    ):
        if name in sent and sent[name] is None:
            raise ApiError(
                422,
                "validation_failed",
                f"A requisition keeps its {name}; nothing was saved.",
                [{"field": name, "message": "must not be null"}],
            )
    refuse_taken(Requisition, sent.get("external_id"), but=requisition.id)
    current = {
        "title": requisition.title,
        "discipline": requisition.discipline,
        "hiring_manager_id": requisition.hiring_manager_id,
        "rubric": requisition.default_rubric.key
        if requisition.default_rubric
        else None,
        "status": requisition.status,
        "share_scores_after_submit": requisition.share_scores_after_submit,
    }
    changes = {k: v for k, v in sent.items() if k != "external_id"}
    if (
        all(current[k] == v for k, v in changes.items())
        and sent.get("external_id", requisition.external_id) == requisition.external_id
    ):
        return answer(_out(requisition), version=requisition.version)  # nothing changes
    _save(requisition, current | sent, sent.get("external_id", requisition.external_id))
    return answer(_out(requisition), version=requisition.version)


def _save(
    requisition: Requisition | None, fields: dict, external_id: str | None
) -> Requisition:
    rubric_id = _rubric_id(fields.pop("rubric", None), requisition)
    data = fields | {"default_rubric_id": rubric_id, "external_id": external_id}
    but = requisition.id if requisition else None
    try:
        with saving(Requisition, external_id, but):
            saved = save_requisition(current_user, requisition, data)
    except LoopError as exc:
        db.session.rollback()
        raise ApiError(
            422,
            "validation_failed",
            f"{exc} Nothing was saved.",
            [{"field": "hiring_manager_id", "message": str(exc)}],
        ) from None
    return _load(saved.id)


def _rubric_id(key: str | None, requisition: Requisition | None) -> int | None:
    if key is None:
        return None
    rubric = db.session.scalar(sa.select(Rubric).where(Rubric.key == key))
    kept = (
        requisition is not None
        and rubric is not None
        and rubric.id == requisition.default_rubric_id
    )
    if rubric is None or (rubric.is_archived and not kept):
        raise ApiError(
            422,
            "validation_failed",
            f"No rubric in use has the key {key!r}; nothing was saved.",
            [{"field": "rubric", "message": "no such rubric in use"}],
        )
    return rubric.id


@operation(
    "/rubrics",
    "GET",
    scope="requisitions:read",
    summary="List the rubrics a requisition may use",
    response=s.Page[s.Rubric],
    query=PAGING,
)
def list_rubrics():
    """Each rubric's key (what a requisition names), title and latest version; the
    archived ones last."""
    if current_user.role not in (Role.TALENT_ACQUISITION, Role.HIRING_MANAGER):
        raise ApiError(403, "forbidden", "Rubrics are listed for requisitions' owners.")
    latest = (
        sa.select(sa.func.max(RubricVersion.number))
        .where(RubricVersion.rubric_id == Rubric.id)
        .scalar_subquery()
    )
    page_req = page_request(request.args, ["title"])
    page = paginate(
        sa.select(Rubric), page_req, [Rubric.is_archived, Rubric.title, Rubric.id]
    )
    numbers = dict(
        db.session.execute(
            sa.select(Rubric.id, latest).where(
                Rubric.id.in_([r.id for r in page.items])
            )
        ).all()
    )
    return answer(
        page_of(
            page,
            s.Page[s.Rubric],
            lambda r: s.Rubric(
                key=r.key,
                title=r.title,
                latest_version=numbers.get(r.id),
                archived=r.is_archived,
            ),
        )
    )


@operation(
    "/hiring-managers",
    "GET",
    scope="requisitions:write",
    summary="List the active hiring managers a requisition may name",
    response=s.Page[s.HiringManager],
    query=(
        Param("q", {"type": "string", "maxLength": 200}, "Words in the name or email."),
        *PAGING,
    ),
)
def list_hiring_managers():
    """Active hiring managers by name: the ids a requisition's hiring_manager_id takes."""
    _only_talent_acquisition()
    query = sa.select(User).where(
        User.role == Role.HIRING_MANAGER,
        User.is_active.is_(True),
        *matching(User.search_key, query_text("q")),
    )
    page = paginate(
        query, page_request(request.args, ["name"]), [User.search_key, User.id]
    )
    return answer(
        page_of(
            page,
            s.Page[s.HiringManager],
            lambda u: s.HiringManager(id=u.id, name=u.name, email=u.email),
        )
    )
