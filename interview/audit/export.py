"""Subject access: one zip of everything held about a candidate (document.py says
what, gathering.py reads it), with each loop's debrief packet as talent acquisition
would download it from the debrief page."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from ..debrief.documents import kept_packet_pdf
from ..debrief.renderer import RenderError
from ..debrief.synthesis import ScaleError
from ..debrief.views import DEBRIEF_LOADS
from ..extensions import db
from ..models import Candidate, Loop, User
from ..timeutil import utcnow
from .document import archive, document, names, to_json
from .gathering import gather


@dataclass(frozen=True)
class Export:
    filename: str  # the download's name: ids and a date, never a person's name
    data: bytes
    loop_ids: list[int]
    packets: int  # how many loops' packets are in it


def export_candidate(candidate: Candidate, reader: User) -> Export:
    """Build the zip: the JSON document, then each loop's packet that renders."""
    when = utcnow()
    held = gather(candidate)
    loop_ids = [loop["id"] for loop in held.loops]
    json_name, packet_names = names(candidate.id, loop_ids)
    files, notes = _packets(loop_ids, packet_names, reader)
    doc = document(held, notes, when, reader.name)
    data = archive([(json_name, to_json(doc)), *files], when)
    filename = f"candidate-{candidate.id}-export-{when:%Y%m%d}.zip"
    return Export(filename, data, loop_ids, len(files))


def _packets(loop_ids: list[int], packet_names: dict[int, str], reader: User):
    """Each loop's packet PDF, or why it is not included."""
    loops = db.session.scalars(
        sa.select(Loop).where(Loop.id.in_(loop_ids)).options(*DEBRIEF_LOADS)
    ).all()
    files, notes = [], {}
    for loop in sorted(loops, key=lambda x: x.id):
        try:
            pdf = kept_packet_pdf(loop, reader=reader.name, zone=reader.time_zone)
        except (RenderError, ScaleError) as exc:
            log = current_app.logger
            log.warning("export: loop %s packet: %s", loop.id, type(exc).__name__)
            notes[loop.id] = {"not_included": f"could not be rendered: {exc}"}
            continue
        files.append((packet_names[loop.id], pdf))
        notes[loop.id] = {"file": packet_names[loop.id]}
    return files, notes
