"""The area's lists: loops, requisitions, candidates and one's own interviews.

Each is filtered, ordered and paginated in the database (listing.py), so a page costs
the same few queries at a hundred rows as at a hundred thousand.
"""

import sqlalchemy as sa
from flask import render_template
from flask_login import current_user

from ..extensions import db
from ..models import Candidate, InterviewSession, Loop, PanelSeat, Requisition, Role
from ..permissions import role_required
from ..timeutil import utcnow
from .blueprint import bp
from .operations import loops_visible_to, scorecard_status
from .requisition_views import ta_only, ta_or_manager
from .schedule import local_range
from .views import signed_in


@bp.route("/loops/")
@signed_in
def loops():
    """The loops this person may see, newest first."""
    rows = db.session.scalars(
        loops_visible_to(current_user).order_by(Loop.id.desc())
    ).all()
    return render_template("loops/loops.html", loops=rows)


@bp.route("/requisitions/")
@ta_or_manager
def requisitions():
    """List requisitions: all of them for talent acquisition, one's own for a manager."""
    query = sa.select(Requisition).order_by(Requisition.status, Requisition.title)
    if current_user.role == Role.HIRING_MANAGER:
        query = query.where(Requisition.hiring_manager_id == current_user.id)
    return render_template(
        "loops/requisitions.html", requisitions=db.session.scalars(query).all()
    )


@bp.route("/candidates/")
@ta_only
def candidates():
    """List candidates with their loops."""
    rows = db.session.scalars(sa.select(Candidate).order_by(Candidate.name)).all()
    return render_template("loops/candidates.html", candidates=rows)


@bp.route("/my-interviews")
@role_required(Role.INTERVIEWER)
def my_interviews():
    """An interviewer's upcoming and past sessions, and the scorecards still owed."""
    seats = db.session.scalars(
        sa.select(PanelSeat)
        .join(PanelSeat.session)
        .where(
            PanelSeat.interviewer_id == current_user.id, PanelSeat.removed_at.is_(None)
        )
        .order_by(InterviewSession.starts_at)
    ).all()
    now = utcnow()
    upcoming = [
        s for s in seats if s.session.starts_at is None or s.session.ends_at > now
    ]
    past = [s for s in seats if s not in upcoming]
    return render_template(
        "loops/my_interviews.html",
        upcoming=upcoming,
        past=list(reversed(past)),
        scorecard_status=scorecard_status,
        local_range=local_range,
    )
