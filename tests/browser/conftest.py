"""Browser fixtures: the app served over HTTP to Debian's Chromium driven by Playwright.

The other tests get a fresh database per test through the function-scoped ``app``
fixture; a live server outlives a test, so these tests share one app on a database of
their own (on PostgreSQL, the run's schema, emptied after each test) and create the
accounts each test needs under unique email addresses.

Without Chromium these tests fail, saying how to install it, rather than skip: a skip
in a long report reads like a pass. ``INTERVIEW_SKIP_BROWSER_TESTS=1`` skips them for
whoever cannot install it.
"""

import os
import shutil
import threading
import uuid

import pytest
from werkzeug.serving import make_server

from interview import create_app
from interview.auth.operations import set_password
from interview.extensions import db
from interview.models import Discipline, Role, User

from ..conftest import BASE_CONFIG, PASSWORD

CHROMIUM = shutil.which("chromium")
SKIP_VARIABLE = "INTERVIEW_SKIP_BROWSER_TESTS"


def without_browser(chromium: str | None, environ) -> tuple[str, str] | None:
    """Say whether to skip or fail for want of Chromium: ``(outcome, why)`` or None."""
    if environ.get(SKIP_VARIABLE) == "1":
        return "skip", f"{SKIP_VARIABLE}=1: the browser tests are skipped"
    if chromium is None:
        return "fail", (
            "no chromium on PATH, so the browser tests cannot run: `make test` "
            "installs it when run as root or with sudo (or: sudo apt-get install "
            f"chromium); to skip these tests instead set {SKIP_VARIABLE}=1"
        )
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Fail or skip before anything else, a test module's own skip marks included."""
    verdict = without_browser(CHROMIUM, os.environ)
    if verdict is None:
        return
    outcome, why = verdict
    if outcome == "skip":
        pytest.skip(why)
    pytest.fail(why, pytrace=False)


@pytest.fixture(scope="session")
def live_app(databases, tmp_path_factory):
    app = create_app(
        {**BASE_CONFIG, **databases.config_for(tmp_path_factory.mktemp("browser"))}
    )
    yield app
    databases.reset(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app):
    """The app on 127.0.0.1 at a free port, served from a thread."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server")
    thread.daemon = True
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="session")
def base_url(live_server):
    """pytest-playwright gives every browser context this base URL."""
    return live_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch the system Chromium; nothing is downloaded and nothing leaves the host."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(autouse=True)
def _empty_shared_schema(databases, live_app):
    """On PostgreSQL the schema is shared: leave it empty for the next test, browser or
    not, as the ``app`` fixture does (on SQLite the database is this module's own)."""
    yield
    databases.reset(live_app)


@pytest.fixture
def make_account(live_app):
    """Create an account in the live app's database under a unique email."""

    def make(
        role: Role, *, discipline: Discipline | None = None, name: str | None = None
    ) -> User:
        if role == Role.INTERVIEWER and discipline is None:
            discipline = Discipline.CLINICAL
        tag = uuid.uuid4().hex[:10]
        with live_app.app_context():
            user = User(
                email=f"{role.value}-{tag}@example.org",
                name=name or f"{role.label} {tag[:4]}",
                role=role,
                discipline=discipline,
            )
            set_password(user, PASSWORD)
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            db.session.remove()
        return user

    return make


@pytest.fixture
def core_rubric(live_app):
    """The shipped cross-functional core rubric, imported into the live app."""
    from interview.rubrics.operations import LIBRARY, save_rubric
    from interview.rubrics.schema import raise_for, validate

    raw = (LIBRARY / "core-cross-functional.yaml").read_bytes()
    with live_app.app_context():
        save_rubric(None, raise_for(validate(raw)))
        db.session.commit()
        db.session.remove()
    return "core-cross-functional"


@pytest.fixture
def demo_loop(live_app, make_account, core_rubric):
    """A requisition with a plan and a loop whose clinical seat is filled."""
    from interview.models import PlanSession, Rubric

    from ..builders import clinical_seat, start_loop

    manager = make_account(Role.HIRING_MANAGER)
    clinician = make_account(Role.INTERVIEWER, discipline=Discipline.CLINICAL)
    with live_app.app_context():
        rubric = db.session.scalar(db.select(Rubric).where(Rubric.key == core_rubric))
        plan = [
            PlanSession(
                title="Clinical case",
                competency_keys=["clinical_workflow_understanding"],
                clinical_seats=1,
                technical_seats=1,
                duration_minutes=60,
            )
        ]
        loop = start_loop(manager.id, rubric.id, plan, candidate="Amara Nwosu")
        clinical_seat(loop).interviewer_id = clinician.id
        db.session.commit()
        requisition, candidate = loop.requisition, loop.candidate
        ids = {
            "loop": loop.id,
            "requisition": requisition.id,
            "candidate": candidate.id,
        }
        db.session.remove()
    return {**ids, "manager": manager, "clinician": clinician}


@pytest.fixture
def kit_seat(live_app, make_account):
    """A clinician's seat on a session covering two competencies of the sample rubric."""
    from interview.models import PlanSession
    from interview.rubrics.operations import save_rubric
    from interview.rubrics.schema import validate

    from ..builders import clinical_seat, start_loop
    from ..rubric_samples import dump, rubric

    manager = make_account(Role.HIRING_MANAGER)
    clinician = make_account(Role.INTERVIEWER, discipline=Discipline.CLINICAL)
    with live_app.app_context():
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        plan = [PlanSession(title="Case", competency_keys=["workflow", "privacy"])]
        seat = clinical_seat(start_loop(manager.id, version.rubric_id, plan))
        seat.interviewer_id = clinician.id
        db.session.commit()
        seat_id = seat.id
        db.session.remove()
    return {"id": seat_id, "user": clinician}


@pytest.fixture
def debrief_loop(live_app, make_account, demo_loop):
    """The demo loop in debrief: clinical and technical submitted, a level apart."""
    from interview.models import Loop, LoopStatus, User
    from interview.scorecards.operations import Edit, scorecard_for, submit
    from interview.scorecards.rules import Answer

    technical = make_account(Role.INTERVIEWER, discipline=Discipline.TECHNICAL)
    with live_app.app_context():
        loop = db.session.get(Loop, demo_loop["loop"])
        for seat in loop.sessions[0].seats:
            if seat.discipline == Discipline.TECHNICAL:
                seat.interviewer = db.session.get(User, technical.id)
            level = 4 if seat.discipline == Discipline.CLINICAL else 2
            evidence = f"Walked through the {seat.discipline} side of a ward round."
            card = scorecard_for(seat)
            submit(
                seat.interviewer,
                card,
                {"clinical_workflow_understanding": Answer(level, False, evidence)},
                3,
                "Would hire; the workflow answers were specific.",
                Edit(card.version),
            )
        loop.status = LoopStatus.DEBRIEF
        db.session.commit()
        db.session.remove()
    return demo_loop
