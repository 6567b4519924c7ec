"""The home page: what this person should do next, by role."""

from flask import Blueprint, render_template
from flask_login import current_user

from ..models import Role
from . import queries

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    """Show the home page for the signed-in person's role."""
    user = current_user
    if user.role == Role.TALENT_ACQUISITION:
        context = {"overview": queries.talent_acquisition_overview()}
    elif user.role == Role.HIRING_MANAGER:
        context = queries.requisitions_of(user)
    else:
        context = queries.seats_of(user)
    return render_template(f"home/{user.role.value}.html", **context)
