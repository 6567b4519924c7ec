"""A scope's figures, kept in the process while its data stays the same.

Computing a rubric's figures sums its summary rows and runs the statistics (the
bootstrap most of it); a page asks first for ``queries.fingerprint``, one small
statement, and computes again only when a submission or an amendment moved it.
"""

import threading
from collections import OrderedDict

from flask import current_app

from . import figures, queries

_LOCK = threading.Lock()
CACHE_SIZE = 64


def scope_figures(scope: queries.Scope, *, rater_only: bool = False) -> figures.Figures:
    """The scope's figures (only its raters' with ``rater_only``), computed again
    only when its submitted scorecards change."""
    key = (scope, rater_only, queries.fingerprint(scope))
    cache = current_app.extensions.setdefault("calibration", OrderedDict())
    with _LOCK:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    found = compute(scope, rater_only=rater_only)
    with _LOCK:
        cache[key] = found
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    return found


def rubric_figures(rubric_id: int) -> figures.Figures:
    """A rubric's figures over all time: reliability (``alpha``, ``single``,
    ``average``, per competency) and each interviewer's leniency and halo
    (``raters``); ``check.enough`` is false below the minimum amount of data."""
    return scope_figures(queries.Scope("rubric", rubric_id))


def compute(scope: queries.Scope, *, rater_only: bool = False) -> figures.Figures:
    """The scope's figures from the summary tables, not kept."""
    rater_rows = queries.rater_rows(scope)
    if rater_only:
        return figures.Figures(
            counts=None, check=None, raters=figures.rater_figures(rater_rows)
        )
    return figures.build(
        queries.unit_rows(scope), rater_rows, queries.competencies(scope)
    )
