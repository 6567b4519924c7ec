"""Erasing a candidate: every copy of their personal data goes, the numbers stay.

``erasable`` builds what erasure must reach through the same operations the pages
use: a candidate saved with contact details and notes, loops with submitted,
amended and draft scorecards, a decision, a conflict, a session titled with their
name, a kept packet, and the audit entries all of that wrote.
"""

import html
import json
import logging
import re
import sqlite3
from datetime import timedelta

import pytest
import sqlalchemy as sa

from interview.calibration import kept, queries
from interview.debrief.documents import packet_html
from interview.debrief.operations import record_decision
from interview.extensions import db
from interview.lifecycle import erasure
from interview.lifecycle import views as lifecycle_views
from interview.lifecycle.erasure import (
    ErasureRefused,
    erase_candidate,
    forget_text_index,
)
from interview.lifecycle.rules import MARKER
from interview.loops.operations import (
    LoopError,
    add_conflict,
    add_session,
    change_status,
    create_loop,
    reopen_loop,
    save_candidate,
)
from interview.models import (
    AuditEntry,
    Candidate,
    Discipline,
    Loop,
    LoopStatus,
    PacketFile,
    PanelSeat,
    PlanSession,
    Requisition,
    Role,
    User,
)
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate
from interview.scorecards import operations as ops
from interview.scorecards.rules import Answer
from interview.timeutil import utcnow

from .rubric_samples import dump, rubric
from .test_calibration_summaries import assert_same_figures

NAME = "Zephyrine Quillfeather"
EMAIL = "zq.4417@mail.example"
PHONE = "+44 7700 900417"
SECRET = "XQ7-BRAMBLEWICK"  # only ever written in the candidate's evidence
# The address first saved and then changed: only the audit log keeps it.
FORMER_EMAIL = "zq.former.9921@mail.example"
NEEDLES = ["zephyrine", "quillfeather", EMAIL, PHONE, SECRET.lower(), FORMER_EMAIL]


def _people(make_user) -> dict[str, User]:
    return {
        "ta": make_user(Role.TALENT_ACQUISITION, name="Tess Acquisition"),
        "manager": make_user(Role.HIRING_MANAGER, name="Mona Manager"),
        "clara": make_user(Role.INTERVIEWER, discipline=Discipline.CLINICAL),
        "carl": make_user(Role.INTERVIEWER, discipline=Discipline.CLINICAL),
        "tom": make_user(Role.INTERVIEWER, discipline=Discipline.TECHNICAL),
        "olu": make_user(Role.INTERVIEWER, discipline=Discipline.TECHNICAL),
    }


def _seated_loop(people, requisition, candidate) -> Loop:
    """A loop of the requisition's plan with Clara, Carl and Tom on its seats."""
    loop = create_loop(people["ta"], requisition, candidate)
    names = {"clinical": ["clara", "carl"], "technical": ["tom"]}
    for seat in loop.sessions[0].seats:
        seat.interviewer_id = people[names[str(seat.discipline)].pop(0)].id
        seat.assigned_at = utcnow()
    db.session.flush()
    return loop


def _card(people, loop, who):
    seat = next(s for s in loop.sessions[0].seats if s.interviewer_id == people[who].id)
    return ops.scorecard_for(seat)


def _answers(levels, evidence, notes=""):
    return {
        key: Answer(level, False, f"{evidence} ({key})", notes)
        for key, level in zip(("workflow", "privacy"), levels, strict=True)
    }


def _submit(
    people, loop, who, levels, evidence, summary="Clear and careful about the ward."
):
    card = _card(people, loop, who)
    ops.submit(
        people[who],
        card,
        _answers(levels, evidence),
        levels[0],
        summary,
        ops.Edit(card.version),
    )
    return card


def _other_loop(people, requisition, n: int, levels) -> None:
    """Someone else's decided loop: the calibration figures need more than one."""
    other = Candidate(name=f"Other Person {n}", email=f"other{n}@candidate.example")
    db.session.add(other)
    loop = _seated_loop(people, requisition, other)
    for who, shift in (("clara", 0), ("carl", 1), ("tom", -1)):
        lv = [max(1, min(4, level + shift)) for level in levels]
        _submit(people, loop, who, lv, "Walked through the order set change.")


