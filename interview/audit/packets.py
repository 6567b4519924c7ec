"""The debrief packets of a subject access export: the kept ones reused, the missing
ones laid out side by side, within a time budget.

A packet takes about a second to lay out, and a candidate may have many loops: one
after another inside the request, ten cold packets came close to gunicorn's 30 s
timeout. So each packet is keyed exactly as the debrief page keys it
(debrief/documents.py: the reader's name and zone, the default page size), every
kept one is read in one statement, and only the missing ones are laid out, over up
to ``EXPORT_RENDERERS`` renderer children at once. The children beyond the web
worker's own are stopped afterwards, so an export leaves no memory behind.

What is not laid out within ``PACKET_SECONDS`` is left out and said, in the file;
everything laid out is kept, so the next download continues where this one stopped.
Worst case: the budget plus one packet's own limit (DEBRIEF_RENDER_TIMEOUT).

Keying a packet reads what its template is given (documents.packet_data: its
HTML is laid out only when it is missing), which reads the loop's panel, its
requisition's sharing history and its reopenings: each kind is read for every loop
at once (``LOADS``, ``_people``, ``_known``), so finding which packets are kept
costs the same statements for one loop as for twenty (issue 11); only laying a
missing one out and keeping it costs statements of its own, and so does a rubric
version's text the first time a process keys a packet of it (documents._version).
"""

import os
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ..debrief import documents
from ..debrief.packet import reopenings
from ..debrief.renderer import RenderError
from ..debrief.synthesis import ScaleError
from ..extensions import db
from ..models import (
    InterviewSession,
    Loop,
    PacketFile,
    PanelSeat,
    Requisition,
    RubricVersion,
    Scorecard,
    User,
)
from ..permissions import sharing_histories
from ..timeutil import utcnow

EXPORT_RENDERERS = 4  # at most, and never more than the machine's cores
PACKET_SECONDS = 15.0  # no packet is started after this long
LATER = (
    "not laid out in time for this download; download the export again to include "
    "it (the packets laid out are kept, so each download adds more)"
)


# What the packet's key reads of each loop (packet.packet_context): the debrief
# page's loads (debrief/views.py DEBRIEF_LOADS) without the competencies each
# session covers, which only the page shows, and with the hiring manager. The
# rubric's anchors and questions are read only for a packet laid out
# (documents._laid_out): the key has them from the versions documents._plain
# keeps. A part left out here would be read loop by loop, which
# tests/test_export_queries.py would see.
#
# Each session's seats, scorecards and ratings come joined to it, in one statement
# whether or not anyone has scored yet (issue 11: a candidate without a scorecard
# sent one statement fewer). The people they name (interviewers, authors, those who
# decided) are read by id in one statement of their own (``_people``), not joined:
# PostgreSQL answered a join to every seat's or scorecard's user with a scan of
# the whole users table, twice.
LOADS = (
    joinedload(Loop.requisition).joinedload(Requisition.hiring_manager),
    joinedload(Loop.candidate),
    joinedload(Loop.rubric_version).options(
        selectinload(RubricVersion.levels), selectinload(RubricVersion.competencies)
    ),
    selectinload(Loop.sessions)
    .joinedload(InterviewSession.seats)
    .joinedload(PanelSeat.scorecard)
    .joinedload(Scorecard.ratings),
    selectinload(Loop.decisions),
)


def _loops(loop_ids: list[int]) -> list[Loop]:
    """The loops with what their packets read (``LOADS``, ``_people``)."""
    loops = (
        db.session.scalars(
            sa.select(Loop)
            .where(Loop.id.in_(loop_ids))
            .order_by(Loop.id)
            .options(*LOADS)
        )
        .unique()
        .all()
    )
    _people(loops)
    return loops


def _people(loops: list[Loop]) -> None:
    """Everyone the loops' seats, scorecards and decisions name, read by id in one
    statement (sent even when nobody is named, so the count never depends on the
    data), and set as each one's ``interviewer`` or ``decided_by``."""
    named = []  # (row, relationship, the person's id)
    for loop in loops:
        named += [(d, "decided_by", d.decided_by_id) for d in loop.decisions]
        for session in loop.sessions:
            for seat in session.seats:
                named.append((seat, "interviewer", seat.interviewer_id))
                if seat.scorecard is not None:
                    card = seat.scorecard
                    named.append((card, "interviewer", card.interviewer_id))
    ids = sorted({person for _, _, person in named if person is not None})
    people = db.session.scalars(sa.select(User).where(User.id.in_(ids))).all()
    by_id = {person.id: person for person in people}
    for row, name, person in named:
        set_committed_value(row, name, by_id.get(person))


