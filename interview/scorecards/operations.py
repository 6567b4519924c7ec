"""Drafts, submission and amendment of scorecards.

Every write is checked against what the writer started from, so a second tab never
overwrites the first and nothing typed is silently lost:

- The form carries the scorecard ``version`` it was loaded with; the version moves on
  every change, ratings and evidence included (models/scorecards.py). A write whose
  version is not the stored one is refused as stale (another window changed it).
- The form also carries its page's ``edit_token`` (new on every page load) and a
  running request number ``edit_seq``. A write from the same page as the last one
  is never stale, whatever version it carries: the page's own autosave moved the
  version (a save sent as the page unloads races the Submit it precedes). A request
  from that page with a number not above the last one is older than what is stored,
  so it changes nothing (``AlreadySaved``). A page that put back a copy its
  predecessor left in the browser (a reload) names that page in ``restored_from``
  and takes over from it.
- A missing, negative or absurd version is refused, never read as "no check".
- A Submit reaching a submitted scorecard is a double click when it comes from the
  page that submitted it, and a conflict (shown with both texts) from any other.
- Once the loop is decided its scorecards are frozen until talent acquisition reopens it.
"""

import re

import sqlalchemy as sa
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from ..auditing import record
from ..calibration.summaries import loop_changed
from ..extensions import db
from ..models import LoopStatus, PanelSeat, Rating, Scorecard, ScorecardStatus, User
from ..text import control_character_problem
from ..timeutil import utcnow
from .drafts import values_of as _values
from .loading import competency_keys
from .rules import Answer, length_problems, submission_problems

TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_DIGITS = 9  # versions and request numbers fit a database integer
MIN_REASON = 10


class ScorecardProblems(ValueError):
    """The scorecard cannot be saved as asked; ``problems`` names each field.

    ``saved`` is true when what was typed was kept as a draft all the same.
    """

    def __init__(self, problems: dict[str, str], saved: bool = False):
        super().__init__("; ".join(problems.values()))
        self.problems = problems
        self.saved = saved


class StaleScorecard(Exception):
    """The scorecard changed in another window since this form was loaded."""

    def __init__(self, card: Scorecard, submitted_elsewhere: bool = False):
        super().__init__("changed in another window")
        self.card = card
        self.submitted_elsewhere = submitted_elsewhere


class MissingVersion(ValueError):
    """The write did not say which saved version it started from."""


class AlreadySaved(Exception):
    """An older request of the page that wrote last: what is stored is newer."""


class AlreadySubmitted(Exception):
    """The page that submitted the scorecard sent its Submit again."""


class Frozen(ValueError):
    """The loop is decided: its scorecards no longer change."""


def frozen_message(card_or_seat) -> str | None:
    """Why the scorecard cannot change now, or None while its loop is open to it."""
    seat = card_or_seat.seat if isinstance(card_or_seat, Scorecard) else card_or_seat
    loop = seat.session.loop
    return decided_message(loop.status, loop.candidate.erased_at is not None)


def decided_message(loop_status: LoopStatus, erased: bool = False) -> str | None:
    """Why a loop's scorecards cannot change in this status, or None. An erased
    candidate's loops (decided or withdrawn: erasure needs them closed) are frozen
    whatever their status, so no text about the person is written after erasure."""
    if erased:
        return (
            "This candidate's personal data was erased, so the scorecards of their "
            "loops no longer change."
        )
    if loop_status != LoopStatus.DECIDED:
        return None
    return (
        "This loop is decided, so its scorecards are frozen. If the scorecard must "
        "change, ask talent acquisition to reopen the loop (the reopening is "
        "recorded with its reason)."
    )


def small_number(raw: str | None) -> int | None:
    """A whole number of at most ``MAX_DIGITS`` ASCII digits, or None."""
    text = (raw or "").strip()
    if not (text.isascii() and text.isdecimal() and len(text) <= MAX_DIGITS):
        return None
    return int(text)


