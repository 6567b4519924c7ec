"""The audit log in the browser and the subject access export (issue 13)."""

from .views import bp

__all__ = ["bp"]
