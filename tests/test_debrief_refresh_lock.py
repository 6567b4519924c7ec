"""The debrief's figures across loops, refreshed behind the page, never hold
SQLite's write lock while they compute: autosaves and submissions go on meanwhile."""

import sqlite3

import pytest

from interview.debrief import across_loops
from interview.extensions import db


def test_a_refresh_computes_without_the_write_lock(app, seat, monkeypatch):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's one writer at a time")
        path = db.engine.url.database
        rubric_id = db.session.execute(
            db.text("SELECT id FROM rubrics ORDER BY id LIMIT 1")
        ).scalar_one()
    writes = []

    def computing(rubric):
        """While the figures compute, another connection writes."""
        db.session.execute(db.text("SELECT COUNT(*) FROM scorecards")).all()
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            writes.append("written")
        except sqlite3.OperationalError as exc:
            writes.append(str(exc))
        finally:
            other.close()

    monkeypatch.setattr(across_loops.kept, "rubric_figures", computing)
    across_loops._refresh(app, across_loops._state(app), rubric_id)
    assert writes == ["written"]
