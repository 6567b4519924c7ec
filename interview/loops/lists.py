"""The area's lists: loops, requisitions, candidates and one's own interviews.

Each is filtered, ordered and paginated in the database (listing.py), and whatever a
row shows besides its own columns comes in one more query for the whole page, so a
page costs the same few queries at a hundred rows as at a hundred thousand.
"""

import sqlalchemy as sa
from flask import render_template, request
from flask_login import current_user
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..candidate_search import (
    candidate_ids,
    candidate_matches,
    candidate_matching,
    name_order_walk,
)
from ..extensions import db
from ..listing import choice_arg, id_arg, ignored_filters, paginate, query_text
from ..models import (
    Candidate,
    Competency,
    InterviewSession,
    Loop,
    LoopStatus,
    PanelSeat,
    Requisition,
    RequisitionStatus,
    Role,
    Scorecard,
    ScorecardStatus,
    User,
)
from ..models.requisitions import requisition_matching
from ..paging import page_request
from ..permissions import can_see_contact_details, role_required
from ..timeutil import utcnow
from .blueprint import bp
from .operations import loops_visible_to, requisitions_of, scorecard_status
from .requisition_views import ta_only, ta_or_manager
from .schedule import local_range
from .states import LABELS
from .views import signed_in

LOOP_SORTS = {
    "newest": ("Newest first", [Loop.id.desc()]),
    "updated": ("Recently changed", [Loop.updated_at.desc(), Loop.id.desc()]),
    "oldest": ("Oldest first", [Loop.id]),
}
# Open, then on hold, then closed (the values' own order is alphabetical).
STATUS_ORDER = sa.case(
    {"open": 0, "on_hold": 1, "closed": 2}, value=Requisition.status, else_=3
)
REQUISITION_SORTS = {
    "status": ("Open first, by title", [STATUS_ORDER, Requisition.search_key]),
    "title": ("Title", [Requisition.search_key]),
    "newest": ("Newest first", [Requisition.id.desc()]),
}
CANDIDATE_SORTS = {
    "name": ("Name", [Candidate.search_key, Candidate.id]),
    "newest": ("Newest first", [Candidate.id.desc()]),
}
REQUISITION_LABELS = {
    s.value: s.value.replace("_", " ").capitalize() for s in RequisitionStatus
}


# Each filter of the loops list by its noun, for a value it could not apply.
LOOP_FILTERS = {
    "status": "status",
    "requisition": "requisition",
    "manager": "hiring manager",
}


def sorts_for(table: dict) -> list[tuple[str, str]]:
    return [(key, label) for key, (label, _) in table.items()]


@bp.route("/loops/")
@signed_in
def loops():
    """The loops this person may see, filtered and paginated, newest first."""
    page_req = page_request(request.args, list(LOOP_SORTS))
    filters = {
        "q": query_text(),
        "status": choice_arg("status", LABELS),
        "requisition": id_arg("requisition"),
        "manager": id_arg("manager")
        if current_user.role == Role.TALENT_ACQUISITION
        else None,
    }
    # An id this person may not choose (unknown, or not theirs to see) counts as not
    # given: the filter then shows "Any" and the list agrees with it.
    requisition_choices = _requisition_choices(filters["requisition"])
    manager_choices = _manager_choices(filters["manager"])
    filters["requisition"] = _offered(filters["requisition"], requisition_choices)
    filters["manager"] = _offered(filters["manager"], manager_choices)
    query = loops_visible_to(current_user)
    if filters["q"]:
        # Contact details are talent acquisition's: others find candidates by name.
        name_only = not can_see_contact_details(current_user)
        query = query.where(
            candidate_matches(Loop.candidate_id, filters["q"], name_only=name_only)
        )
    if filters["status"]:
        query = query.where(Loop.status == filters["status"])
    if filters["requisition"]:
        query = query.where(Loop.requisition_id == filters["requisition"])
    if filters["manager"]:
        query = query.where(
            Loop.requisition_id.in_(requisitions_of(filters["manager"]))
        )
    load = (
        joinedload(Loop.candidate),
        joinedload(Loop.requisition).joinedload(Requisition.hiring_manager),
    )
    page = paginate(query, page_req, LOOP_SORTS[page_req.sort][1], load)
    return render_template(
        "loops/loops.html",
        page=page,
        filters=filters,
        sorts=sorts_for(LOOP_SORTS),
        statuses=LABELS,
        progress=_loop_progress([lp.id for lp in page.items]),
        requisition_choices=requisition_choices,
        manager_choices=manager_choices,
        ignored=ignored_filters(filters, LOOP_FILTERS),
    )


