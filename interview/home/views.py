"""The home page: what this person should do next, by role."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from ..models import Role
from ..timeutil import utcnow
from . import queries, queues
from .gaps import gaps_of

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    """Show the home page for the signed-in person's role."""
    user = current_user
    if user.role == Role.TALENT_ACQUISITION:
        context = _talent_acquisition()
    elif user.role == Role.HIRING_MANAGER:
        context = queries.requisitions_of(user) | queues.manager_queues(user)
    else:
        context = queries.seats_of(user)
    return render_template(f"home/{user.role.value}.html", **context)


def _talent_acquisition() -> dict:
    """The pool's overview and the three queues, each paged by its own argument."""
    now = utcnow()
    overdue = queues.overdue_feedback(now, request.args.get("overdue"))
    gaps = queues.loops_with_gaps(request.args.get("gaps"))
    return {
        "overview": queries.talent_acquisition_overview(),
        "now": now,
        "overdue": overdue,
        "late_seats": queues.overdue_seats_of([lp.id for lp in overdue.items], now),
        "ready": queues.ready_for_debrief(request.args.get("ready")),
        "gaps": gaps,
        "gaps_of": gaps_of([lp.id for lp in gaps.items]),
        "due_at": queues.due_at,
        "lateness": queues.lateness,
    }
