"""What erasure keeps and removes (lifecycle/rules.py), alone: plain values."""

import json
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interview.lifecycle.rules import (
    MARKER,
    NAME_PART_MIN,
    fold,
    mentions,
    redact_json,
    scrub_text,
)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def _leaves(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _leaves(item, (*path, i))
    else:
        yield path, value


@given(JSON)
def test_redaction_keeps_keys_and_numbers_and_replaces_every_string(value):
    redacted = redact_json(value, frozenset())
    old, new = dict(_leaves(value)), dict(_leaves(redacted))
    assert old.keys() == new.keys()
    for path, leaf in old.items():
        assert new[path] == (MARKER if isinstance(leaf, str) else leaf)
    assert redact_json(redacted, frozenset()) == redacted  # once is enough
    json.dumps(redacted)


KEEP = frozenset({"hire", "no_hire", "decided", "debrief", "clinical"})
# Strings that are members of the set, near misses of them, and any text.
WORDS = st.sampled_from(sorted(KEEP)) | st.sampled_from(
    ["Hire", "hire ", " decided", "no-hire", "clinical!", "", MARKER]
)
JSON_WITH_WORDS = st.recursive(
    st.none() | st.integers() | WORDS | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8) | WORDS, inner, max_size=4)
    ),
    max_leaves=20,
)


@given(JSON_WITH_WORDS)
def test_redaction_keeps_exact_members_of_the_set_and_no_other_string(value):
    redacted = redact_json(value, KEEP)
    old, new = dict(_leaves(value)), dict(_leaves(redacted))
    assert old.keys() == new.keys()
    for path, leaf in old.items():
        if isinstance(leaf, str):
            assert new[path] == (leaf if leaf in KEEP else MARKER)
        else:
            assert new[path] == leaf
    assert redact_json(redacted, KEEP) == redacted


def test_a_decision_keeps_its_outcome_and_loses_its_words():
    entry = {"status": "decided", "outcome": "hire", "note": "hire Priya"}
    assert redact_json(entry, KEEP) == {
        "status": "decided",
        "outcome": "hire",
        "note": MARKER,
    }
    assert redact_json(["Hire", "hire"], KEEP) == [MARKER, "hire"]


def test_a_scorecard_snapshot_keeps_its_levels():
    snapshot = {
        "recommendation": 3,
        "summary": "Priya was great",
        "ratings": {"workflow": {"level": 2, "not_assessed": False, "evidence": "x"}},
    }
    assert redact_json(snapshot, KEEP) == {
        "recommendation": 3,
        "summary": MARKER,
        "ratings": {
            "workflow": {"level": 2, "not_assessed": False, "evidence": MARKER}
        },
    }


def test_mentions_of_the_candidate_are_scrubbed_as_whole_words():
    needles = mentions("Ana María Li", "ana.li@example.org", "+1 555 0100")
    text = "Panel with Ana María Li (ana.li@example.org, +1 555 0100); Liam; analyst"
    assert scrub_text(text, needles) == (
        f"Panel with {MARKER} ({MARKER}, {MARKER}); Liam; analyst"
    )
    assert scrub_text("Call LI later", needles) == f"Call {MARKER} later"
    assert scrub_text("Room 4", needles) == "Room 4"
    assert scrub_text(None, needles) is None
    assert scrub_text("Ward visit", ()) == "Ward visit"
    assert mentions(None, " ", None) == ()


# Mentions however written (issue 13, reviewers' finding) ---------------------------


@pytest.mark.parametrize(
    "text",
    [
        "José",
        "Jose",
        "JOSÉ",
        "jose\u0301",  # the accent as a combining mark
        "Jo\u200bsé",  # an invisible space inside
        "O'Neil",
        "O’Neil",
        "ONeil",
        "o neil",
        "Mary-Jane",
        "Mary Jane",
        "MARY–JANE",
        "MaryJane",
        "MJ.ONeil@Example.ORG",
        "mj.oneil",
        "(555) 010-2030",
        "555.010.2030",
        "555-010-2030",
        "5550102030",
        "+1 555 010 2030",
        "+1 (555) 010-2030",
        "001 555 010 2030",
        "1-555-010-2030",
    ],
)
def test_every_written_form_of_a_mention_is_scrubbed(text):
    needles = mentions("José Mary-Jane O'Neil", "mj.oneil@example.org", "555 010 2030")
    assert scrub_text(f"Met {text}, twice.", needles) == f"Met {MARKER}, twice."


@pytest.mark.parametrize(
    "phone, text",
    [
        ("+44 7700 900417", "07700 900417"),
        ("+44 7700 900417", "+44 (0)7700 900417"),
        ("+44 7700 900417", "0044 7700900417"),
        ("+44 7700 900417", "7700-900-417"),
        ("07700 900417", "+44 7700 900417"),
    ],
)
def test_a_phone_is_found_with_or_without_its_country_code_and_trunk_zero(phone, text):
    assert scrub_text(f"tel. {text}.", mentions(None, None, phone)) == (
        f"tel. {MARKER}."
    )


@pytest.mark.parametrize(
    "text",
    [
        "O said hello",  # a word shorter than NAME_PART_MIN stays
        "Neilson and Joseph",  # other words that begin like the name's
        "Josefina Maryjanes",
        "call 5550102031 or 55501020300",  # other numbers
        "room 555 010",
        "mj.oneill@example.org",  # another address
        "Straße ﬁne ß",
    ],
)
def test_text_that_does_not_mention_the_candidate_stays_byte_for_byte(text):
    needles = mentions("José Mary-Jane O'Neil", "mj.oneil@example.org", "555 010 2030")
    assert scrub_text(text, needles) == text


