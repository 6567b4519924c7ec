"""Build the hospital-size database that bench/scale.py measures, and the demo one.

The scale database goes through the schema: the app's migrations create it, the
shipped rubrics are imported by the app's own operation (``save_rubric``), and
everything else is bulk-inserted with SQLAlchemy Core (SQLite: executemany in
batches) or psycopg's COPY (PostgreSQL), with every CHECK and foreign key enforced by
the database while it loads. Its shape, seeded so that every build is the same:

- 5 talent acquisition, 60 hiring managers (one holds 30 of the 300 requisitions),
  2,000 interviewers split clinical and technical; one clinical interviewer holds
  about 170 seats, a dozen of them upcoming;
- 100,000 candidates (accented names included: "Zoë", "José", "Ångström");
- 20,000 loops over three years in every status (most decided), each with 3 to 5
  sessions of two seats (one clinical, one technical): three sessions of two seats
  would give 120,000 seats, fewer than the ~150,000 scorecards wanted;
- a scorecard on most seats of a past session (submitted, some drafts), a rating per
  session competency with evidence, about 900,000 ratings; hiring decisions,
  reopenings, and the audit entries the app writes for all of it.

Every user's password is ``PASSWORD``. ``python bench/scale_data.py`` builds (or
rebuilds) them and prints the build times.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from interview import create_app
from interview.models.requisitions import requisition_search_key
from interview.search import fold, search_key
from interview.timeutil import utcnow

ROOT = Path(__file__).resolve().parent.parent
# BENCH_COPY=x: a copy of the databases of its own (instance/bench-x/ and the
# PostgreSQL databases suffixed _x), for measuring a change beside another one.
COPY = os.environ.get("BENCH_COPY", "")
DATA_DIR = ROOT / "instance" / (f"bench-{COPY}" if COPY else "bench")
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_NAMES = {
    name: base + (f"_{COPY}" if COPY else "")
    for name, base in {
        "scale": "interview_scale",
        "demo": "interview_scale_demo",
        "calibration": "interview_scale_calibration",
    }.items()
}
PASSWORD = "scale-bench-password-2026"
SECRET_KEY = "bench-scale-not-secret"
BATCH = 20_000


@dataclass(frozen=True)
class Sizes:
    talent: int = 5
    managers: int = 60
    interviewers: int = 2_000
    candidates: int = 100_000
    requisitions: int = 300
    loops: int = 20_000
    heavy_requisitions: int = 30  # of the busiest hiring manager
    heavy_seats: int = 170  # of the busiest interviewer
    conflicts: int = 400
    # Every requisition on this rubric (its key), instead of one by discipline: the
    # calibration bench's one big rubric. None: the scale database as it always was.
    rubric: str | None = None


# bench/calibration.py's database: one rubric with 22,500 loops, so that about
# 20,000 have two or more raters of a competency (planned loops have none yet).
CALIBRATION = Sizes(loops=22_500, rubric="clinical-informatics")


def database_url(backend: str, which: str) -> str:
    """Where the ``scale`` or ``demo`` database of ``backend`` lives."""
    if backend == "sqlite":
        return f"sqlite:///{DATA_DIR / f'{which}.sqlite'}"
    return f"{PG_SERVER}/{PG_NAMES[which]}"


def app_config(url: str) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY}


def _marker(backend: str, which: str) -> Path:
    return DATA_DIR / f"{backend}-{which}.json"


def built_stats(backend: str, which: str) -> dict | None:
    """The figures of a finished build, or None when it must be (re)built."""
    path = _marker(backend, which)
    if not path.exists():
        return None
    if backend == "sqlite" and not (DATA_DIR / f"{which}.sqlite").exists():
        return None
    if backend == "postgresql" and not _pg_exists(PG_NAMES[which]):
        return None
    return json.loads(path.read_text())


def ensure(backend: str, which: str, rebuild: bool = False) -> dict:
    """Build the database unless a finished build is there; bring its schema up to
    date with the migrations either way (the lead adds indexes as we go)."""
    stats = None if rebuild else built_stats(backend, which)
    if stats is not None:
        _upgrade(database_url(backend, which))
        return stats
    _marker(backend, which).unlink(missing_ok=True)
    url = database_url(backend, which)
    if which == "calibration":
        stats = build_scale(url, CALIBRATION)
    else:
        stats = build_scale(url) if which == "scale" else build_demo(url)
    stats["backend"] = backend
    _marker(backend, which).write_text(json.dumps(stats, indent=1))
    return stats


def _upgrade(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
        from interview.extensions import db

        db.engine.dispose()


# -- empty databases ---------------------------------------------------------------


def _pg_exists(name: str) -> bool:
    engine = sa.create_engine(f"{PG_SERVER}/postgres")
    try:
        with engine.connect() as conn:
            found = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            )
    finally:
        engine.dispose()
    return bool(found)


def fresh_database(url: str) -> None:
    """Drop and create the database (PostgreSQL) or delete the file (SQLite)."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = url.rsplit("/", 1)[1]
    if name not in PG_NAMES.values():
        raise SystemExit(f"refusing to drop {name!r}: not a bench database")
    engine = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()


