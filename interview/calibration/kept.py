"""A scope's figures and downloads, kept in the process while its data stays the same.

Computing a rubric's figures sums its summary rows and runs the statistics (the
bootstrap most of it); writing its CSV costs as much as the file is long (a row per
interviewer: 240 KB for a hospital's rubric), and so does ranking its interviewers
for the page's chart. A page or a download asks first for
``queries.fingerprint``, one small statement, and computes again only when a
submission or an amendment moved it. Every worker reads the fingerprint from the
database on every request, so none serves what another worker's submission changed.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app

from . import figures, queries

_LOCK = threading.Lock()
CACHE_SIZE = 64


def _kept(key: Hashable):
    cache = current_app.extensions.setdefault("calibration", OrderedDict())
    with _LOCK:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    return None


def _keep(key: Hashable, value) -> None:
    cache = current_app.extensions.setdefault("calibration", OrderedDict())
    with _LOCK:
        cache[key] = value
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)


def scope_figures(scope: queries.Scope, *, rater_only: bool = False) -> figures.Figures:
    """The scope's figures (only its raters' with ``rater_only``), computed again
    only when its submitted scorecards change."""
    return _figures(scope, rater_only, queries.fingerprint(scope))


def _figures(scope: queries.Scope, rater_only: bool, mark: tuple) -> figures.Figures:
    key = (scope, rater_only, mark)
    found = _kept(key)
    if found is None:
        found = compute(scope, rater_only=rater_only)
        _keep(key, found)
    return found


def scope_made(
    scope: queries.Scope,
    make: Callable[[figures.Figures], object],
    *,
    variant: Hashable,
    rater_only: bool = False,
):
    """What ``make`` builds of the scope's figures (a download's file, a page's
    charts), built again only when they are computed again (the same fingerprint),
    so a kept one costs the same whatever the number of interviewers. ``variant``
    names all else it depends on (who sees raters, the rubrics' titles): two
    variants are two things kept."""
    mark = queries.fingerprint(scope)
    key = ("made", scope, rater_only, variant, mark)
    made = _kept(key)
    if made is None:
        made = make(_figures(scope, rater_only, mark))
        _keep(key, made)
    return made


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
