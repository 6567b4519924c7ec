"""The Calibration page of a rubric with 20,000 rated loops, timed (issue 12).

It uses its own database, built once by bench/scale_data.py (``CALIBRATION``: the
scale database's hospital with 22,500 loops, every requisition on the
clinical-informatics rubric, so that about 20,000 loops have two or more raters of a
competency; the scale databases that other benches use are left as they are). It
signs in as talent acquisition and times, in-process with Flask's test client:

- the page computed from the database each time (the figures kept between requests
  are forgotten before every sample): the summary tables summed, the statistics;
- the page as it is usually served, its figures kept while the rubric's submitted
  scorecards do not change (one small statement to check that);
- the same with a one-year date range (computed each time);
- the parts of a computation: each statement and the statistics;
- what a submission adds: one loop's summary rows computed again (rolled back);
- a one-line Flask endpoint through the same test client, the floor.

    .venv/bin/python bench/calibration.py [--db sqlite|postgresql|both] [-n 7]
"""

import argparse
import statistics
import sys
import time
from datetime import timedelta

import scale_data
import sqlalchemy as sa
from scale import signed_in_client, trivial_ms

from interview import create_app
from interview.calibration import figures, kept, queries, summaries
from interview.extensions import db
from interview.models import Loop, Role, Rubric, RubricVersion, User
from interview.timeutil import utcnow


def biggest_rubric() -> tuple[int, str, int]:
    """The rubric with the most loops: (id, key, loops)."""
    loops = sa.func.count(Loop.id)
    return tuple(
        db.session.execute(
            sa.select(Rubric.id, Rubric.key, loops)
            .join(RubricVersion, RubricVersion.rubric_id == Rubric.id)
            .join(Loop, Loop.rubric_version_id == RubricVersion.id)
            .group_by(Rubric.id, Rubric.key)
            .order_by(loops.desc())
            .limit(1)
        ).one()
    )


def median_ms(fn, n: int) -> float:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def data_size(rubric_id: int) -> str:
    """The rubric's submitted ratings and the summary rows they make."""
    ratings = db.session.scalar(
        sa.text(
            "SELECT COUNT(*) FROM ratings ra"
            " JOIN scorecards sc ON sc.id = ra.scorecard_id"
            " JOIN rubric_versions rv ON rv.id = sc.rubric_version_id"
            " WHERE sc.status = 'submitted' AND ra.level IS NOT NULL"
            " AND rv.rubric_id = :r"
        ),
        {"r": rubric_id},
    )
    rows = {
        table: db.session.scalar(
            sa.text(f"SELECT COUNT(*) FROM {table} WHERE rubric_id = :r"),
            {"r": rubric_id},
        )
        for table in summaries.TABLES
    }
    return (
        f"{ratings:,} submitted ratings -> "
        + ", ".join(f"{n:,} {t.removeprefix('calibration_')}" for t, n in rows.items())
        + " rows"
    )


def refresh_ms(rubric_id: int, n: int) -> float:
    """One loop's rows computed again, as a submission's commit does (rolled back)."""
    loops = db.session.scalars(
        sa.text(
            "SELECT loop_id FROM calibration_loops WHERE rubric_id = :r"
            " ORDER BY loop_id LIMIT :n"
        ),
        {"r": rubric_id, "n": n},
    ).all()
    it = iter(loops)
    took = median_ms(lambda: summaries.refresh_loops([next(it)]), len(loops))
    db.session.rollback()
    return took


def run(backend: str, n: int) -> list[str]:
    scale_data.ensure(backend, "calibration")
    url = scale_data.database_url(backend, "calibration")
    app = create_app(scale_data.app_config(url))
    with app.app_context():
        rubric_id, key, loops = biggest_rubric()
        email = db.session.scalar(
            sa.select(User.email)
            .where(User.role == Role.TALENT_ACQUISITION)
            .order_by(User.id)
        )
        year_ago = (utcnow() - timedelta(days=365)).date().isoformat()
        size = data_size(rubric_id)
    client = signed_in_client(app, email)
    url = f"/calibration/rubrics/{key}"

    def page(path=url, fresh=True):
        if fresh:
            app.extensions.get("calibration", {}).clear()
        answer = client.get(path)
        assert answer.status_code == 200, answer.status_code

    page()  # warm the process: imports, first statements
    lines = [f"{backend}: rubric {key} ({loops:,} loops; {size})"]
    lines.append(f"  page, computed each time  {median_ms(page, n):8.1f} ms")
    lines.append(
        f"  page, figures kept        {median_ms(lambda: page(fresh=False), n):8.1f} ms"
    )
    dated = f"{url}?from={year_ago}"
    lines.append(
        f"  page, last year, computed {median_ms(lambda: page(dated), n):8.1f} ms"
    )
    with app.app_context():
        scope = queries.Scope("rubric", rubric_id)
        units = queries.unit_rows(scope)
        raters = queries.rater_rows(scope)
        comps = queries.competencies(scope)
        for name, fn in (
            ("unit_rows (SQL)", lambda: queries.unit_rows(scope)),
            ("rater_rows (SQL)", lambda: queries.rater_rows(scope)),
            ("competencies (SQL)", lambda: queries.competencies(scope)),
            ("fingerprint (SQL)", lambda: queries.fingerprint(scope)),
            ("statistics", lambda: figures.build(units, raters, comps)),
            ("all of it, no page", lambda: kept.compute(scope)),
        ):
            lines.append(f"    {name:22}  {median_ms(fn, n):8.1f} ms")
        found = figures.build(units, raters, comps)
        lines.append(
            f"    rows read: {len(units)} + {len(raters)}; "
            f"{found.counts.loops:,} loops with two or more raters, "
            f"{found.counts.units:,} pairable units, {found.alpha.resamples} resamples"
        )
        lines.append(
            f"  a submission's summary rows  {refresh_ms(rubric_id, max(n, 20)):6.1f} ms"
        )
    lines.append(f"  trivial endpoint          {trivial_ms():8.3f} ms")
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", choices=("sqlite", "postgresql", "both"), default="both"
    )
    parser.add_argument("-n", type=int, default=7)
    args = parser.parse_args(argv)
    backends = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    for backend in backends:
        print("\n".join(run(backend, args.n)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
