"""Leave the objects made at start-up out of every garbage collection after it.

A full collection of CPython's cyclic collector walks every object that survived
the earlier ones, and after ``create_app`` that is about 200,000: modules, the
mappers, Jinja's environment, the rubric library, the statements warmup.py compiled.
A page that builds many objects of its own sets off full collections, and each walked
them all: the panel proposal over a hospital's 1,900 interviewers took 191 ms
(median of 15 on the SQLite scale database, bench/scale.py), 74 ms with them frozen,
61 ms with no collection at all. ``gc.freeze()`` moves them where no collection
looks; they live as long as the process anyway. Under gunicorn's ``--preload`` it
also keeps a worker's collections from writing to the pages it shares with the
others after the fork (the ``gc`` module's documentation).
"""

import gc

from flask import Flask

from .config import on_except_testing


def init_app(app: Flask) -> None:
    """``FREEZE_START_UP``: True freezes what start-up made, False does not; None
    (the default) freezes except under ``TESTING``, where a process makes and drops
    hundreds of apps, and what is frozen is never collected."""
    if not on_except_testing(app.config, "FREEZE_START_UP"):
        return
    gc.collect()  # start-up's garbage first: frozen, it would stay for good
    gc.freeze()
