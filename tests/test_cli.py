"""The command-line tools: init-db, seed-demo, create-user."""

import sqlalchemy as sa

from interview.demo import DEMO_ACCOUNTS
from interview.extensions import db
from interview.models import Candidate, Requisition, Role, User


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_init_db_creates_the_schema_with_no_account(empty_app):
    runner = empty_app.test_cli_runner()
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
    assert _count(empty_app, User) == 0  # no default credentials, ever
    with empty_app.app_context():
        tables = set(sa.inspect(db.engine).get_table_names())
    assert {"users", "scorecards", "ratings", "audit_log", "alembic_version"} <= tables
    assert runner.invoke(args=["init-db"]).exit_code == 0  # again: nothing to do


def test_a_fresh_instance_refuses_every_sign_in(empty_app):
    empty_app.test_cli_runner().invoke(args=["init-db"])
    client = empty_app.test_client()
    for account in DEMO_ACCOUNTS:
        response = client.submit(
            "/sign-in", {"email": account["email"], "password": account["password"]}
        )
        assert response.status_code == 401


def test_seed_demo_is_idempotent_and_prints_the_accounts(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    for account in DEMO_ACCOUNTS:
        assert account["email"] in first.output and account["password"] in first.output
    counts = [_count(app, m) for m in (User, Requisition, Candidate)]
    assert counts[0] == len(DEMO_ACCOUNTS) and counts[1] >= 1 and counts[2] >= 1

    second = runner.invoke(args=["seed-demo"])
    assert "(0 new records: it was loaded before; nothing changed)" in second.output
    assert [_count(app, m) for m in (User, Requisition, Candidate)] == counts


def test_seed_demo_covers_every_role_and_discipline(app, runner):
    runner.invoke(args=["seed-demo"])
    with app.app_context():
        kinds = set(db.session.execute(sa.select(User.role, User.discipline)).all())
    assert {role for role, _ in kinds} == set(Role)
    assert {d for role, d in kinds if role == Role.INTERVIEWER} == {
        "clinical",
        "technical",
    }


def test_demo_accounts_can_sign_in(app, runner):
    runner.invoke(args=["seed-demo"])
    account = DEMO_ACCOUNTS[0]
    response = app.test_client().submit(
        "/sign-in", {"email": account["email"], "password": account["password"]}
    )
    assert response.status_code == 302


def test_seed_demo_refuses_production(databases, tmp_path):
    from interview import create_app

    from .conftest import BASE_CONFIG

    app = create_app(
        {**BASE_CONFIG, **databases.config_for(tmp_path), "ENV_NAME": "production"}
    )
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "refusing to load demo accounts" in result.output
    assert _count(app, User) == 0
    with app.app_context():
        db.engine.dispose()


def _create(runner, *extra, input=None):
    args = ["create-user", "--email", "Ada@Hospital.example", "--name", "Ada Admin"]
    return runner.invoke(args=[*args, *extra], input=input)


def test_create_user_reads_the_password_from_stdin(app, runner):
    result = _create(
        runner,
        "--role",
        "talent_acquisition",
        "--password-stdin",
        input="a passphrase with spaces \n",
    )
    assert result.exit_code == 0, result.output
    response = app.test_client().submit(
        "/sign-in",
        {"email": "ada@hospital.example", "password": "a passphrase with spaces "},
    )
    assert response.status_code == 302


def test_create_user_prompts_twice_without_echo(app, runner):
    result = _create(
        runner,
        "--role",
        "interviewer",
        "--discipline",
        "technical",
        input="typed at the prompt\ntyped at the prompt\n",
    )
    assert result.exit_code == 0, result.output
    assert "typed at the prompt" not in result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User))
        assert (user.role, user.discipline) == (Role.INTERVIEWER, "technical")


def test_create_user_refusals(app, runner):
    short = _create(
        runner, "--role", "hiring_manager", "--password-stdin", input="short\n"
    )
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    no_discipline = _create(
        runner, "--role", "interviewer", "--password-stdin", input="x" * 12
    )
    assert no_discipline.exit_code != 0 and "--discipline" in no_discipline.output
    bad_role = _create(runner, "--role", "admin", "--password-stdin", input="x" * 12)
    assert bad_role.exit_code != 0
    assert _count(app, User) == 0
    ok = _create(runner, "--role", "hiring_manager", "--password-stdin", input="x" * 12)
    assert ok.exit_code == 0
    again = _create(
        runner, "--role", "hiring_manager", "--password-stdin", input="x" * 12
    )
    assert again.exit_code != 0 and "already exists" in again.output


def test_commands_on_a_database_without_tables_say_what_to_do(empty_app):
    runner = empty_app.test_cli_runner()
    for args in (
        ["seed-demo"],
        [
            "create-user",
            "--email",
            "a@b.org",
            "--name",
            "A",
            "--role",
            "hiring_manager",
            "--password-stdin",
        ],
    ):
        result = runner.invoke(args=args, input="x" * 12 + "\n")
        assert result.exit_code == 1
        assert "run `flask --app interview init-db` first" in result.output
        assert "Traceback" not in result.output


def test_seed_demo_has_loops_in_several_states_and_real_scorecards(app, runner):
    from interview.models import Loop, Scorecard

    runner.invoke(args=["seed-demo"])
    with app.app_context():
        states = set(db.session.scalars(sa.select(Loop.status)))
        cards = db.session.scalars(sa.select(Scorecard)).all()
        assert {"planned", "interviewing", "debrief", "withdrawn"} <= {
            str(s) for s in states
        }
        submitted = [c for c in cards if c.is_submitted]
        assert len(submitted) >= 4 and len(cards) == len(submitted)
        for card in submitted:
            rated = [r for r in card.ratings if not r.is_not_assessed]
            assert rated and all(len(r.evidence) >= 20 for r in rated)
