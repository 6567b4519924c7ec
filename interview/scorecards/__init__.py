"""Scoring: the interview kit and an anchored scorecard that stays independent."""

from .views import bp

__all__ = ["bp"]