@pytest.fixture
def erasable(app, client, auth, make_user):
    """The candidate, their two loops (decided; withdrawn) and three other loops."""
    users = _people(make_user)
    with app.app_context():
        people = {k: db.session.get(User, u.id) for k, u in users.items()}
        ta = people["ta"]
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        plan = PlanSession(
            title="Case",
            competency_keys=["workflow", "privacy"],
            clinical_seats=2,
            technical_seats=1,
        )
        requisition = Requisition(
            title="EHR analyst",
            discipline=Discipline.CLINICAL,
            hiring_manager_id=people["manager"].id,
            default_rubric_id=version.rubric_id,
            plan=[plan],
        )
        db.session.add(requisition)
        details = {
            "name": NAME,
            "email": FORMER_EMAIL,
            "phone": PHONE,
            "source": f"Referral by {NAME}'s former lead",
            "notes": f"{NAME} asked for remote interviews. {SECRET}",
        }
        candidate = save_candidate(ta, None, details)
        save_candidate(ta, candidate, details | {"email": EMAIL})
        add_conflict(ta, candidate, people["olu"], f"Olu was {NAME}'s mentor.")
        loop = _seated_loop(people, requisition, candidate)
        add_session(
            ta,
            loop,
            {
                "title": f"Ward visit with Zephyrine ({EMAIL})",
                "duration_minutes": 30,
                "competency_keys": ["workflow"],
                "clinical_seats": 0,
                "technical_seats": 1,
            },
        )
        evidence = f"{NAME} explained the {SECRET} downtime plan"
        card = _submit(people, loop, "clara", [3, 2], evidence)
        _submit(
            people,
            loop,
            "carl",
            [4, 3],
            evidence,
            summary=f"Hire {NAME} for the ward team.",
        )
        ops.amend(
            people["clara"],
            card,
            _answers([2, 2], f"Amended: {evidence}"),
            2,
            f"On reflection {SECRET}.",
            f"Re-read my notes about {NAME} and {SECRET}.",
            ops.Edit(card.version),
        )
        draft = _card(people, loop, "tom")
        ops.save_draft(
            people["tom"],
            draft,
            _answers([None, None], f"Draft: {SECRET}"),
            None,
            f"Still typing about {NAME}",
            ops.Edit(draft.version),
        )
        for n, levels in enumerate(([2, 3], [4, 4], [1, 2])):
            _other_loop(people, requisition, n, levels)
        loop.status = LoopStatus.DEBRIEF
        db.session.flush()
        record_decision(
            people["manager"],
            loop,
            "hire",
            f"Hire {NAME}: the {SECRET} answer settled it for the panel.",
        )
        withdrawn = _seated_loop(people, requisition, candidate)
        change_status(ta, withdrawn, "withdrawn")
        db.session.commit()
        db.session.add(
            PacketFile(
                loop_id=loop.id, key="k" * 64, pdf=f"%PDF {NAME} {SECRET}".encode()
            )
        )
        db.session.commit()
        return {
            "candidate_id": candidate.id,
            "loop_id": loop.id,
            "rubric_id": version.rubric_id,
            "requisition_id": requisition.id,
            "people": users,
        }


def _text(value) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="replace").lower()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).lower()
    return str(value).lower()


def found_anywhere(needles) -> list[tuple[str, str, str]]:
    """(table, column, needle) wherever a needle is in any column of any table of the
    database, the full-text index's shadow tables included."""
    hits = []
    connection = db.session.connection()
    for table in sa.inspect(connection).get_table_names():
        result = connection.exec_driver_sql(f'SELECT * FROM "{table}"')
        columns = list(result.keys())
        for row in result:
            for column, value in zip(columns, row, strict=True):
                text = "" if value is None else _text(value)
                hits += [(table, column, n) for n in needles if n.lower() in text]
    return hits


