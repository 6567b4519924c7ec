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
from .renderer import RenderError


@dataclass(frozen=True)
class Outcome:
    loop_id: int
    path: Path | None
    error: str | None = None


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary name, then rename: a reader never sees half a PDF."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)


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
        slots.release()

    def work(loop_id: int, name: str, html: str) -> None:
        try:
            pdf = pool.render(html, archival=archival)
            path = out_dir / name
            write_atomically(path, pdf)
        except (RenderError, OSError) as exc:
            finish(Outcome(loop_id, None, str(exc)))
        else:
            finish(Outcome(loop_id, path))

    with ThreadPoolExecutor(max_workers=jobs) as executor:
        for loop in loops:
            slots.acquire()
            html = packet_html(loop, **options)
            executor.submit(work, loop.id, packet_filename(loop), html)
    return sorted(outcomes, key=lambda o: o.loop_id)
