"""Pickers that show at most 20 people and search the rest: a new loop's candidate,
a seat's interviewer, and the interviewer of a candidate's conflict of interest.
Each is a plain form without JavaScript and has a JSON search that picker.js asks as
you type (the same rows, the same sentence)."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort, request
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from ..candidate_search import (
    TRIGRAM,
    candidate_ids,
    candidate_matching,
    name_order_walk,
)
from ..extensions import db
from ..models import Candidate, InterviewSession, Loop, PanelSeat, Role, User
from ..permissions import can_view_loop, role_required
from ..search import matching, terms
from .blueprint import bp
from .forms import ConflictForm, SeatForm
from .proposals import SEAT_CHOICES, eligible_for_seat

# A picker shows at most this many people, and counts matches up to a cap: past a
# thousand, "more than 1,000 match" says to type more as well as the number would,
# and a two-letter search on PostgreSQL stops reading early.
PICKER_LIMIT = 20
COUNT_CAP = 1_000

ta_only = role_required(Role.TALENT_ACQUISITION)


@dataclass
class Found:
    """A bounded picker list: the rows shown, how many match, and a sentence saying
    so (the same on the page and in the search's JSON)."""

    results: list
    total: int
    summary: str

    @property
    def more(self) -> bool:
        return self.total > len(self.results)

    def as_json(self, row) -> dict:
        """The search's answer, each row made plain by ``row``."""
        return {
            "results": [row(r) for r in self.results],
            "total": self.total,
            "more": self.more,
            "summary": self.summary,
        }


def _summary(
    shown: int, total: int, noun: str, query: str, recent: str = "", cap=None
) -> str:
    cap = COUNT_CAP if cap is None else cap
    many = f"more than {cap:,}" if total > cap else f"{total:,}"
    plural = noun if total == 1 else noun + "s"
    if not terms(query):
        if total <= shown:
            return f"{many} {plural}."
        if recent:
            return (
                f"{recent} of {many} {plural} by name; "
                "type a name or email to find others."
            )
        return f"Showing {shown} of {many} {plural}; type a name or email to narrow."
    if total == 0:
        return f"No {noun} matches “{_shown(query)}”."
    if total > cap and cap <= shown:
        return f"Showing the first {shown} matches; type more to narrow."
    if total > shown:
        return f"Showing {shown} of {many} matches; type more to narrow."
    verb = "matches" if total == 1 else "match"
    return f"{total:,} {plural} {verb} “{_shown(query)}”."


def _shown(query: str, limit: int = 60) -> str:
    """The query as a summary quotes it: a long one cut, and marked as cut."""
    return query if len(query) <= limit else query[: limit - 1] + "…"


# --- the candidate of a new loop ----------------------------------------------------


def find_candidates(query: str) -> Found:
    """Candidates whose name or email holds every word of the query (accents and case
    aside), by name; without a query the first by name too, as the Candidates list
    sorts (a person picking expects a predictable order, not the newest first: review
    of issue 14), walking the same index (search_key, id); never an erased one
    (``_not_erased``). Counted up to a cap;
    when no word is long enough for the trigram index (one or two letters, typed
    on the way to a name), only up to the rows shown: counting a thousand would read
    some 25,000 keys one by one, for a number nobody needs while typing."""
    conditions = candidate_matching(query)
    order = (Candidate.search_key, Candidate.id)
    short = conditions and all(len(word) < TRIGRAM for word in terms(query))
    cap = PICKER_LIMIT if short else COUNT_CAP
    capped = _not_erased(candidate_ids(query)).limit(cap + 1)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(capped.subquery()))
    if total and not short:  # a short word's LIKE already walks the name order
        conditions = name_order_walk(query, total, PICKER_LIMIT) or conditions
    results = db.session.scalars(
        sa.select(Candidate)
        .where(Candidate.erased_at.is_(None), *conditions)
        .order_by(*order)
        .limit(PICKER_LIMIT)
    ).all()
    recent = f"The first {len(results)}"
    summary = _summary(len(results), total, "candidate", query, recent, cap)
    return Found(list(results), total, summary)


def _not_erased(ids: sa.Select) -> sa.Select:
    """``ids`` without erased candidates (issue 13): their loop is refused, so they
    are never offered, whether listed as recent or found by the "Erased candidate
    #id" name they keep. Where the text index alone found the ids, each match's row
    is read for its mark: at most the count's cap of them, by primary key."""
    if ids.selected_columns[0].table is not Candidate.__table__:
        ids = sa.select(Candidate.id).where(Candidate.id.in_(ids))
    return ids.where(Candidate.erased_at.is_(None))


@bp.route("/candidates/search")
@ta_only
def search_candidates():
    """The new-loop picker's type-ahead: at most 20 candidates with their email."""
    found = find_candidates(request.args.get("q", ""))
    return found.as_json(lambda c: {"id": c.id, "name": c.name, "email": c.email or ""})


# --- the interviewer of a seat ------------------------------------------------------


