"""Calibration pages: how far the panel agrees, and who rates high or low.

Who sees what: talent acquisition sees every page, interviewer-level figures
included. A hiring manager sees the reliability of their own requisitions (how far
to trust the panel's scores), never an interviewer's leniency or halo: those are
personnel figures about people who do not report to them. An interviewer sees their
own leniency and halo, and nobody else's.
"""

from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..listing import paginate, query_text
from ..models import Requisition, Role, Rubric, User
from ..models.requisitions import requisition_matching
from ..paging import page_request
from ..permissions import can_view_requisition, role_required
from . import export, figures, kept, queries
from .pages import charts_for

bp = Blueprint("calibration", __name__, url_prefix="/calibration")

ta_only = role_required(Role.TALENT_ACQUISITION)
ta_and_managers = role_required(Role.TALENT_ACQUISITION, Role.HIRING_MANAGER)


# The requisitions calibration can be read for, as the requisitions list finds them.
REQUISITION_SORTS = {
    "title": ("Title", [Requisition.search_key, Requisition.id]),
    "newest": ("Newest first", [Requisition.id.desc()]),
}


@bp.route("/")
@ta_and_managers
def index():
    """List what calibration can be read for: rubrics, and requisitions found by
    title, discipline or hiring manager a page at a time (a hospital has hundreds:
    the first 200 by title were all this page listed, the rest out of reach)."""
    page_req = page_request(request.args, list(REQUISITION_SORTS))
    text = query_text()
    manager = current_user.role == Role.HIRING_MANAGER
    reqs = sa.select(Requisition).where(
        *requisition_matching(text, by_manager=not manager)
    )
    if manager:
        reqs = reqs.where(Requisition.hiring_manager_id == current_user.id)
    page = paginate(
        reqs,
        page_req,
        REQUISITION_SORTS[page_req.sort][1],
        [joinedload(Requisition.hiring_manager)],
    )
    rubrics = []
    if current_user.role == Role.TALENT_ACQUISITION:
        rubrics = db.session.scalars(db.select(Rubric).order_by(Rubric.title)).all()
    return render_template(
        "calibration/index.html",
        rubrics=rubrics,
        page=page,
        q=text,
        sorts=[(key, label) for key, (label, _) in REQUISITION_SORTS.items()],
    )


@bp.route("/rubrics/<key>")
@ta_only
def rubric(key: str):
    """Show a rubric's reliability and its interviewers' tendencies."""
    found = _rubric(key)
    return _page(queries.Scope("rubric", found.id), found.title, found, raters=True)


@bp.route("/rubrics/<key>/calibration.csv")
@ta_only
def rubric_csv(key: str):
    """Download the rubric page's figures as CSV."""
    found = _rubric(key)
    return _csv(queries.Scope("rubric", found.id), f"calibration-{key}", raters=True)


@bp.route("/requisitions/<int:requisition_id>")
@ta_and_managers
def requisition(requisition_id: int):
    """Show a requisition's reliability (and, to talent acquisition, its raters)."""
    req = _requisition(requisition_id)
    raters = current_user.role == Role.TALENT_ACQUISITION
    return _page(queries.Scope("requisition", req.id), req.title, req, raters=raters)


@bp.route("/requisitions/<int:requisition_id>/calibration.csv")
@ta_and_managers
def requisition_csv(requisition_id: int):
    """Download the requisition page's figures as CSV."""
    req = _requisition(requisition_id)
    raters = current_user.role == Role.TALENT_ACQUISITION
    scope = queries.Scope("requisition", req.id)
    return _csv(scope, f"calibration-requisition-{req.id}", raters=raters)


@bp.route("/interviewers/<int:user_id>")
def interviewer(user_id: int):
    """Show one interviewer's leniency and halo in each rubric they rated."""
    person = _interviewer(user_id)
    return _person_page(person)


@bp.route("/interviewers/<int:user_id>/calibration.csv")
def interviewer_csv(user_id: int):
    """Download one interviewer's figures as CSV."""
    person = _interviewer(user_id)
    scope = _dated(queries.Scope("interviewer", person.id))[0]
    titles = _rubric_titles()

    def write(found: figures.Figures) -> bytes:
        rows = figures.rows_for(found, [person.id])
        return export.compressed(export.rater_csv(rows, titles))

    body = kept.scope_made(
        scope, write, variant=("rater csv", *titles.items()), rater_only=True
    )
    return _download(body, f"calibration-interviewer-{person.id}")


@bp.route("/me")
@role_required(Role.INTERVIEWER)
def me():
    """Show the signed-in interviewer their own leniency and halo."""
    return _person_page(current_user)


def _rubric(key: str) -> Rubric:
    return db.session.scalar(db.select(Rubric).where(Rubric.key == key)) or abort(404)


def _requisition(requisition_id: int) -> Requisition:
    req = db.session.get(Requisition, requisition_id) or abort(404)
    if not can_view_requisition(current_user, req):
        abort(403)
    return req


