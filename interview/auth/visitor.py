"""The signed-in visitor of the kit's autosave and of the kit page, loaded as a plain
row.

Autosave is most of what the kit's server does (issue 11), and the kit page most of
what interviewers open: every request loads its visitor first, and through the ORM
(a ``User`` built, its identity-map entry, its attribute instrumentation) that load
was a third of an autosave's own CPU, for an object the request reads six fields of. Here the same lookup (the account whose
current session token the cookie carries, still active) is one Core statement,
built once, into a small frozen object with what a request reads of its visitor:
the permission checks (``id``, ``role``), the answer (``time_zone``), and what an
error page shows (``name``, ``email``, ``discipline``). Every other request still
gets the ORM ``User`` (its views update it, read its trainings...), and so does a
scorecard posted from the kit page (saved, submitted or amended by the ORM
operations, with their author).

Nothing about who is let in changes: a rotated token (sign-out, password change,
deactivation, role change) or a deactivated account finds no visitor, and the
request is anonymous, as with the ORM load.

The kit page's visitor is read in the same statement as the seat it shows
(``load_visitor_and_seat``): one round trip where there were two.
"""

import functools
from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..models import Discipline, Role, User

# Endpoints whose visitor is a ``Visitor``, on every request and on a GET only: their
# views, decorators, templates and error pages read only its fields
# (tests/test_autosave_visitor.py, tests/test_kit_visitor.py).
LIGHT_ENDPOINTS = frozenset({"scorecards.autosave"})
LIGHT_PAGES = frozenset({"scorecards.kit"})


def is_light(endpoint: str | None, method: str) -> bool:
    """Whether this request's visitor is a ``Visitor`` rather than a ``User``."""
    return endpoint in LIGHT_ENDPOINTS or (
        endpoint in LIGHT_PAGES and method in ("GET", "HEAD")
    )


users = User.__table__

VISITOR_BY_SESSION = sa.select(
    users.c.id,
    users.c.email,
    users.c.name,
    users.c.role,
    users.c.discipline,
    users.c.time_zone,
    users.c.session_token,
).where(users.c.session_token == sa.bindparam("token"), users.c.is_active)


@dataclass(frozen=True, slots=True)
class Visitor:
    """A signed-in, active account, as Flask-Login's ``current_user``."""

    id: int
    email: str
    name: str
    role: Role
    discipline: Discipline | None
    time_zone: str
    session_token: str

    is_active = True
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return self.session_token

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles


def load_visitor(session_token: str) -> Visitor | None:
    """The active account whose session token this is, or None."""
    row = db.session.execute(VISITOR_BY_SESSION, {"token": session_token}).first()
    return Visitor(*row) if row is not None else None


def load_light(session_token: str, endpoint: str, view_args: dict) -> Visitor | None:
    """The visitor of a light request; for the kit page, read with its seat."""
    if endpoint in LIGHT_PAGES:
        return load_visitor_and_seat(session_token, view_args["seat_id"])
    return load_visitor(session_token)


def load_visitor_and_seat(session_token: str, seat_id: int) -> Visitor | None:
    """The kit page's visitor (as ``load_visitor``) and, in the same statement, the
    seat the page shows, kept for this request's ``kit_data.kit_page``: a page view
    is one round trip to the database, not two. On PostgreSQL each round trip is a
    switch to the server's process and back, waiting for a core under load (issue
    11: the kit page is what interviewers open most)."""
    from ..scorecards import kit_data  # (it imports the models, as this module)

    rows = db.session.execute(
        _visitor_and_seat(), {"token": session_token, "seat_id": seat_id}
    ).all()
    if not rows:
        return None
    kit_data.prefetched(seat_id, [row for row in rows if row.id is not None])
    return Visitor(*rows[0][:VISITOR_COLUMNS])


VISITOR_COLUMNS = len(VISITOR_BY_SESSION.selected_columns)


@functools.cache
def _visitor_and_seat() -> sa.Select:
    """The visitor's row with the seat's bundle beside it (one row per session
    competency; one row, the bundle's columns NULL, when no such seat exists; none
    when no active account has the token). Built once."""
    from ..scorecards.kit_data import BUNDLE

    seat = BUNDLE.subquery("seat")
    visitor = [
        c.label(f"visitor_{c.name}") for c in VISITOR_BY_SESSION.selected_columns
    ]
    return (
        sa.select(*visitor, *seat.c)
        .select_from(users.outerjoin(seat, sa.true()))
        .where(users.c.session_token == sa.bindparam("token"), users.c.is_active)
    )