# -- the demo database -------------------------------------------------------------


def build_demo(url: str) -> dict:
    """The app's own demo (``init-db`` then ``seed-demo``), for comparison."""
    fresh_database(url)
    start = time.perf_counter()
    env = {**os.environ, "INTERVIEW_DATABASE_URL": url}
    env["INTERVIEW_SECRET_KEY"] = SECRET_KEY
    flask = [str(Path(sys.executable).with_name("flask")), "--app", "interview"]
    for command in ("init-db", "seed-demo"):
        subprocess.run(
            [*flask, command], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL
        )
    return {"seconds": round(time.perf_counter() - start, 1), "url": url}


# -- the scale database ------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST = _words(
    "Zoë José Chloé Renée Siobhán Søren Łukasz François Björn Inés Sofía Noémie "
    "Jürgen Ximena Thảo Maëlle Håkon Zoltán Şebnem İlker Dženana Amara Mateo Priya "
    "Wei Kwame Fatima Olga Ana Liam Emma Noah Olivia Aisha Yusuf Hana Kenji Mei Ravi "
    "Elena Pedro Lucía Agnieszka Dmitri Ngozi Tomás Grace Daniel Sarah Michael"
)
LAST = _words(
    "García Garcia Ångström Núñez Müller Dvořák Gonçalves Hernández Nguyễn O'Brien "
    "Smith Johnson Okafor Mensah Zhang Rahimi Jensen Becker Raman Herrera Kowalski "
    "Søndergaard Björk Ferreira Martínez López Rodríguez Pérez Sánchez Brontë Dubois "
    "Lefèvre Schröder Öztürk Yılmaz Papadopoulos Ivanović Kim Park Tanaka Singh Patel "
    "Khan Ali Chen Wang Silva Costa Rossi Bianchi Novák Horváth Nowak Virtanen"
)
ZONES = _words(
    "America/New_York America/Chicago America/Denver America/Los_Angeles "
    "Europe/London Europe/Berlin Asia/Kolkata Australia/Sydney UTC"
)
SOURCES = ("Referral", "LinkedIn", "Careers page", "HIMSS job board", "Agency", None)
TITLES_TECH = (
    "Software Engineer, Clinical Decision Support",
    "Integration Engineer, HL7 v2 and FHIR",
    "Data Engineer, Quality Measures",
    "Security Engineer, PHI Platforms",
    "ML Engineer, Sepsis Prediction",
)
TITLES_CLIN = (
    "Clinical Informatics Analyst (Epic Inpatient)",
    "Nurse Informaticist, Medication Safety",
    "Clinical Applications Analyst, Ambulatory",
    "Physician Informaticist, Order Sets",
    "Clinical Data Quality Lead",
)
SITES = ("Main campus", "Children's", "North", "Riverside", "Cancer centre", "Remote")
SESSION_TITLES = (
    "Clinical collaboration",
    "Interoperability design",
    "Safety and privacy",
    "Build and workflow",
    "Data quality case",
    "Change and privacy",
    "Systems design",
    "Values and teamwork",
)
PHRASES = (
    "Described rebuilding the sepsis order set after nurses reported duplicate orders.",
    "Shadowed two night shifts before changing anything and tested with charge nurses.",
    "Walked me through change control: build, unit test, integrated test, sign-off.",
    "Could not say how she would roll back a rule that fires too often.",
    "Asked unprompted who enters the order, who verifies it and who gives the dose.",
    "Mapped the medication administration steps correctly, barcode scanning included.",
    "Treated the downtime procedure as an afterthought until I asked about it.",
    "Pulled ten charts herself when the dashboard disagreed with chart review.",
    "Talked about cleaning the data but not how duplicates from the ADT merge arise.",
    "Explained the alert timing constraint in plain words a surgeon would follow.",
    "Re-planned with the quality team within a week when the reporting rules changed.",
    "Proposed masked extracts and a data use agreement for the test environment.",
    "Designed the FHIR subscription with retries and an idempotency key per message.",
    "Missed that the lab interface sends corrections as new messages, not updates.",
    "Named the hazard log and the clinical safety officer without being prompted.",
    "Kept PHI out of the logs and could explain why the audit trail must stay.",
    "Gave a vague answer on on-call and incident review; worth probing in debrief.",
    "Strong example of negotiating scope with pharmacy under a hard go-live date.",
    "Needed several prompts to connect the design choice to patient outcomes.",
    "Listened well and summarised the workflow back accurately before proposing.",
)
RATIONALE = (
    "The panel's evidence on patient safety and workflow decided it; see the debrief."
)
RATIONALE_AGAIN = (
    "Decided again after the reference check was discussed with the panel."
)
SUMMARIES = (
    "Knows how care happens on the wards; must explain build decisions more plainly.",
    "Sound engineering discipline; data quality reasoning is the weaker area.",
    "Clear communicator with clinicians; limited depth on interoperability.",
    "Strong on safety and privacy; little experience of large rollouts.",
)


