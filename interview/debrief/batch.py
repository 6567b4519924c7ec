"""Many packets at once, over as many renderer children as there are cores.

The calling thread builds each packet's HTML (it needs the database session); a thread
per child hands it over and writes the PDF. Layout is the slow part and runs in the
children, in parallel; at most two packets per child wait in memory.
"""

import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..models import Loop
from .documents import packet_filename, packet_html, renderers
from .synthesis import ScaleError


@dataclass(frozen=True)
class Outcome:
    loop_id: int
    path: Path | None
    error: str | None = None


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary name, then rename: a reader never sees half a PDF."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError as exc:
        if partial.parent.is_dir():
            partial.unlink(missing_ok=True)
        raise OSError(f"cannot write {path}: {exc.strerror or exc}") from None


def render_to_files(
    loops: Iterable[Loop],
    out_dir: Path,
    *,
    jobs: int,
    archival: bool = False,
    done: Callable[[Outcome], None] = lambda outcome: None,
    **options,
) -> list[Outcome]:
    """Write each loop's packet into ``out_dir``; failures are reported, not raised."""
    jobs = max(1, jobs)
    pool = renderers(jobs)
    pool.warm()
    slots = threading.BoundedSemaphore(2 * jobs)
    outcomes: list[Outcome] = []
    lock = threading.Lock()

    def finish(outcome: Outcome) -> None:
        with lock:
            outcomes.append(outcome)
            done(outcome)

    def work(loop_id: int, name: str, html: str) -> None:
        try:
            path = out_dir / name
            write_atomically(path, pool.render(html, archival=archival))
        except Exception as exc:  # noqa: BLE001 (each failure is reported, the rest go on)
            finish(Outcome(loop_id, None, str(exc) or type(exc).__name__))
        else:
            finish(Outcome(loop_id, path))
        finally:
            slots.release()

    with ThreadPoolExecutor(max_workers=jobs) as executor:
        for loop in loops:
            try:
                html = packet_html(loop, **options)
            except ScaleError as exc:  # a rubric saved before the scale rule
                finish(Outcome(loop.id, None, str(exc)))
                continue
            slots.acquire()
            executor.submit(work, loop.id, packet_filename(loop), html)
    return sorted(outcomes, key=lambda o: o.loop_id)