def _figures(rubric_id: int):
    scope = queries.Scope("rubric", rubric_id)
    return queries.unit_rows(scope), queries.rater_rows(scope), kept.compute(scope)


def _erase_by_page(client, auth, ta, candidate_id):
    auth.login(ta)
    return client.submit(f"/candidates/{candidate_id}/erase", {"confirm": "y"})


def test_erasure_leaves_no_copy_anywhere_and_the_figures_as_they_were(
    app, client, auth, erasable, caplog
):
    with app.app_context():
        assert {n for _, _, n in found_anywhere(NEEDLES)} == set(NEEDLES)
        tables = {t for t, _, _ in found_anywhere(NEEDLES)}
        assert {"audit_log", "ratings", "packet_files", "candidates"} <= tables
        # The candidate's saves are audited field by field, contact details too.
        logged = {n for t, _, n in found_anywhere(NEEDLES) if t == "audit_log"}
        assert {EMAIL, PHONE, FORMER_EMAIL} <= logged
        before = _figures(erasable["rubric_id"])
    with caplog.at_level(logging.INFO):
        response = _erase_by_page(
            client, auth, erasable["people"]["ta"], erasable["candidate_id"]
        )
    assert response.status_code == 302
    with app.app_context():
        assert found_anywhere(NEEDLES) == []
        after = _figures(erasable["rubric_id"])
        assert before[0] == after[0] and before[1] == after[1]
        assert_same_figures(before[2], after[2])
    logged = caplog.text.lower()
    assert not [n for n in NEEDLES if n.lower() in logged]


def test_erasure_keeps_the_numbers_and_marks_the_candidate(app, erasable):
    with app.app_context():
        loop = db.session.get(Loop, erasable["loop_id"])
        shape = _shape(loop)
        erase_candidate(erasable["people"]["ta"], loop.candidate)
        db.session.commit()
        db.session.expire_all()
        loop = db.session.get(Loop, erasable["loop_id"])
        candidate = loop.candidate
        assert candidate.name == f"Erased candidate #{candidate.id}"
        assert candidate.erased_at is not None
        assert (candidate.email, candidate.phone, candidate.source) == (None,) * 3
        assert _shape(loop) == shape
        assert loop.decisions[0].rationale == MARKER
        assert loop.sessions[1].title == f"Ward visit with {MARKER} ({MARKER})"
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "candidate.erased")
        )
        assert (entry.object_type, entry.object_id) == ("candidates", candidate.id)
        assert entry.after == {"via": "request"}
        amended = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "scorecard.amend")
        )
        assert amended.redacted_at is not None and amended.reason is None
        assert amended.before["ratings"]["workflow"]["level"] == 3
        assert amended.before["ratings"]["workflow"]["evidence"] == MARKER


def test_erasure_keeps_a_decisions_outcome_and_a_loops_status_in_the_log(app, erasable):
    """The closed vocabularies' values are nobody's words: the audit trail keeps the
    decision (hire) and the status change (planned to withdrawn) after erasure."""
    with app.app_context():
        erase_candidate(None, db.session.get(Candidate, erasable["candidate_id"]))
        db.session.commit()
        entries = {
            entry.action: entry
            for entry in db.session.scalars(
                sa.select(AuditEntry).where(
                    AuditEntry.object_type == "loops",
                    AuditEntry.object_id.in_(
                        sa.select(Loop.id).where(
                            Loop.candidate_id == erasable["candidate_id"]
                        )
                    ),
                )
            )
        }
        decision, status = entries["loop.decision"], entries["loop.status"]
        assert decision.redacted_at is not None and decision.reason is None
        assert decision.before == {"status": "debrief"}
        assert decision.after == {"status": "decided", "outcome": "hire"}
        assert status.redacted_at is not None
        assert (status.before, status.after) == (
            {"status": "planned"},
            {"status": "withdrawn"},
        )
        assert entries["loop.create"].after["candidate"] == MARKER


