"""Legal holds: place and release them, and find those that cover a candidate."""

import re
import unicodedata

import sqlalchemy as sa

from ..auditing import record
from ..extensions import db
from ..loops.schedule import local_display
from ..models import Candidate, LegalHold, Loop, Requisition, User
from ..timeutil import utcnow


class HoldError(ValueError):
    """The hold cannot be placed or released; the message says why."""


def place_hold(actor: User, subject: Candidate | Requisition, reason: str) -> LegalHold:
    """Put the candidate, or every candidate of the requisition, under a legal hold."""
    reason = (reason or "").strip()
    if not visible(reason):
        raise HoldError("Give the reason for the hold.")
    if problem := bidi_control_problem(reason):
        raise HoldError(problem)
    subject = _locked(subject)
    if isinstance(subject, Candidate) and subject.erased_at is not None:
        raise HoldError("This candidate was erased: there is nothing left to hold.")
    if same := _identical_in_force(subject, reason):
        raise HoldError(
            f"An identical hold is already in force here (placed by "
            f"{same.placed_by.name} on {_when(same.placed_at, actor.time_zone)}): "
            "a second one would add nothing. Nothing was placed."
        )
    hold = LegalHold(reason=reason, placed_by_id=actor.id)
    if isinstance(subject, Candidate):
        hold.candidate_id = subject.id
    else:
        hold.requisition_id = subject.id
    db.session.add(hold)
    db.session.flush()
    record(actor, "hold.place", hold, after=_subject(hold))
    return hold


def _identical_in_force(
    subject: Candidate | Requisition, reason: str
) -> LegalHold | None:
    """A hold in force on this very subject with this very reason (fresh finding
    P6): stacking copies only makes releasing it take several clicks. Read after
    the subject's row lock, so two identical submissions at once place one."""
    column = (
        LegalHold.candidate_id
        if isinstance(subject, Candidate)
        else LegalHold.requisition_id
    )
    return db.session.scalars(
        sa.select(LegalHold)
        .where(
            column == subject.id,
            LegalHold.reason == reason,
            LegalHold.released_at.is_(None),
        )
        .limit(1)
    ).first()


def visible(text: str) -> bool:
    """Whether the text shows anything: a reason of spaces or of invisible format
    characters alone (a zero-width space, Unicode category Cf) says nothing."""
    shown = "".join(c for c in text or "" if unicodedata.category(c) != "Cf")
    return bool(shown.strip())


# Bidirectional embedding, override and isolate controls: one left unclosed in a
# reason reorders the words shown after it ("placed by X on DATE" read backwards).
# Nobody types them on purpose in a reason, so they are refused, and reasons already
# stored are shown isolated (<bdi> in templates, ``isolated`` in messages).
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def bidi_control_problem(text: str | None) -> str | None:
    """A message naming the first bidirectional control character, or None."""
    found = BIDI_CONTROLS.search(text or "")
    if found is None:
        return None
    return (
        f"Remove the invisible direction control character U+{ord(found.group()):04X} "
        f"at character {found.start() + 1:,}: it would reverse the text shown after "
        "the reason. Your text is kept here."
    )


def isolated(text: str) -> str:
    """User text to quote inside a sentence, between FIRST STRONG ISOLATE and POP
    DIRECTIONAL ISOLATE, so that direction controls in it (old rows) cannot reorder
    the words around it."""
    return f"\u2068{text}\u2069"


def _locked(subject: Candidate | Requisition) -> Candidate | Requisition:
    """The subject read again under a row lock (PostgreSQL; SQLite's writers take
    turns anyway): an erasure in flight has its candidate and their requisitions
    locked (erasure.locked), so the hold waits for it and then sees it, or the
    erasure waits for the hold and then finds it in force."""
    db.session.flush()
    kind = type(subject)
    return db.session.scalars(
        sa.select(kind)
        .where(kind.id == subject.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def release_hold(actor: User, hold: LegalHold) -> None:
    """End the hold; it stays on record with who released it and when."""
    if hold.released_at is not None:
        by = hold.released_by.name if hold.released_by else "someone"
        raise HoldError(f"This hold was already released by {by}.")
    actor_id = (
        actor.id
    )  # read first: a stale actor's refresh would flush half a release
    hold.released_at = utcnow()
    hold.released_by_id = actor_id
    db.session.flush()
    record(actor, "hold.release", hold, after=_subject(hold))


def _subject(hold: LegalHold) -> dict:
    """Identifiers only: the hold's reason may name the candidate."""
    return {"candidate": hold.candidate_id, "requisition": hold.requisition_id}


def covering(candidate_ids) -> sa.Select:
    """The holds in force over these candidates: on them, or on a requisition they
    have a loop on."""
    on_requisitions = sa.select(Loop.requisition_id).where(
        Loop.candidate_id.in_(candidate_ids)
    )
    return (
        sa.select(LegalHold)
        .where(
            LegalHold.released_at.is_(None),
            sa.or_(
                LegalHold.candidate_id.in_(candidate_ids),
                LegalHold.requisition_id.in_(on_requisitions),
            ),
        )
        .order_by(LegalHold.placed_at, LegalHold.id)
    )


def holds_over(candidate: Candidate) -> list[LegalHold]:
    """The holds in force over the candidate, oldest first."""
    return list(db.session.scalars(covering([candidate.id])))


def history(**subject) -> list[LegalHold]:
    """Every hold, in force or released, on ``candidate_id=`` or ``requisition_id=``."""
    ((column, value),) = subject.items()
    return list(
        db.session.scalars(
            sa.select(LegalHold)
            .where(getattr(LegalHold, column) == value)
            .order_by(LegalHold.released_at.is_not(None), LegalHold.placed_at.desc())
        )
    )


def _when(moment, zone: str | None) -> str:
    """ "Wed 2 Dec 2026, 14:30 CET": in the reader's zone, as every page says it."""
    return local_display(moment, zone or "UTC")


def refusal(hold: LegalHold, zone: str | None = "UTC") -> str:
    """Why a hold stops erasure: which hold, its reason, who placed it and when
    (in the reader's ``zone``)."""
    on = (
        "this candidate"
        if hold.candidate_id is not None
        else f"the requisition {hold.requisition.title}"
    )
    return (
        f"A legal hold on {on} stops this: “{isolated(hold.reason)}” (placed by "
        f"{hold.placed_by.name} on {_when(hold.placed_at, zone)}). Release the hold "
        "first."
    )
