"""Packets laid out in warm child processes, each under a time and a memory limit.

WeasyPrint has known inputs that loop for ever or eat gigabytes. Laid out inside a web
worker, such a document would hang or kill the worker; laid out in a child, it costs
one killed child and a clear message. The child stays warm between packets (imports,
fonts and caches loaded once), so the hand-off costs milliseconds, not a start-up.
A pool holds the children of one process; each process (gunicorn worker, CLI) has its
own, and nothing in them outlives a render but caches.
"""

import atexit
import os
import queue
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from .pdf import HEADER

START_TIMEOUT = 60.0


class RenderError(Exception):
    """A packet could not be produced; the message is fit to show a user."""


class RenderTimeout(RenderError):
    pass


class RenderOutOfMemory(RenderError):
    pass


class Renderer:
    """One child process that renders one document at a time."""

    def __init__(self, timeout: float, memory_mb: int):
        self.timeout = timeout
        self.memory_mb = memory_mb
        self._proc: subprocess.Popen | None = None
        self._tmp: str | None = None
        self._pid = os.getpid()

    def _start(self) -> None:
        self._tmp = tempfile.mkdtemp(prefix="packet-renderer-")
        env = {
            **os.environ,
            "PACKET_RENDERER_MEMORY_MB": str(self.memory_mb),
            "PACKET_RENDERER_TMP": self._tmp,
        }
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "interview.debrief.child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            bufsize=0,
            close_fds=True,
        )
        kind, _ = self._receive(time.monotonic() + START_TIMEOUT)
        if kind != b"W":
            self.stop()
            raise RenderError("The PDF renderer did not start.")

    def _alive(self) -> bool:
        if self._pid != os.getpid():  # forked: that child belongs to the parent
            self._proc, self._tmp, self._pid = None, None, os.getpid()
        return self._proc is not None and self._proc.poll() is None

    def ensure_started(self) -> None:
        if not self._alive():
            self.stop()
            self._start()

    def render(self, html: str, *, archival: bool = False) -> bytes:
        self.ensure_started()
        payload = html.encode("utf-8")
        try:
            self._proc.stdin.write(
                HEADER.pack(b"A" if archival else b"R", len(payload))
            )
            self._proc.stdin.write(payload)
        except (BrokenPipeError, OSError):
            self.stop()
            raise RenderError("The PDF renderer stopped unexpectedly.") from None
        kind, body = self._receive(time.monotonic() + self.timeout)
        if kind == b"P":
            return body
        if kind == b"M":
            self.stop()
            raise RenderOutOfMemory(
                f"Laying out this packet needed more than {self.memory_mb} MB, the"
                " renderer's memory limit."
            )
        raise RenderError(f"The PDF renderer failed: {body.decode(errors='replace')}")

    def _receive(self, deadline: float) -> tuple[bytes, bytes]:
        header = self._read(HEADER.size, deadline)
        kind, size = HEADER.unpack(header)
        return kind, self._read(size, deadline)

    def _read(self, size: int, deadline: float) -> bytes:
        fd = self._proc.stdout.fileno()
        chunks, remaining = [], size
        while remaining:
            left = deadline - time.monotonic()
            ready = left > 0 and select.select([fd], [], [], left)[0]
            if not ready:
                self.stop()
                raise RenderTimeout(
                    f"Laying out this packet took longer than {self.timeout:g} seconds,"
                    " the renderer's time limit."
                )
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                code = self._proc.wait()
                self.stop()
                if code == -signal.SIGKILL or code == -signal.SIGSEGV:
                    raise RenderOutOfMemory(
                        "The PDF renderer was stopped while laying out this packet,"
                        f" most likely by its {self.memory_mb} MB memory limit."
                    )
                raise RenderError("The PDF renderer stopped unexpectedly.")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def stop(self) -> None:
        """End the child (killed if busy) and remove its temporary files."""
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            for stream in (proc.stdin, proc.stdout):
                if stream:
                    stream.close()
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


class RendererPool:
    """Up to ``size`` renderers, started on demand and reused while they stay healthy."""

    def __init__(self, size: int, timeout: float, memory_mb: int):
        self.size = max(1, size)
        self.timeout = timeout
        self.memory_mb = memory_mb
        self._idle: queue.LifoQueue[Renderer] = queue.LifoQueue()
        self._made = 0
        self._lock = threading.Lock()
        self._all: list[Renderer] = []

    def _take(self) -> Renderer:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._made < self.size:
                self._made += 1
                renderer = Renderer(self.timeout, self.memory_mb)
                self._all.append(renderer)
                return renderer
        try:  # every child is busy: wait as long as one packet may take
            return self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise RenderTimeout(
                "Every PDF renderer was busy with other packets for"
                f" {self.timeout:g} seconds; try again in a minute."
            ) from None

    def warm(self) -> None:
        """Start every child now and side by side, so that no packet waits for one."""
        with self._lock:
            new = [
                Renderer(self.timeout, self.memory_mb)
                for _ in range(self.size - self._made)
            ]
            self._made += len(new)
            self._all.extend(new)
        starters = [
            threading.Thread(target=self._start_quietly, args=(r,)) for r in new
        ]
        for thread in starters:
            thread.start()
        for thread in starters:
            thread.join()
        for renderer in new:
            self._idle.put(renderer)

    @staticmethod
    def _start_quietly(renderer: Renderer) -> None:
        try:
            renderer.ensure_started()
        except RenderError:
            pass  # its first render tries again and reports the failure

    def render(self, html: str, *, archival: bool = False) -> bytes:
        renderer = self._take()
        try:
            return renderer.render(html, archival=archival)
        finally:
            self._idle.put(renderer)

    def close(self) -> None:
        for renderer in self._all:
            renderer.stop()


_pools: dict[tuple, RendererPool] = {}
_pools_lock = threading.Lock()


def pool(size: int, timeout: float, memory_mb: int) -> RendererPool:
    """This process's pool for these limits (a forked process starts its own)."""
    key = (os.getpid(), size, timeout, memory_mb)
    with _pools_lock:
        if key not in _pools:
            _pools[key] = RendererPool(size, timeout, memory_mb)
        return _pools[key]


@atexit.register
def close_all() -> None:
    """Stop this process's renderer children; the pools start new ones when used."""
    with _pools_lock:
        for key, each in list(_pools.items()):
            if key[0] == os.getpid():
                each.close()
            del _pools[key]
