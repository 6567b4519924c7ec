"""How long a new candidate holds SQLite's write lock, text index included.

FTS5 merges the candidates' text index (migrations 0008, 0031) inside the inserting
transaction, so while every other writer (an interviewer's autosave) waits. On a
copy of bench/scale_data.py's 100,000-candidate database (made with SQLite's backup
API, never touched by the app), each of ``--inserts`` candidates is added in a
transaction of its own (BEGIN IMMEDIATE, INSERT, COMMIT: the index's trigger runs
inside it); the bench prints the median, p99, worst and mean, beside an empty
BEGIN IMMEDIATE / COMMIT timed in the same run, and the time a few searches take
through the index before and after.

``--pgsz N`` first rewrites the copy's index with leaves of N bytes (4050 is FTS5's
default, 64000 what migration 0031 sets), to compare.

    .venv/bin/python bench/candidate_inserts.py [--inserts 5000] [--pgsz N]
"""

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import scale_data

from interview.search import search_key

SEARCHES = ("garcia", "example", "ngst", "pat garcia1")


def copy_of_scale(folder: Path) -> Path:
    scale_data.ensure("sqlite", "scale")
    source = scale_data.DATA_DIR / "scale.sqlite"
    target = folder / "copy.sqlite"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000


def figures(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"median {statistics.median(ordered):6.2f}  p99 {p99:6.2f}  "
        f"max {ordered[-1]:6.2f}  mean {statistics.mean(ordered):5.2f}"
    )


def searches(conn) -> str:
    sql = "SELECT count(*) FROM candidates_text WHERE candidates_text MATCH ?"
    out = []
    for words in SEARCHES:
        query = " AND ".join(f'"{w}"' for w in words.split())

        def search(query=query):
            conn.execute(sql, (query,)).fetchone()

        samples = [timed(search) for _ in range(15)]
        out.append(f"{words!r} {statistics.median(samples):.2f} ms")
    return ", ".join(out)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inserts", type=int, default=5000)
    parser.add_argument(
        "--pgsz", type=int, help="rewrite the index with this page size"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="candidate-inserts-") as folder:
        conn = sqlite3.connect(copy_of_scale(Path(folder)), isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")  # as db.tune_sqlite
        if args.pgsz:
            conn.execute(
                "INSERT INTO candidates_text(candidates_text, rank) VALUES ('pgsz', ?)",
                (args.pgsz,),
            )
            took = timed(
                lambda: conn.execute(
                    "INSERT INTO candidates_text(candidates_text) VALUES ('rebuild')"
                )
            )
            print(f"index rewritten with pages of {args.pgsz} bytes in {took:.0f} ms")
        size = conn.execute(
            "SELECT v FROM candidates_text_config WHERE k = 'pgsz'"
        ).fetchone()
        print(f"index page size: {size[0] if size else 4050} bytes")
        print(f"searches before: {searches(conn)}")

        def empty():
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("COMMIT")

        def insert(n: int):
            name, email = f"Pat Garcia{n}", f"pat.garcia{n}@bench.example"
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO candidates (name, email, notes, created_at, updated_at,"
                " search_key, version) VALUES (?, ?, '', '2026-12-01', '2026-12-01',"
                " ?, 1)",
                (name, email, search_key(name, email)),
            )
            conn.execute("COMMIT")

        baseline = [timed(empty) for _ in range(args.inserts)]
        inserts = [timed(lambda n=n: insert(n)) for n in range(args.inserts)]
        print(f"empty write transaction, ms:  {figures(baseline)}")
        print(f"candidate insert, ms:         {figures(inserts)}")
        print(f"searches after:  {searches(conn)}")
        conn.close()


if __name__ == "__main__":
    main()
