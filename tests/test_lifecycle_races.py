"""Erasure racing what would keep or bring back a candidate's data: a legal hold
placed meanwhile, an edit committed between retention's selection and its erasure,
a debrief packet rendered while the candidate is erased.

The hold and retention races need two connections that really overlap, so they run
on PostgreSQL only (SQLite's writers take turns: a write transaction holds the
database from its BEGIN IMMEDIATE, and the race cannot happen)."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from interview.debrief import documents
from interview.extensions import db
from interview.lifecycle import erasure, retention
from interview.lifecycle.holds import place_hold
from interview.loops.operations import save_candidate
from interview.models import Candidate, LegalHold, PacketFile, Requisition, Role, User
from interview.timeutil import utcnow

from . import test_erasure
from .conftest import PG_URL

erasable = test_erasure.erasable  # the fixture

postgresql_only = pytest.mark.skipif(
    not PG_URL, reason="two overlapping transactions need PostgreSQL"
)
# How long a transaction that should be waiting on a lock is given to finish anyway.
WAIT_S = 1.0
REASON = "Audit of this hiring round: keep every candidate."


def _place_requisition_hold(app, erasable) -> None:
    with app.app_context():
        ta = db.session.get(User, erasable["people"]["ta"].id)
        requisition = db.session.get(Requisition, erasable["requisition_id"])
        place_hold(ta, requisition, REASON)
        db.session.commit()


def _erase(app, candidate_id: int, outcome: dict) -> None:
    with app.app_context():
        try:
            erasure.erase_candidate(None, db.session.get(Candidate, candidate_id))
            db.session.commit()
            outcome["erased"] = True
        except erasure.ErasureRefused as exc:
            db.session.rollback()
            outcome["refused"] = str(exc)


@postgresql_only
def test_a_requisition_hold_placed_during_an_erasure_waits_for_it(
    app, erasable, monkeypatch
):
    """The erasure has checked the holds: a hold that went in now would be in force
    over a candidate erased after it. It waits on the requisition's lock instead."""
    real = erasure._anonymise
    seen = {}

    def anonymise_while_a_hold_is_placed(candidate):
        seen["worker"] = threading.Thread(
            target=_place_requisition_hold, args=(app, erasable)
        )
        seen["worker"].start()
        seen["worker"].join(WAIT_S)
        seen["placed during the erasure"] = not seen["worker"].is_alive()
        real(candidate)

    monkeypatch.setattr(erasure, "_anonymise", anonymise_while_a_hold_is_placed)
    outcome = {}
    _erase(app, erasable["candidate_id"], outcome)
    seen["worker"].join(30)
    assert outcome == {"erased": True}
    assert seen["placed during the erasure"] is False
    with app.app_context():  # and then it went in, after the erasure
        hold = db.session.scalars(sa.select(LegalHold)).one()
        erased_at = db.session.get(Candidate, erasable["candidate_id"]).erased_at
        assert hold.reason == REASON and hold.placed_at > erased_at


@postgresql_only
def test_an_erasure_waits_for_a_requisition_hold_being_placed_and_is_refused(
    app, erasable
):
    outcome = {}
    with app.app_context():
        ta = db.session.get(User, erasable["people"]["ta"].id)
        place_hold(ta, db.session.get(Requisition, erasable["requisition_id"]), REASON)
        worker = threading.Thread(
            target=_erase, args=(app, erasable["candidate_id"], outcome)
        )
        worker.start()
        worker.join(WAIT_S)
        waited = worker.is_alive()
        db.session.commit()
    worker.join(30)
    assert waited, outcome
    assert "legal hold on the requisition EHR analyst" in outcome["refused"]
    with app.app_context():
        candidate = db.session.get(Candidate, erasable["candidate_id"])
        assert candidate.erased_at is None and candidate.name == test_erasure.NAME


@postgresql_only
def test_an_edit_committed_after_retention_selected_the_candidate_keeps_them(
    app, make_user, monkeypatch
):
    """The rule is applied to the rows read under lock, not to what was selected."""
    ta = make_user(Role.TALENT_ACQUISITION)
    with app.app_context():
        candidate = Candidate(name="Old Applicant", email="old@x.example", notes="")
        db.session.add(candidate)
        db.session.flush()
        candidate.updated_at = utcnow() - timedelta(days=400)
        db.session.commit()
        candidate_id = candidate.id
        assert retention.due_ids(utcnow(), 365) == [candidate_id]
    real = erasure.locked
    note = "Still interested: keep on file (asked by phone)."

    def edited_then_locked(candidate):
        with app.app_context():  # another connection: the TA edits meanwhile
            who = db.session.get(User, ta.id)
            fields = {"name": "Old Applicant", "email": "old@x.example", "notes": note}
            save_candidate(who, db.session.get(Candidate, candidate_id), fields)
            db.session.commit()
        monkeypatch.setattr(erasure, "locked", real)  # the edit happens once
        return real(candidate)

    monkeypatch.setattr(erasure, "locked", edited_then_locked)
    with app.app_context():
        assert list(retention.run([candidate_id], utcnow(), 365)) == [False]
    with app.app_context():
        candidate = db.session.get(Candidate, candidate_id)
        assert candidate.erased_at is None and candidate.notes == note


def test_a_packet_rendered_while_the_candidate_is_erased_is_not_kept(
    app, client, auth, erasable, monkeypatch
):
    """The erasure deletes the loop's packets; one rendered from the data before it
    and stored after would keep the candidate's name."""

    class ErasedMidRender:
        def render(self, html, archival=False):
            with app.app_context():  # another request: the TA erases meanwhile
                ta = db.session.get(User, erasable["people"]["ta"].id)
                candidate = db.session.get(Candidate, erasable["candidate_id"])
                erasure.erase_candidate(ta, candidate)
                db.session.commit()
            return ("%PDF-1.7 " + html).encode()

    monkeypatch.setattr(documents, "renderers", lambda: ErasedMidRender())
    auth.login(erasable["people"]["manager"])
    client.get(f"/loops/{erasable['loop_id']}/debrief.pdf")
    with app.app_context():
        assert db.session.get(Candidate, erasable["candidate_id"]).erased_at
        kept = db.session.scalars(sa.select(PacketFile.pdf)).all()
        assert not [pdf for pdf in kept if test_erasure.NAME.encode() in pdf]
        assert kept == []
