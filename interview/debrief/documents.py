"""The packet as a document: its HTML from the print template, and its PDF from a
renderer child, under the instance's page size and limits.

Laying a packet out takes most of a second, and the same people open the same packet
several times, so the web route keeps what it renders (``kept_packet_pdf``): each PDF
is stored under the SHA-256 of all that decides its bytes (``packet_key``):

- what the template is given, as plain data (``packet_data``): the packet's
  context (packet.packet_context: the synthesis, panel, evidence, decisions and
  reopenings, the rubric's reliability and the notes on interviewers), the loop's
  own rows that the template reads (the loop, its candidate, requisition, hiring
  manager's name, rubric version with its levels, competencies, anchors and
  questions: every column of each), the reader, the time zone (each time given as
  the template will print it, in that zone) and the page size; not the "Prepared"
  time, which tells when the packet was really made;
- the archival flag;
- the renderer's version (``renderer_version``): WeasyPrint, pydyf, Jinja and
  MarkupSafe's versions, the packet's CSS, fonts and templates, and the Python
  source that turns that data into HTML and bytes (this package, its filters).

Whatever changes in the packet (a scorecard amended, a decision, a rename, the
rubric's reliability across loops or a note on an interviewer, a reader, a zone, a
page size, a renderer) changes that data and so its key: nothing is ever
invalidated, and a packet is served again only where rendering it now would give the
same document, "Prepared" time aside. Keying from the data, not from the HTML, spares
a kept packet's download the template (a few milliseconds a loop, which a subject
access export pays for every loop); the template reads nothing of the loop's rows
beyond what ``packet_data`` covers (tests/test_export_scale.py records what it
reads). The command line and batches render afresh.
"""

import contextlib
import dataclasses
import functools
import hashlib
import marshal
import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from importlib import metadata
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, render_template
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..loops.schedule import display_zone
from ..models import (
    Candidate,
    Competency,
    Loop,
    PacketFile,
    Requisition,
    RubricVersion,
    User,
)
from ..timeutil import utcnow
from . import pdf, renderer
from .packet import packet_context, page_size

# Packets kept per loop, newest first: a manager and a committee, one size each.
KEEP_PER_LOOP = 6
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
    """``sharing``, ``reopened``: read for many loops at once (packet_context).
    The rubric's anchors and questions are not read here: the key has them from
    ``_plain``'s kept versions, and ``_laid_out`` reads them for the template."""
    context = packet_context(
        loop, only_interviewer=only_interviewer, sharing=sharing, reopened=reopened
    )
    return dict(
        **context,
        page_size=page_size(size, current_app.config["DEBRIEF_PAGE_SIZE"]),
        reader=reader,
        zone=zone,
    )


