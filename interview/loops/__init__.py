"""Interview loops: requisitions' interview plans, candidates' loops, and their panels."""

from . import lists, pickers, requisition_views, views  # noqa: F401  (register the routes)
from .blueprint import bp

__all__ = ["bp"]