@dataclass
class _Wanted:
    loop: Loop
    key: str
    args: dict


def packets(loop_ids: list[int], names: dict[int, str], reader: User):
    """(files, notes): each loop's packet as (name in the zip, PDF bytes), and per
    loop id {"file": name} or {"not_included": why}."""
    loops = _loops(loop_ids)
    known = _known(loops)
    wanted, notes = [], {}
    for loop in loops:
        try:
            wanted.append(_wanted(loop, reader, known[loop.id]))
        except ScaleError as exc:  # a rubric saved before the scale rule
            notes[loop.id] = _failed(loop.id, exc)
    pdfs = _kept(wanted)
    pdfs |= _render([w for w in wanted if w.loop.id not in pdfs], notes)
    files = []
    for w in wanted:
        if w.loop.id in pdfs:
            files.append((names[w.loop.id], pdfs[w.loop.id]))
            notes[w.loop.id] = {"file": names[w.loop.id]}
    return files, notes


def _known(loops: list[Loop]) -> dict[int, dict]:
    """Per loop id, its requisition's sharing history and its reopenings, each
    kind read for all the loops in one statement."""
    sharing = sharing_histories({loop.requisition for loop in loops})
    reopened = reopenings([loop.id for loop in loops])
    return {
        loop.id: {
            "sharing": sharing[loop.requisition_id],
            "reopened": reopened[loop.id],
        }
        for loop in loops
    }


def _wanted(loop: Loop, reader: User, known: dict) -> _Wanted:
    """The packet as the debrief page would key it for this reader."""
    args = documents._template_args(loop, reader.name, reader.time_zone, None, **known)
    key = documents.packet_key(loop.id, documents.packet_data(args), False)
    return _Wanted(loop, key, args)


def _kept(wanted: list[_Wanted]) -> dict[int, bytes]:
    """The packets kept already, in one statement."""
    if not wanted:
        return {}
    pairs = [(w.loop.id, w.key) for w in wanted]
    rows = db.session.execute(
        sa.select(PacketFile.loop_id, PacketFile.pdf).where(
            sa.tuple_(PacketFile.loop_id, PacketFile.key).in_(pairs)
        )
    )
    return {loop_id: pdf for loop_id, pdf in rows}


def _jobs(missing: int) -> int:
    return max(1, min(missing, EXPORT_RENDERERS, os.cpu_count() or 1))


def _render(missing: list[_Wanted], notes: dict) -> dict[int, bytes]:
    """Lay the missing packets out side by side until the budget is spent, keeping
    each; what fails or is not started in time gets its note instead."""
    if not missing:
        return {}
    jobs = _jobs(len(missing))
    own = int(current_app.config["DEBRIEF_RENDERERS"])
    pool = documents.renderers(jobs)
    deadline = time.monotonic() + PACKET_SECONDS
    done: dict[int, bytes] = {}
    queue = list(missing)
    try:
        with ThreadPoolExecutor(max_workers=jobs) as executor:
            running = {}
            while queue or running:
                while queue and len(running) < jobs:
                    w = queue.pop(0)
                    if time.monotonic() >= deadline:
                        notes[w.loop.id] = {"not_included": LATER}
                        continue
                    html = documents._laid_out(w.args, utcnow())
                    running[executor.submit(pool.render, html)] = w
                if not running:
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    w = running.pop(future)
                    try:
                        data = future.result()
                    except RenderError as exc:
                        notes[w.loop.id] = _failed(w.loop.id, exc)
                        continue
                    documents.keep_packet(w.loop.id, w.key, data)
                    done[w.loop.id] = data
    finally:
        if jobs != own:  # children started for this export only
            pool.close()
    return done


def _failed(loop_id: int, exc: Exception) -> dict:
    log = current_app.logger
    log.warning("export: loop %s packet: %s", loop_id, type(exc).__name__)
    return {"not_included": f"could not be rendered: {exc}"}
