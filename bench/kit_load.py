"""The interview kit and its autosave under load: gunicorn (2 sync workers) and wrk.

Measured in one run, so that the figures compare on any machine:

- a trivial endpoint (``/bench/trivial``, "ok", added by a wrapper module this bench
  writes to a temporary folder; the app itself has no such route),
- the kit page (GET /interviews/<seat>, 32 signed-in interviewers in turn),
- autosave at 32 connections, each connection its own seat and page (its edit token,
  request numbers going up, as static/scorecard.js sends them), then a check that
  every acknowledged save is what the database holds: closed-loop (each connection
  sends its next save as soon as the last is answered: saturation), and paced with
  ``--pace-ms N``: 32 interviewers each saving every N ms +-25%, as typing with the
  page's debounce, sent open loop by bench/paced_client.py (a connection opened
  only to send a save, latency timed from when the save was due). Not wrk's
  delay(): gunicorn's sync worker closes the connection after each answer, wrk
  reconnects at once and only then waits, so a worker sits blocked on an idle
  connection for up to a pace (p99 650 ms at a 1,000 ms pace), which a buffering
  proxy in front of it never lets happen,
- several tabs on one seat at once: one page keeps saving, every other one is
  refused as stale (409), none lost,
- an autosave arriving during talent acquisition's heaviest writes (a rubric upload
  of many competencies, a new version of it, a loop started, a candidate erased):
  how long it waits.

    .venv/bin/python bench/kit_load.py [--db sqlite|postgresql] [--scale]
        [--duration 10] [--connections 32] [--pace-ms 1000 --pace-ms 250]
        [--paced-duration 20] [--pg-database NAME] [--threads 1]

The PostgreSQL database is ``--pg-database`` (default ``$KIT_BENCH_PG_DATABASE``,
else ``interview_kit_bench``), dropped and made again: two runs at once need two names.

Without ``--scale`` the database is the demo (``init-db``, ``seed-demo``) plus one
loop per bench interviewer; with it, bench/scale_data.py's 100,000-candidate one.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import paced_client

from interview import create_app

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_NAME = os.environ.get("KIT_BENCH_PG_DATABASE", "interview_kit_bench")
SECRET_KEY = "kit-bench-not-secret"
PASSWORD = "kit-bench-password-2026"
BENCH_SEATS = 40  # interviewers with a seat of their own (32 used, 8 spare)

WSGI = '''
"""The app with one trivial route for the bench's baseline (public, no database)."""
from interview import create_app, security

app = create_app()
security.PUBLIC_ENDPOINTS = security.PUBLIC_ENDPOINTS | {"bench_trivial"}


@app.route("/bench/trivial")
def bench_trivial():
    return "ok"
