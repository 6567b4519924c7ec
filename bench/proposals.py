"""Proposing a panel for many planned loops of the hospital-size database (issue 11).

``scale.py`` times the proposal's page for one loop, the one with the most open seats;
this times ``proposals.propose_for`` (the pool's reads and the search, no page) for
the first ``-n`` planned loops by id, and says which path each answer took: from the
lightest few of each week (``lightest``), from the whole pool after the lightest few
asked for more people or their shortlist held no answer, or from the whole pool
straight away (a pool small enough). A slow path taken often shows here, where one
loop's page would hide it.

    .venv/bin/python bench/proposals.py [--db sqlite|postgresql|both] [-n 120]
"""

import argparse
import statistics
import time

import scale_data
import sqlalchemy as sa

from interview import create_app
from interview.extensions import db
from interview.loops import pairing, proposals
from interview.models import Loop
from interview.models.enums import LoopStatus

GOAL_MS = 50.0


def _watch_paths() -> dict:
    """Note which answer ``propose_from_lightest`` gave for the proposal under way."""
    seen: dict = {}
    lightest = pairing.propose_from_lightest

    def watched(*args, **kwargs):
        answer = lightest(*args, **kwargs)
        seen["path"] = (
            "lightest"
            if isinstance(answer, pairing.Proposal)
            else f"whole pool ({answer})"
        )
        return answer

    pairing.propose_from_lightest = watched
    return seen


def run(backend: str, count: int, seen: dict) -> None:
    app = create_app(scale_data.app_config(scale_data.database_url(backend, "scale")))
    by_path: dict[str, list[tuple[float, int, bool]]] = {}
    with app.app_context():
        ids = db.session.scalars(
            sa.select(Loop.id)
            .where(Loop.status == LoopStatus.PLANNED)
            .order_by(Loop.id)
            .limit(count)
        ).all()
        for loop_id in ids:
            db.session.expunge_all()
            seen.clear()
            start = time.perf_counter()
            loop = db.session.get(Loop, loop_id)
            proposal = proposals.propose_for(loop)
            ms = (time.perf_counter() - start) * 1000
            db.session.rollback()
            path = seen.get("path", "whole pool (small)")
            by_path.setdefault(path, []).append((ms, loop_id, proposal.ok))
    print(f"\n== {backend}: {len(ids)} planned loops")
    every = sorted(ms for rows in by_path.values() for ms, _, _ in rows)
    for path, rows in sorted(by_path.items(), key=lambda item: -len(item[1])):
        times = sorted(ms for ms, _, _ in rows)
        slowest = max(rows)
        print(
            f"{path:<34} {len(rows):>4} loops  median {statistics.median(times):6.1f}"
            f"  max {times[-1]:6.1f} ms (loop {slowest[1]})"
            f"  valid {sum(ok for _, _, ok in rows)}"
        )
    flag = "  over the goal" if statistics.median(every) > GOAL_MS else ""
    print(
        f"{'all':<34} {len(every):>4} loops  median {statistics.median(every):6.1f}"
        f"  p95 {every[int(0.95 * (len(every) - 1))]:6.1f} ms{flag}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", choices=("sqlite", "postgresql", "both"), default="both"
    )
    parser.add_argument(
        "-n", type=int, default=120, help="planned loops to propose for"
    )
    args = parser.parse_args()
    seen = _watch_paths()
    for backend in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        scale_data.ensure(backend, "scale")
        run(backend, args.n, seen)


if __name__ == "__main__":
    main()