def _ascii(text: str) -> str:
    return "".join(c for c in fold(text) if c.isascii() and (c.isalnum() or c == " "))


class Hospital:
    """The rows of every table, as tuples in column order, made from one seed."""

    def __init__(self, versions: list[dict], first_ids: dict, sizes: Sizes, seed=11):
        self.rng = random.Random(seed)
        self.sizes, self.versions = sizes, versions
        self.now = utcnow().replace(second=0, microsecond=0)
        self.next_id = dict(first_ids)
        self.tables: dict[str, tuple[tuple[str, ...], list]] = {}
        from werkzeug.security import generate_password_hash

        from interview.config import Defaults

        method = Defaults.PASSWORD_HASH_METHOD
        self.password_hash = generate_password_hash(PASSWORD, method=method)
        self.evidence = [
            " ".join(self.rng.sample(PHRASES, self.rng.randint(1, 3)))
            for _ in range(3000)
        ]

    def ids(self, table: str, n: int) -> range:
        start = self.next_id.get(table, 1)
        self.next_id[table] = start + n
        return range(start, start + n)

    def add(self, table: str, columns: str, rows: list) -> None:
        cols = tuple(columns.split())
        if table in self.tables:
            self.tables[table][1].extend(rows)
        else:
            self.tables[table] = (cols, rows)

    def ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def person(self) -> str:
        rng = self.rng
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if rng.random() < 0.1:
            name = f"{rng.choice(FIRST)} {name}"
        return name

    def audit(self, rows: list, at, actor, action, otype, oid, before, after, why=None):
        rows.append((at, actor, action, otype, oid, before, after, why))

    # The tables, in the order they are made and loaded.

    def make(self) -> "Hospital":
        self.audit_rows: list = []
        self.make_users()
        self.make_candidates()
        self.make_requisitions()
        self.make_loops()
        self.make_audit()
        return self

    def make_users(self) -> None:
        s, rng = self.sizes, self.rng
        specs = [("talent_acquisition", None)] * s.talent
        specs += [("hiring_manager", None)] * s.managers
        specs += [
            ("interviewer", "clinical" if i % 2 == 0 else "technical")
            for i in range(s.interviewers)
        ]
        ids = self.ids("users", len(specs))
        rows, self.by_role = [], {"clinical": [], "technical": []}
        for uid, (role, discipline) in zip(ids, specs, strict=True):
            name = self.person()
            email = f"{_ascii(name).replace(' ', '.')}.{uid}@hospital.example"
            created = self.ago(1200 + rng.random() * 300)
            active = role != "interviewer" or rng.random() > 0.03
            rows.append(
                (uid, email, name, search_key(name, email), self.password_hash, role,
                 discipline, rng.choice(ZONES), active, f"bench-{uid}-{rng.random()}",
                 created, created, self.ago(rng.random() * 30), 4, 1)
            )  # fmt: skip
            if discipline and active:
                self.by_role[discipline].append(uid)
            self.audit(
                self.audit_rows, created, None, "user.create", "users", uid, None,
                {"email": email, "role": role},
            )  # fmt: skip
        self.add(
            "users",
            "id email name search_key password_hash role discipline time_zone "
            "is_active session_token created_at updated_at last_sign_in_at "
            "weekly_interview_limit version",
            rows,
        )
        self.talent = list(ids[: s.talent])
        self.managers = list(ids[s.talent : s.talent + s.managers])
        # The busiest interviewer: the first clinical one.
        self.heavy = self.by_role["clinical"][0]
        keys = sorted({c["key"] for v in self.versions for c in v["competencies"]})
        trained = [
            (uid, key)
            for d in ("clinical", "technical")
            for uid in self.by_role[d]
            for key in keys
            if uid == self.heavy or rng.random() < 0.85
        ]
        self.add("interviewer_trainings", "user_id competency_key", trained)

    def make_candidates(self) -> None:
        rng, n = self.rng, self.sizes.candidates
        rows = []
        for cid in self.ids("candidates", n):
            name = self.person()
            email = None
            if rng.random() > 0.04:
                email = f"{_ascii(name).replace(' ', '.')}{cid}@mail.example"
            created = self.ago(rng.random() * 1100)
            phone = f"+1 555 {cid % 1000:03d} {cid % 10000:04d}"
            rows.append(
                (cid, name, email, phone, rng.choice(SOURCES), "",
                 search_key(name, email), created, created)
            )  # fmt: skip
            self.audit(
                self.audit_rows, created, rng.choice(self.talent), "candidate.save",
                "candidates", cid, None, {"name": name},
            )  # fmt: skip
        self.add(
            "candidates",
            "id name email phone source notes search_key created_at updated_at",
            rows,
        )
        self.candidate_names = {r[0]: r[1] for r in rows}
        conflicts, seen = [], set()
        pool = self.by_role["clinical"][1:] + self.by_role["technical"]
        while len(conflicts) < self.sizes.conflicts:
            pair = (rng.choice(pool), rng.choice(rows)[0])
            if pair not in seen:
                seen.add(pair)
                conflicts.append(pair)
        self.add(
            "interviewer_conflicts",
            "id user_id candidate_id reason created_at",
            [
                (cid, u, c, "Former colleague on the same ward", self.ago(100))
                for cid, (u, c) in zip(
                    self.ids("interviewer_conflicts", len(conflicts)), conflicts
                )
            ],
        )

    def make_requisitions(self) -> None:
        rng, s = self.rng, self.sizes
        by_key = {v["key"]: v for v in self.versions if v["latest"]}
        rows, plans, self.requisitions = [], [], []
        for rid in self.ids("requisitions", s.requisitions):
            index = rid - self.next_id["requisitions"] + s.requisitions
            discipline = rng.choice(("clinical", "technical"))
            manager = (
                self.managers[0]
                if index < s.heavy_requisitions
                else rng.choice(self.managers[1:])
            )
            key = {"clinical": "clinical-informatics", "technical": "technical-roles"}[
                discipline
            ]
            if rng.random() < 0.1:
                key = "core-cross-functional"
            key = s.rubric or key  # after the draws, so the seed's sequence stays
            titles = TITLES_CLIN if discipline == "clinical" else TITLES_TECH
            title = f"{rng.choice(titles)} ({rng.choice(SITES)}) #{rid}"
            status = rng.choices(("open", "on_hold", "closed"), (45, 10, 45))[0]
            share = rng.random() < 0.8
            created = self.ago(1150 + rng.random() * 50)
            rows.append(
                (rid, title, discipline, manager, by_key[key]["rubric_id"], status,
                 share, requisition_search_key(title, discipline), created, created)
            )  # fmt: skip
            competencies = [c["key"] for c in by_key[key]["competencies"]]
            plan = []
            for position in range(rng.choices((3, 4, 5), (15, 45, 40))[0]):
                keys = [k for k in competencies if rng.random() < 0.96] or competencies
                plan.append(
                    (position, SESSION_TITLES[(rid + position) % len(SESSION_TITLES)],
                     rng.choice((45, 60, 60, 90)), keys)
                )  # fmt: skip
            self.requisitions.append(
                {"id": rid, "manager": manager, "key": key, "status": status,
                 "plan": plan, "title": title}
            )  # fmt: skip
            for pid, (position, t, minutes, keys) in zip(
                self.ids("plan_sessions", len(plan)), plan, strict=True
            ):
                plans.append((pid, rid, position, t, minutes, keys, 1, 1))
            snapshot = {
                "title": title, "discipline": discipline, "hiring_manager_id": manager,
                "status": status, "share_scores_after_submit": share,
            }  # fmt: skip
            if rng.random() < 0.1:  # the sharing setting was changed once
                earlier = {**snapshot, "share_scores_after_submit": not share}
                self.audit(
                    self.audit_rows,
                    created,
                    self.talent[0],
                    "requisition.save",
                    "requisitions",
                    rid,
                    None,
                    earlier,
                )
                self.audit(
                    self.audit_rows,
                    self.ago(400),
                    self.talent[0],
                    "requisition.save",
                    "requisitions",
                    rid,
                    earlier,
                    snapshot,
                )
            else:
                self.audit(self.audit_rows, created, self.talent[0],
                           "requisition.save", "requisitions", rid, None, snapshot)  # fmt: skip
            self.audit(self.audit_rows, created, self.talent[0], "requisition.plan",
                       "requisitions", rid, {"plan": []}, {"plan": len(plan)})  # fmt: skip
        self.add(
            "requisitions",
            "id title discipline hiring_manager_id default_rubric_id status "
            "share_scores_after_submit search_key created_at updated_at",
            rows,
        )
        self.add(
            "plan_sessions",
            "id requisition_id position title duration_minutes competency_keys "
            "clinical_seats technical_seats",
            plans,
        )

    STATUSES = ("decided", "withdrawn", "debrief", "interviewing", "planned")
    WEIGHTS = (74, 8, 7, 6, 5)

    def _loop_times(self, status: str) -> tuple[datetime, float | None, float]:
        """(created, first session start in days from now or None, days apart)."""
        rng = self.rng
        if status == "decided":
            created = rng.uniform(30, 1095)
            return self.ago(created), -created + rng.uniform(5, 20), 1.5
        if status == "withdrawn":
            created = rng.uniform(3, 1095)
            return self.ago(created), -created + rng.uniform(2, 12), 2.0
        if status == "debrief":
            created = (
                rng.uniform(14, 60) if rng.random() < 0.9 else rng.uniform(60, 400)
            )
            return self.ago(created), -created + rng.uniform(2, 6), 1.0
        if status == "interviewing":
            created = rng.uniform(5, 25)
            return self.ago(created), -rng.uniform(0.5, 4), 2.0
        created = rng.uniform(0, 14)
        first = None if rng.random() < 0.5 else rng.uniform(2, 20)
        return self.ago(created), first, 2.0

    def make_loops(self) -> None:
        rng, s = self.rng, self.sizes
        versions = {}  # rubric key -> [(number, version)]
        for v in self.versions:
            versions.setdefault(v["key"], []).append(v)
        open_reqs = [r for r in self.requisitions if r["status"] == "open"]
        loops, sessions, session_comps, plan_of = [], [], [], []
        self.last_start = last = {}
        for lid in self.ids("loops", s.loops):
            status = rng.choices(self.STATUSES, self.WEIGHTS)[0]
            active = status in ("debrief", "interviewing", "planned")
            req = rng.choice(open_reqs if active else self.requisitions)
            created, first, apart = self._loop_times(status)
            # Loops of the last year use the newest version of their rubric.
            candidates = sorted(versions[req["key"]], key=lambda v: v["number"])
            version = candidates[-1] if created > self.ago(365) else candidates[0]
            candidate = rng.randint(self.next_id["candidates"] - s.candidates,
                                    self.next_id["candidates"] - 1)  # fmt: skip
            # closed_at: a withdrawn loop closed when last changed, a decided one at
            # its last decision (make_decisions), as the application stamps it.
            loops.append([lid, candidate, req["id"], version["id"], status, created,
                          created, 1,
                          created if status == "withdrawn" else None])  # fmt: skip
            comp_ids = {c["key"]: c["id"] for c in version["competencies"]}
            zone = rng.choice(ZONES)
            plan = req["plan"]
            for sid, (position, title, minutes, keys) in zip(
                self.ids("interview_sessions", len(plan)), plan, strict=True
            ):
                starts = None
                if first is not None:
                    day = first + position * rng.uniform(0, 2 * apart)
                    if status in ("decided", "debrief"):  # every session is over
                        day = min(day, -1.5 + position / 10)
                    starts = (self.now + timedelta(days=day)).replace(
                        minute=0, second=0
                    )
                sessions.append(
                    (sid, lid, position, title, starts, zone, minutes,
                     f"{rng.choice(SITES)}, room {rng.randint(1, 40)}",
                     "https://video.example.org/interview", 1, 1, 0)
                )  # fmt: skip
                session_comps.extend((sid, comp_ids[k]) for k in keys if k in comp_ids)
                plan_of.append((sid, lid, status, starts, minutes, version, keys))
                if starts is not None:
                    last[lid] = max(last.get(lid, starts), starts)
        self.add(
            "loops",
            "id candidate_id requisition_id rubric_version_id status created_at "
            "updated_at version closed_at",
            loops,
        )
        self.add(
            "interview_sessions",
            "id loop_id position title starts_at time_zone duration_minutes location "
            "video_url clinical_seats technical_seats schedule_sequence",
            sessions,
        )
        self.add("session_competencies", "session_id competency_id", session_comps)
        self.loops = {row[0]: row for row in loops}
        self.make_seats(plan_of)
        self.make_decisions()

    def _heavy_sessions(self, plan_of: list) -> set[int]:
        """The sessions the busiest interviewer sits on: ~170, a dozen upcoming."""
        future = [p[0] for p in plan_of if p[3] is not None and p[3] > self.now]
        past = [p[0] for p in plan_of if p[3] is not None and p[3] <= self.now]
        upcoming = min(12, len(future))
        chosen = self.rng.sample(future, upcoming)
        chosen += self.rng.sample(past, self.sizes.heavy_seats - upcoming)
        return set(chosen)

    def make_seats(self, plan_of: list) -> None:
        rng, now = self.rng, self.now
        heavy_sessions = self._heavy_sessions(plan_of)
        clinical = [u for u in self.by_role["clinical"] if u != self.heavy]
        technical = self.by_role["technical"]
        seats, cards, ratings = [], [], []
        seat_ids = iter(self.ids("panel_seats", 3 * len(plan_of)))
        self.strength = {lid: rng.gauss(2.7, 0.6) for lid in self.loops}
        for sid, lid, status, starts, minutes, version, keys in plan_of:
            created = self.loops[lid][5]
            ended = starts is not None and starts + timedelta(minutes=minutes) < now
            for discipline, pool in (("clinical", clinical), ("technical", technical)):
                # Planned loops have open seats, scheduled or not: the panel
                # proposal's work at scale (bench/scale.py times it on one).
                if (starts is None or status == "planned") and rng.random() < 0.5:
                    seats.append((next(seat_ids), sid, None, discipline, created,
                                  None, None))  # fmt: skip
                    continue
                who = rng.choice(pool)
                if discipline == "clinical" and sid in heavy_sessions:
                    who = self.heavy
                assigned = created + timedelta(hours=rng.uniform(1, 48))
                if starts is not None:
                    assigned = min(assigned, starts - timedelta(days=1))
                if ended and rng.random() < 0.04:  # someone held the seat before
                    before = rng.choice([p for p in pool[:50] if p != who])
                    retired = next(seat_ids)
                    seats.append((retired, sid, before, discipline, created,
                                  assigned - timedelta(days=3), assigned))  # fmt: skip
                    if rng.random() < 0.25:
                        self._scorecard(cards, ratings, retired, before, lid, "draft",
                                        version, keys, starts, minutes)  # fmt: skip
                seat = next(seat_ids)
                seats.append((seat, sid, who, discipline, created, assigned, None))
                if ended:
                    state = self._card_state(status)
                    if state:
                        self._scorecard(cards, ratings, seat, who, lid, state,
                                        version, keys, starts, minutes)  # fmt: skip
        self.add(
            "panel_seats",
            "id session_id interviewer_id discipline created_at assigned_at removed_at",
            seats,
        )
        self.add(
            "scorecards",
            "id seat_id interviewer_id rubric_version_id status "
            "overall_recommendation summary created_at updated_at submitted_at "
            "amended_at amendment_count version edit_token edit_seq",
            cards,
        )
        self.add(
            "ratings",
            "id scorecard_id rubric_version_id competency_id level is_not_assessed "
            "evidence notes",
            ratings,
        )

    def _card_state(self, status: str) -> str | None:
        odds = {
            "decided": (99, 1, 0),
            "debrief": (90, 10, 0),
            "interviewing": (70, 20, 10),
            "withdrawn": (60, 20, 20),
        }[status]
        return self.rng.choices(("submitted", "draft", None), odds)[0]

    def _scorecard(self, cards, ratings, seat, who, lid, state, version, keys,
                   starts, minutes) -> None:  # fmt: skip
        rng = self.rng
        (cid,) = self.ids("scorecards", 1)
        levels = version["levels"]
        low, high = levels[0], levels[-1]
        strength = self.strength[lid]
        written = starts + timedelta(minutes=minutes + rng.uniform(10, 600))
        submitted = state == "submitted"
        by_key = {c["key"]: c["id"] for c in version["competencies"]}
        for key in keys:
            if key not in by_key or (not submitted and rng.random() < 0.3):
                continue
            (rid,) = self.ids("ratings", 1)
            if rng.random() < 0.04:
                ratings.append((rid, cid, version["id"], by_key[key], None, True,
                                "Not covered: we ran out of time.", ""))  # fmt: skip
                continue
            level = min(high, max(low, round(rng.gauss(strength, 0.8))))
            if not submitted and rng.random() < 0.3:
                level = None
            ratings.append((rid, cid, version["id"], by_key[key], level, False,
                            rng.choice(self.evidence), ""))  # fmt: skip
        recommendation = min(high, max(low, round(strength)))
        amended = submitted and rng.random() < 0.02
        cards.append(
            (cid, seat, who, version["id"], state,
             recommendation if submitted or rng.random() < 0.5 else None,
             rng.choice(SUMMARIES) if submitted else "", written, written,
             written if submitted else None,
             written + timedelta(days=1) if amended else None, int(amended),
             3 + int(amended), None, 0)
        )  # fmt: skip
        if submitted:
            self.audit(self.audit_rows, written, who, "scorecard.submit",
                       "scorecards", cid, None, {"recommendation": recommendation})  # fmt: skip

    def make_decisions(self) -> None:
        rng, rows = self.rng, []
        req_manager = {r["id"]: r["manager"] for r in self.requisitions}
        for lid, loop in self.loops.items():
            _, candidate, req, version, status, created, *_ = loop
            self.audit(self.audit_rows, created, rng.choice(self.talent),
                       "loop.create", "loops", lid, None,
                       {"candidate": self.candidate_names[candidate],
                        "rubric": version})  # fmt: skip
            if status != "decided":
                continue
            manager = req_manager[req]
            at = self.last_start[lid] + timedelta(days=rng.uniform(1, 5))
            at = min(at, self.now - timedelta(hours=8))
            strength = self.strength[lid]
            outcome = "hire" if strength > 3.1 else "no_hire"
            if rng.random() < 0.06:
                outcome = "hold"
            reopened = rng.random() < 0.02
            first = "hold" if reopened else outcome
            rows.append((lid, first, RATIONALE, manager, at))
            self.audit(self.audit_rows, at, manager, "loop.decision", "loops", lid,
                       {"status": "debrief"}, {"status": "decided", "outcome": first})  # fmt: skip
            if reopened:
                again = at + timedelta(hours=6)
                self.audit(self.audit_rows, again, self.talent[0], "loop.reopen",
                           "loops", lid, {"status": "decided", "outcome": first},
                           {"status": "debrief"},
                           "A reference check raised a question for the panel.")  # fmt: skip
                rows.append((lid, outcome, RATIONALE_AGAIN, manager,
                             again + timedelta(hours=20)))  # fmt: skip
            loop[6] = loop[8] = rows[-1][4]  # updated_at, closed_at: the last decision
        self.add(
            "hiring_decisions",
            "id loop_id outcome rationale decided_by_id decided_at",
            [(i, *r) for i, r in zip(self.ids("hiring_decisions", len(rows)), rows)],
        )

    def make_audit(self) -> None:
        rows = sorted(self.audit_rows, key=lambda r: r[0])
        ids = self.ids("audit_log", len(rows))
        self.add(
            "audit_log",
            "id at actor_id action object_type object_id before after reason",
            [(i, *r) for i, r in zip(ids, rows, strict=True)],
        )