class Edit:
    """Who is writing: the version the page started from, the page and its request,
    and the page whose browser copy it put back, if any."""

    def __init__(
        self,
        version: int,
        token: str | None = None,
        seq: int = 0,
        restored_from: str | None = None,
    ):
        self.version = version
        # Pages make URL-safe tokens; anything else is no token (a plain version check).
        self.token = _token(token)
        self.seq = seq
        self.restored_from = _token(restored_from)

    @classmethod
    def from_form(cls, form) -> "Edit":
        """The edit a scorecard form describes; refuses a missing or bad version."""
        version = small_number(form.version.data)
        if version is None:
            raise MissingVersion(
                "This page did not say which saved version of the scorecard it "
                "started from, so nothing was saved. Your text is below: copy it, "
                "reload the page and save again."
            )
        return cls(
            version,
            form.edit_token.data,
            small_number(form.edit_seq.data) or 0,
            form.restored_from.data,
        )

    def is_page_of(self, card: Scorecard) -> bool:
        """Whether this page (or the page it took over from) wrote the card last."""
        last = card.edit_token
        return bool(last) and last in (self.token, self.restored_from)


def _token(value: str | None) -> str | None:
    return value if value and TOKEN.fullmatch(value) else None


def scorecard_for(seat: PanelSeat) -> Scorecard:
    """The seat's scorecard; a new one is pending until a write flushes it (gone with
    a rollback), and the write gives it a rating per session competency."""
    if seat.scorecard is not None:
        return seat.scorecard
    loop = seat.session.loop
    card = Scorecard(
        seat=seat,
        interviewer_id=seat.interviewer_id,
        rubric_version_id=loop.rubric_version_id,
        version=0,
    )
    db.session.add(card)
    return card


def _session_keys(card: Scorecard) -> dict[int, str]:
    """Competency key by id for the session's competencies (already loaded)."""
    return {c.id: c.key for c in card.seat.session.competencies}


def _keys(card: Scorecard) -> dict[int, str]:
    """Competency key by id for every rating, those taken out of the session
    included (one query for those, none when there are none)."""
    keys = _session_keys(card)
    return keys | competency_keys(
        r.competency_id for r in card.ratings if r.competency_id not in keys
    )


def answers_of(card: Scorecard) -> dict[str, Answer]:
    keys = _keys(card)
    return {
        keys[r.competency_id]: Answer(r.level, r.is_not_assessed, r.evidence, r.notes)
        for r in card.ratings
    }


def _check(card: Scorecard, edit: Edit) -> None:
    """Refuse a frozen loop, a stale copy and a late request of the last page."""
    loop = card.seat.session.loop
    with db.session.no_autoflush:  # the answers are on the card, not yet checked
        erased = loop.candidate.erased_at is not None
    check_write(card, edit, loop.status, erased)


def check_write(card, edit: Edit, loop_status: LoopStatus, erased=False) -> None:
    """Refuse a frozen loop, a stale copy and a late request of the last page.

    ``card`` is a Scorecard or the same fields read as plain values (drafts.py):
    ``id`` (None before the first write), ``version``, ``edit_token``, ``edit_seq``.
    """
    if message := decided_message(loop_status, erased):
        raise Frozen(f"Nothing was saved. {message}")
    if card.id is not None and edit.is_page_of(card):
        if edit.token == card.edit_token and edit.seq <= card.edit_seq:
            raise AlreadySaved()
        return
    if edit.version != card.version:
        raise StaleScorecard(card)


def _apply(
    card: Scorecard, answers: dict[str, Answer], recommendation, summary, edit: Edit
) -> None:
    """Write the answers; a competency added to the session since the card was
    started gets its rating, and one taken out keeps what was written for it."""
    # Answers name the session's competencies only: a rating kept for one taken
    # out of the session is left as it is.
    keys = _session_keys(card)
    ratings = list(card.ratings)
    have = {rating.competency_id for rating in ratings}
    for rating in ratings:
        key = keys.get(rating.competency_id)
        if key is not None and key in answers:
            _answer(rating, answers[key])
    card.overall_recommendation = recommendation
    card.summary = summary
    # The page that wrote last; a write always changes these, so the version moves.
    card.edit_token = edit.token
    card.edit_seq = edit.seq if edit.token else 0
    missing = [c for c in card.seat.session.competencies if c.id not in have]
    if missing and card.id is not None:
        card.updated_at = utcnow()  # new ratings are a change: the version moves
    db.session.flush()
    if missing:
        _add_ratings(card, ratings, missing, answers)


