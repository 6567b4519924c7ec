"""Calibration across loops: how far the panel's ratings agree, who rates high or low."""

from .views import bp

__all__ = ["bp"]
