"""The subject access export's warm path at scale (or another page of bench/scale.py's
table), two versions of the code side by side in the same run (issue 11): on a
machine shared with other work, wall-clock figures taken in separate runs differ by
more than the changes measured.

Each tree (a checkout or ``git worktree`` of this repository) gets a process of its
own that imports its ``interview`` package and signs in as bench/scale.py's talent
acquisition (or the page's role); the export of scale.py's candidate (the one with
the most loops), or ``--page LABEL``'s first page whose label holds LABEL, is then
asked of each tree in turn, ABBA, after three warm-up requests that lay out and
keep the packets. Printed per tree: wall median, p95, the process's CPU median
(less sensitive to load than wall time), the summed statement time and the
statement count, then each statement's median time.

    git worktree add /tmp/before <commit>   # the version to compare with
    BENCH_COPY=x .venv/bin/python bench/export_ab.py --db postgresql -n 20 \\
        /tmp/before .
    .venv/bin/python bench/export_ab.py --db postgresql --page preview /tmp/before .

The databases are bench/scale_data.py's (built by it, ``BENCH_COPY`` honoured); a
tree must know the database's newest migration. PostgreSQL statements' server-side
time: EXPLAIN (ANALYZE, BUFFERS) of the statements ``--dump FILE`` writes.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def worker(url: str, label: str) -> None:
    """Answer 'go' (one export: JSON of its figures), 'dump' or 'quit' on stdin."""
    sys.path.insert(0, os.getcwd())  # this tree's package, before the installed one
    sys.path.insert(1, str(HERE))
    import scale
    import scale_data
    import sqlalchemy as sa

    from interview import create_app
    from interview.extensions import db

    app = create_app(scale_data.app_config(url))
    with app.app_context():
        ids = scale.pick()
        engine = db.engine
    done: list = []

    def before(conn, _cursor, _statement, _params, _context, _many):
        conn.info["bench_t0"] = time.perf_counter()

    def after(conn, _cursor, statement, params, _context, _many):
        ms = (time.perf_counter() - conn.info["bench_t0"]) * 1000
        done.append((ms, statement, repr(params)))

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    _, role, template = next(p for p in scale.PAGES if label in p[0])
    client = scale.signed_in_client(app, ids["emails"][role])
    path = template.format(**ids)
    print(json.dumps({"path": path}), flush=True)
    for line in sys.stdin:
        command = line.strip()
        done.clear()
        cpu, start = time.process_time(), time.perf_counter()
        answer = client.get(path)
        figures = {
            "ms": (time.perf_counter() - start) * 1000,
            "cpu": (time.process_time() - cpu) * 1000,
            "status": answer.status_code,
            "statements": [(ms, s[:100].replace("\n", " ")) for ms, s, _ in done],
        }
        if command == "dump":
            figures["full"] = [(s, p) for _, s, p in done]
        print(json.dumps(figures), flush=True)
        if command == "quit":
            break


class Tree:
    def __init__(self, path: str, url: str, label: str):
        self.path = path
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker", url, "--page", label],
            cwd=path,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.path_asked = json.loads(self.process.stdout.readline())["path"]
        self.runs: list[dict] = []

    def ask(self, command: str = "go") -> dict:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())


def report(tree: Tree) -> None:
    runs = tree.runs
    ms = sorted(r["ms"] for r in runs)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    cpu = statistics.median(r["cpu"] for r in runs)
    sql = statistics.median(sum(t for t, _ in r["statements"]) for r in runs)
    counts = sorted({len(r["statements"]) for r in runs})
    print(
        f"{tree.path}: wall median {statistics.median(ms):.1f} ms, p95 {p95:.1f}; "
        f"CPU median {cpu:.1f} ms; statements' time {sql:.1f} ms; "
        f"statements {counts}"
    )
    for i, (_, text) in enumerate(runs[-1]["statements"]):
        each = [r["statements"][i][0] for r in runs if len(r["statements"]) > i]
        print(f"  {statistics.median(each):7.2f}  {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("-n", type=int, default=20, help="requests per tree")
    parser.add_argument("--dump", help="write each tree's statements to FILE.<i>")
    parser.add_argument(
        "--page",
        default="export.zip",
        help="the first scale.py page whose label holds this (default: the export)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("trees", nargs="*", default=["."])
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.page)
    sys.path.insert(0, str(HERE))
    import scale
    import scale_data

    url = scale_data.database_url(args.db, "scale")
    scale.forget_exports(url)  # earlier runs' exports would make the file grow
    trees = [Tree(path, url, args.page) for path in args.trees]
    print(f"{args.db}: {trees[0].path_asked}, {args.n} requests per tree, ABBA")
    for tree in trees:
        for _ in range(3):
            warm = tree.ask()
        print(f"  {tree.path} warm: {warm['status']}", flush=True)
    for i in range(args.n):
        for tree in trees if i % 2 == 0 else trees[::-1]:
            tree.runs.append(tree.ask())
    for i, tree in enumerate(trees):
        report(tree)
        if args.dump:
            full = tree.ask("dump")["full"]
            Path(f"{args.dump}.{i}").write_text(json.dumps(full, indent=1))
        tree.ask("quit")
    scale.forget_exports(url)


if __name__ == "__main__":
    main()
