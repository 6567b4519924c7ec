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
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import pdf

START_TIMEOUT = 30.0
TMP_PREFIX = "packet-renderer-"
# Signals a child dies of when allocation fails somewhere in C (glib aborts, traps).
MEMORY_DEATHS = {-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT, -signal.SIGBUS}
if hasattr(signal, "SIGTRAP"):
    MEMORY_DEATHS.add(-signal.SIGTRAP)
MEMORY_DEATHS.add(pdf.OUT_OF_MEMORY_EXIT)  # out of memory while reporting it
# The application's secrets stay out of the child's environment.
PRIVATE = re.compile(
    r"^INTERVIEW_|SECRET|PASSWORD|TOKEN|_KEY$|DATABASE_URL", re.IGNORECASE
)


class RenderError(Exception):
    """A packet could not be produced; the message is fit to show a user."""


class RenderTimeout(RenderError):
    pass


class RenderOutOfMemory(RenderError):
    pass


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sweep_leftovers() -> None:
    """Remove the temporary folders of renderers whose web worker died unannounced."""
    for folder in Path(tempfile.gettempdir()).glob(f"{TMP_PREFIX}*-*"):
        owner = folder.name[len(TMP_PREFIX) :].split("-", 1)[0]
        if owner.isdigit() and not _pid_alive(int(owner)):
            shutil.rmtree(folder, ignore_errors=True)


class Renderer:
    """One child process that renders one document at a time."""

    def __init__(self, timeout: float, memory_mb: int):
        self.timeout = timeout
        self.memory_mb = memory_mb
        self._proc: subprocess.Popen | None = None
        self._tmp: str | None = None
        self._pid = os.getpid()

    def _start(self) -> None:
        _sweep_leftovers()
        self._tmp = tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-")
        env = {k: v for k, v in os.environ.items() if not PRIVATE.search(k)}
        env.update(
            PACKET_RENDERER_MEMORY_MB=str(self.memory_mb),
            # CPU backstop: well past the wall-clock limit the parent enforces.
            PACKET_RENDERER_CPU_SECONDS=str(int(self.timeout * 2) + 5),
            PACKET_RENDERER_TMP=self._tmp,
            PACKET_RENDERER_PARENT=str(os.getpid()),
        )
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-I", pdf.__file__],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
                bufsize=0,
                close_fds=True,
            )
        except OSError as exc:
            self.stop()
            raise RenderError(f"The PDF renderer could not start: {exc}") from None
        os.set_blocking(self._proc.stdin.fileno(), False)
        try:
            kind, _ = self._receive(time.monotonic() + START_TIMEOUT, START_TIMEOUT)
        except RenderTimeout:
            raise RenderError(
                f"The PDF renderer did not start within {START_TIMEOUT:g} seconds."
            ) from None
        if kind != b"W":
            self.stop()
            raise RenderError("The PDF renderer did not start.")

    def _alive(self) -> bool:
        if self._pid != os.getpid():  # forked: that child belongs to the parent
            for stream in (self._proc.stdin, self._proc.stdout) if self._proc else ():
                stream.close()
            self._proc, self._tmp, self._pid = None, None, os.getpid()
        return self._proc is not None and self._proc.poll() is None

    def ensure_started(self) -> None:
        if not self._alive():
            self.stop()
            self._start()

    def render(self, html: str, *, archival: bool = False) -> bytes:
        self.ensure_started()
        payload = html.encode("utf-8")
        header = pdf.HEADER.pack(b"A" if archival else b"R", len(payload))
        deadline = time.monotonic() + self.timeout
        try:
            self._write(header + payload, deadline)
            kind, body = self._receive(deadline, self.timeout)
        except BaseException:
            # Whatever interrupted us (a timeout, a signal, a bug), the child may be
            # mid-document or have a reply waiting: never hand it another request.
            self.stop()
            raise
        if kind == b"P":
            return body
        if kind == b"E":
            raise RenderError(
                f"The PDF renderer failed: {body.decode(errors='replace')}"
            )
        self.stop()
        if kind == b"M":
            raise RenderOutOfMemory(
                f"Laying out this packet needed more than {self.memory_mb} MB, the"
                " renderer's memory limit."
            )
        raise RenderError("The PDF renderer answered out of turn; it was restarted.")

    def _wait(self, fd: int, events: int, deadline: float, limit: float) -> None:
        poller = select.poll()
        poller.register(fd, events)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.stop()
                raise RenderTimeout(
                    f"Laying out this packet took longer than {limit:g} seconds,"
                    " the renderer's time limit."
                )
            if poller.poll(left * 1000):
                return

    def _write(self, data: bytes, deadline: float) -> None:
        fd = self._proc.stdin.fileno()
        view = memoryview(data)
        while view:
            self._wait(fd, select.POLLOUT, deadline, self.timeout)
            try:
                written = os.write(fd, view)
            except BlockingIOError:
                continue
            except OSError:  # the child is gone (broken pipe)
                self._died()
            view = view[written:]

    def _receive(self, deadline: float, limit: float) -> tuple[bytes, bytes]:
        kind, size = pdf.HEADER.unpack(self._read(pdf.HEADER.size, deadline, limit))
        return kind, self._read(size, deadline, limit)

    def _read(self, size: int, deadline: float, limit: float) -> bytes:
        fd = self._proc.stdout.fileno()
        chunks, remaining = [], size
        while remaining:
            self._wait(fd, select.POLLIN, deadline, limit)
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                self._died()
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def _died(self):
        proc = self._proc
        if proc is None:  # stopped meanwhile (the process exiting while it started)
            raise RenderError("The PDF renderer was stopped.")
        code = proc.wait()
        self.stop()
        if code in MEMORY_DEATHS:
            raise RenderOutOfMemory(
                "The PDF renderer was stopped while laying out this packet,"
                f" most likely by its {self.memory_mb} MB memory limit."
            )
        raise RenderError(f"The PDF renderer stopped unexpectedly (exit {code}).")

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

    def ready(self) -> int:
        """How many children are started and waiting for a packet (warmup's test)."""
        return sum(renderer._alive() for renderer in list(self._idle.queue))

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