def _interviewer(user_id: int) -> User:
    """Talent acquisition may read anyone's figures; an interviewer only their own.

    Any account may have figures: someone who interviewed and later changed role
    keeps the scorecards they submitted."""
    if current_user.role != Role.TALENT_ACQUISITION and current_user.id != user_id:
        abort(403)
    return db.session.get(User, user_id) or abort(404)


def _page(scope, title, subject, *, raters: bool):
    scope, dates, problems = _dated(scope)
    shown = kept.scope_made(
        scope, partial(_shown, raters=raters), variant=("page", raters)
    )
    return render_template(
        "calibration/scope.html",
        title=title,
        subject=subject,
        kind=scope.kind,
        **shown,
        show_raters=raters,
        dates=dates,
        problems=problems,
        levels=queries.levels(scope),
        min_loops=figures.MIN_LOOPS,
        min_units=figures.MIN_UNITS,
        csv_url=url_for(f"{request.endpoint}_csv", **request.view_args, **_range()),
    )


def _person_page(person: User):
    scope, dates, problems = _dated(queries.Scope("interviewer", person.id))
    found = _figures(scope, rater_only=True)
    return render_template(
        "calibration/interviewer.html",
        person=person,
        rows=figures.rows_for(found, [person.id]),
        rubric_titles=_rubric_titles(),
        dates=dates,
        problems=problems,
        own=person.id == current_user.id,
        csv_url=url_for("calibration.interviewer_csv", user_id=person.id, **_range()),
    )


def _range() -> dict[str, str]:
    """The page's date range as its links carry it: only ``from`` and ``to``, never
    other arguments (``url_for`` would take ``_external`` or a view's own key)."""
    return {
        name: request.args[name][:10]
        for name in ("from", "to")
        if request.args.get(name)
    }


def _shown(found: figures.Figures, *, raters: bool) -> dict:
    """What a scope page shows of its figures: ranking every interviewer costs as
    much as there are, so this is kept with the figures (kept.scope_made)."""
    notable = _notable(found.raters) if raters else []
    return {
        "figures": found,
        "raters": notable,
        "rater_count": len(found.raters) if raters else 0,
        "charts": charts_for(found, notable),
    }


def _notable(rows, limit: int = 25):
    """The raters furthest from the panel (by shrunk leniency), at most ``limit``."""
    ranked = [r for r in rows if r.leniency is not None]
    ranked.sort(key=lambda r: (-abs(r.leniency.shrunk), r.name))
    return ranked[:limit]


def _rubric_titles() -> dict[int, str]:
    rows = db.session.execute(db.select(Rubric.id, Rubric.title).order_by(Rubric.id))
    return dict(rows.all())


def _csv(scope, filename: str, *, raters: bool) -> Response:
    scope = _dated(scope)[0]
    titles = _rubric_titles()

    def write(found: figures.Figures) -> bytes:
        return export.compressed(export.scope_csv(found, raters=raters, titles=titles))

    body = kept.scope_made(scope, write, variant=("csv", raters, *titles.items()))
    return _download(body, filename)


def _download(body: bytes, filename: str) -> Response:
    """Send the kept file gzipped where the client says it reads gzip."""
    gzip_ok = request.accept_encodings.quality("gzip") > 0
    return export.response(body, filename, gzip_ok=gzip_ok)


# The date range ---------------------------------------------------------------------


def _dated(scope: queries.Scope):
    """The scope limited to ?from= and ?to= (dates, both inclusive, in the viewer's
    time zone), the dates as given, and what was wrong with them."""
    zone = ZoneInfo(current_user.time_zone or "UTC")
    values, problems, bounds = {}, [], {}
    for name in ("from", "to"):
        text = request.args.get(name, "").strip()
        if not text:
            continue
        try:
            day = date.fromisoformat(text)
            values[name] = day
            if name == "to":
                day += timedelta(days=1)
        except (ValueError, OverflowError):  # 9999-12-31 has no day after it
            values.pop(name, None)
            problems.append(f"'{text}' is not a date (YYYY-MM-DD); it was left out.")
            continue
        bounds[name] = datetime.combine(day, time(), zone)
    if "from" in values and "to" in values and values["from"] > values["to"]:
        # Read as the range the person meant, and say so: an empty page would look
        # like a rubric with no loops.
        first, last = values["to"], values["from"]
        problems.append(
            f"'From' ({last}) was after 'to' ({first}): the range from {first} to "
            f"{last} is shown."
        )
        return _dated_between(scope, first, last, zone, problems)
    start, end = bounds.get("from"), bounds.get("to")
    dated = queries.Scope(scope.kind, scope.id, start, end)
    return dated, values, problems


def _dated_between(scope, first: date, last: date, zone, problems):
    start = datetime.combine(first, time(), zone)
    end = (
        None
        if last == date.max
        else datetime.combine(last + timedelta(days=1), time(), zone)
    )
    dated = queries.Scope(scope.kind, scope.id, start, end)
    return dated, {"from": first, "to": last}, problems


def _figures(scope: queries.Scope, *, rater_only: bool = False) -> figures.Figures:
    return kept.scope_figures(scope, rater_only=rater_only)
