"""Several processes saving at once on SQLite: throughput, latency, lock errors.

Each worker process (like a gunicorn worker) runs read-then-write transactions, the
shape of a scorecard save: read the row, then update it. It runs twice, once with the
app's SQLite tuning (WAL, busy timeout, BEGIN IMMEDIATE) and once with SQLite's default
deferred BEGIN, where two readers that both try to write make one fail at once with
"database is locked" whatever the busy timeout.

    .venv/bin/python bench/sqlite_writers.py [--workers 4] [--transactions 200]
"""

import argparse
import multiprocessing
import os
import statistics
import tempfile
import time

import sqlalchemy as sa
from sqlalchemy import event

from interview.db import tune_sqlite


def _engine(path: str, immediate: bool) -> sa.Engine:
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 15})
    if immediate:
        tune_sqlite(engine, busy_timeout_ms=15000)
    else:

        @event.listens_for(engine, "connect")
        def _wal(dbapi_connection, _record):
            dbapi_connection.isolation_level = None
            dbapi_connection.execute("PRAGMA journal_mode = WAL")
            dbapi_connection.execute("PRAGMA busy_timeout = 15000")

        @event.listens_for(engine, "begin")
        def _deferred(connection):
            connection.exec_driver_sql("BEGIN")

    return engine


def _worker(args) -> tuple[list[float], int]:
    path, immediate, transactions, worker = args
    engine = _engine(path, immediate)
    latencies, errors = [], 0
    for i in range(transactions):
        start = time.perf_counter()
        try:
            with engine.begin() as conn:
                value = conn.execute(
                    sa.text("SELECT n FROM counter WHERE id = 1")
                ).scalar()
                conn.execute(
                    sa.text(
                        "INSERT INTO saves (worker, seq, text) VALUES (:w, :s, :t)"
                    ),
                    {"w": worker, "s": i, "t": "evidence " * 50},
                )
                conn.execute(
                    sa.text("UPDATE counter SET n = :n WHERE id = 1"), {"n": value + 1}
                )
        except sa.exc.OperationalError:
            errors += 1
        latencies.append(time.perf_counter() - start)
    engine.dispose()
    return latencies, errors


def run(immediate: bool, workers: int, transactions: int) -> dict:
    folder = tempfile.mkdtemp(prefix="bench-sqlite-")
    path = os.path.join(folder, "bench.sqlite")
    engine = _engine(path, immediate=True)
    with engine.begin() as conn:
        conn.execute(
            sa.text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)")
        )
        conn.execute(sa.text("CREATE TABLE saves (worker INT, seq INT, text TEXT)"))
        conn.execute(sa.text("INSERT INTO counter VALUES (1, 0)"))
    started = time.perf_counter()
    with multiprocessing.Pool(workers) as pool:
        results = pool.map(
            _worker, [(path, immediate, transactions, w) for w in range(workers)]
        )
    elapsed = time.perf_counter() - started
    latencies = sorted(x for lat, _ in results for x in lat)
    with engine.connect() as conn:
        final = conn.execute(sa.text("SELECT n FROM counter")).scalar()
    engine.dispose()
    return {
        "tx_per_s": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "errors": sum(e for _, e in results),
        "lost_updates": len(latencies) - sum(e for _, e in results) - final,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--transactions", type=int, default=200)
    args = parser.parse_args()
    print(
        f"{args.workers} processes x {args.transactions} read-then-write transactions"
    )
    print(f"{'mode':<34}{'tx/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'lost':>6}")
    for label, immediate in (
        ("app tuning (BEGIN IMMEDIATE)", True),
        ("baseline (deferred BEGIN)", False),
    ):
        r = run(immediate, args.workers, args.transactions)
        print(
            f"{label:<34}{r['tx_per_s']:>8.0f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}"
            f"{r['errors']:>8}{r['lost_updates']:>6}"
        )


if __name__ == "__main__":
    main()