def test_erasure_scrubs_mentions_however_they_are_written(app, erasable):
    """A session's place and link name the candidate in other forms than they were
    saved in: upper case with an accent, the phone without its country code, the
    email in another case; each goes, the rest of the text stays."""
    with app.app_context():
        loop = db.session.get(Loop, erasable["loop_id"])
        session = loop.sessions[1]
        session.location = "Call ZÉPHYRINE on 07700-900-417 or ZQ.4417@Mail.Example"
        session.video_url = "https://meet.example/room-12/quillfeather?x=1"
        db.session.commit()
        erase_candidate(None, loop.candidate)
        db.session.commit()
        db.session.expire_all()
        session = db.session.get(Loop, erasable["loop_id"]).sessions[1]
        assert session.location == f"Call {MARKER} on {MARKER} or {MARKER}"
        assert session.video_url == f"https://meet.example/room-12/{MARKER}?x=1"


def test_erasure_redacts_every_field_of_the_candidates_saves(app, erasable):
    with app.app_context():
        erase_candidate(None, db.session.get(Candidate, erasable["candidate_id"]))
        db.session.commit()
        created, edited = db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action == "candidate.save")
            .order_by(AuditEntry.id)
        ).all()
        fields = ("name", "email", "phone", "source", "notes")
        assert created.before is None
        assert created.after == dict.fromkeys(fields, MARKER)
        assert (edited.before, edited.after) == ({"email": MARKER},) * 2


def _shape(loop: Loop) -> list:
    """The anonymous numbers of a loop: statuses, levels, recommendations, dates."""
    cards = [
        (
            str(seat.discipline),
            seat.interviewer_id,
            str(seat.scorecard.status),
            seat.scorecard.overall_recommendation,
            seat.scorecard.submitted_at,
            sorted((r.competency_id, r.level) for r in seat.scorecard.ratings),
        )
        for session in loop.sessions
        for seat in session.seats
        if seat.scorecard is not None
    ]
    decisions = [(str(d.outcome), d.decided_at) for d in loop.decisions]
    return [str(loop.status), loop.created_at, cards, decisions]


