"""An identical hold is not stacked on one already in force (fresh finding P6)."""

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.lifecycle.holds import HoldError, place_hold, release_hold
from interview.models import Candidate, LegalHold, Requisition

from . import test_erasure

erasable = test_erasure.erasable  # the fixture

REASON = "Tribunal claim 2026/114: keep every record of this hiring round."


def _in_force(**subject) -> int:
    ((column, value),) = subject.items()
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(LegalHold)
        .where(getattr(LegalHold, column) == value, LegalHold.released_at.is_(None))
    )


def test_a_second_identical_hold_is_refused_with_a_message(app, client, auth, erasable):
    candidate_id = erasable["candidate_id"]
    auth.login(erasable["people"]["ta"])
    url = f"/candidates/{candidate_id}/holds"
    assert client.submit(url, {"reason": REASON}).status_code == 302
    again = client.submit(url, {"reason": f"  {REASON} "}, follow_redirects=True)
    assert "An identical hold is already in force here" in again.get_data(as_text=True)
    with app.app_context():
        assert _in_force(candidate_id=candidate_id) == 1


def test_place_hold_refuses_a_copy_but_not_another_reason_or_subject(app, erasable):
    candidate_id = erasable["candidate_id"]
    requisition_id = erasable["requisition_id"]
    with app.app_context():
        ta = db.session.get(type(erasable["people"]["ta"]), erasable["people"]["ta"].id)
        candidate = db.session.get(Candidate, candidate_id)
        requisition = db.session.get(Requisition, requisition_id)
        first = place_hold(ta, candidate, REASON)
        with pytest.raises(HoldError, match="identical hold is already in force"):
            place_hold(ta, candidate, REASON)
        place_hold(ta, candidate, REASON + " Also the appeal.")  # another reason
        place_hold(ta, requisition, REASON)  # another subject
        with pytest.raises(HoldError, match="identical hold is already in force"):
            place_hold(ta, requisition, REASON)
        release_hold(ta, first)
        place_hold(ta, candidate, REASON)  # the first one no longer in force
        db.session.commit()
        assert _in_force(candidate_id=candidate_id) == 2
        assert _in_force(requisition_id=requisition_id) == 1