def _add_ratings(card: Scorecard, ratings, competencies, answers) -> None:
    """Insert the ratings a card lacks in one statement (the unit of work would send
    one INSERT per rating on SQLite, to learn each new id)."""
    rows = []
    for competency in competencies:
        answer = answers.get(competency.key) or Answer(None, False, "")
        rows.append(
            {
                "scorecard_id": card.id,
                "rubric_version_id": card.rubric_version_id,
                "competency_id": competency.id,
                **_values(answer),
            }
        )
    added = db.session.scalars(sa.insert(Rating).returning(Rating), rows).all()
    order = {c.id: n for n, c in enumerate(card.seat.session.competencies)}
    ratings = ratings + sorted(added, key=lambda r: order[r.competency_id])
    set_committed_value(card, "ratings", ratings)
    for rating in added:
        set_committed_value(rating, "scorecard", card)


def _answer(rating: Rating, answer: Answer) -> None:
    """Write one answer; a changed rating writes all its fields, so that every
    changed rating of a save goes in one statement (one executemany)."""
    values = _values(answer)
    if all(getattr(rating, name) == value for name, value in values.items()):
        return
    for name, value in values.items():
        setattr(rating, name, value)
        flag_modified(rating, name)


def save_draft(
    actor: User, card: Scorecard, answers, recommendation, summary, edit: Edit
) -> Scorecard:
    """Keep what is typed so far; a submitted scorecard changes only by amendment."""
    if card.is_submitted:
        raise ScorecardProblems(
            {"status": "This scorecard is submitted; amend it instead."}
        )
    _check(card, edit)
    if problems := length_problems(answers, summary):
        raise ScorecardProblems(problems)
    _apply(card, answers, recommendation, summary, edit)
    return card


def submit(
    actor: User, card: Scorecard, answers, recommendation, summary, edit: Edit
) -> Scorecard:
    """Lock the scorecard against edits; from now on others' scorecards may be visible.

    When something is missing, what was typed is saved as a draft all the same (it
    cannot be stored only when a text is too long or holds a control character).
    """
    if card.is_submitted:
        if edit.token and edit.token == card.edit_token:
            raise AlreadySubmitted()
        raise StaleScorecard(card, submitted_elsewhere=True)
    _check(card, edit)
    if problems := submission_problems(answers, recommendation, summary):
        storable = not length_problems(answers, summary)
        if storable:
            _apply(card, answers, recommendation, summary, edit)
        raise ScorecardProblems(problems, saved=storable)
    _apply(card, answers, recommendation, summary, edit)
    card.status = ScorecardStatus.SUBMITTED
    card.submitted_at = utcnow()
    db.session.flush()
    loop_changed(card.seat.session.loop_id)
    record(actor, "scorecard.submit", card, after=_snapshot(card))
    return card


def amend(
    actor: User,
    card: Scorecard,
    answers,
    recommendation,
    summary,
    reason: str,
    edit: Edit,
) -> Scorecard:
    """Change a submitted scorecard with a reason; the old text stays in the audit log."""
    if not card.is_submitted:
        raise ScorecardProblems({"status": "Only a submitted scorecard is amended."})
    _check(card, edit)
    problems = {}
    if bad := control_character_problem(reason):
        problems["amend_reason"] = bad
    elif len(reason.strip()) < MIN_REASON:
        problems["amend_reason"] = (
            f"Say why you amend it (at least {MIN_REASON} characters)."
        )
    problems |= submission_problems(answers, recommendation, summary)
    if problems:
        raise ScorecardProblems(problems)
    before = _snapshot(card)
    _apply(card, answers, recommendation, summary, edit)
    card.amended_at = utcnow()
    card.amendment_count += 1
    db.session.flush()
    loop_changed(card.seat.session.loop_id)
    record(
        actor, "scorecard.amend", card, before, _snapshot(card), reason=reason.strip()
    )
    return card


def _snapshot(card: Scorecard) -> dict:
    keys = _keys(card)
    return {
        "recommendation": card.overall_recommendation,
        "summary": card.summary,
        "ratings": {
            keys[r.competency_id]: {
                "level": r.level,
                "not_assessed": r.is_not_assessed,
                "evidence": r.evidence,
            }
            for r in card.ratings
        },
    }