def test_pages_and_packets_of_an_erased_candidates_loop_show_the_new_name(
    app, client, auth, erasable
):
    _erase_by_page(client, auth, erasable["people"]["ta"], erasable["candidate_id"])
    loop_id = erasable["loop_id"]
    erased = f"Erased candidate #{erasable['candidate_id']}"
    for url in (f"/loops/{loop_id}", f"/loops/{loop_id}/debrief", "/candidates/"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert erased in page.text and "Zephyrine" not in page.text
    with app.app_context():
        document = packet_html(db.session.get(Loop, loop_id))
        assert erased in document and "Zephyrine" not in document
    # Erased evidence says so, not a bare dash (or "No evidence written.").
    debrief = client.get(f"/loops/{loop_id}/debrief").text
    assert '<p class="prose">(erased)</p>' in debrief
    assert '<p class="prose">—</p>' not in debrief
    assert '<p class="prose">(erased)</p>' in document
    assert "No evidence written." not in document


def test_an_erased_candidates_page_and_listing_offer_no_edit(client, auth, erasable):
    candidate_id = erasable["candidate_id"]
    _erase_by_page(client, auth, erasable["people"]["ta"], candidate_id)
    erased = f"Erased candidate #{candidate_id}"
    page = client.get(f"/candidates/{candidate_id}/edit").text
    assert f"<h1>{erased}</h1>" in page and f"<title>{erased}" in page
    assert "Edit Erased" not in page
    assert "No hold in force" not in page and "may go ahead" not in page
    listing = client.get("/candidates/").text
    row = listing[listing.index(f">{erased}</a>") :]
    row = row[: row.index("</tr>")]
    assert "Edit" not in row and "Erased</span>" in row


def test_the_confirmation_counts_loops_and_decisions_in_words(
    app, client, auth, erasable
):
    auth.login(erasable["people"]["ta"])
    page = client.get(f"/candidates/{erasable['candidate_id']}/erase").text
    assert "what was written about them, in 2 loops:" in page
    assert "and the rationale of their one decision;" in page
    with app.app_context():
        ta = db.session.get(User, erasable["people"]["ta"].id)
        lone = save_candidate(ta, None, {"name": "Lone Applicant"})
        db.session.commit()
        lone_id = lone.id
    page = client.get(f"/candidates/{lone_id}/erase").text
    assert "what was written about them:" in page
    assert "drafts included;" in page
    assert " 0 " not in page and "0 loop" not in page and "0 decision" not in page


def test_an_unticked_confirmation_focuses_a_summary_linking_the_box(
    client, auth, erasable
):
    auth.login(erasable["people"]["ta"])
    unticked = client.submit(f"/candidates/{erasable['candidate_id']}/erase", {})
    assert unticked.status_code == 422
    summary = re.search(r'<div [^>]*id="error-summary"[^>]*>', unticked.text).group(0)
    assert 'tabindex="-1"' in summary and "autofocus" in summary
    assert (
        '<a href="#confirm">Tick the box to confirm the erasure.</a>' in unticked.text
    )
    assert (
        "autofocus"
        not in client.get(f"/candidates/{erasable['candidate_id']}/erase").text
    )


def test_an_erased_candidates_pages_offer_no_form_that_would_be_refused(
    client, auth, erasable
):
    """No reopening, conflict or hold form is shown for an erased candidate: each
    was offered and then refused after it was filled in."""
    _erase_by_page(client, auth, erasable["people"]["ta"], erasable["candidate_id"])
    loop = client.get(f"/loops/{erasable['loop_id']}").text
    assert "Reopen this decided loop" not in loop
    page = client.get(f"/candidates/{erasable['candidate_id']}/edit").text
    assert "No conflict can be added" in page and "conflict-find" not in page
    assert "No hold can be added" in page and 'name="reason"' not in page


def test_the_confirmation_names_the_candidate_and_says_what_is_kept(
    client, auth, erasable
):
    auth.login(erasable["people"]["ta"])
    page = client.get(f"/candidates/{erasable['candidate_id']}/erase")
    assert page.status_code == 200
    assert f"Erase {NAME}" in page.text
    assert "Kept, without anyone" in page.text and "evidence" in page.text
    unticked = client.submit(f"/candidates/{erasable['candidate_id']}/erase", {})
    assert unticked.status_code == 422
    assert "Tick the box to confirm the erasure." in unticked.text
    with client.application.app_context():
        assert db.session.get(Candidate, erasable["candidate_id"]).erased_at is None


def test_erasing_twice_says_so_and_changes_nothing(app, client, auth, erasable):
    first = _erase_by_page(
        client, auth, erasable["people"]["ta"], erasable["candidate_id"]
    )
    assert first.status_code == 302
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    again = client.submit(
        f"/candidates/{erasable['candidate_id']}/erase", {"confirm": "y"}
    )
    assert again.status_code == 409
    assert "already erased" in again.text
    with app.app_context():
        assert (
            db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
            == count
        )
        with pytest.raises(ErasureRefused, match="already erased"):
            erase_candidate(None, db.session.get(Candidate, erasable["candidate_id"]))


def test_an_edit_from_a_tab_opened_before_the_erasure_is_refused(
    app, client, auth, erasable
):
    auth.login(erasable["people"]["ta"])
    url = f"/candidates/{erasable['candidate_id']}/edit"
    assert NAME in client.get(url).text  # the other tab's form
    client.submit(f"/candidates/{erasable['candidate_id']}/erase", {"confirm": "y"})
    late = client.submit(
        url, {"name": NAME, "email": EMAIL, "phone": PHONE}, follow_redirects=True
    )
    assert late.status_code == 200
    assert "Nothing was saved: this candidate's personal data was erased" in (
        html.unescape(late.text)
    )
    with app.app_context():
        assert found_anywhere(NEEDLES) == []


def test_the_database_refuses_to_write_an_erased_candidates_details_again(
    app, erasable
):
    with app.app_context():
        erase_candidate(None, db.session.get(Candidate, erasable["candidate_id"]))
        db.session.commit()
        with pytest.raises(sa.exc.DatabaseError, match="candidate was erased"):
            db.session.execute(
                sa.update(Candidate)
                .where(Candidate.id == erasable["candidate_id"])
                .values(email=EMAIL)
            )
        db.session.rollback()


def test_an_erased_candidates_loops_stay_closed_and_no_new_loop_starts(app, erasable):
    with app.app_context():
        candidate = db.session.get(Candidate, erasable["candidate_id"])
        erase_candidate(None, candidate)
        db.session.commit()
        decided = db.session.get(Loop, erasable["loop_id"])
        withdrawn = next(lp for lp in candidate.loops if lp.id != decided.id)
        ta = erasable["people"]["ta"]
        with pytest.raises(LoopError, match="personal data was erased"):
            reopen_loop(ta, decided, "The panel asked to look again.")
        with pytest.raises(LoopError, match="personal data was erased"):
            change_status(ta, withdrawn, "planned")
        with pytest.raises(LoopError, match="personal data was erased"):
            create_loop(ta, decided.requisition, candidate)
        other = db.session.get(User, erasable["people"]["carl"].id)
        with pytest.raises(LoopError, match="personal data was erased"):
            add_conflict(ta, candidate, other, "Knows them from school")
        db.session.rollback()


def test_an_open_loop_stops_the_erasure(app, client, auth, erasable):
    with app.app_context():
        loop = db.session.get(Loop, erasable["loop_id"])
        other = next(lp for lp in loop.candidate.loops if lp.id != loop.id)
        other.status = LoopStatus.PLANNED
        db.session.commit()
        other_id = other.id
    auth.login(erasable["people"]["ta"])
    page = client.get(f"/candidates/{erasable['candidate_id']}/erase")
    assert (
        f'<a href="/loops/{other_id}">Loop #{other_id}</a> of this candidate is still '
        "open: decide or withdraw it first" in page.text
    )
    refused = client.submit(
        f"/candidates/{erasable['candidate_id']}/erase", {"confirm": "y"}
    )
    assert refused.status_code == 409
    with app.app_context():
        assert db.session.get(Candidate, erasable["candidate_id"]).name == NAME


# The audit log's one narrow way through ---------------------------------------------


def _entry(app) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(AuditEntry.id).where(AuditEntry.action == "scorecard.amend")
        )


