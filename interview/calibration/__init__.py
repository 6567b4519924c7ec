"""Calibration across loops: how far the panel's ratings agree, who rates high or low.

``rubric_figures(rubric_id)`` and ``scope_figures(Scope(...))`` give the figures to
other features (the debrief); ``summaries.loop_changed(loop_id)`` is what an
operation that changes submitted ratings calls.
"""

from . import models  # noqa: F401  (the summary tables join the metadata)
from .kept import rubric_figures, scope_figures
from .queries import Scope
from .views import bp

__all__ = ["Scope", "bp", "rubric_figures", "scope_figures"]
