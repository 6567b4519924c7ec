"""Saving a candidate is audited field by field (issue 13, reviewers' finding): the
entry had the name alone, so a changed email or phone left no trace of what it was."""

import sqlalchemy as sa

from interview.extensions import db
from interview.loops.operations import save_candidate
from interview.models import AuditEntry, Role

FIRST = {
    "name": "Ines Varga",
    "email": "ines@mail.example",
    "phone": "+36 1 555 0100",
    "source": "Job fair",
    "notes": "Prefers mornings.",
}


def _saves() -> list[AuditEntry]:
    return db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.action == "candidate.save")
        .order_by(AuditEntry.id)
    ).all()


def test_a_new_candidate_is_audited_with_every_field(app, make_user):
    ta = make_user(Role.TALENT_ACQUISITION)
    with app.app_context():
        candidate = save_candidate(db.session.merge(ta), None, FIRST)
        db.session.commit()
        (entry,) = _saves()
        assert (entry.object_type, entry.object_id) == ("candidates", candidate.id)
        assert entry.before is None
        assert entry.after == FIRST


def test_an_edit_is_audited_with_each_changed_field_before_and_after(app, make_user):
    ta = make_user(Role.TALENT_ACQUISITION)
    with app.app_context():
        ta = db.session.merge(ta)
        candidate = save_candidate(ta, None, FIRST)
        changed = FIRST | {"email": "ines.v@mail.example", "phone": "", "notes": "x"}
        save_candidate(ta, candidate, changed)
        save_candidate(ta, candidate, changed)  # saved again as it was
        db.session.commit()
        _, edit, again = _saves()
        assert edit.before == {
            "email": "ines@mail.example",
            "phone": "+36 1 555 0100",
            "notes": "Prefers mornings.",
        }
        assert edit.after == {
            "email": "ines.v@mail.example",
            "phone": None,
            "notes": "x",
        }
        assert (again.before, again.after) == ({}, {})
