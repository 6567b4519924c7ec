"""The Calibration page of the biggest rubric of the scale database, timed (issue 12).

On the scale database of bench/scale_data.py (20,000 loops over three rubrics; the
biggest, clinical-informatics, has about 10,000 loops and 420,000 submitted ratings)
it signs in as talent acquisition and times, in-process with Flask's test client:

- the page computed from the database each time (the figures kept between requests
  are forgotten before every sample): its two aggregate statements and the
  statistics;
- the page as it is usually served, its figures kept while the rubric's submitted
  scorecards do not change (one cheap statement to check that);
- the same with a one-year date range (computed each time);
- the parts of a computation: each statement and the statistics;
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
from interview.calibration import figures, queries
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


def run(backend: str, n: int) -> list[str]:
    scale_data.ensure(backend, "scale")
    app = create_app(scale_data.app_config(scale_data.database_url(backend, "scale")))
    with app.app_context():
        rubric_id, key, loops = biggest_rubric()
        email = db.session.scalar(
            sa.select(User.email)
            .where(User.role == Role.TALENT_ACQUISITION)
            .order_by(User.id)
        )
        year_ago = (utcnow() - timedelta(days=365)).date().isoformat()
    client = signed_in_client(app, email)
    url = f"/calibration/rubrics/{key}"

    def page(path=url, fresh=True):
        if fresh:
            app.extensions.get("calibration", {}).clear()
        answer = client.get(path)
        assert answer.status_code == 200, answer.status_code

    page()  # warm the process: imports, first statements
    lines = [f"{backend}: rubric {key} ({loops:,} loops)"]
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
            ("fingerprint (SQL)", lambda: queries.fingerprint(scope)),
            ("statistics", lambda: figures.build(units, raters, comps)),
        ):
            lines.append(f"    {name:22}  {median_ms(fn, n):8.1f} ms")
        found = figures.build(units, raters, comps)
        lines.append(
            f"    rows read: {len(units)} + {len(raters)}; "
            f"{found.counts.units:,} pairable units, {found.alpha.resamples} resamples"
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
