"""A HEAD request is answered as its GET, never as a form post: a page that takes both
GET and POST once sent HEAD down its write path (the kit answered 302 to a
``?draft=`` address and kept a refused draft in the cookie, pushing out one typed)."""

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.models import AuditEntry, PanelSeat, Rubric, Scorecard

from .conftest import Auth


def _written(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(sa.select(sa.func.count()).select_from(Scorecard)),
            db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)),
        )


@pytest.fixture
def places(app, seat):
    """(who, address) of pages that take GET and POST."""
    with app.app_context():
        loop = db.session.get(PanelSeat, seat["id"]).session.loop
        rubric_key = db.session.scalar(sa.select(Rubric.key))
        requisition = loop.requisition_id
    return [
        ("clara", f"/interviews/{seat['id']}"),
        ("clara", "/account"),
        ("ta", f"/rubrics/{rubric_key}/edit"),
        ("ta", "/rubrics/new"),
        ("ta", f"/requisitions/{requisition}/edit"),
        ("ta", f"/requisitions/{requisition}/plan"),
        ("ta", "/requisitions/new"),
        ("ta", "/candidates/new"),
        ("ta", f"/loops/{loop.id}/propose"),
    ]


def test_head_is_answered_as_get_and_writes_nothing(app, seat, users, places):
    people = {"clara": seat["clara"], "ta": users["talent_acquisition"]}
    clients = {}
    for name, person in people.items():
        clients[name] = app.test_client()
        Auth(clients[name]).login(person)
    before = _written(app)
    for who, address in places:
        client = clients[who]
        got = client.get(address)
        head = client.head(address)
        assert (address, head.status_code) == (address, got.status_code)
        assert head.status_code == 200
        assert head.headers.get("Location") is None
        assert head.get_data() == b""
    assert _written(app) == before
