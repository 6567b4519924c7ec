"""Every command says in one line when the database cannot be reached or has no
schema (fresh-user finding m2), instead of printing a traceback."""

import pytest
import sqlalchemy as sa

from interview import create_app
from interview.extensions import db

from .conftest import BASE_CONFIG, PG_URL

COMMANDS = (
    ["init-db"],
    ["seed-demo"],
    ["erasure", "ids", "-"],
    ["retention", "run"],
    ["retention", "run", "--dry-run"],
    ["debrief", "1"],
    ["calibration", "rebuild"],
    ["rubric", "export", "some-rubric"],
    ["rubric", "import", "--library"],
    ["create-user", "--email", "a@b.org", "--name", "A", "--role", "hiring_manager"],
)


def _missing_postgresql() -> str:
    base = sa.make_url(PG_URL or "postgresql+psycopg://postgres@127.0.0.1:5432/x")
    return base.set(password="sekrit", database="no_such_database_f3").render_as_string(
        hide_password=False
    )


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("sqlite:////nonexistent-folder-f3/interview.sqlite", id="sqlite"),
        pytest.param(_missing_postgresql(), id="postgresql"),
    ],
)
def test_an_unreachable_database_is_one_line(url, tmp_path):
    app = create_app(
        {**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "ENV_NAME": "development"}
    )
    runner = app.test_cli_runner()
    ids = tmp_path / "ids.txt"
    ids.write_text("3 2026-11-30T10:00:00.000000+00:00\n")
    try:
        for args in [*COMMANDS, ["erasure", "reapply", str(ids)]]:
            result = runner.invoke(args=args)
            assert result.exit_code == 1, (args, result.output)
            assert "Traceback" not in result.output
            lines = result.output.strip().splitlines()
            assert len(lines) == 1, (args, result.output)
            assert lines[0].startswith("Error: cannot reach the database ("), args
            assert "INTERVIEW_DATABASE_URL" in lines[0]
            assert "sekrit" not in result.output
            if url.startswith("sqlite"):
                assert "unable to open database file" in lines[0]
            elif PG_URL:
                assert 'database "no_such_database_f3" does not exist' in lines[0]
    finally:
        with app.app_context():
            db.engine.dispose()


def test_a_database_without_the_schema_says_to_run_init_db(empty_app):
    runner = empty_app.test_cli_runner()
    for args in (
        ["erasure", "ids", "-"],
        ["retention", "run"],
        ["retention", "run", "--dry-run"],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 1, (args, result.output)
        assert "Traceback" not in result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1, (args, result.output)
        assert "the database is not set up or not up to date" in lines[0]
        assert "run `flask --app interview init-db` first" in lines[0]
