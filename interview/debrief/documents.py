"""The packet as a document: its HTML from the print template, and its PDF from a
renderer child, under the instance's page size and limits.

Laying a packet out takes most of a second, and the same people open the same packet
several times, so the web route keeps what it renders (``kept_packet_pdf``): each PDF
is stored under the SHA-256 of all that decides its bytes, the packet's HTML (reader,
time zone and page size included) without its "Prepared" time, the archival flag and
the renderer's version. Whatever changes in the packet (a scorecard amended, a
decision, a rename, the rubric's reliability across loops or a note on an
interviewer, both printed in it) changes its HTML and so its key: nothing is ever
invalidated, and a packet is served again only where rendering it now would give the
same document, "Prepared" time aside (that one tells when it was really made). The
command line and batches render afresh.
"""

import contextlib
import functools
import hashlib
import re
import unicodedata
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, render_template
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import Candidate, Competency, Loop, PacketFile
from ..timeutil import utcnow
from . import pdf, renderer
from .packet import packet_context, page_size

# Packets kept per loop, newest first: a manager and a committee, one size each.
KEEP_PER_LOOP = 6
# The "Prepared" time in the HTML that keys a packet: the one part that differs on
# every render, so it is left out of what the key covers.
KEY_TIME = datetime(2000, 1, 1, tzinfo=UTC)
TEMPLATES = Path(__file__).parent.parent / "templates"
PACKET_TEMPLATES = ("debrief/packet.html", "debrief/_macros.html")


def _template_args(
    loop: Loop,
    reader: str | None,
    zone: str,
    size: str | None,
    only_interviewer: int | None = None,
    sharing=None,
    reopened=None,
):
    """``sharing``, ``reopened``: read for many loops at once (packet_context)."""
    _load_rubric_text(loop)
    context = packet_context(
        loop, only_interviewer=only_interviewer, sharing=sharing, reopened=reopened
    )
    return dict(
        **context,
        page_size=page_size(size, current_app.config["DEBRIEF_PAGE_SIZE"]),
        reader=reader,
        zone=zone,
    )


def _load_rubric_text(loop: Loop) -> None:
    """Load the anchors and questions the packet prints in two statements, not two
    per competency from inside the template (a kept packet's key renders it too);
    none when they are in memory already (the export loads many loops' at once)."""
    if all(_text_loaded(c) for c in loop.rubric_version.competencies):
        return
    db.session.scalars(
        sa.select(Competency)
        .where(Competency.rubric_version_id == loop.rubric_version_id)
        .options(
            sa.orm.selectinload(Competency.anchors),
            sa.orm.selectinload(Competency.questions),
        )
    ).all()


def _text_loaded(competency: Competency) -> bool:
    unloaded = sa.inspect(competency).unloaded
    return "anchors" not in unloaded and "questions" not in unloaded


def _html(args: dict, generated_at: datetime) -> str:
    return render_template("debrief/packet.html", **args, generated_at=generated_at)


def packet_html(
    loop: Loop,
    *,
    reader: str | None = None,
    zone: str = "UTC",
    size: str | None = None,
    generated_at: datetime | None = None,
    only_interviewer: int | None = None,
) -> str:
    """The finished print HTML: times in ``zone``, the reader's name in the footer;
    ``only_interviewer``: the reader is that interviewer (packet.note_reader)."""
    args = _template_args(loop, reader, zone, size, only_interviewer)
    return _html(args, generated_at or utcnow())


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


@functools.cache
def renderer_version() -> str:
    """A digest of what turns packet HTML into bytes, besides the HTML: the WeasyPrint
    and pydyf versions, the packet's CSS and fonts, its templates and the renderer
    script. Read once per process: a deployment restarts the workers."""
    digest = hashlib.sha256()
    for package in ("weasyprint", "pydyf"):
        digest.update(f"{package} {metadata.version(package)}\n".encode())
    files = sorted(p for p in pdf.ASSETS.rglob("*") if p.is_file())
    files += [TEMPLATES / name for name in PACKET_TEMPLATES]
    files.append(Path(pdf.__file__))
    for path in files:
        content = path.read_bytes()
        digest.update(f"{path.name} {len(content)}\n".encode() + content)
    return digest.hexdigest()


def packet_key(loop_id: int, html: str, archival: bool) -> str:
    """SHA-256 of the renderer's version, the loop, the archival flag and ``html``
    (the packet's HTML as rendered with the ``KEY_TIME`` stamp)."""
    head = f"{renderer_version()}\n{loop_id}\n{'archival' if archival else 'plain'}\n"
    return hashlib.sha256(head.encode() + html.encode()).hexdigest()


