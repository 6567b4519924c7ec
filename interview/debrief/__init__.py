"""Debrief: combine the loop's scores honestly, for the page and the packet."""

from .views import bp

__all__ = ["bp"]