def seat_pickers(seats: list[PanelSeat], searched: int | None, query: str) -> tuple:
    """Each seat's form and its list: ({seat id: SeatForm}, {seat id: Found}).

    Only the seat searched without JavaScript (``?seat=<id>&find=...``) lists people
    on the page; the others list them when someone goes to choose (picker.js asks
    the seat's search on focus, or Find without JavaScript). Who is eligible depends
    on every interviewer's week, so the page's cost no longer grows with its seats."""
    forms, found = {}, {}
    for seat in seats:
        if seat.id == searched:
            rows = db.session.execute(eligible_for_seat(seat, query)).all()
            found[seat.id] = _seat_found(seat, rows, query)
        else:
            found[seat.id] = _not_searched(seat)
        form = SeatForm(prefix=f"seat-{seat.id}", formdata=None)
        form.interviewer_id.choices = _seat_options(seat, found[seat.id])
        form.interviewer_id.data = str(seat.interviewer_id or "")
        form.current.data = str(seat.interviewer_id or "")
        form.find.data = query if seat.id == searched else ""
        forms[seat.id] = form
    return forms, found


def _not_searched(seat: PanelSeat) -> Found:
    noun = f"eligible {seat.discipline.value} interviewers"
    return Found([], 0, f"Type a name or email, or press Find, to list {noun}.")


def _seat_found(seat: PanelSeat, rows: list, query: str) -> Found:
    """A seat's eligible people, at most SEAT_CHOICES, with a sentence counting them."""
    shown = rows[:SEAT_CHOICES]
    total = rows[0].total if rows else 0
    noun = f"eligible {seat.discipline.value} interviewer"
    summary = _summary(len(shown), total, noun, query)
    if shown:  # a search lists people; it seats nobody (the list keeps its choice)
        summary += " Choose one in the list, then Seat."
    return Found(shown, total, summary)


def _seat_options(seat: PanelSeat, found: Found) -> list[SelectChoice]:
    """Nobody, whoever holds the seat now (eligible or not), then those found."""
    keep = {"data-keep": True}  # picker.js never drops these
    options = [SelectChoice("", "Nobody yet", render_kw=keep)]
    if seat.interviewer is not None:
        holder = seat.interviewer
        options.append(SelectChoice(str(holder.id), holder.name, render_kw=keep))
    return options + [
        SelectChoice(str(row.id), f"{row.name} ({row.email})") for row in found.results
    ]


# What eligible_for_seat and can_view_loop read of a seat, in one round.
SEAT_LOADS = [
    joinedload(PanelSeat.session).options(
        joinedload(InterviewSession.loop).options(
            joinedload(Loop.candidate), joinedload(Loop.requisition)
        ),
        selectinload(InterviewSession.seats),
    )
]


@bp.route("/loops/<int:loop_id>/seats/<int:seat_id>/eligible")
@ta_only
def eligible_interviewers(loop_id: int, seat_id: int):
    """The seat picker's type-ahead: at most 20 people who may take this seat."""
    seat = db.session.get(PanelSeat, seat_id, options=SEAT_LOADS) or abort(404)
    if seat.session.loop_id != loop_id or seat.removed_at is not None:
        abort(404)
    if not can_view_loop(current_user, seat.session.loop):
        abort(403)
    query = request.args.get("q", "")
    rows = db.session.execute(eligible_for_seat(seat, query)).all()
    found = _seat_found(seat, rows, query)
    return found.as_json(lambda r: {"id": r.id, "name": r.name, "email": r.email})


# --- the interviewer of a conflict of interest ----------------------------------------


def find_interviewers(query: str) -> Found:
    """Interviewer accounts (active or not) whose name or email holds every word of
    the query, by name; at most 20, counted up to a cap."""
    conditions = [User.role == Role.INTERVIEWER, *matching(User.search_key, query)]
    results = db.session.scalars(
        sa.select(User)
        .where(*conditions)
        .order_by(User.search_key, User.id)
        .limit(PICKER_LIMIT)
    ).all()
    capped = sa.select(User.id).where(*conditions).limit(COUNT_CAP + 1)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(capped.subquery()))
    return Found(
        list(results), total, _summary(len(results), total, "interviewer", query)
    )


def _label(user: User) -> str:
    return f"{user.name} ({user.email}){'' if user.is_active else ', inactive'}"


def conflict_picker(form: ConflictForm, query: str) -> Found:
    """Fill the conflict form's list: a prompt, the person chosen (if any), then
    those found by ``query``; return what was found."""
    found = find_interviewers(query)
    keep = {"data-keep": True}  # picker.js never drops these
    options = [SelectChoice("", "Choose an interviewer", render_kw=keep)]
    chosen = form.chosen
    if chosen is not None and chosen not in found.results:
        options.append(SelectChoice(str(chosen.id), _label(chosen), render_kw=keep))
    form.interviewer_id.choices = options + [
        SelectChoice(str(u.id), _label(u)) for u in found.results
    ]
    return found


@bp.route("/interviewers/search")
@ta_only
def search_interviewers():
    """The conflict picker's type-ahead: at most 20 interviewers with their email."""
    found = find_interviewers(request.args.get("q", ""))
    return found.as_json(lambda u: {"id": u.id, "name": u.name, "email": u.email})
