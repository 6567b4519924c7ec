"""Command-line tools: thin click commands over the operations."""

import sys

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from .accounts.operations import AccountError, create_user
from .auth.passwords import password_problem
from .extensions import db
from .models import Discipline, Role


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create or upgrade the database schema by running the migrations."""
    upgrade()
    click.echo("Database is up to date.")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load demo accounts, requisitions and candidates; safe to run again."""
    from .demo import DEMO_ACCOUNTS, seed_demo

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException(
            "refusing to load demo accounts with known passwords in production mode"
        )
    _require_schema()
    created = seed_demo()
    click.echo(f"Demo data ready ({created} new records).")
    click.echo("Demo accounts (development only):")
    for account in DEMO_ACCOUNTS:
        click.echo(
            f"  {account['role_label']:<28} {account['email']:<34} {account['password']}"
        )


def _require_schema() -> None:
    """Refuse with a hint, not a traceback, when the database has no tables yet."""
    if not sa.inspect(db.engine).has_table("users"):
        raise click.ClickException(
            "the database has no tables yet: run `flask --app interview init-db` first"
        )


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.removesuffix("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--discipline", type=click.Choice([d.value for d in Discipline]))
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from one line of stdin."
)
def create_user_command(email, name, role, discipline, password_stdin):
    """Create an account, e.g. the first talent acquisition administrator."""
    if role == Role.INTERVIEWER and not discipline:
        raise click.UsageError("interviewers need --discipline clinical|technical")
    _require_schema()
    password = _read_password(password_stdin)
    if problem := password_problem(password):
        raise click.ClickException(f"password refused: {problem}")
    data = {"email": email, "name": name, "role": role, "discipline": discipline}
    try:
        user = create_user(None, {**data, "password": password})
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Created {user.role.label.lower()} account {user.email}.")


def init_app(app: Flask) -> None:
    for command in (init_db_command, seed_demo_command, create_user_command):
        app.cli.add_command(command)