def _load_rubric_text(version: RubricVersion) -> None:
    """Load the anchors and questions the packet prints in two statements, not two
    per competency from inside the template (or from ``_plain`` for the key); none
    when they are in memory already."""
    if all(_text_loaded(c) for c in version.competencies):
        return
    db.session.scalars(
        sa.select(Competency)
        .where(Competency.rubric_version_id == version.id)
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


def _laid_out(args: dict, generated_at: datetime) -> str:
    """The packet's HTML, its rubric's anchors and questions read first."""
    _load_rubric_text(args["loop"].rubric_version)
    return _html(args, generated_at)


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
    return _laid_out(args, generated_at or utcnow())


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


PACKAGE = Path(__file__).parent.parent
# The Python that turns the packet's data into HTML, beside the templates: this
# package (the classes the template reads, the number filters, this module) and
# the ``localtime`` filter's module.
HTML_SOURCES = ("debrief", "loops/schedule.py", "timeutil.py")


@functools.cache
def renderer_version() -> str:
    """A digest of what turns the packet's data into bytes, besides the data: the
    WeasyPrint, pydyf, Jinja and MarkupSafe versions, the packet's CSS and fonts,
    its templates, the renderer script and the Python source that makes its HTML
    (``HTML_SOURCES``). Read once per process: a deployment restarts the workers."""
    digest = hashlib.sha256()
    for package in ("weasyprint", "pydyf", "jinja2", "markupsafe"):
        digest.update(f"{package} {metadata.version(package)}\n".encode())
    files = sorted(p for p in pdf.ASSETS.rglob("*") if p.is_file())
    files += [TEMPLATES / name for name in PACKET_TEMPLATES]
    files.append(Path(pdf.__file__))
    named = [(path.name, path) for path in files]
    for name in HTML_SOURCES:
        path = PACKAGE / name
        sources = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        named += [(str(p.relative_to(PACKAGE)), p) for p in sources]
    for name, path in named:
        content = path.read_bytes()
        digest.update(f"{name} {len(content)}\n".encode() + content)
    return digest.hexdigest()


def packet_key(loop_id: int, data: str, archival: bool) -> str:
    """SHA-256 of the renderer's version, the loop, the archival flag and ``data``
    (``packet_data``: what the template is given, as plain data)."""
    head = f"{renderer_version()}\n{loop_id}\n{'archival' if archival else 'plain'}\n"
    return hashlib.sha256(head.encode() + data.encode()).hexdigest()


# The loop's rows the template reads, besides the context's plain data: every
# column of each (``_row``), and these relationships, followed from the loop.
FOLLOWED = {
    Loop: ("candidate", "requisition", "rubric_version"),
    Requisition: ("hiring_manager",),
    RubricVersion: ("levels", "competencies"),
    Competency: ("anchors", "questions"),
}
# Of a person, the template prints the name only: their other columns (a sign-in
# time, a password's hash) would move the key for nothing or carry secrets into it.
COLUMNS = {User: ("id", "name")}


def packet_data(args: dict) -> str:
    """What the template is given (``_template_args``, without the "Prepared"
    time), as deterministic text: ``packet_key``'s data. Its plain form (strings,
    numbers, lists, tuples) is written by ``marshal`` at version 2, which writes
    equal values alike whatever their identity (no references, no interning): ten
    times quicker than ``repr`` on a packet's hundred kilobytes (issue 11)."""
    plain = _plain(args, display_zone(args["zone"]))  # as ``localtime`` reads it
    return marshal.dumps(plain, 2).decode("latin-1")


_SCALARS = frozenset({str, int, float, bool, type(None)})
_HANDLERS: dict[type, object] = {}  # type -> its plain form's maker (``_handler``)


def _plain(value, zone):
    """``value`` as plain data (strings, numbers, lists, tuples) that differs
    wherever its printing may: every field of a dataclass, every column of a row
    (``_row``), times as the zone reads them. An unforeseen type is an error
    (tests catch it), never guessed at."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is list or kind is tuple:
        return [_plain(item, zone) for item in value]
    handler = _HANDLERS.get(kind)
    if handler is None:
        handler = _HANDLERS[kind] = _handler(kind)
    return handler(value, zone)


def _handler(kind: type):
    """How to make a value of ``kind`` plain (read once per type)."""
    name = kind.__qualname__
    if kind is RubricVersion:
        return _version
    if issubclass(kind, Enum):
        return lambda value, zone: (name, _plain(value.value, zone))
    for base in (str, int, float):  # Markup and the like
        if issubclass(kind, base):
            return lambda value, zone, base=base: (name, base(value))
    if issubclass(kind, Fraction):
        return lambda value, zone: ("Fraction", value.numerator, value.denominator)
    if issubclass(kind, Decimal):
        return lambda value, zone: ("Decimal", str(value))
    if issubclass(kind, datetime):
        return _moment
    if issubclass(kind, date):
        return lambda value, zone: ("date", value.isoformat())
    if issubclass(kind, Mapping):
        return lambda value, zone: (
            "map",
            [(_plain(k, zone), _plain(v, zone)) for k, v in value.items()],
        )
    if issubclass(kind, list | tuple):
        return lambda value, zone: [_plain(item, zone) for item in value]
    if issubclass(kind, set | frozenset):
        return lambda value, zone: (
            "set",
            sorted(repr(_plain(item, zone)) for item in value),
        )
    if dataclasses.is_dataclass(kind):
        fields = tuple(f.name for f in dataclasses.fields(kind))
        return lambda value, zone: (
            name,
            [(f, _plain(getattr(value, f), zone)) for f in fields],
        )
    if issubclass(kind, db.Model):
        columns = COLUMNS.get(kind) or tuple(
            a.key for a in sa.inspect(kind).column_attrs
        )
        names = (*columns, *FOLLOWED.get(kind, ()))
        return lambda value, zone: (
            name,
            [(n, _plain(getattr(value, n), zone)) for n in names],
        )
    raise TypeError(f"packet key: no plain form for {name}")


# A rubric version never changes once saved (models/guards.py refuses any edit,
# addition or removal), so the plain form of one with its levels, competencies,
# anchors and questions is kept in the process, under its own columns and the zone:
# a kept packet's key then reads none of its text (issue 11: the subject access
# export keys a packet per loop). The version's own columns are in the memo's key,
# so a row under a reused id (a test database started again) is never mistaken.
_VERSIONS: dict = {}
VERSIONS_KEPT = 64


def _version(value: RubricVersion, zone) -> tuple:
    own = [(n, _plain(getattr(value, n), zone)) for n in _VERSION_COLUMNS]
    memo = (zone, marshal.dumps(own, 2))
    found = _VERSIONS.get(memo)
    if found is None:
        _load_rubric_text(value)
        followed = [
            (n, _plain(getattr(value, n), zone)) for n in FOLLOWED[RubricVersion]
        ]
        found = ("RubricVersion", own + followed)
        if len(_VERSIONS) >= VERSIONS_KEPT:
            _VERSIONS.clear()
        _VERSIONS[memo] = found
    return found


_VERSION_COLUMNS = tuple(a.key for a in sa.inspect(RubricVersion).column_attrs)


def _moment(value: datetime, zone) -> tuple:
    """A time as the template prints it: in the reader's zone, with its offset and
    its abbreviation (time zone data a deployment updates moves them)."""
    if value.tzinfo is None:
        return ("naive", value.isoformat())
    local = value.astimezone(zone)
    return ("at", local.isoformat(), local.tzname())


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
    key = packet_key(loop.id, packet_data(args), archival)
    stored = db.session.scalar(
        sa.select(PacketFile.pdf).where(
            PacketFile.loop_id == loop.id, PacketFile.key == key
        )
    )
    if stored is not None:
        return stored
    data = renderers().render(_laid_out(args, utcnow()), archival=archival)
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


# Letters NFKD does not decompose into a base letter and its marks.
_SPELLED = str.maketrans(
    {
        "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss",
        "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "ł": "l",
        "Ł": "L", "ı": "i", "ħ": "h", "Ħ": "H", "ŧ": "t", "Ŧ": "T",
    }
)  # fmt: skip


def ascii_letters(text: str) -> str:
    """``text`` in ASCII: marks stripped from their letters, a few letters spelled
    out (``ø`` is ``o``), anything else (another script) left out."""
    parts = unicodedata.normalize("NFKD", text.translate(_SPELLED))
    bare = "".join(c for c in parts if not unicodedata.combining(c))
    return bare.encode("ascii", "ignore").decode()


def packet_filename(
    loop: Loop, *, size: str | None = None, archival: bool = False, utf8: bool = False
) -> str:
    """``debrief-12-ana-souza.pdf``: the loop id, then the name in plain ASCII if any;
    given a page size, ``debrief-12-ana-souza-a4.pdf`` or ``-letter.pdf``, and
    ``-a4-pdfa.pdf`` for the archival variant, so the files a reader saves of one
    packet never take each other's name. Accents are dropped, not the letters they
    sit on, and letters without a decomposition are spelled out (issue 14: "Ünïcødé"
    was ``unicde``, now ``unicode``); ``utf8`` keeps the name's own letters, for a
    Content-Disposition ``filename*``."""
    name = unicodedata.normalize("NFC", loop.candidate.name)
    if not utf8:
        name = ascii_letters(name)
    slug = re.sub(r"[\W_]+", "-", name.lower()).strip("-")[:60].strip("-")
    parts = [
        f"debrief-{loop.id}",
        slug,
        (size or "").lower(),
        "pdfa" if archival else "",
    ]
    return "-".join(part for part in parts if part) + ".pdf"