def kept_packet_pdf(
    loop: Loop,
    *,
    archival: bool = False,
    reader: str | None = None,
    zone: str = "UTC",
    size: str | None = None,
    only_interviewer: int | None = None,
) -> bytes:
    """The packet as PDF bytes, as stored if this very packet was rendered before;
    else rendered now and stored. The caller has checked the reader may see it."""
    args = _template_args(loop, reader, zone, size, only_interviewer)
    key = packet_key(loop.id, _html(args, KEY_TIME), archival)
    stored = db.session.scalar(
        sa.select(PacketFile.pdf).where(
            PacketFile.loop_id == loop.id, PacketFile.key == key
        )
    )
    if stored is not None:
        return stored
    data = renderers().render(_html(args, utcnow()), archival=archival)
    keep_packet(loop.id, key, data)
    return data


def keep_packet(loop_id: int, key: str, data: bytes) -> bool:
    """Store a rendered packet and drop all but the loop's newest ``KEEP_PER_LOOP``;
    False, with a warning logged, when it could not be stored (without one when its
    candidate was erased meanwhile).

    A transaction of its own, on its own connection, committed at once: on SQLite the
    request's read transaction may not take the write lock (a stale snapshot fails
    with "database is locked" at once), while this one writes with its first
    statement, so it waits for the lock like any writer (db.tune_sqlite). Two
    requests that missed at once both render and both store: the second insert finds
    the key taken and does nothing. A packet that cannot be stored (locked, disk
    full, its loop deleted meanwhile) is served all the same.

    A packet of a candidate erased while it was being rendered is not kept: the
    erasure deleted the loop's packets, and this one, made from the data before it,
    would bring their name back. The check comes after the insert, which on SQLite
    has the write lock (no erasure in between), and on PostgreSQL share-locks the
    loop and candidate rows, so it waits for an erasure in flight and then sees it.
    """
    table = PacketFile.__table__
    newest = (
        sa.select(table.c.id)
        .where(table.c.loop_id == loop_id)
        .order_by(table.c.id.desc())
        .limit(KEEP_PER_LOOP)
    )
    try:
        with _storing() as conn:
            conn.execute(
                _insert_unless_there(conn.dialect.name, table).values(
                    loop_id=loop_id, key=key, pdf=data, created_at=utcnow()
                )
            )
            conn.execute(
                table.delete().where(
                    table.c.loop_id == loop_id, table.c.id.not_in(newest)
                )
            )
            if _erased(conn, loop_id):
                raise _CandidateErased
    except _CandidateErased:
        return False
    except Exception as exc:  # noqa: BLE001 (the packet is served either way)
        current_app.logger.warning(
            "debrief packet of loop %s not kept: %r", loop_id, exc
        )
        return False
    return True


class _CandidateErased(Exception):
    """Rolls back a packet stored for a candidate erased meanwhile."""


def _erased(conn, loop_id: int) -> bool:
    """Whether the loop's candidate was erased (or the loop is gone), read under
    share locks on PostgreSQL so that an erasure in flight is waited for."""
    row = conn.execute(
        sa.select(Candidate.erased_at)
        .join(Loop, Loop.candidate_id == Candidate.id)
        .where(Loop.id == loop_id)
        .with_for_update(read=True)
    ).first()
    return row is None or row.erased_at is not None


STORE_WAIT_MS = 200


@contextlib.contextmanager
def _storing():
    """A short write transaction of its own: on PostgreSQL in READ COMMITTED (a page
    view's statements otherwise run in autocommit, db.tune_postgresql), on SQLite
    waiting at most ``STORE_WAIT_MS`` for the write lock, not the busy timeout: the
    packet is ready, and keeping it is worth no more than that."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="READ COMMITTED")
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        if conn.dialect.name == "sqlite":
            raw.execute(f"PRAGMA busy_timeout = {STORE_WAIT_MS}")
        try:
            with conn.begin():
                yield conn
        finally:
            if conn.dialect.name == "sqlite":
                timeout = int(current_app.config["SQLITE_BUSY_TIMEOUT_MS"])
                raw.execute(f"PRAGMA busy_timeout = {timeout}")


def _insert_unless_there(dialect: str, table: sa.Table):
    """INSERT ... ON CONFLICT (loop_id, key) DO NOTHING, on either database."""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    return insert(table).on_conflict_do_nothing(index_elements=["loop_id", "key"])


def packet_filename(
    loop: Loop, *, size: str | None = None, archival: bool = False
) -> str:
    """``debrief-12-ana-souza.pdf``: the loop id, then the name in plain ASCII if any;
    given a page size, ``debrief-12-ana-souza-a4.pdf`` or ``-letter.pdf``, and
    ``-a4-pdfa.pdf`` for the archival variant, so the files a reader saves of one
    packet never take each other's name."""
    ascii_name = (
        unicodedata.normalize("NFKD", loop.candidate.name)
        .encode("ascii", "ignore")
        .decode()
    )
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-")
    parts = [
        f"debrief-{loop.id}",
        slug,
        (size or "").lower(),
        "pdfa" if archival else "",
    ]
    return "-".join(part for part in parts if part) + ".pdf"