'''

# One request shape for the kit: every request the next seat (path and cookie).
KIT_LUA = """
local seats = {%s}
local n = 0
request = function()
  n = n + 1
  local s = seats[(n %% #seats) + 1]
  return wrk.format("GET", s[1], {["Cookie"] = s[2]})
end
"""

# One thread per connection: each is one page of one seat, numbering its requests.
SAVE_LUA = """
local pages = {%s}
local counter = 0
setup = function(thread)
  counter = counter + 1
  thread:set("id", counter)
end
init = function(args)
  page = pages[id]
  seq = page.seq
  acked, ok, stale, other = 0, 0, 0, 0
  pending = 0
end
request = function()
  seq = seq + 1
  pending = seq
  local body = page.body .. "&edit_seq=" .. seq .. "&summary=Bench+save+" .. seq
    .. "+of+page+" .. page.token .. "&version=" .. page.version
  return wrk.format("POST", page.path, {
    ["Cookie"] = page.cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = "application/json"}, body)
end
response = function(status, headers, body)
  if status == 200 then
    ok = ok + 1
    acked = pending
    local v = body:match('"version":%%s*(%%d+)')
    if v then page.version = v end
  elseif status == 409 then
    stale = stale + 1
  else
    other = other + 1
  end
end
done = function(summary, latency, requests)
  local out = {}
  for _, t in ipairs(threads_list) do
    table.insert(out, string.format('{"page":%%d,"acked":%%d,"ok":%%d,"stale":%%d,"other":%%d}',
      t:get("id"), t:get("acked"), t:get("ok"), t:get("stale"), t:get("other")))
  end
  io.write("PAGES [" .. table.concat(out, ",") .. "]\\n")
  io.write(string.format("LATENCY %%d %%d %%d\\n", latency:percentile(50),
    latency:percentile(99), latency.max))
end
threads_list = {}
local _setup = setup
setup = function(thread)
  table.insert(threads_list, thread)
  _setup(thread)
end
"""


def save_script(pages: str) -> str:
    """wrk's script for closed-loop autosaves of these pages."""
    return SAVE_LUA % pages


LATENCY_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("LATENCY %d %d %d\\n", latency:percentile(50),
    latency:percentile(99), latency.max))
end
"""


# -- the database -------------------------------------------------------------------


def _config(url: str) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY}


def modest_database(backend: str, folder: Path) -> str:
    """The demo plus ``BENCH_SEATS`` interviewers, each seated on a loop of their own."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'kit.sqlite'}"
    else:
        url = f"{PG_SERVER}/{PG_NAME}"
        admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{PG_NAME}"')
        admin.dispose()
    env = {
        **os.environ,
        "INTERVIEW_DATABASE_URL": url,
        "INTERVIEW_SECRET_KEY": SECRET_KEY,
    }
    flask = [str(Path(sys.executable).with_name("flask")), "--app", "interview"]
    for command in ("init-db", "seed-demo"):
        subprocess.run(
            [*flask, command], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL
        )
    _seat_bench_interviewers(url)
    return url


def _ta_and_requisition():
    """A talent acquisition account and the first requisition with a plan."""
    from interview.extensions import db
    from interview.models import Requisition, Role, User

    ta = db.session.scalar(sa.select(User).where(User.role == Role.TALENT_ACQUISITION))
    requisition = db.session.scalars(
        sa.select(Requisition).where(Requisition.plan.any()).order_by(Requisition.id)
    ).first()
    return ta, requisition


def _seat_bench_interviewers(url: str) -> None:
    from interview.auth.operations import set_password
    from interview.extensions import db
    from interview.loops.operations import create_loop
    from interview.models import Candidate, Discipline, Role, User
    from interview.timeutil import utcnow

    app = create_app({**_config(url), "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        ta, requisition = _ta_and_requisition()
        for n in range(BENCH_SEATS):
            person = User(
                email=f"bench{n}@interviewers.example",
                name=f"Bench Interviewer {n}",
                role=Role.INTERVIEWER,
                discipline=Discipline.CLINICAL,
            )
            set_password(person, PASSWORD)
            candidate = Candidate(
                name=f"Bench Candidate {n}", email=f"c{n}@bench.example"
            )
            db.session.add_all([person, candidate])
            loop = create_loop(ta, requisition, candidate)
            seat = next(s for s in loop.sessions[0].seats)
            seat.interviewer = person
            seat.assigned_at = utcnow()
        db.session.commit()
        db.engine.dispose()


def bench_seats(url: str, scale: bool) -> list[tuple[int, str]]:
    """(seat id, email) of interviewers, one seat each, on loops still open."""
    engine = sa.create_engine(url)
    pattern = "%" if scale else "bench%@interviewers.example"
    query = f"""
        SELECT min(ps.id), u.email FROM panel_seats ps
        JOIN users u ON u.id = ps.interviewer_id
        JOIN interview_sessions s ON s.id = ps.session_id
        JOIN loops l ON l.id = s.loop_id
        WHERE ps.removed_at IS NULL AND u.is_active AND u.role = 'interviewer'
          AND l.status IN ('planned', 'scheduled', 'in_progress', 'debrief')
          AND NOT EXISTS (SELECT 1 FROM scorecards c
                          WHERE c.seat_id = ps.id AND c.status = 'submitted')
          AND u.email LIKE :pattern
        GROUP BY u.email ORDER BY u.email LIMIT {BENCH_SEATS}"""
    with engine.connect() as conn:
        rows = [
            (r[0], r[1]) for r in conn.execute(sa.text(query), {"pattern": pattern})
        ]
    engine.dispose()
    return rows


# -- the server ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, url: str, folder: Path, threads: int = 1):
        (folder / "kit_bench_wsgi.py").write_text(WSGI)
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "INTERVIEW_DATABASE_URL": url,
            "INTERVIEW_SECRET_KEY": SECRET_KEY,
            "INTERVIEW_INSTANCE_PATH": str(folder / "instance"),
            "PYTHONPATH": f"{folder}{os.pathsep}{ROOT}",
        }
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "-w",
                "2",
                "--threads",
                str(threads),
                "-b",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                "--log-level",
                "warning",
                "kit_bench_wsgi:app",
            ],
            env=env,
            cwd=folder,
        )
        for _ in range(200):
            try:
                urllib.request.urlopen(self.base + "/bench/trivial", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("gunicorn did not start")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def _workers(threads: int) -> str:
    return "sync workers" if threads == 1 else f"gthread workers of {threads} threads"


# -- pages as a browser opens them --------------------------------------------------


class Page:
    """One interviewer signed in, with one kit page open."""

    def __init__(self, base: str, email: str, password: str, seat_id: int):
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar)
        )
        sign_in = self.opener.open(base + "/sign-in").read().decode()
        token = re.search(r'name="csrf-token" content="([^"]+)"', sign_in).group(1)
        form = {"csrf_token": token, "email": email, "password": password}
        self.opener.open(
            base + "/sign-in", urllib.parse.urlencode(form).encode()
        ).read()
        self.path = f"/interviews/{seat_id}"
        self.seat_id = seat_id
        page = self.opener.open(base + self.path).read().decode()
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        self.version = _hidden(page, "version")
        self.token = _hidden(page, "edit_token")
        self.seq = int(_hidden(page, "edit_seq") or 1)
        self.keys = sorted(set(re.findall(r'name="level_([A-Za-z0-9_-]+)"', page)))
        self.cookie = "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def body(self) -> str:
        fields = {"csrf_token": self.csrf, "edit_token": self.token}
        for key in self.keys:
            fields[f"level_{key}"] = "3"
            fields[f"evidence_{key}"] = (
                "Named the cause and the change made to the build."
            )
            fields[f"notes_{key}"] = "bench"
        fields["recommendation"] = "3"
        return urllib.parse.urlencode(fields)

    def lua(self) -> str:
        return (
            f'{{path="{self.path}/autosave", cookie="{self.cookie}", '
            f'body="{self.body()}", token="{self.token}", version="{self.version}", '
            f"seq={self.seq}}}"
        )


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page)
    return found.group(1) if found else ""


# -- wrk ----------------------------------------------------------------------------


def wrk(
    url: str, script: str, folder: Path, threads: int, connections: int, seconds: int
):
    path = folder / f"script{abs(hash(script))}.lua"
    path.write_text(script)
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(path),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50, p99, top = (
        int(x) / 1000 for x in re.search(r"LATENCY (\d+) (\d+) (\d+)", out).groups()
    )
    errors = sum(
        int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out)
    )
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(non2xx.group(1)) if non2xx else 0
    pages = re.search(r"PAGES (\[.*\])", out)
    pages = json.loads(pages.group(1)) if pages else None
    if pages is not None:  # the saves wrk had answers to
        rate = sum(p["ok"] + p["stale"] + p["other"] for p in pages) / seconds
    return {
        "rate": rate,
        "p50": p50,
        "p99": p99,
        "max": top,
        "errors": errors,
        "pages": pages,
    }


def _line(name: str, r: dict, extra: str = "") -> str:
    return (
        f"{name:<34}{r['rate']:>9.0f}{r['p50']:>9.1f}{r['p99']:>9.1f}"
        f"{r['errors']:>8}  {extra}"
    )


# -- lost writes --------------------------------------------------------------------


def check_saves(url: str, pages: list[Page], results: list[dict]) -> tuple[int, int]:
    """(lost, in flight): a page's last acknowledged save must be what is stored; a
    later one still in flight when wrk stopped may be stored instead."""
    engine = sa.create_engine(url)
    lost = in_flight = 0
    with engine.connect() as conn:
        for result in results:
            page = pages[result["page"] - 1]
            if not result["acked"]:
                continue
            row = conn.execute(
                sa.text(
                    "SELECT edit_token, edit_seq, summary FROM scorecards WHERE seat_id = :s"
                ),
                {"s": page.seat_id},
            ).one()
            token, seq, summary = row
            expected = f"Bench save {seq} of page {page.token}"
            if token != page.token or summary != expected or seq < result["acked"]:
                lost += 1
            elif seq == result["acked"] + 1:
                in_flight += 1
            elif seq != result["acked"]:
                lost += 1
    engine.dispose()
    return lost, in_flight


# -- autosave during talent acquisition's heaviest writes ---------------------------


def heavy_writes(url: str) -> dict:
    """Each candidate write's duration, run in this process as the app runs it."""
    from interview.extensions import db
    from interview.loops.operations import create_loop
    from interview.models import Candidate
    from interview.rubrics.operations import save_rubric
    from interview.rubrics.schema import validate

    app = create_app(_config(url))

    def rubric_upload(n: int, tag: str, key: str):
        text = _big_rubric(n, tag, key=f"bench-heavy-{key}")

        def run():
            result = validate(text.encode())
            if result.rubric is None:
                raise SystemExit(f"bench rubric refused: {result.problems[:3]}")
            save_rubric(None, result.rubric)

        return run

    def new_loop():
        ta, requisition = _ta_and_requisition()
        person = Candidate(name="Heavy Write", email=f"h{time.time_ns()}@bench.example")
        db.session.add(person)
        create_loop(ta, requisition, person)

    stamp, uploads, versions = str(time.time_ns()), iter(range(100)), iter(range(100))

    # Candidates without a loop, made before the bench, one for each erasure run:
    # on SQLite the erasure is followed by a merge of the whole text index (its
    # erased trigrams gone), in steps that each take the write lock on their own.
    with app.app_context():
        made = [
            Candidate(name=f"Erase Me {n}", email=f"erase{stamp}{n}@bench.example")
            for n in range(2)
        ]
        db.session.add_all(made)
        db.session.commit()
        erasable = iter([person.id for person in made])

    def erasure():
        from interview.lifecycle.erasure import erase_candidate, forget_text_index

        ta, _ = _ta_and_requisition()
        erase_candidate(ta, db.session.get(Candidate, next(erasable)))
        db.session.commit()
        forget_text_index()  # as the erasure's view does

    def upload():  # a new rubric each time
        n = next(uploads)
        rubric_upload(30, f"{stamp}{n}", key=f"{stamp}-{n}")()

    def new_version():  # a new version of the first one each time
        rubric_upload(30, f"{stamp}v{next(versions)}", key=f"{stamp}-0")()

    return {
        "rubric upload, 30 competencies": lambda: _in_request(app, upload),
        "new version of it, 30 competencies": lambda: _in_request(app, new_version),
        "loop started": lambda: _in_request(app, new_loop),
        "candidate erased": lambda: _in_request(app, erasure),
    }


def _in_request(app, work) -> None:
    from interview.extensions import db

    with app.test_request_context(method="POST"):
        work()
        db.session.commit()


def _big_rubric(n: int, tag: str, key: str) -> str:
    import yaml

    competencies = []
    for i in range(n):
        competencies.append(
            {
                "key": f"skill_{i}",
                "name": f"Skill {i} {tag[-4:]}",
                "definition": f"How the candidate handles skill {i}. " * 3,
                "assessed_by": "both",
                "anchors": {
                    1: "Cannot name what went wrong.",
                    2: "Describes the event but not the change.",
                    3: "Names the cause and the change made.",
                    4: "Names the cause, the change and how it was checked.",
                },
                "questions": [
                    {"text": f"Question {q} about skill {i}?", "probes": ["Then?"]}
                    for q in range(3)
                ],
                "evidence": {"positive": ["Checks"], "negative": ["Blames"]},
                "cues": {"clinical": "Listen.", "technical": "Look."},
            }
        )
    data = {
        "key": key,
        "title": "Heavy bench rubric " + tag,
        "description": "Many competencies.",
        "job_families": ["ehr-analyst"],
        "competencies": competencies,
    }
    return yaml.safe_dump(data, sort_keys=False)


def _saver(base, path, cookie, body, seq, version, ready, stop, out) -> None:
    """Autosave every 5 ms until told to stop, timing each save; run in a process of
    its own, as a browser is: a thread beside the heavy write timed the GIL too (a
    thread that waits on a socket waits up to 5 ms for the interpreter after each
    read, behind the write's Python), and read it as the server's delay."""
    latencies, failures = [], []
    while not stop.is_set():
        seq += 1
        data = body + f"&edit_seq={seq}&version={version}&summary=w"
        request = urllib.request.Request(
            base + path + "/autosave",
            data=data.encode(),
            headers={"Cookie": cookie, "Accept": "application/json"},
        )
        start = time.perf_counter()
        try:
            urllib.request.urlopen(request, timeout=30).read()
        except OSError as exc:
            failures.append(repr(exc))
        latencies.append(time.perf_counter() - start)
        ready.set()
        time.sleep(0.005)
    out.put((latencies, failures, seq))


def autosave_waits(server: Server, page: Page, writes: dict) -> list[str]:
    """Run each heavy write while one page autosaves every 5 ms; the longest wait."""
    import multiprocessing

    spawn = multiprocessing.get_context("spawn")
    lines = []
    body = page.body()
    # Each write twice: the first in this process pays for compiling its statements
    # and loading its mappers, as a worker's first such request after start-up does
    # (on SQLite inside the write lock); the second is a worker that has served one.
    runs = [(f"{name} ({when})", write) for name, write in writes.items()
            for when in ("first", "again")]  # fmt: skip
    for name, write in runs:
        ready, stop, out = spawn.Event(), spawn.Event(), spawn.Queue()
        saver = spawn.Process(
            target=_saver,
            args=(server.base, page.path, page.cookie, body, page.seq, page.version)
            + (ready, stop, out),
        )
        saver.start()
        if not ready.wait(60):
            raise SystemExit("the autosave process never saved")
        time.sleep(0.2)
        started = time.perf_counter()
        write()
        took = time.perf_counter() - started
        time.sleep(0.1)
        stop.set()
        latencies, failures, page.seq = out.get(timeout=60)
        saver.join()
        lines.append(
            f"{name:<46}{took * 1000:>8.0f} ms   autosave waits: max "
            f"{max(latencies) * 1000:.0f} ms, median "
            f"{statistics.median(latencies) * 1000:.1f} ms over {len(latencies)}, "
            f"failed {len(failures)}"
        )
    return lines


# -- main ---------------------------------------------------------------------------


def main(argv=None) -> None:
    global PG_NAME, SECRET_KEY
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--scale", action="store_true")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--same-seat", type=int, default=4)
    parser.add_argument(
        "--pace-ms",
        type=int,
        action="append",
        default=[],
        help="also autosave paced, open loop: each interviewer saves every N ms "
        "+-25%% (repeat for several paces)",
    )
    parser.add_argument("--paced-duration", type=int, default=20)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per gunicorn worker (more than 1: the gthread worker, which "
        "answers another request while one waits on PostgreSQL)",
    )
    parser.add_argument(
        "--pg-database", default=PG_NAME, help="PostgreSQL database to (re)make"
    )
    args = parser.parse_args(argv)
    PG_NAME = args.pg_database
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    folder = Path(tempfile.mkdtemp(prefix="kit-bench-"))
    if args.scale:
        import scale_data

        scale_data.ensure(args.db, "scale")
        url, password = scale_data.database_url(args.db, "scale"), scale_data.PASSWORD
        SECRET_KEY = scale_data.SECRET_KEY
    else:
        url, password = modest_database(args.db, folder), PASSWORD
    seats = bench_seats(url, args.scale)
    n = args.connections
    if len(seats) < n + 1:
        raise SystemExit(f"only {len(seats)} interviewers with an open seat")
    server = Server(url, folder, args.threads)
    try:
        pages = [Page(server.base, email, password, seat) for seat, email in seats[:n]]
        print(
            f"{args.db}{' at scale' if args.scale else ' (demo + bench seats)'}: "
            f"gunicorn 2 {_workers(args.threads)}, wrk {args.duration} s, "
            f"{n} connections"
        )
        print(f"{'':<34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
        trivial = wrk(
            server.base + "/bench/trivial", LATENCY_LUA, folder, 2, n, args.duration
        )
        print(_line("trivial endpoint", trivial))
        kit_seats = ", ".join(f'{{"{p.path}", "{p.cookie}"}}' for p in pages)
        kit = wrk(
            server.base + "/",
            KIT_LUA % kit_seats + LATENCY_LUA,
            folder,
            2,
            n,
            args.duration,
        )
        print(
            _line("kit page", kit, f"kit/trivial {kit['rate'] / trivial['rate']:.1%}")
        )
        for pace in [0, *args.pace_ms]:
            if pace:  # new pages: the last run's are behind what is stored
                pages = [
                    Page(server.base, email, password, seat)
                    for seat, email in seats[:n]
                ]
                saves = paced_client.run(
                    "127.0.0.1", server.port, pages, pace, args.paced_duration
                )
                mode = f"paced {pace} ms"
                client = (
                    f"; sent late {saves['late']}, by at most {saves['max_lag']:.0f} ms"
                    + (f", never sent {saves['unsent']}" if saves["unsent"] else "")
                )
            else:
                saves = wrk(
                    server.base + "/",
                    save_script(", ".join(p.lua() for p in pages)),
                    folder,
                    n,
                    n,
                    args.duration,
                )
                mode, client = "closed-loop", ""
            lost, flight = check_saves(url, pages, saves["pages"])
            acked = sum(1 for p in saves["pages"] if p["acked"])
            print(
                _line(
                    f"autosave, {n} seats, {mode}",
                    saves,
                    f"lost {lost} (pages checked {acked}, "
                    f"last save in flight {flight}){client}",
                )
            )
        # Several tabs on one seat: the page that saved first keeps saving; the
        # others' copies are stale and refused, never written over it.
        same_email_seat = seats[n]
        tabs = [
            Page(server.base, same_email_seat[1], password, same_email_seat[0])
            for _ in range(args.same_seat)
        ]
        tab_results = wrk(
            server.base + "/",
            save_script(", ".join(t.lua() for t in tabs)),
            folder,
            len(tabs),
            len(tabs),
            max(2, args.duration // 2),
        )
        winners = [r for r in tab_results["pages"] if r["ok"]]
        refused = sum(r["stale"] for r in tab_results["pages"])
        others = sum(r["other"] for r in tab_results["pages"])
        lost_tabs, _ = check_saves(url, tabs, winners)
        print(
            _line(
                f"autosave, {len(tabs)} tabs on one seat",
                {**tab_results, "errors": others},
                f"pages saving {len(winners)}, refused as stale {refused}, "
                f"lost {lost_tabs + max(0, len(winners) - 1)}",
            )
        )
        print(
            "talent acquisition's heavy writes, with an autosave every 5 ms meanwhile:"
        )
        for line in autosave_waits(server, pages[0], heavy_writes(url)):
            print("  " + line)
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
