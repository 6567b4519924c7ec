"""How long an interviewer's autosave waits while talent acquisition's heaviest
writes run (a rubric of 30 competencies uploaded, a new version of it, a loop
started), next to each write's own duration, on SQLite or PostgreSQL.

The app runs under gunicorn (bench/kit_load.py's server and data: the demo plus 40
seated interviewers); one page autosaves every 5 ms while each write runs in this
process as a form post does (signed-in user's load outside the write lock included).

    .venv/bin/python bench/heavy_writes.py [--db sqlite|postgresql]
"""

import argparse
import shutil
import tempfile
from pathlib import Path

import kit_load


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="heavy-writes-"))
    url = kit_load.modest_database(args.db, folder)
    seat, email = kit_load.bench_seats(url, False)[0]
    server = kit_load.Server(url, folder)
    try:
        page = kit_load.Page(server.base, email, kit_load.PASSWORD, seat)
        print(f"{args.db}: an autosave every 5 ms during each write")
        for line in kit_load.autosave_waits(server, page, kit_load.heavy_writes(url)):
            print("  " + line)
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