# -- loading -----------------------------------------------------------------------


def _import_rubrics() -> list[dict]:
    """The shipped rubrics through the app's own operation, and a second version of
    two of them; return every version with its competencies and scale."""
    from interview.extensions import db
    from interview.models import RubricVersion
    from interview.rubrics.operations import library_files, save_rubric
    from interview.rubrics.schema import raise_for, validate

    for path in library_files():
        spec = raise_for(validate(path.read_bytes()))
        save_rubric(None, spec)
        if spec.key != "core-cross-functional":
            note = " Revised after the first year: clearer anchors for new panels."
            save_rubric(None, spec.model_copy(update={"description": spec.description + note}))  # fmt: skip
    db.session.commit()
    versions = []
    for v in db.session.scalars(sa.select(RubricVersion)):
        versions.append(
            {
                "id": v.id,
                "rubric_id": v.rubric_id,
                "key": v.rubric.key,
                "number": v.number,
                "latest": v.number == max(x.number for x in v.rubric.versions),
                "levels": sorted(level.value for level in v.levels),
                "competencies": [{"id": c.id, "key": c.key} for c in v.competencies],
            }
        )
    db.session.close()  # SQLite: give the write lock back before the bulk load
    return versions


def _first_ids(conn, tables) -> dict:
    found = {}
    for name, table in tables.items():
        if "id" in table.c:
            found[name] = (conn.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1
    return found


# The candidates' full-text index (migration 0008) is filled once after the load:
# row by row, its insert trigger took 616 s for 100,000 candidates in one transaction
# (growing faster than the rows), where FTS5's own rebuild takes 25-60 s.
TEXT_INDEX_TRIGGER = "candidates_text_ai"


def _write_sqlite(engine, hospital: Hospital, tables) -> None:
    with engine.begin() as conn:
        trigger = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
            (TEXT_INDEX_TRIGGER,),
        ).scalar()
        if trigger:
            conn.exec_driver_sql(f"DROP TRIGGER {TEXT_INDEX_TRIGGER}")
        for name, (columns, rows) in hospital.tables.items():
            insert = tables[name].insert()
            for start in range(0, len(rows), BATCH):
                batch = rows[start : start + BATCH]
                conn.execute(insert, [dict(zip(columns, r)) for r in batch])
        if trigger:
            conn.exec_driver_sql(
                "INSERT INTO candidates_text(candidates_text) VALUES ('rebuild')"
            )
            conn.exec_driver_sql(trigger)


