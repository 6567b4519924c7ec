from . import notifications  # noqa: F401  (issue 14: email preferences)
from .views import bp

__all__ = ["bp"]
