"""The audit log page and the subject access export: talent acquisition only."""

import io
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint, abort, render_template, request, send_file, url_for
from flask_login import current_user

from ..auditing import record_read
from ..extensions import db
from ..models import Candidate, Role, User
from ..paging import page_request
from ..permissions import role_required
from . import queries
from .export import export_candidate
from .filters import SYSTEM, read_filters
from .words import ACTIONS, OBJECT_TYPES, action_words, describe_change, object_words

bp = Blueprint("audit", __name__)

ta_only = role_required(Role.TALENT_ACQUISITION)


@bp.route("/audit/")
@ta_only
def index():
    """Who did or read what, when, to which object: filtered, newest first."""
    filters, problems = read_filters(request.args, _zone(), ACTIONS, OBJECT_TYPES)
    actor = None
    if filters.actor is not None:  # named in the page's words: one query
        actor = db.session.get(User, filters.actor)
        if actor is None:
            problems.append(f"No account {filters.actor}: nobody's entries to show.")
    page = queries.entries_page(
        filters, page_request(request.args, list(queries.SORTS))
    )
    found = queries.existing(page.items)
    return render_template(
        "audit/index.html",
        page=page,
        rows=[_row(entry, found) for entry in page.items],
        filters=filters,
        actor=actor,
        problems=problems,
        actions=ACTIONS,
        types=OBJECT_TYPES,
        system=SYSTEM,
        sorts=[(key, label) for key, (label, _) in queries.SORTS.items()],
    )


def _zone() -> ZoneInfo:
    try:
        return ZoneInfo(current_user.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _row(entry, found: dict) -> dict:
    """What the page shows of one entry (plain values; the template escapes)."""
    key = (entry.object_type, entry.object_id)
    return {
        "at": entry.at,
        "actor": entry.actor,
        "action": action_words(entry.action),
        "code": entry.action,
        "object": object_words(entry.object_type, entry.object_id),
        "link": _link(key, found[key]) if key in found else None,
        # An object of a type with a page that no longer exists (deleted).
        "gone": key not in found and entry.object_type in queries.MODELS,
        "redacted": getattr(entry, "redacted_at", None) is not None,  # erasure
        "about": url_for(".index", type=entry.object_type, id=entry.object_id)
        if entry.object_type in OBJECT_TYPES and entry.object_id is not None
        else None,
        "changes": describe_change(
            entry.object_type, entry.before, entry.after, entry.action
        ),
        # Typed about the candidate (a rationale, why reopened or amended): the
        # page says one was given, never what it says (words.py).
        "reason_given": bool(entry.reason and entry.reason.strip()),
    }


def _link(key: tuple[str, int], ref: tuple) -> str:
    kind, object_id = key
    text, number = ref
    if kind == "candidates":
        return url_for("loops.edit_candidate", candidate_id=object_id)
    if kind == "loops":
        return url_for("loops.loop", loop_id=object_id)
    if kind == "requisitions":
        return url_for("loops.requisition", requisition_id=object_id)
    if kind == "users":
        return url_for("accounts.edit", user_id=object_id)
    if kind == "scorecards":
        return url_for("scorecards.panel", loop_id=number)
    return url_for("rubrics.show", key=text, number=number)


@bp.route("/candidates/<int:candidate_id>/export.zip")
@ta_only
def export(candidate_id: int):
    """Everything held about the candidate in one zip: a JSON file and the packets."""
    candidate = db.session.get(Candidate, candidate_id) or abort(404)
    made = export_candidate(candidate, current_user)
    details = {"loops": made.loop_ids, "packets": made.packets}
    record_read(current_user, "candidate.export", candidate, details)
    return send_file(
        io.BytesIO(made.data),
        mimetype="application/zip",
        as_attachment=True,
        download_name=made.filename,
        max_age=0,
    )
