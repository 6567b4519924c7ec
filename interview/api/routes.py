"""The API's routes, registered on the app (``init_app``)."""

from flask import Flask

from ..extensions import csrf
from . import candidates, loops, meta, requisitions  # noqa: F401  (register routes)
from .blueprint import bp


def init_app(app: Flask) -> None:
    csrf.exempt(bp)  # a token in a header, never a cookie: nothing to forge
    app.register_blueprint(bp)
