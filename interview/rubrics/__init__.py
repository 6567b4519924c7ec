"""Rubrics: the file format, the shipped library, and the editor."""

from .views import bp

__all__ = ["bp"]