def _write_postgresql(engine, hospital: Hospital, tables) -> None:
    json_columns = {
        (name, c.name)
        for name, table in tables.items()
        for c in table.c
        if isinstance(c.type, sa.JSON)
    }
    raw = engine.raw_connection()
    try:
        with raw.driver_connection.cursor() as cur:
            for name, (columns, rows) in hospital.tables.items():
                as_json = [
                    i for i, c in enumerate(columns) if (name, c) in json_columns
                ]
                sql = f"COPY {name} ({', '.join(columns)}) FROM STDIN"
                with cur.copy(sql) as copy:
                    for row in rows:
                        if as_json:
                            row = list(row)
                            for i in as_json:
                                row[i] = None if row[i] is None else json.dumps(row[i])
                        copy.write_row(row)
            for name, table in tables.items():
                if "id" in table.c and table.c.id.autoincrement:
                    cur.execute(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT coalesce(max(id), 1) FROM {name}))"
                    )
        raw.commit()
    finally:
        raw.close()


def _summarise() -> None:
    """Calibration's summary tables and the loops' stored readiness from the loaded
    rows: the bulk load went around the operations that keep them (the app's own
    rebuilds)."""
    from interview.calibration.summaries import rebuild
    from interview.extensions import db
    from interview.home import readiness

    rebuild()
    readiness.rebuild(db.session)
    db.session.commit()
    db.session.close()


