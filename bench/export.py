"""The subject access export: how long a candidate's zip takes, cold and warm.

Three candidates with 1, 5 and 10 decided loops, each loop as bench/debrief.py builds
them (4 sessions, 8 interviewers rating 6 competencies with 120 words of evidence
each). Talent acquisition downloads /candidates/<id>/export.zip through the app:

- cold: no packet kept (packet_files emptied first), so every loop's packet is laid
  out in this request; the renderer children are already running (a worker that
  served a packet before);
- warm: the same export again, every packet served as kept.

The worst case, 10 loops cold, is what a gunicorn sync worker must finish inside its
timeout (30 s by default).

    .venv/bin/python bench/export.py [--rounds 3] [--loops 1 5 10]
"""

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from interview import create_app
from interview.extensions import db

sys.path.insert(0, str(Path(__file__).parent))
from debrief import PASSWORD, evidence  # bench/debrief.py builds the same loops

TA_EMAIL = "ta@bench.example"


def build(app, sizes: list[int]) -> dict[int, int]:
    """A candidate per size with that many decided loops; {size: candidate id}."""
    import random

    from interview.accounts.operations import create_user
    from interview.loops.operations import create_loop
    from interview.models import (
        Candidate,
        Discipline,
        LoopStatus,
        PlanSession,
        Requisition,
        Role,
        Rubric,
    )
    from interview.rubrics.operations import latest_version
    from interview.scorecards.operations import Edit, scorecard_for, submit
    from interview.scorecards.rules import Answer

    rng = random.Random(7)
    runner = app.test_cli_runner()
    for args in (["init-db"], ["rubric", "import", "--library"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    with app.app_context():
        account = {"password": PASSWORD}
        create_user(
            None,
            {**account, "email": TA_EMAIL, "name": "Tess Acquisition"}
            | {"role": Role.TALENT_ACQUISITION},
        )
        manager = create_user(
            None,
            {**account, "email": "manager@bench.example", "name": "Morgan Lee"}
            | {"role": Role.HIRING_MANAGER},
        )
        people = {
            d: [
                create_user(
                    None,
                    {
                        **account,
                        "email": f"{d.value}{i}@bench.example",
                        "name": f"{d.value.title()} Interviewer {i}",
                        "role": Role.INTERVIEWER,
                        "discipline": d,
                    },
                )
                for i in range(4)
            ]
            for d in Discipline
        }
        rubric = db.session.scalar(
            db.select(Rubric).where(Rubric.key == "clinical-informatics")
        )
        keys = [c.key for c in latest_version(rubric).competencies]
        found = {}
        for size in sizes:
            candidate = Candidate(
                name=f"Candidate Of {size} Loops", email=f"c{size}@bench.example"
            )
            for n in range(size):
                requisition = Requisition(
                    title=f"Clinical Informatics Analyst {n + 1}",
                    discipline=Discipline.CLINICAL,
                    hiring_manager=manager,
                    default_rubric_id=rubric.id,
                    plan=[
                        PlanSession(title=f"Interview {i + 1}", competency_keys=keys)
                        for i in range(4)
                    ],
                )
                db.session.add(requisition)
                loop = create_loop(None, requisition, candidate)
                db.session.flush()
                for index, session in enumerate(loop.sessions):
                    for seat in session.seats:
                        seat.interviewer = people[seat.discipline][index]
                        answers = {
                            k: Answer(rng.randint(1, 4), False, evidence(rng))
                            for k in keys
                        }
                        card = scorecard_for(seat)
                        submit(
                            seat.interviewer,
                            card,
                            answers,
                            3,
                            evidence(rng, 40),
                            Edit(card.version),
                        )
                loop.status = LoopStatus.DEBRIEF
                loop.status = LoopStatus.DECIDED
            db.session.flush()
            found[size] = candidate.id
        db.session.commit()
        return found


def _forget_packets(app) -> None:
    from interview.models import PacketFile

    with app.app_context():
        db.session.execute(sa.delete(PacketFile))
        db.session.commit()


def _signed_in(app):
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    login = client.post(
        "/sign-in",
        data={"email": TA_EMAIL, "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert login.status_code in (302, 303), login.status_code
    return client


def _export(client, candidate_id: int) -> tuple[float, int]:
    """Seconds for one export, and how many packets it held."""
    start = time.perf_counter()
    response = client.get(f"/candidates/{candidate_id}/export.zip")
    took = time.perf_counter() - start
    assert response.status_code == 200, response.status_code
    return took, response.data.count(b"packets/debrief-") // 2


def measure(app, found: dict[int, int], rounds: int) -> None:
    client = _signed_in(app)
    _forget_packets(app)
    first, _ = _export(client, found[min(found)])  # starts the renderer child(ren)
    print(f"first export of the process (renderers started in it): {first:.2f} s")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average {load} on {os.cpu_count()} cores (other work slows it)")
    print(f"{'loops':>5}  {'cold (median)':>14}  {'warm (median)':>14}  packets")
    for size, candidate_id in sorted(found.items()):
        cold, warm = [], []
        for _ in range(rounds):
            _forget_packets(app)
            took, packets = _export(client, candidate_id)
            cold.append(took)
            warm.append(_export(client, candidate_id)[0])
        print(
            f"{size:>5}  {statistics.median(cold):>12.2f} s"
            f"  {statistics.median(warm):>12.2f} s  {packets:>7}"
            f"   (cold max {max(cold):.2f} s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--loops", type=int, nargs="+", default=[1, 5, 10])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.sqlite'}",
                "SECRET_KEY": "bench",
            }
        )
        started = time.perf_counter()
        found = build(app, args.loops)
        print(
            f"built candidates with {', '.join(map(str, args.loops))} decided loops"
            f" of 8 x 6 ratings in {time.perf_counter() - started:.1f} s"
        )
        measure(app, found, args.rounds)


if __name__ == "__main__":
    main()
