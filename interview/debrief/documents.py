"""The packet as a document: its HTML from the print template, and its PDF from a
renderer child, under the instance's page size and limits."""

import re
import unicodedata
from datetime import datetime

from flask import current_app, render_template

from ..models import Loop
from ..timeutil import utcnow
from . import renderer
from .packet import packet_context, page_size


def packet_html(
    loop: Loop,
    *,
    reader: str | None = None,
    zone: str = "UTC",
    size: str | None = None,
    generated_at: datetime | None = None,
) -> str:
    """The finished print HTML: times in ``zone``, the reader's name in the footer."""
    return render_template(
        "debrief/packet.html",
        **packet_context(loop),
        page_size=page_size(size, current_app.config["DEBRIEF_PAGE_SIZE"]),
        reader=reader,
        zone=zone,
        generated_at=generated_at or utcnow(),
    )


def renderers(size: int | None = None) -> renderer.RendererPool:
    config = current_app.config
    return renderer.pool(
        size or config["DEBRIEF_RENDERERS"],
        float(config["DEBRIEF_RENDER_TIMEOUT"]),
        int(config["DEBRIEF_RENDER_MEMORY_MB"]),
    )


def packet_pdf(loop: Loop, *, archival: bool = False, **options) -> bytes:
    """The packet as PDF bytes; raises renderer.RenderError with a readable message."""
    return renderers().render(packet_html(loop, **options), archival=archival)


def packet_filename(loop: Loop) -> str:
    """``debrief-12-ana-souza.pdf``: the loop id, then the name in plain ASCII if any."""
    ascii_name = (
        unicodedata.normalize("NFKD", loop.candidate.name)
        .encode("ascii", "ignore")
        .decode()
    )
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-")
    return f"debrief-{loop.id}{'-' + slug if slug else ''}.pdf"