def _loop_progress(loop_ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """Per loop: sessions, filled seats and submitted scorecards, in one query."""
    if not loop_ids:
        return {}
    submitted = sa.func.count(Scorecard.id).filter(
        Scorecard.status == ScorecardStatus.SUBMITTED
    )
    rows = db.session.execute(
        sa.select(
            InterviewSession.loop_id,
            sa.func.count(sa.distinct(InterviewSession.id)),
            sa.func.count(sa.distinct(PanelSeat.id)),
            submitted,
        )
        .outerjoin(
            PanelSeat,
            sa.and_(
                PanelSeat.session_id == InterviewSession.id,
                PanelSeat.removed_at.is_(None),
                PanelSeat.interviewer_id.is_not(None),
            ),
        )
        .outerjoin(Scorecard, Scorecard.seat_id == PanelSeat.id)
        .where(InterviewSession.loop_id.in_(loop_ids))
        .group_by(InterviewSession.loop_id)
    ).all()
    return {loop_id: (sessions, seats, done) for loop_id, sessions, seats, done in rows}


def _offered(chosen: int | None, choices: list[tuple[int, str]]) -> int | None:
    """The chosen id if the filter offers it, else None."""
    return chosen if any(choice_id == chosen for choice_id, _ in choices) else None


def _requisition_choices(chosen: int | None) -> list[tuple[int, str]]:
    """Open requisitions this person may see, and the chosen one whatever its state."""
    if current_user.role == Role.INTERVIEWER:
        return []
    is_open = Requisition.status == RequisitionStatus.OPEN
    query = sa.select(Requisition.id, Requisition.title).where(
        is_open if chosen is None else sa.or_(is_open, Requisition.id == chosen)
    )
    if current_user.role == Role.HIRING_MANAGER:
        query = query.where(Requisition.hiring_manager_id == current_user.id)
    return [
        tuple(r) for r in db.session.execute(query.order_by(Requisition.search_key))
    ]


def _manager_choices(chosen: int | None) -> list[tuple[int, str]]:
    """Active hiring managers (and the chosen one), for talent acquisition's filter."""
    if current_user.role != Role.TALENT_ACQUISITION:
        return []
    # Without a chosen one, no OR: ix_users_listing then gives them in order (with
    # it, SQLite read every account in name order to find 60 managers, issue 11).
    active = User.is_active.is_(True)
    query = sa.select(User.id, User.name).where(
        User.role == Role.HIRING_MANAGER,
        active if chosen is None else sa.or_(active, User.id == chosen),
    )
    return [tuple(r) for r in db.session.execute(query.order_by(User.search_key))]


def requisitions_listed(user, text: str, status: str | None) -> sa.Select:
    """The requisitions ``user`` lists (a manager: their own), found by ``text``,
    in ``status`` if given: the page's and the API's list (issue 15)."""
    own = user.role == Role.HIRING_MANAGER
    query = sa.select(Requisition).where(
        *requisition_matching(text, by_manager=not own)  # a manager's are all theirs
    )
    if own:
        query = query.where(Requisition.hiring_manager_id == user.id)
    if status:
        query = query.where(Requisition.status == status)
    return query


@bp.route("/requisitions/")
@ta_or_manager
def requisitions():
    """Requisitions: all of them for talent acquisition, one's own for a manager;
    found by title, discipline or hiring manager, accents and case aside."""
    page_req = page_request(request.args, list(REQUISITION_SORTS))
    status = choice_arg("status", REQUISITION_LABELS)
    text = query_text()
    query = requisitions_listed(current_user, text, status)
    order = [*REQUISITION_SORTS[page_req.sort][1], Requisition.id]
    page = paginate(query, page_req, order, [joinedload(Requisition.hiring_manager)])
    return render_template(
        "loops/requisitions.html",
        page=page,
        q=text,
        status=status,
        statuses=REQUISITION_LABELS,
        sorts=sorts_for(REQUISITION_SORTS),
        loop_counts=loop_counts([r.id for r in page.items]),
        labels=LABELS,
        ignored=ignored_filters({"status": status}, {"status": "status"}),
    )


def loop_counts(requisition_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per requisition, its loops counted by status (in one grouped query)."""
    counts: dict[int, dict[str, int]] = {i: {} for i in requisition_ids}
    if requisition_ids:
        rows = db.session.execute(
            sa.select(Loop.requisition_id, Loop.status, sa.func.count())
            .where(Loop.requisition_id.in_(requisition_ids))
            .group_by(Loop.requisition_id, Loop.status)
        )
        for requisition_id, status, n in rows:
            counts[requisition_id][str(status)] = n
    return counts


@bp.route("/candidates/")
@ta_only
def candidates():
    """Candidates found by name or email, with their loops."""
    page_req = page_request(request.args, list(CANDIDATE_SORTS))
    text = query_text()
    query = sa.select(Candidate).where(*candidate_matching(text))
    page = paginate(
        query,
        page_req,
        CANDIDATE_SORTS[page_req.sort][1],
        counted=candidate_ids(text) if text else None,
        walk=(lambda total, rows: name_order_walk(text, total, rows))
        if page_req.sort == "name"
        else None,
    )
    return render_template(
        "loops/candidates.html",
        page=page,
        q=text,
        sorts=sorts_for(CANDIDATE_SORTS),
        loops_of=_loops_of([c.id for c in page.items]),
    )


def _loops_of(candidate_ids: list[int]) -> dict[int, list[tuple]]:
    """Each candidate's loops as (loop id, requisition title, status), in one query."""
    found: dict[int, list[tuple]] = {i: [] for i in candidate_ids}
    if candidate_ids:
        rows = db.session.execute(
            sa.select(Loop.candidate_id, Loop.id, Requisition.title, Loop.status)
            .join(Loop.requisition)
            .where(Loop.candidate_id.in_(candidate_ids))
            .order_by(Loop.id)
        )
        for candidate_id, loop_id, title, status in rows:
            found[candidate_id].append((loop_id, title, LABELS[str(status)]))
    return found


# Only what the rows print: a page of 50 seats built every competency's anchors and
# evidence lists (JSON) and every scorecard's summary, most of its time at scale.
MY_SEAT_LOADS = (
    contains_eager(PanelSeat.session)
    .joinedload(InterviewSession.loop)
    .options(
        joinedload(Loop.candidate).load_only(Candidate.name),
        joinedload(Loop.requisition).load_only(Requisition.title),
    ),
    contains_eager(PanelSeat.session)
    .selectinload(InterviewSession.competencies)
    .load_only(Competency.name, Competency.position),
    selectinload(PanelSeat.scorecard).load_only(Scorecard.status),
)


@bp.route("/my-interviews")
@bp.route("/my-interviews/", alias=True)  # typed with a slash: sent to the page
@role_required(Role.INTERVIEWER)
def my_interviews():
    """An interviewer's upcoming sessions, soonest first, and their paginated history."""
    now = utcnow()
    mine = (
        sa.select(PanelSeat)
        .join(PanelSeat.session)
        .where(
            PanelSeat.interviewer_id == current_user.id, PanelSeat.removed_at.is_(None)
        )
    )
    ahead = sa.or_(InterviewSession.starts_at.is_(None), InterviewSession.ends_at > now)
    # A withdrawn or decided loop's sessions will not happen: not upcoming (their
    # invitations now cancel them; a decision clears their times, and an unscheduled
    # one will never get one). Their past sessions stay as history.
    going_ahead = sa.and_(
        ahead,
        InterviewSession.loop.has(
            Loop.status.not_in([LoopStatus.WITHDRAWN, LoopStatus.DECIDED])
        ),
    )
    # Scheduled ones first, by time; the unscheduled after them. A page of them at a
    # time, like every list (``?upcoming=`` pages on): the busiest interviewer has
    # some 170 seats, and a hundred rows cost the page what it is slow for.
    upcoming = paginate(
        mine.where(going_ahead),
        page_request({"page": request.args.get("upcoming")}, ["time"]),
        [
            InterviewSession.starts_at.is_(None),
            InterviewSession.starts_at,
            PanelSeat.id,
        ],
        MY_SEAT_LOADS,
        deferred=False,
    )
    past = paginate(
        mine.where(sa.not_(ahead)),
        page_request(request.args, ["time"]),
        [InterviewSession.starts_at.desc(), PanelSeat.id.desc()],
        MY_SEAT_LOADS,
        deferred=False,
    )
    return render_template(
        "loops/my_interviews.html",
        upcoming=upcoming,
        past=past,
        scorecard_status=scorecard_status,
        local_range=local_range,
        now=now,
    )
