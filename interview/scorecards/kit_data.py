"""The kit page's data as plain values, its rubric part read once per process.

A rubric version never changes once saved (models/rubrics.py, models/guards.py), so
its scale, competencies, anchors, questions, evidence lists and cues are read from
the database the first time a kit shows that version, then kept in a small bounded
LRU on the app (``MAX_VERSIONS`` versions): it cannot go stale, and every host still
reads the same database for everything that does change (seat, session, scorecard).
The key holds the version's creation time too, so a database rebuilt under a running
process (ids used again) is never answered from the old one.

A kit page is then three statements: the seat bundle, the session's competency ids
and the scorecard's ratings, read with SQLAlchemy Core into plain values; the
template escapes every text as it did.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

import sqlalchemy as sa
from flask import current_app, g, render_template
from markupsafe import Markup

from ..extensions import db
from ..models import (
    Anchor,
    Candidate,
    Competency,
    InterviewSession,
    Loop,
    PanelSeat,
    Question,
    Rating,
    Requisition,
    RubricVersion,
    ScaleLevel,
    Scorecard,
    ScorecardStatus,
)
from ..models.loops import session_competencies

MAX_VERSIONS = 64


@dataclass(frozen=True)
class KitQuestion:
    text: str
    probes: tuple[str, ...]


@dataclass(frozen=True)
class KitAnchor:
    level: int
    text: str


@dataclass(frozen=True)
class KitCompetency:
    """One competency of a rubric version, as the kit shows it."""

    id: int
    key: str
    name: str
    definition: str
    positive_evidence: tuple[str, ...]
    negative_evidence: tuple[str, ...]
    clinical_cues: str
    technical_cues: str
    anchors: tuple[KitAnchor, ...] = ()
    questions: tuple[KitQuestion, ...] = ()


@dataclass(frozen=True)
class KitLevel:
    value: int
    label: str


@dataclass(frozen=True)
class RubricKit:
    """A rubric version's scale and competencies by id (immutable, shared)."""

    levels: tuple[KitLevel, ...]
    competencies: dict[int, KitCompetency] = field(default_factory=dict)
    forms: dict = field(default_factory=dict, compare=False)  # form classes by shape
    html: dict = field(default_factory=dict, compare=False)  # static_html by discipline

    def level_name(self, value: int | None) -> str:
        """A level as a reader says it: "3 Hire" (the number alone if unknown)."""
        label = next((lv.label for lv in self.levels if lv.value == value), "")
        return f"{value} {label}".strip() if value is not None else ""


class LRU:
    """A small least-recently-used map, safe for threaded servers."""

    def __init__(self, size: int):
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key, load):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return self.put(key, load())

    def peek(self, key):
        """The value kept for ``key``, or None (nothing loaded)."""
        with self.lock:
            return self.items.get(key)

    def put(self, key, value):
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value


def rubric_kit(version_id: int, created_at: datetime | None = None) -> RubricKit:
    """The version's kit, from this process's cache or read once (four statements)."""
    cache = current_app.extensions.setdefault("scorecard_kits", LRU(MAX_VERSIONS))
    return cache.get((version_id, created_at), lambda: _read_kit(version_id))


def _read_kit(version_id: int) -> RubricKit:
    run = db.session.execute
    levels = run(
        sa.select(ScaleLevel.value, ScaleLevel.label)
        .where(ScaleLevel.rubric_version_id == version_id)
        .order_by(ScaleLevel.value)
    )
    anchors: dict[int, list] = {}
    for cid, level, text in run(
        sa.select(Anchor.competency_id, Anchor.level, Anchor.text)
        .join(Competency, Competency.id == Anchor.competency_id)
        .where(Competency.rubric_version_id == version_id)
        .order_by(Anchor.competency_id, Anchor.level)
    ):
        anchors.setdefault(cid, []).append(KitAnchor(level, text))
    questions: dict[int, list] = {}
    for cid, text, probes in run(
        sa.select(Question.competency_id, Question.text, Question.probes)
        .join(Competency, Competency.id == Question.competency_id)
        .where(Competency.rubric_version_id == version_id)
        .order_by(Question.competency_id, Question.position, Question.id)
    ):
        questions.setdefault(cid, []).append(KitQuestion(text, tuple(probes or ())))
    c = Competency
    competencies = {
        row.id: KitCompetency(
            id=row.id,
            key=row.key,
            name=row.name,
            definition=row.definition,
            positive_evidence=tuple(row.positive_evidence or ()),
            negative_evidence=tuple(row.negative_evidence or ()),
            clinical_cues=row.clinical_cues,
            technical_cues=row.technical_cues,
            anchors=tuple(anchors.get(row.id, ())),
            questions=tuple(questions.get(row.id, ())),
        )
        for row in run(
            sa.select(
                c.id,
                c.key,
                c.name,
                c.definition,
                c.positive_evidence,
                c.negative_evidence,
                c.clinical_cues,
                c.technical_cues,
            )
            .where(c.rubric_version_id == version_id)
            .order_by(c.position, c.id)
        )
    }
    return RubricKit(tuple(KitLevel(v, label) for v, label in levels), competencies)


# -- one page's changing part: seat, session, loop, scorecard ------------------------


