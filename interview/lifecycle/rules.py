"""The data lifecycle's rules, as plain functions of plain values (no Flask, no
database): when a candidate falls due for retention, and what erasure keeps.

When a candidate is due (``due_at``)
------------------------------------
A candidate's personal data is kept ``RETENTION_DAYS`` after their last loop closed,
and never while a loop is open or a legal hold is in force:

- erased already, or under a hold (on them or on a requisition they have a loop on):
  never due (None);
- any loop not decided or withdrawn (planned, interviewing, debrief): not due (None);
- every loop decided or withdrawn: due ``days`` after the latest closing, the moment
  recorded when the loop became decided or withdrawn (``loops.closed_at``, migration
  0018), which no later edit of the loop moves; a decided or withdrawn loop without
  one counts as open, so never due, exactly as retention's SQL (due_query) reads
  it: the Loop.status validator and migration 0018's backfill always set it, and
  erasure clears it (an erased candidate is never due anyway);
- no loop at all (added, never interviewed): due ``days`` after the record was last
  changed, so a candidate kept "on file" is asked about again by being edited.

``due_at(...) <= now`` is the test; a candidate due today stays due until erased.

What erasure keeps (``redact_json``, ``scrub_text``)
---------------------------------------------------
Numbers stay (levels, recommendations, ids, counts), and so do dates, disciplines
and the shape of every loop: calibration's figures do not change. Free text goes: an
audit entry's JSON keeps its keys, numbers, booleans and nulls, keeps a string that
is exactly a value of one of the application's closed vocabularies (a status, an
outcome, a discipline: ``keep``), and has every other string replaced by ``MARKER``
(migration 0017 checks exactly this in the database). Text that is not the
candidate's own but may name them (a session's title or place) has each mention of
them replaced by ``MARKER``, however it is written:

- the name's words of ``NAME_PART_MIN`` letters or more, and runs of its words
  joined by nothing, spaces, apostrophes or hyphens ("O'Neil", "O’Neil", "ONeil",
  "Mary-Jane", "Mary Jane"), compared folded: case, accents and invisible
  characters ignored ("JOSÉ", "Jose"); a shorter word alone is not a mention;
- the email and its local part, in any case;
- the phone's digits with any separators or none, with or without a country code
  and a trunk zero ("(555) 010-2030", "5550102030", "+1 555 010 2030").

Everything else of the text stays byte for byte.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

MARKER = "[erased]"
CLOSED = frozenset({"decided", "withdrawn"})


def erased_name(candidate_id: int) -> str:
    """The name an erased candidate carries from then on."""
    return f"Erased candidate #{candidate_id}"


@dataclass(frozen=True)
class LoopFacts:
    status: str  # a LoopStatus value
    closed_at: datetime | None = None  # when it became decided or withdrawn


@dataclass(frozen=True)
class CandidateFacts:
    updated_at: datetime
    loops: tuple[LoopFacts, ...] = ()
    is_held: bool = False
    is_erased: bool = False


def closed_at(loop: LoopFacts) -> datetime | None:
    """When the loop closed, or None while it is open. A decided or withdrawn loop
    without ``closed_at`` counts as open, as in due_query's SQL, which reads only
    the loops whose closed_at is set: the Loop.status validator and migration
    0018's backfill always set it, so only a row written around the application
    (or an erased candidate's, never due anyway) lacks it."""
    if loop.status not in CLOSED:
        return None
    return loop.closed_at


def due_at(facts: CandidateFacts, days: int) -> datetime | None:
    """When the candidate's personal data falls due for erasure (module docstring)."""
    if facts.is_erased or facts.is_held:
        return None
    if not facts.loops:
        return facts.updated_at + timedelta(days=days)
    closings = [closed_at(loop) for loop in facts.loops]
    if any(c is None for c in closings):
        return None
    return max(closings) + timedelta(days=days)


def is_due(facts: CandidateFacts, now: datetime, days: int) -> bool:
    """Whether retention erases the candidate at ``now``."""
    when = due_at(facts, days)
    return when is not None and when <= now


def redact_json(value, keep: frozenset[str]):
    """The value with every string replaced by ``MARKER`` unless it is exactly a
    member of ``keep`` (the application's closed vocabularies: a loop's status, a
    decision's outcome); keys, numbers, booleans and nulls kept. The database's
    check (migration 0017) computes the same with the same set."""
    if isinstance(value, str):
        return value if value in keep else MARKER
    if isinstance(value, dict):
        return {key: redact_json(item, keep) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_json(item, keep) for item in value]
    return value


# Mentions of the candidate in someone else's text ----------------------------------

NAME_PART_MIN = 2
# A name's words are also found joined: "O'Neil", "O’Neil", "O Neil", "ONeil",
# "Mary-Jane", "Mary Jane" (up to this many words in one run).
NAME_RUN_MAX = 5
_JOIN = r"[\s'’‘ʼ`._\-\u2010-\u2015]{0,3}"
# A phone's digits may be written with any of these between them, or none.
_DIGIT_SEP = r"[\s.\-/()\u2010-\u2015]{0,3}"
NATIONAL_MIN = 6  # a phone's national number is at least this many digits
# As search.fold: letters that carry no combining mark but are typed without one.
_PLAIN = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"}
)
_DROPPED = frozenset({"Mn", "Me", "Cf"})  # accents, enclosing marks, invisibles


@functools.lru_cache(maxsize=4096)
def fold_char(char: str) -> str:
    """One character lower-cased, without accents or invisible characters: "É" ->
    "e", "ß" -> "ss", a combining accent or a zero-width space -> ""."""
    text = unicodedata.normalize("NFKD", char).casefold().translate(_PLAIN)
    text = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in text if unicodedata.category(c) not in _DROPPED)
    return kept.translate(_PLAIN)


