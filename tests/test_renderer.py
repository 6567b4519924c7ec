"""The renderer child processes: limits, restarts, and never a PDF for someone else."""

import io
import os
import resource
import signal
import subprocess
import sys
import time

import pypdf
import pytest

from interview.debrief.renderer import (
    Renderer,
    RendererPool,
    RenderOutOfMemory,
    RenderTimeout,
)


def _heavy_document(rows: int) -> str:
    cells = "".join(
        f"<tr><td>{i}</td><td>{'word ' * 30}</td></tr>" for i in range(rows)
    )
    return f"<table>{cells}</table>"


def _titled(title: str) -> str:
    return (
        f"<html><head><title>{title}</title></head><body><p>{title}</p></body></html>"
    )


def _title(data: bytes) -> str:
    return pypdf.PdfReader(io.BytesIO(data)).metadata.title


@pytest.fixture
def renderer():
    each = Renderer(timeout=60, memory_mb=0)
    yield each
    each.stop()


def test_the_renderer_is_killed_at_its_time_limit_and_restarts(renderer):
    renderer.timeout = 0.3
    with pytest.raises(RenderTimeout):
        renderer.render(_heavy_document(3000))
    renderer.timeout = 60
    assert _title(renderer.render(_titled("next packet"))) == "next packet"


def test_the_renderer_stops_at_its_memory_limit_and_restarts():
    renderer = Renderer(timeout=60, memory_mb=40)
    try:
        with pytest.raises(RenderOutOfMemory, match="40 MB"):
            renderer.render(_heavy_document(4000))
        assert renderer.render("<p>next packet</p>").startswith(b"%PDF")
    finally:
        renderer.stop()


class Interrupted(Exception):
    pass


def test_an_interrupted_render_never_hands_its_pdf_to_the_next_reader(renderer):
    """A request cut short (a worker timeout, a signal) must not leave its reply in the
    pipe for the next request to read as its own."""
    renderer.render("<p>warm</p>")

    def interrupt(signum, frame):
        raise Interrupted

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        with pytest.raises(Interrupted):
            renderer.render(_titled("alice") + _heavy_document(600))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert _title(renderer.render(_titled("bob"))) == "bob"
    assert _title(renderer.render(_titled("carol"))) == "carol"


def test_output_from_c_libraries_does_not_corrupt_the_replies(renderer, monkeypatch):
    monkeypatch.setenv("FC_DEBUG", "1")  # fontconfig prints to fd 1 in the child
    assert _title(renderer.render(_titled("dave"))) == "dave"


def test_secrets_stay_out_of_the_child(renderer, monkeypatch):
    monkeypatch.setenv("INTERVIEW_SECRET_KEY", "do-not-leak")
    monkeypatch.setenv("INTERVIEW_DATABASE_URL", "postgresql://u:pw@db/x")
    renderer.ensure_started()
    with open(f"/proc/{renderer._proc.pid}/environ", "rb") as environ:
        names = {item.split(b"=", 1)[0] for item in environ.read().split(b"\0")}
    assert b"INTERVIEW_SECRET_KEY" not in names
    assert b"INTERVIEW_DATABASE_URL" not in names


def test_many_open_files_do_not_break_the_hand_off(renderer):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1300:
        pytest.skip("cannot open over 1024 files here")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1300), hard))
    held = [os.open("/dev/null", os.O_RDONLY) for _ in range(1100)]
    try:
        assert _title(renderer.render(_titled("erin"))) == "erin"
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


ORPHAN = """
import sys
from interview.debrief.renderer import Renderer
renderer = Renderer(timeout=60, memory_mb=0)
renderer.ensure_started()
print(renderer._proc.pid, renderer._tmp, flush=True)
sys.stdin.read()
"""


def test_a_child_does_not_outlive_a_killed_web_worker():
    with subprocess.Popen(
        [sys.executable, "-c", ORPHAN],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as worker:
        child_pid, folder = worker.stdout.readline().split()
        worker.kill()  # SIGKILL: no atexit, no cleanup in the worker
    for _ in range(50):
        try:
            os.kill(int(child_pid), 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"renderer child {child_pid} outlived its parent")
    fresh = Renderer(timeout=60, memory_mb=0)
    try:
        fresh.ensure_started()
        assert not os.path.exists(folder)
    finally:
        fresh.stop()


def test_the_pool_reuses_its_children_and_waits_when_all_are_busy():
    pool = RendererPool(size=1, timeout=1.0, memory_mb=0)
    try:
        pool.warm()
        first = pool._all[0]._proc.pid
        assert pool.render("<p>a</p>").startswith(b"%PDF")
        assert pool._all[0]._proc.pid == first  # warm child reused
        taken = pool._take()  # the only child is busy elsewhere
        with pytest.raises(RenderTimeout, match="busy"):
            pool.render("<p>b</p>")
        pool._idle.put(taken)
    finally:
        pool.close()


def test_a_child_too_short_of_memory_to_reply_is_out_of_memory_too():
    """A child whose MemoryError struck again while it reported the first exits
    with its own status; the reader is told of the memory limit, as when it can
    reply (a loaded machine hit this once in a full run)."""
    import subprocess
    import sys

    from interview.debrief import pdf

    renderer = Renderer(timeout=60, memory_mb=40)
    try:
        # A child that dies as one too short of memory to reply does.
        renderer._proc = subprocess.Popen(
            [sys.executable, "-c", f"import os; os._exit({pdf.OUT_OF_MEMORY_EXIT})"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        renderer._proc.wait()
        with pytest.raises(RenderOutOfMemory, match="40 MB"):
            renderer._receive(time.monotonic() + 5, 5)
    finally:
        renderer.stop()