def _bundle_statement():
    """The seat with all the kit page reads, one row per session competency: built
    once, a request binds its seat id."""
    s, ses, lp, rq, cand, card = (
        PanelSeat,
        InterviewSession,
        Loop,
        Requisition,
        Candidate,
        Scorecard,
    )
    return (
        sa.select(
            s.id,
            s.interviewer_id,
            s.removed_at,
            s.discipline,
            ses.id.label("session_id"),
            ses.title.label("session_title"),
            ses.starts_at,
            lp.id.label("loop_id"),
            lp.status.label("loop_status"),
            lp.rubric_version_id,
            RubricVersion.created_at.label("version_created_at"),
            rq.title.label("requisition_title"),
            rq.hiring_manager_id,
            rq.share_scores_after_submit,
            cand.name.label("candidate_name"),
            cand.erased_at.label("candidate_erased_at"),
            card.id.label("card_id"),
            card.status.label("card_status"),
            card.version.label("card_version"),
            card.overall_recommendation,
            card.summary,
            card.updated_at,
            card.submitted_at,
            card.amendment_count,
            card.edit_token,
            card.edit_seq,
            session_competencies.c.competency_id,
        )
        .join(ses, ses.id == s.session_id)
        .join(lp, lp.id == ses.loop_id)
        .join(RubricVersion, RubricVersion.id == lp.rubric_version_id)
        .join(rq, rq.id == lp.requisition_id)
        .join(cand, cand.id == lp.candidate_id)
        .outerjoin(card, card.seat_id == s.id)
        .outerjoin(session_competencies, session_competencies.c.session_id == ses.id)
        .where(s.id == sa.bindparam("seat_id"))
    )


BUNDLE = _bundle_statement()
_PREFETCHED = "kit_seat_rows"


def prefetched(seat_id: int, rows: list) -> None:
    """Keep the seat's bundle rows, read with the visitor (auth/visitor.py), for
    this request's ``kit_page``."""
    setattr(g, _PREFETCHED, {seat_id: rows})


def kit_page(seat_id: int):
    """The seat as the kit page shows it, in plain values (None: no such seat).

    The page's objects have the attributes the template reads of the models
    (``seat.session.loop.requisition.title``, ``card.ratings[0].competency.name``).
    """
    rows = g.pop(_PREFETCHED, {}).get(seat_id)
    if rows is None:
        rows = db.session.execute(BUNDLE, {"seat_id": seat_id}).all()
    if not rows:
        return None
    row = rows[0]
    kit = rubric_kit(row.rubric_version_id, row.version_created_at)
    ids = [r.competency_id for r in rows if r.competency_id is not None]
    order = list(kit.competencies)
    competencies = [
        kit.competencies[cid]
        for cid in sorted(ids, key=order.index)
        if cid in kit.competencies
    ]
    requisition = SimpleNamespace(
        title=row.requisition_title,
        hiring_manager_id=row.hiring_manager_id,
        share_scores_after_submit=row.share_scores_after_submit,
    )
    loop = SimpleNamespace(
        id=row.loop_id,
        status=row.loop_status,
        rubric_version_id=row.rubric_version_id,
        requisition=requisition,
        candidate=SimpleNamespace(
            name=row.candidate_name, erased_at=row.candidate_erased_at
        ),
        rubric_version=SimpleNamespace(levels=kit.levels),
    )
    session = SimpleNamespace(
        id=row.session_id,
        title=row.session_title,
        starts_at=row.starts_at,
        loop=loop,
        competencies=competencies,
    )
    seat = SimpleNamespace(
        id=row.id,
        interviewer_id=row.interviewer_id,
        removed_at=row.removed_at,
        discipline=row.discipline,
        session=session,
        scorecard=None,
        kit=kit,
    )
    if row.card_id is not None:
        seat.scorecard = _card(row, kit)
    return seat


RATINGS = (
    sa.select(
        Rating.competency_id,
        Rating.level,
        Rating.is_not_assessed,
        Rating.evidence,
        Rating.notes,
    )
    .where(Rating.scorecard_id == sa.bindparam("card_id"))
    .order_by(Rating.id)
)


def _card(row, kit: RubricKit) -> SimpleNamespace:
    unknown = SimpleNamespace(name="(competency)")
    ratings = [
        SimpleNamespace(
            competency_id=r.competency_id,
            competency=kit.competencies.get(r.competency_id, unknown),
            level=r.level,
            is_not_assessed=r.is_not_assessed,
            evidence=r.evidence,
            notes=r.notes,
        )
        for r in db.session.execute(RATINGS, {"card_id": row.card_id})
    ]
    return SimpleNamespace(
        id=row.card_id,
        status=row.card_status,
        is_submitted=row.card_status == ScorecardStatus.SUBMITTED,
        version=row.card_version,
        overall_recommendation=row.overall_recommendation,
        summary=row.summary,
        updated_at=row.updated_at,
        submitted_at=row.submitted_at,
        amendment_count=row.amendment_count,
        edit_token=row.edit_token,
        edit_seq=row.edit_seq,
        ratings=ratings,
    )


def static_html(kit: RubricKit, competency: KitCompetency, discipline: str) -> Markup:
    """The kit's text for one competency (definition, questions and probes, evidence,
    cues), rendered once per version and discipline: autoescaped like the page."""
    key = (competency.id, discipline)
    html = kit.html.get(key)
    if html is None:
        html = Markup(
            render_template(
                "scorecards/_kit_static.html", c=competency, discipline=discipline
            )
        )
        kit.html[key] = html
    return html
