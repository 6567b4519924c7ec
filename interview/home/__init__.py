from . import readiness  # noqa: F401  (keeps loops.scorecards_complete on every commit)
from .views import bp

__all__ = ["bp"]
