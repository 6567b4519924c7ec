"""Finished packet HTML to PDF bytes with WeasyPrint, fetching nothing from outside.

WeasyPrint follows every URL a document names (http, file, data, redirects, attachments)
unless told otherwise. The packet needs only its own stylesheet and fonts, so one fetcher
serves ``asset:NAME`` from this package's ``assets`` folder and refuses everything else,
and it is passed to every HTML and CSS object. Evidence is escaped by the template, so
this is the second wall, not the first.

Run as a script, this file is the renderer child process that
:mod:`interview.debrief.renderer` drives: warm, limited in memory and CPU, killed when
a document takes too long, and gone when its parent is.
"""

import functools
import logging
import mimetypes
import os
import resource
import struct
import sys
import tempfile
import threading
import time
from pathlib import Path

ASSETS = Path(__file__).parent / "assets"
ASSET_SCHEME = "asset:"
# Archival packets: PDF/A-3u keeps text extractable (Unicode mapping for every glyph).
ARCHIVAL_VARIANT = "pdf/a-3u"


@functools.cache
def fetcher_class():
    """The fetcher class, built on first use: web workers import this module without
    paying for WeasyPrint, which only the renderer children load."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class PacketFetcher(URLFetcher):
        """Serves the packet's packaged assets; every other URL is refused."""

        def __init__(self):
            super().__init__(allowed_protocols=("asset",), allow_redirects=False)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            if not url.startswith(ASSET_SCHEME):
                self.refused.append(url[:200])
                raise ValueError(f"the packet fetches nothing outside itself: {url!r}")
            name = url[len(ASSET_SCHEME) :].lstrip("/")
            path = (ASSETS / name).resolve()
            if not path.is_file() or not path.is_relative_to(ASSETS.resolve()):
                self.refused.append(url[:200])
                raise ValueError(f"no such packet asset: {name!r}")
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if path.suffix == ".ttf":
                kind = "font/ttf"
            return URLFetcherResponse(
                url, path.read_bytes(), headers={"Content-Type": kind}
            )

    return PacketFetcher


_font_config = None


def render(html: str, *, archival: bool = False, fetcher=None) -> bytes:
    """The PDF for ``html``, laid out in this process.

    One FontConfiguration serves every render of a process: a fresh one per call makes
    memory grow, and the packet's fonts are registered once.
    """
    global _font_config
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    if _font_config is None:
        _font_config = FontConfiguration()
    fetcher = fetcher or fetcher_class()()
    document = HTML(string=html, url_fetcher=fetcher, base_url=None)
    options = {"pdf_variant": ARCHIVAL_VARIANT} if archival else {}
    return document.write_pdf(font_config=_font_config, **options)


# --- the child process ---------------------------------------------------------------
# Frames on the pipes: a 1-byte kind, a 4-byte big-endian length, then the payload.
# Parent to child: b"R" (render) or b"A" (render archival), payload: UTF-8 HTML.
# Child to parent: b"P" (PDF bytes), b"M" (out of memory) or b"E" (error text).
HEADER = struct.Struct(">cI")


def _read_exactly(stream, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError
    return data


# The child's exit status when it ran out of memory and could not even reply.
OUT_OF_MEMORY_EXIT = 86


def _reply(out, kind: bytes, payload: bytes) -> None:
    out.write(HEADER.pack(kind, len(payload)) + payload)
    out.flush()


def _limit_memory(budget_mb: int) -> None:
    """Cap the address space at what the warm process uses now plus ``budget_mb``."""
    if budget_mb <= 0:
        return
    with open("/proc/self/statm") as statm:
        used = int(statm.read().split()[0]) * resource.getpagesize()
    cap = used + budget_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _limit_cpu(seconds: int) -> None:
    """A backstop to the parent's clock: SIGXCPU ends a render that spins too long."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime) + seconds
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _die_with_parent(parent: int) -> None:
    """End this child soon after its parent dies, even mid-document.

    A closed stdin ends it between documents; this watchdog covers a parent killed
    (SIGKILL, OOM killer) while a document is being laid out. prctl's PDEATHSIG would
    fire when the parent *thread* ends, which a threaded web server does per request.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="parent-watchdog").start()


def serve(budget_mb: int, cpu_seconds: int) -> None:
    """Render documents sent on stdin until it closes."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # C libraries writing to fd 1 must not corrupt the frames
    sys.stdout = sys.stderr
    source = sys.stdin.buffer
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    render("<p>warm</p>")  # imports, fonts and caches before the first real packet
    _limit_memory(budget_mb)
    _reply(out, b"W", b"")  # warm and ready
    while True:
        try:
            kind, size = HEADER.unpack(_read_exactly(source, HEADER.size))
            html = _read_exactly(source, size).decode("utf-8")
            if cpu_seconds > 0:
                _limit_cpu(cpu_seconds)
            pdf = render(html, archival=kind == b"A")
        except EOFError:
            return
        except (MemoryError, SystemError) as exc:
            # SystemError is how a C extension's failed allocation may surface.
            memory = isinstance(exc, MemoryError) or budget_mb > 0
            try:
                _reply(out, b"M" if memory else b"E", type(exc).__name__.encode())
            except MemoryError:
                os._exit(OUT_OF_MEMORY_EXIT)  # too short of memory even to say so
            return  # a process that ran out of memory is not trusted with another
        except Exception as exc:  # noqa: BLE001 (any layout failure is reported)
            _reply(out, b"E", f"{type(exc).__name__}: {exc}"[:500].encode())
            continue
        _reply(out, b"P", pdf)


if __name__ == "__main__":
    # Started by renderer.py as a script (python -I .../pdf.py), so the child imports
    # WeasyPrint and nothing of the application.
    tempfile.tempdir = os.environ.get("PACKET_RENDERER_TMP") or None
    _die_with_parent(int(os.environ.get("PACKET_RENDERER_PARENT", "0")))
    serve(
        int(os.environ.get("PACKET_RENDERER_MEMORY_MB", "0")),
        int(os.environ.get("PACKET_RENDERER_CPU_SECONDS", "0")),
    )