def fold(text: str) -> tuple[str, list[int]]:
    """The text folded (``fold_char``) and, for each folded character, the index of
    the character of ``text`` it came from (to replace a match in the original)."""
    folded, origin = [], []
    for index, char in enumerate(text):
        part = fold_char(char)
        folded.append(part)
        origin.extend([index] * len(part))
    return "".join(folded), origin


def _name_pattern(name: str) -> list[str]:
    """Runs of the name's folded words, each word followed by the next ones joined by
    nothing, spaces, apostrophes or hyphens; a word shorter than ``NAME_PART_MIN``
    only as part of a run (the "O" of "O'Neil" alone is not a mention)."""
    words = re.findall(r"\w+", fold(name)[0])
    patterns = []
    for i, word in enumerate(words):
        tail = ""
        for later in reversed(words[i + 1 : i + NAME_RUN_MAX]):
            tail = f"(?:{_JOIN}{re.escape(later)}{tail})"
            tail += "?"
        if tail and len(word) < NAME_PART_MIN:
            tail = tail[:-1]  # the next word is required
        elif len(word) < NAME_PART_MIN:
            continue
        patterns.append(re.escape(word) + tail)
    return patterns


def _phone_pattern(phone: str) -> str | None:
    """The phone's national number with any separators or none between its digits,
    after an optional country code ("+1", "001", "1") and trunk "0" or "(0)".
    A number given with its country code may be written without it: each split of
    1 to 3 code digits leaving ``NATIONAL_MIN`` digits is tried."""
    folded = fold(phone)[0].strip()
    digits = re.sub(r"[^0-9]", "", folded)
    if len(digits) < NATIONAL_MIN:
        short = re.escape(folded)
        return rf"(?<!\w){short}(?!\w)" if len(folded) >= NAME_PART_MIN else None
    if folded.startswith(("+", "00")):
        digits = digits[2:] if folded.startswith("00") else digits
        nationals = [digits[k:] for k in (1, 2, 3) if len(digits) - k >= NATIONAL_MIN]
        nationals = [digits, *nationals]
    else:
        nationals = [digits.lstrip("0") or digits]
    numbers = "|".join(_DIGIT_SEP.join(n) for n in nationals)
    # "+1 ", "001 ", or "1-" (a country code written without its plus, and with it
    # at most three digits before the number that are not the candidate's).
    # Lazy: the number is tried without them first, so that a code never takes
    # the number's own first digits.
    code = rf"(?:(?:(?:\+|00){_DIGIT_SEP})?[0-9]{{1,3}}{_DIGIT_SEP})??"
    prefix = rf"{code}(?:\(?0\)?{_DIGIT_SEP})??\(?"
    return rf"(?<![0-9]){prefix}(?:{numbers})(?![0-9])"


def mentions(
    name: str | None, email: str | None, phone: str | None
) -> tuple[re.Pattern, ...]:
    """What to look for in folded text (``fold``) that may mention the candidate:
    their email (and its local part) in any case, their phone however written, and
    their name's words and runs of them, accent- and case-insensitive. Each is found
    on its own (``scrub_text`` joins what they find), so that an address of digits
    that look like the phone hides neither."""
    found = []
    if email and email.strip():
        address = fold(email.strip())[0]
        found.append(re.escape(address))
        local = address.split("@", 1)[0]
        if "@" in address and len(local) >= NAME_PART_MIN:
            found.append(re.escape(local))
    found = [_whole_words([pattern]) for pattern in found]
    found.append(_phone_pattern(phone) if phone else None)
    words = _name_pattern(name or "")
    spaced = [w for w in words if not _unspaced(w)]
    found.append(_whole_words(spaced) if spaced else None)
    unspaced = [w for w in words if _unspaced(w)]
    found.append("|".join(unspaced) if unspaced else None)
    # Found where they overlap too (a lookahead matches at every position), so that
    # no reading of "1-555 555 5555" hides another.
    return tuple(re.compile(f"(?=({pattern}))") for pattern in found if pattern)


# A mention ends where letters end: at a space, a digit, an underscore or a
# punctuation mark ("anna_smith", "AnnaSmith_notes", "annasmith2" in a link).
_EDGE_BEFORE, _EDGE_AFTER = r"(?<![^\W\d_])", r"(?![^\W\d_])"
# Scripts written without spaces between words: a name in them is found anywhere.
_UNSPACED = ("CJK", "HIRAGANA", "KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR")


def _unspaced(word: str) -> bool:
    return any(unicodedata.name(c, "").startswith(_UNSPACED) for c in word)


def _whole_words(patterns: list[str]) -> str:
    return rf"{_EDGE_BEFORE}(?:{'|'.join(patterns)}){_EDGE_AFTER}"


def scrub_text(text: str | None, patterns: tuple[re.Pattern, ...]) -> str | None:
    """The text with every mention (``mentions``) replaced by ``MARKER``, mentions
    that overlap or touch as one; the rest of it byte for byte as it was; None stays
    None."""
    if not text or not patterns:
        return text
    folded, origin = fold(text)
    spans = sorted(
        (origin[match.start(1)], origin[match.end(1) - 1] + 1)
        for pattern in patterns
        for match in pattern.finditer(folded)
    )
    pieces, done = [], 0
    for start, end in spans:
        # An accent or invisible character after a mention is part of it.
        while end < len(text) and not fold_char(text[end]):
            end += 1
        if pieces and start <= done:  # overlapping or touching the last one
            done = max(done, end)
            continue
        pieces += [text[done:start], MARKER]
        done = end
    pieces.append(text[done:])
    return "".join(pieces)
