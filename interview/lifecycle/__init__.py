"""The candidate data lifecycle (issue 13): erasure, legal holds and retention."""

from .views import bp

__all__ = ["bp"]
