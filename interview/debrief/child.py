"""Entry point of a renderer child process: ``python -m interview.debrief.child``.

A module of its own, imported by nothing else, so that running it does not import it
twice (once as a package member, once as ``__main__``).
"""

import os
import tempfile

from .pdf import serve

if __name__ == "__main__":
    # WeasyPrint's font files go in a folder the parent removes, even after a kill.
    tempfile.tempdir = os.environ.get("PACKET_RENDERER_TMP") or None
    serve(int(os.environ.get("PACKET_RENDERER_MEMORY_MB", "0")))
