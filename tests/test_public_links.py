"""Links people follow from email (issue 14): `make notify` links to the address
`make run` serves, production refuses to send links to a laptop's address, and an
interviewer moved off a panel who follows their old kit link is told so."""

import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.loops.operations import assign_seat
from interview.models import (
    Discipline,
    LoopStatus,
    OutboxMessage,
    PanelSeat,
    PlanSession,
    Role,
    User,
)
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate
from interview.timeutil import utcnow

from .builders import clinical_seat, start_loop
from .rubric_samples import dump, rubric

ROOT = Path(__file__).resolve().parent.parent

# --- make notify ---------------------------------------------------------------


def _make_notify(tmp_path, *args, env=None) -> str:
    """`make notify` with a stand-in virtualenv whose flask prints the address
    emails would link to and the command it was given."""
    if shutil.which("make") is None:
        pytest.fail("make is not installed (apt-get install make)")
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    for name, text in (
        ("python", "#!/bin/sh\nexit 0\n"),
        ("flask", '#!/bin/sh\necho "links=$INTERVIEW_PUBLIC_BASE_URL args=$*"\n'),
    ):
        (venv / "bin" / name).write_text(text)
        (venv / "bin" / name).chmod(0o755)
    (venv / ".installed").touch()  # newer than setup.cfg and the lock: no install
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("INTERVIEW_", "MAKE"))
    }
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", "notify", f"VENV={venv}", *args],
        check=False,
        cwd=ROOT,
        env={**environment, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_make_notify_links_to_the_port_make_run_serves(tmp_path):
    assert _make_notify(tmp_path, "PORT=5071") == (
        "links=http://127.0.0.1:5071 args=--app interview notify run"
    )


def test_make_notify_keeps_an_address_given(tmp_path):
    assert _make_notify(tmp_path) == (
        "links=http://127.0.0.1:5000 args=--app interview notify run"
    )
    given = {"INTERVIEW_PUBLIC_BASE_URL": "https://interviews.example.org"}
    assert _make_notify(tmp_path / "again", "PORT=5071", env=given).startswith(
        "links=https://interviews.example.org "
    )


# --- notify run in production ----------------------------------------------------


@pytest.fixture
def ended(app, seat):
    """Clara's interview ended two hours ago on an interviewing loop: a feedback
    reminder is due."""
    with app.app_context():
        row = db.session.get(PanelSeat, seat["id"])
        row.session.starts_at = utcnow() - timedelta(hours=3)
        row.session.loop.status = LoopStatus.INTERVIEWING
        db.session.commit()
    return seat


def _run(app, runner, tmp_path, **config):
    outbox = tmp_path / "outbox"
    app.config.update(MAIL_TRANSPORT="directory", MAIL_OUTBOX_DIR=str(outbox), **config)
    result = runner.invoke(args=["notify", "run"])
    written = sorted(outbox.iterdir()) if outbox.exists() else []
    with app.app_context():
        queued = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))
    return result, written, queued


@pytest.mark.parametrize("base", [None, "", "http://127.0.0.1:5000/"])
def test_production_notify_run_refuses_without_a_public_address(
    app, runner, ended, tmp_path, base
):
    config = {"ENV_NAME": "production"}
    if base is not None:
        config["PUBLIC_BASE_URL"] = base
    result, written, queued = _run(app, runner, tmp_path, **config)
    assert result.exit_code == 1
    assert "INTERVIEW_PUBLIC_BASE_URL is not set" in result.output
    assert "Nothing was queued or sent." in result.output
    assert "Traceback" not in result.output
    assert written == [] and queued == 0


def test_production_notify_run_links_to_the_address_set(app, runner, ended, tmp_path):
    result, written, _ = _run(
        app,
        runner,
        tmp_path,
        ENV_NAME="production",
        PUBLIC_BASE_URL="https://interviews.example.org",
    )
    assert result.exit_code == 0, result.output
    (message,) = written
    link = f"https://interviews.example.org/interviews/{ended['id']}".encode()
    assert link in message.read_bytes()


def test_development_notify_run_keeps_the_laptop_address(app, runner, ended, tmp_path):
    result, written, _ = _run(app, runner, tmp_path)
    assert result.exit_code == 0, result.output
    (message,) = written
    assert f"http://127.0.0.1:5000/interviews/{ended['id']}".encode() in (
        message.read_bytes()
    )


# --- an old kit link after being moved off the panel ------------------------------


@pytest.fixture
def two_sessions(app, make_user):
    """Clara holds the clinical seat of both sessions of Priya Raman's loop."""
    manager = make_user(Role.HIRING_MANAGER)
    clara = make_user(Role.INTERVIEWER, discipline=Discipline.CLINICAL, name="Clara")
    nina = make_user(Role.INTERVIEWER, discipline=Discipline.CLINICAL, name="Nina")
    with app.app_context():
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        plan = [
            PlanSession(title="Workflow case", competency_keys=["workflow"]),
            PlanSession(title="Privacy talk", competency_keys=["privacy"], position=1),
        ]
        loop = start_loop(manager.id, version.rubric_id, plan)
        seats = [clinical_seat(loop, 0), clinical_seat(loop, 1)]
        for seat in seats:
            seat.interviewer_id = clara.id
        db.session.commit()
        return {
            "seats": [s.id for s in seats],
            "clara": clara,
            "nina": nina,
        }


def _move_off(app, seat_id: int, user_id: int) -> int:
    """Give the seat to someone else; the id of the seat that replaced it."""
    with app.app_context():
        seat = db.session.get(PanelSeat, seat_id)
        assign_seat(None, seat, db.session.get(User, user_id))
        db.session.commit()
        return db.session.scalars(
            sa.select(PanelSeat.id).where(
                PanelSeat.session_id == seat.session_id,
                PanelSeat.removed_at.is_(None),
                PanelSeat.discipline == Discipline.CLINICAL,
            )
        ).one()


def test_moved_off_one_session_links_to_the_seat_still_held(
    app, client, auth, two_sessions
):
    first, second = two_sessions["seats"]
    _move_off(app, first, two_sessions["nina"].id)
    auth.login(two_sessions["clara"])
    response = client.get(f"/interviews/{first}")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "no longer on this interview's panel" in page
    assert f'href="/interviews/{second}"' in page and "Privacy talk" in page
    assert "Workflow case" not in page  # nothing of the interview taken away
    assert "Not allowed" not in page
    assert client.submit(f"/interviews/{first}", {}).status_code == 403


def test_moved_off_the_whole_loop_reveals_nothing_of_it(
    app, client, auth, two_sessions
):
    first, second = two_sessions["seats"]
    _move_off(app, first, two_sessions["nina"].id)
    _move_off(app, second, two_sessions["nina"].id)
    auth.login(two_sessions["clara"])
    response = client.get(f"/interviews/{second}")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "no longer on this interview's panel" in page
    for hidden in ("Priya", "Raman", "EHR analyst", "Privacy talk", "/interviews/"):
        assert hidden not in page
    assert "ask talent acquisition" in page


def test_someone_never_seated_gets_the_plain_refusal(app, client, auth, two_sessions):
    first, _ = two_sessions["seats"]
    replacement = _move_off(app, first, two_sessions["nina"].id)
    auth.login(two_sessions["clara"])
    response = client.get(f"/interviews/{replacement}")  # Nina's seat
    assert response.status_code == 403
    assert "no longer on" not in response.get_data(as_text=True)
