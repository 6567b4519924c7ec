"""Probes for load balancers and orchestrators: no sign-in, no data, plain text."""

from flask import Blueprint, current_app

from ..extensions import db
from .readiness import readiness

bp = Blueprint("ops", __name__)

PLAIN = {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/healthz")
def healthz():
    """Say the process is up and serving; touch nothing else (no database)."""
    return "ok\n", 200, PLAIN


@bp.get("/readyz")
def readyz():
    """Say whether this process can serve requests: its database answers and is at
    the current migration or newer (a rolling deploy's migration ran first). 503
    with a short reason when not."""
    note = None
    try:
        state = readiness(db.engine)
        problem, note = state.problem, state.note
    except Exception:
        current_app.logger.exception("readiness check failed")
        problem = "readiness check failed"
    if problem is not None:
        current_app.logger.warning("not ready: %s", problem)
        return f"not ready: {problem}\n", 503, {**PLAIN, "Retry-After": "5"}
    if note is not None:
        return f"ready: {note}\n", 200, PLAIN
    return "ready\n", 200, PLAIN
