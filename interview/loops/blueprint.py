"""The loops area's blueprint, shared by its view modules."""

from flask import Blueprint

bp = Blueprint("loops", __name__)
