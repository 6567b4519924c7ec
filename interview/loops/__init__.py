"""Interview loops: requisitions' interview plans, candidates' loops, and their panels."""

from . import (  # noqa: F401  (register the routes)
    guard_views,
    lists,
    pickers,
    requisition_views,
    views,
)
from .blueprint import bp

__all__ = ["bp"]