@pytest.mark.parametrize(
    "values",
    [
        {"reason": "rewritten"},  # no redaction mark
        {"redacted_at": "now", "reason": "rewritten"},  # the reason kept as text
        {"redacted_at": "now", "reason": None, "action": "x"},  # another column
        {"redacted_at": "now", "reason": None, "after": {"forged": 1}},
        {"redacted_at": "now", "reason": None, "after": {"recommendation": 4}},
    ],
)
def test_the_audit_log_refuses_any_update_but_a_true_redaction(app, erasable, values):
    entry_id = _entry(app)
    table = AuditEntry.__table__
    if values.get("redacted_at") == "now":
        values = {**values, "redacted_at": utcnow()}
    with app.app_context():
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(
                table.update().where(table.c.id == entry_id).values(**values)
            )
        db.session.rollback()
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(table.delete().where(table.c.id == entry_id))
        db.session.rollback()


def test_a_redacted_entry_never_changes_again(app, erasable):
    entry_id = _entry(app)
    table = AuditEntry.__table__
    with app.app_context():
        erase_candidate(None, db.session.get(Candidate, erasable["candidate_id"]))
        db.session.commit()
        row = db.session.execute(sa.select(table).where(table.c.id == entry_id)).one()
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(
                table.update()
                .where(table.c.id == entry_id)
                .values(
                    redacted_at=row.redacted_at + timedelta(seconds=1),
                    before=row.before,
                    after=row.after,
                )
            )
        db.session.rollback()


# SQLite's full-text index keeps a deleted key's trigrams until it is merged -------


def _trigrams(text: str) -> set[bytes]:
    return {text[i : i + 3].encode() for i in range(len(text) - 2)}


def only_theirs(app, candidate_id) -> set[bytes]:
    """The trigrams of the candidate's search key that no other candidate's has."""
    with app.app_context():
        keys = dict(
            db.session.execute(sa.select(Candidate.id, Candidate.search_key)).all()
        )
    others = set().union(*(_trigrams(k) for i, k in keys.items() if i != candidate_id))
    return _trigrams(keys[candidate_id]) - others


