"""What erasure keeps and removes (lifecycle/rules.py), alone: plain values."""

import json

from hypothesis import given
from hypothesis import strategies as st

from interview.lifecycle.rules import MARKER, mentions, redact_json, scrub_text

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
    redacted = redact_json(value)
    old, new = dict(_leaves(value)), dict(_leaves(redacted))
    assert old.keys() == new.keys()
    for path, leaf in old.items():
        assert new[path] == (MARKER if isinstance(leaf, str) else leaf)
    assert redact_json(redacted) == redacted  # a second redaction changes nothing
    json.dumps(redacted)


def test_a_scorecard_snapshot_keeps_its_levels():
    snapshot = {
        "recommendation": 3,
        "summary": "Priya was great",
        "ratings": {"workflow": {"level": 2, "not_assessed": False, "evidence": "x"}},
    }
    assert redact_json(snapshot) == {
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
    assert scrub_text("Ward visit", []) == "Ward visit"