def build_scale(url: str, sizes: Sizes = Sizes()) -> dict:
    """Build the scale database at ``url`` from nothing; return its figures."""
    from flask_migrate import upgrade

    from interview.extensions import db

    fresh_database(url)
    start = time.perf_counter()
    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
        versions = _import_rubrics()
        tables = db.metadata.tables
        with db.engine.connect() as conn:
            first = _first_ids(conn, tables)
        made = time.perf_counter()
        hospital = Hospital(versions, first, sizes).make()
        generated = time.perf_counter() - made
        if db.engine.dialect.name == "sqlite":
            _write_sqlite(db.engine, hospital, tables)
        else:
            _write_postgresql(db.engine, hospital, tables)
        _summarise()
        if db.engine.dialect.name != "sqlite":
            with db.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            ) as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        db.engine.dispose()
    counts = {name: len(rows) for name, (_, rows) in hospital.tables.items()}
    return {
        "seconds": round(time.perf_counter() - start, 1),
        "generate_seconds": round(generated, 1),
        "url": url,
        "rows": counts,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", choices=("sqlite", "postgresql", "both"), default="both"
    )
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args(argv)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    backends = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    for backend in backends:
        for which in ("scale", "demo"):
            stats = ensure(backend, which, rebuild=args.rebuild)
            print(f"{backend} {which}: built in {stats['seconds']} s", flush=True)
            if which == "scale":
                print("  " + ", ".join(f"{k} {v:,}" for k, v in stats["rows"].items()))


if __name__ == "__main__":
    main()
