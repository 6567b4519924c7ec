"""Start a web worker's packet renderers in the background at its first request.

A renderer is a child process that imports WeasyPrint and loads the packet's fonts
before its first packet (debrief/renderer.py): about a second, more on a busy host.
Started when the first packet is asked for, that second is the reader's wait. A
worker's first request of any kind starts them instead, on a thread, and the request
goes on at once; a packet asked for while they start waits only for the rest of it.

At the first request, not in ``create_app``: the CLI builds the app too (``init-db``,
``retention run``) and must not start children it never uses, and a server that
forks after loading the app (gunicorn's ``--preload``) gives each worker its own
pool, keyed by process id, so each worker starts its own.
"""

import os
import threading

from flask import Flask

from ..config import on_except_testing
from .documents import renderers


def init_app(app: Flask) -> None:
    """``DEBRIEF_WARM_RENDERERS``: True starts them, False leaves it to the first
    packet; None (the default) starts them except under ``TESTING``."""
    if not on_except_testing(app.config, "DEBRIEF_WARM_RENDERERS"):
        return
    warmed: set[int] = set()  # process ids whose pool was started
    lock = threading.Lock()

    @app.before_request
    def warm_renderers() -> None:
        pid = os.getpid()
        if pid in warmed:
            return
        with lock:
            if pid in warmed:
                return
            warmed.add(pid)
        pool = renderers()  # reads the app's limits: inside the request
        threading.Thread(target=pool.warm, name="warm-renderers", daemon=True).start()