def in_text_index(app, trigrams: set[bytes]) -> set[bytes]:
    """Which of these trigrams the index's stored segments hold (SQLite only)."""
    with app.app_context():
        blocks = db.session.scalars(sa.text("SELECT block FROM candidates_text_data"))
        data = b"".join(b for b in blocks if isinstance(b, bytes))
    return {t for t in trigrams if t in data}


def test_the_text_index_keeps_no_trigram_of_an_erased_key(app, client, auth, erasable):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL's trigram index follows the column (README)")
    theirs = only_theirs(app, erasable["candidate_id"])
    assert in_text_index(app, theirs)  # the check can see them
    _erase_by_page(client, auth, erasable["people"]["ta"], erasable["candidate_id"])
    assert in_text_index(app, theirs) == set()


def test_the_text_index_is_merged_in_steps_that_let_other_writers_in(app, monkeypatch):
    """After an erasure the index is merged a few pages at a time, each step a
    transaction of its own: a writer (an autosave) gets the lock between two steps,
    rather than waiting for the whole merge, and the merge still ends with no
    trigram of the erased key left and every key written meanwhile found."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL's trigram index follows the column (README)")
        # Small leaves, so that 150 keys make an index of many pages, as 100,000
        # keys do in 64,000-byte ones (migration 0031).
        db.session.execute(
            sa.text(
                "INSERT INTO candidates_text(candidates_text, rank) VALUES ('pgsz', 64)"
            )
        )
        db.session.commit()
        people = []
        for n in range(150):  # each in a transaction of its own: many segments
            name = f"Stepwise Person{n:03d}" if n else "Xylophone Quagmire"
            people.append(Candidate(name=name, email=f"s{n}@x.example"))
            db.session.add(people[-1])
            db.session.commit()
        ids = [person.id for person in people]
        path = db.engine.url.database
    # Letters only: in leaves this small a run of digits also turns up as numbers.
    theirs = {t for t in only_theirs(app, ids[0]) if t.isalpha()}
    assert theirs and in_text_index(app, theirs)
    monkeypatch.setattr(erasure, "MERGE_STEP_PAGES", 1)
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    renamed: list[int] = []

    left_after_first_step: set[bytes] = set()

    def write_between_steps():
        if not renamed:  # the first step merged a part of the index, not all of it
            blocks = other.execute("SELECT block FROM candidates_text_data")
            data = b"".join(b for (b,) in blocks if isinstance(b, bytes))
            left_after_first_step.update(t for t in theirs if t in data)
        if len(renamed) < 5:  # "database is locked" at once if a step held on
            other.execute("BEGIN IMMEDIATE")
            other.execute(
                "UPDATE candidates SET search_key = ? WHERE id = ?",
                (f"renamed between steps {len(renamed)}", ids[len(renamed) + 1]),
            )
            other.execute("COMMIT")
            renamed.append(ids[len(renamed) + 1])

    with app.app_context():
        erase_candidate(None, db.session.get(Candidate, ids[0]))
        db.session.commit()
        commit = db.session.commit
        monkeypatch.setattr(
            db.session, "commit", lambda: (commit(), write_between_steps())
        )
        steps = forget_text_index()
        monkeypatch.undo()
    other.close()
    assert steps > 5 and len(renamed) == 5 and left_after_first_step
    assert in_text_index(app, theirs) == set()
    with app.app_context():
        db.session.execute(
            sa.text(
                "INSERT INTO candidates_text(candidates_text, rank) "
                "VALUES ('integrity-check', 1)"
            )
        )
        for n, candidate_id in enumerate(renamed):
            found = db.session.scalars(
                sa.text(
                    "SELECT rowid FROM candidates_text WHERE candidates_text MATCH :q"
                ),
                {"q": f'"between steps {n}"'},
            ).all()
            assert found == [candidate_id]
        db.session.rollback()


def test_an_erasure_stands_when_the_merge_after_it_fails(
    app, client, auth, erasable, monkeypatch, caplog
):
    """The merge runs after the erasure's commit: when it cannot take the lock, the
    person still gets their confirmation, the candidate stays erased, and the
    merge is left to the next erasure or retention run (logged)."""

    def locked():
        raise sa.exc.OperationalError("merge", {}, sqlite3.OperationalError("locked"))

    monkeypatch.setattr(lifecycle_views, "forget_text_index", locked)
    ta = erasable["people"]["ta"]
    with caplog.at_level(logging.WARNING):
        response = _erase_by_page(client, auth, ta, erasable["candidate_id"])
    assert response.status_code == 302
    assert "Erased the candidate&#39;s personal data" in client.get(
        response.location
    ).get_data(as_text=True)
    assert "text index not merged" in caplog.text
    with app.app_context():
        candidate = db.session.get(Candidate, erasable["candidate_id"])
        assert candidate.erased_at is not None and NAME not in candidate.name


def test_no_scorecard_text_is_written_about_an_erased_candidate(
    app, client, auth, erasable
):
    """A withdrawn loop's scorecards stay open to their interviewers, but not once
    its candidate is erased: the kit says so, an autosave is refused (409, frozen)
    and so is a submission; nothing typed reaches the database."""
    with app.app_context():
        candidate = db.session.get(Candidate, erasable["candidate_id"])
        withdrawn = next(lp for lp in candidate.loops if lp.id != erasable["loop_id"])
        seat = next(s for s in withdrawn.sessions[0].seats if s.interviewer_id)
        seat_id, who_id = seat.id, seat.interviewer_id
        erase_candidate(None, candidate)
        db.session.commit()
    who = next(p for p in erasable["people"].values() if p.id == who_id)
    auth.login(who)
    kit = client.get(f"/interviews/{seat_id}").get_data(as_text=True)
    assert "personal data was erased" in kit
    token = re.search(r'name="csrf-token" content="([^"]+)"', kit).group(1)
    typed = {
        "csrf_token": token,
        "version": "0",
        "level_workflow": "3",
        "evidence_workflow": "Typed after the erasure about Nadia",
        "recommendation": "3",
    }
    saved = client.post(
        f"/interviews/{seat_id}/autosave",
        data=typed,
        headers={"Accept": "application/json"},
    )
    assert saved.status_code == 409 and saved.get_json()["frozen"] is True
    with app.app_context():
        card = db.session.get(PanelSeat, seat_id).scorecard
        with pytest.raises(ops.Frozen, match="personal data was erased"):
            ops.submit(
                db.session.get(User, who_id),
                card or ops.scorecard_for(db.session.get(PanelSeat, seat_id)),
                _answers([3, 3], "Typed after the erasure"),
                3,
                "After",
                ops.Edit(card.version if card else 0),
            )
        db.session.rollback()
        assert not found_anywhere(["Typed after the erasure"])


def test_reads_recorded_before_the_erasure_keep_their_details(
    app, client, auth, erasable
):
    """A read's entry holds ids and options, nobody's words: erasure leaves it whole
    ("Downloaded a debrief packet, size a4"), where it redacts the loop's changes."""
    from interview.auditing import record_read

    with app.app_context():
        loop = db.session.get(Loop, erasable["loop_id"])
        db.session.expunge(loop)
        db.session.rollback()  # record_read writes on a connection of its own
        record_read(None, "debrief.packet", loop, {"size": "a4", "archival": False})
    _erase_by_page(client, auth, erasable["people"]["ta"], erasable["candidate_id"])
    with app.app_context():
        entries = db.session.scalars(
            sa.select(AuditEntry).where(
                AuditEntry.object_type == "loops",
                AuditEntry.object_id == erasable["loop_id"],
            )
        ).all()
        read = next(e for e in entries if e.action == "debrief.packet")
        assert read.redacted_at is None and read.after["size"] == "a4"
        changes = [e for e in entries if e.action not in ("debrief.packet",)]
        assert changes and all(e.redacted_at is not None for e in changes if e.after)
