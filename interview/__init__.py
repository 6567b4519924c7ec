"""Structured interviews for healthcare technology hiring."""

import os

from flask import Flask
from werkzeug.routing import IntegerConverter

from . import config as cfg


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: configuration layers, extensions, blueprints, CLI."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("INTERVIEW_INSTANCE_PATH") or None,
        instance_relative_config=True,
    )
    app.config.from_object(cfg.Defaults)
    app.config.from_pyfile("config.py", silent=True)
    cfg.from_environment(app.config)
    if test_config:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        path = os.path.join(app.instance_path, "interview.sqlite")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    cfg.check_env_name(app.config)
    cfg.check_numbers(app.config)
    cfg.check_operations(app.config)  # issue 13: throttle, proxies, HSTS
    cfg.check_default_timezone(app.config)  # issue 14: new accounts' zone
    cfg.check_sso(app.config)  # issue 15: single sign-on
    cfg.check_webhook(app.config)  # issue 15: the decision webhook
    cfg.ensure_secret_key(app.config, app.instance_path)
    cfg.apply_mode(app.config)

    _init_extensions(app)
    app.url_map.converters["int"] = BoundedInt
    _register_blueprints(app)
    from .cells import cell_class
    from .loops.schedule import localtime_filter

    app.add_template_filter(localtime_filter, "localtime")
    app.add_template_global(cell_class, "cell_class")

    from . import cli

    cli.init_app(app)
    from . import warmup  # last: every module, and its listeners, is loaded

    warmup.init_app(app)
    from . import heap  # after everything start-up makes

    heap.init_app(app)
    return app


class BoundedInt(IntegerConverter):
    """Ids in URLs stop at the database's integer range: larger ones are a 404,
    not an overflow deep in the driver."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _init_extensions(app: Flask) -> None:
    from . import errors, models, security  # noqa: F401  (models registers tables)
    from .candidate_search import in_schema_comparison
    from .db import end_sessions_quietly, tune_postgresql, tune_sqlite
    from .extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    end_sessions_quietly(app, db)
    with app.app_context():
        tune_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
        tune_postgresql(
            db.engine,
            app.config["POSTGRESQL_PING_AFTER_IDLE_S"],
            app.config["POSTGRESQL_PARALLEL_WORKERS"],
        )
    migrate.init_app(
        app,
        db,
        directory=os.path.join(os.path.dirname(__file__), "migrations"),
        render_as_batch=True,
        include_name=in_schema_comparison,
        compare_type=True,
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.user_loader(_load_user)
    security.init_app(app)
    errors.init_app(app)
    # Issue 13, operations: the sign-in throttle per address (after errors: its
    # refusal page replaces the plain 429).
    from .auth import throttle

    throttle.init_app(app)
    from .debrief import warmup

    warmup.init_app(app)


def _load_user(session_token: str):
    """Find the account whose current session token the cookie carries (every
    request asks: the statement is built once). The visitor of the autosave and of
    the kit page is a plain row (auth/visitor.py): the same lookup without the ORM's
    cost, and for the kit page in the statement that reads its seat."""
    from flask import request

    from .auth.visitor import is_light, load_light
    from .extensions import db
    from .models.users import USER_BY_SESSION

    if is_light(request.endpoint, request.method):
        return load_light(session_token, request.endpoint, request.view_args)
    user = db.session.scalar(USER_BY_SESSION, {"token": session_token})
    return user if user is not None and user.is_active else None


def _register_blueprints(app: Flask) -> None:
    from . import accounts, auth, calibration, debrief, home, loops, rubrics, scorecards

    app.register_blueprint(auth.bp)
    from .auth import sso  # issue 15: single sign-on

    app.register_blueprint(sso.bp)
    sso.init_app(app)
    app.register_blueprint(home.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(rubrics.bp)
    app.register_blueprint(loops.bp)
    app.register_blueprint(scorecards.bp)
    app.register_blueprint(debrief.bp)
    app.register_blueprint(calibration.bp)
    # Issue 13, data lifecycle: erasure, legal holds, retention.
    from . import lifecycle

    app.register_blueprint(lifecycle.bp)
    # Issue 13, read audit: the audit log page and the subject access export.
    from . import audit

    app.register_blueprint(audit.bp)
    # Issue 13, operations: /healthz and /readyz.
    from . import ops

    app.register_blueprint(ops.bp)
    # Issue 14: one's own profile (name, time zone) at /account.
    from .accounts import profile

    app.register_blueprint(profile.bp)
    # Issue 15: the JSON API under /api/v1, and the page where people make tokens.
    from .api import routes as api_routes
    from .api import token_pages

    api_routes.init_app(app)
    app.register_blueprint(token_pages.bp)