# Property-based: names, emails and phones made of characters that the surrounding
# text never uses, so that whatever of them is left after scrubbing is a leak.
NAME_LETTERS = "abcdefghij"
OTHER_LETTERS = "klmnopqrstuvwxyzñúüýźżńŕśťůжω"
ACCENTS = ["", "", "\u0301", "\u0300", "\u0308", "\u0302"]
JOINS = ["", " ", "-", "'", "’", "ʼ", "‐", "–", ". "]
BOUNDARIES = [" ", " (", ") ", ", ", "\n", " - ", ": ", "\t"]


@st.composite
def rendered(draw, letters: str) -> str:
    """The letters in any case, each with or without an accent, composed or not."""
    out = []
    for letter in letters:
        letter = letter.upper() if draw(st.booleans()) else letter
        accented = letter + draw(st.sampled_from(ACCENTS))
        form = draw(st.sampled_from(["NFC", "NFD"]))
        out.append(unicodedata.normalize(form, accented))
    return "".join(out)


NAME_WORDS = st.lists(
    st.text(alphabet=NAME_LETTERS, min_size=1, max_size=7), min_size=1, max_size=4
)
OTHER_TEXT = st.text(
    alphabet=OTHER_LETTERS + OTHER_LETTERS.upper() + "6789 .,;:()'’-!?\n/\u200b",
    max_size=30,
)


@st.composite
def candidate(draw):
    """(words of the name, the name as stored, email, phone as stored, its digits)."""
    words = draw(NAME_WORDS)
    joins = [draw(st.sampled_from([" ", "-", "'", "’"])) for _ in words[1:]]
    stored = draw(rendered(words[0])) + "".join(
        join + draw(rendered(word)) for join, word in zip(joins, words[1:])
    )
    local = draw(st.text(alphabet=NAME_LETTERS + "12345.", min_size=2, max_size=8))
    email = f"{local.strip('.') or 'ab'}@{draw(st.sampled_from(['ghi.bc', 'aj.de']))}"
    national = draw(st.text(alphabet="12345", min_size=7, max_size=10))
    code = draw(st.sampled_from(["", "1", "44", "353"]))
    phone = f"+{code} {national[:3]} {national[3:]}" if code else national
    return words, stored, email, phone, national


@st.composite
def mention(draw, person):
    """One of the person's mentions written some way: a run of their name's words
    in any case, accents and joins; their email in any case; their phone with any
    separators or none, with or without a country code."""
    words, _, email, _, national = person
    kind = draw(st.sampled_from(["name", "email", "local", "phone"]))
    if kind == "name":
        start = draw(st.integers(0, len(words) - 1))
        end = draw(st.integers(start + 1, len(words)))
        run = words[start:end]
        if len(run) == 1 and len(run[0]) < NAME_PART_MIN:
            run = words  # a short word alone is no mention (tested apart)
            if len(run) == 1:
                return ""
        return draw(rendered(run[0])) + "".join(
            draw(st.sampled_from(JOINS)) + draw(rendered(word)) for word in run[1:]
        )
    if kind in ("email", "local"):
        text = email if kind == "email" else email.split("@")[0]
        if len(text) < NAME_PART_MIN:
            return ""
        return "".join(c.upper() if draw(st.booleans()) else c for c in text)
    separators = st.sampled_from(["", "", " ", "-", ".", "/"])
    digits = national[0] + "".join(draw(separators) + d for d in national[1:])
    prefix = draw(st.sampled_from(["", "+1 ", "+44-", "0044 ", "1-", "+353"]))
    return prefix + digits


@given(candidate(), st.data())
def test_a_scrubbed_text_keeps_nothing_of_any_mention(person, data):
    _, stored, email, phone, _ = person
    pieces = []
    for _ in range(data.draw(st.integers(1, 4))):
        pieces += [
            data.draw(OTHER_TEXT),
            data.draw(st.sampled_from(BOUNDARIES)),
            data.draw(mention(person)),
            data.draw(st.sampled_from(BOUNDARIES)),
        ]
    text = "".join(pieces + [data.draw(OTHER_TEXT)])
    scrubbed = scrub_text(text, mentions(stored, email, phone))
    left = fold(scrubbed.replace(MARKER, " "))[0]
    assert not set(left) & set(NAME_LETTERS), (text, scrubbed)
    assert not set(left) & set("012345"), (text, scrubbed)


@given(candidate(), st.lists(OTHER_TEXT, min_size=1, max_size=5), st.data())
def test_a_text_without_a_mention_is_left_byte_for_byte(person, chunks, data):
    """Words of the name shorter than NAME_PART_MIN, standing alone, stay too."""
    words, stored, email, phone, _ = person
    short = [w for w in words if len(w) < NAME_PART_MIN] or [""]
    pieces = []
    for chunk in chunks:
        pieces += [
            f" q{chunk} ",
            data.draw(rendered(data.draw(st.sampled_from(short)))),
        ]
    text = "".join(pieces)
    assert scrub_text(text, mentions(stored, email, phone)) == text


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("meet.example/anna_smith", "meet.example/[erased]"),
        ("AnnaSmith_notes", "[erased]_notes"),
        ("https://x/annasmith2", "https://x/[erased]2"),
        ("Annabel met the panel", "Annabel met the panel"),  # another name
    ],
)
def test_a_mention_ends_where_letters_end(text, left):
    """Links and file names join words with underscores and digits (code review)."""
    assert scrub_text(text, mentions("Anna Smith", None, None)) == left


def test_a_name_in_a_script_without_spaces_is_found_inside_a_sentence():
    patterns = mentions("王小明", None, None)
    assert scrub_text("面试：王小明下午到", patterns) == "面试：[erased]下午到"
