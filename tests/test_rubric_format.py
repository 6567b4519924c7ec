"""The rubric file format: every bad file is refused whole, with every problem placed."""

import time
import tracemalloc
from unittest import mock

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from interview.rubrics import loader
from interview.rubrics.schema import validate

from .rubric_samples import competency, dump, rubric


def problems(raw: bytes) -> list[str]:
    return [str(p) for p in validate(raw).problems]


def test_the_sample_is_valid():
    result = validate(dump(rubric()))
    assert result.ok, result.problems
    assert [level.label for level in result.rubric.scale] == [
        "Strong no",
        "No",
        "Yes",
        "Strong yes",
    ]  # the default 4-level scale with no neutral midpoint


def test_anchor_count_must_match_the_scale():
    bad = competency("comms")
    del bad["anchors"][4]
    raw = dump(rubric(competencies=[competency("workflow"), competency("x_y"), bad]))
    assert problems(raw) == [
        "competencies[2].anchors (key comms, line 59): 3 anchors for a 4-level scale"
    ]


def test_every_problem_is_reported_at_once():
    first = competency("workflow", weight=0)
    second = competency("workflow", colour="blue")
    del second["cues"]
    found = problems(dump(rubric(competencies=[first, second], job_families=[])))
    assert len(found) == 5, found
    joined = "\n".join(found)
    for expected in (
        "job_families (line 4): needs at least 1 (has 0)",
        "competencies[0].weight (key workflow, line 30): the weight must be positive",
        "competencies[1].cues (key workflow, line 31): this field is required",
        "competencies[1].colour (key workflow, line 52): unknown field",
        "competencies[1].key (key workflow, line 31): duplicate competency key 'workflow'",
    ):
        assert expected in joined


@pytest.mark.parametrize("weight", [0, -1.5])
def test_weights_must_be_positive(weight):
    raw = dump(
        rubric(competencies=[competency("a_b", weight=weight), competency("c_d")])
    )
    assert "competencies[0].weight (key a_b, line 31): the weight must be positive" in (
        problems(raw)
    )


def test_unequal_weights_need_a_written_reason():
    uneven = [competency("a_b", weight=2), competency("c_d")]
    assert problems(dump(rubric(competencies=uneven))) == [
        (
            "weight_reason (line 1): the weights differ (2, 1) but no weight_reason says why; "
            "give equal weights or write the reason, as structured interview guidance asks"
        )
    ]
    reason = "Interoperability failures reach patients directly, per the job analysis."
    assert validate(dump(rubric(competencies=uneven, weight_reason=reason))).ok


def test_anchors_repeating_each_other_word_for_word_are_refused():
    same = competency("a_b")
    same["anchors"][3] = "Names the cause and the change they made to the build"
    same["anchors"][2] = "names the CAUSE and the change they made to the build!"
    assert problems(dump(rubric(competencies=[same]))) == [
        (
            "competencies[0].anchors (key a_b, line 11): the anchors for levels 2 and 3 say "
            "the same thing word for word; each level needs its own observable behaviour"
        )
    ]


def test_min_level_and_lead_discipline_must_make_sense():
    odd = competency(
        "a_b", min_level=7, assessed_by="clinical", lead_discipline="technical"
    )
    found = problems(dump(rubric(competencies=[odd])))
    assert found == [
        (
            "competencies[0].lead_discipline (key a_b, line 32): lead_discipline is technical "
            "but only clinical interviewers assess this competency"
        ),
        (
            "competencies[0].min_level (key a_b, line 31): min_level 7 is not a level of the "
            "scale [1, 2, 3, 4]"
        ),
    ]


def test_a_custom_scale_needs_matching_anchors():
    scale = [{"value": v, "label": f"Level {v}"} for v in range(1, 6)]
    found = problems(dump(rubric(scale=scale)))
    assert (
        "competencies[0].anchors (key workflow, line 11): 4 anchors for a 5-level scale"
        in (found)
    )
    shuffled = [{"value": 2, "label": "A"}, {"value": 1, "label": "B"}]
    expected = (
        "scale[1].value (line 59): scale values must rise without repeats: 1 comes "
        "after 2 (the scale is [2, 1]); list the lowest level first"
    )
    assert problems(dump(rubric(scale=shuffled))) == [expected]


def test_a_bare_no_label_gets_a_hint():
    raw = dump(rubric()).replace(b"title: Sample rubric", b"title: No")
    assert problems(raw) == [
        'title (line 2): YAML read this as yes/no; put the text in quotes, e.g. "No"'
    ]


def test_files_over_one_mebibyte_are_refused_unread():
    raw = dump(rubric()) + b"#" * (1024 * 1024)
    assert problems(raw) == [
        f"file: the file is {len(raw):,} bytes; the limit is 1 MiB (1,048,576 bytes)"
    ]


def test_billion_laughs_is_refused_quickly_and_small():
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    raw = "\n".join(lines).encode()
    tracemalloc.start()
    started = time.perf_counter()
    found = problems(raw)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert found == [
        "file (line 2): YAML aliases (*name) are not allowed; write the text out"
    ]
    # Expanded, this would be 9**10 strings; refused, it costs next to nothing.
    assert elapsed < 1 and peak < 10 * 1024 * 1024


def test_tags_that_would_build_python_objects_are_refused(tmp_path):
    marker = tmp_path / "pwned"
    raw = (
        dump(rubric())
        + f'extra: !!python/object/apply:os.system ["touch {marker}"]\n'.encode()
    )
    assert problems(raw) == [
        (
            "extra (line 56): the tag !!python/object/apply:os.system is not allowed: "
            "use plain YAML values"
        )
    ]
    assert not marker.exists()


def test_duplicate_keys_are_refused():
    raw = dump(rubric()).replace(b"title: Sample rubric", b"title: One\ntitle: Two")
    assert problems(raw) == ["title (line 3): duplicate key 'title' (first at line 2)"]


@pytest.mark.parametrize(
    "raw, message",
    [
        (
            "key: café".encode("latin-1"),
            (
                "file: the file is not UTF-8 text (byte 0xe9 at "
                "position 8); save it as UTF-8"
            ),
        ),
        (b"key: a\x00b", "file: the file is not text: it contains NUL bytes"),
        (b"", "file: the file is empty"),
        (
            b"key: [unclosed",
            "file (line 2): not valid YAML: did not find expected ',' or ']'",
        ),
        (b"- a list", "file (line 1): a rubric must be a mapping of fields"),
    ],
)
def test_files_that_are_not_rubric_text(raw, message):
    assert problems(raw) == [message]


def test_a_utf8_byte_order_mark_is_fine():
    assert validate(b"\xef\xbb\xbf" + dump(rubric())).ok


def test_unicode_text_is_kept_exactly():
    text = "Erklärt es der Pflege 👩‍⚕️ — שלום"
    data = rubric()
    data["competencies"][0]["definition"] = text
    assert validate(dump(data)).rubric.competencies[0].definition == text


TOO_DEEP = "nested too deeply for a rubric"
OVER = loader.MAX_DEPTH + 1


# Both of PyYAML's parsers: the libyaml in PyYAML 6.0.4 refuses 1,000 levels itself
# (with words of its own), the pure-Python one has no limit.
PARSERS = [
    pytest.param(yaml.CSafeLoader, id="libyaml"),
    pytest.param(yaml.SafeLoader, id="pure-python"),
]


@pytest.mark.parametrize(
    "raw, line",
    [
        # A megabyte of '[' crashed the process in libyaml's recursive composer.
        pytest.param(b"[" * (1024 * 1024), 1, id="a-megabyte-of-brackets"),
        pytest.param(b"[" * OVER + b"]" * OVER, 1, id="one-level-over"),
        pytest.param(b"- " * OVER + b"x", 1, id="block-lists"),
        pytest.param(b"{a: " * 5000, 1, id="flow-mappings"),
        pytest.param(b"k: " + b"[" * 1001, 1, id="just-past-libyaml-limit"),
        pytest.param(b"key: ok\nlist:\n  - " + b"[" * 3000, 3, id="on-line-3"),
    ],
)
@pytest.mark.parametrize("parser", PARSERS)
def test_deep_nesting_is_refused_in_the_projects_words(parser, raw, line):
    """Whatever the parser's own limit, the answer is ours and points at the line."""
    with mock.patch.object(loader, "_Loader", parser):
        assert problems(raw) == [f"file (line {line}): {TOO_DEEP}"]


@pytest.mark.parametrize("parser", PARSERS)
@settings(max_examples=60, deadline=None)
@given(
    block=st.integers(0, loader.MAX_DEPTH + 2),
    depth=st.integers(0, 3000),
    pattern=st.lists(st.sampled_from(["[", "{", "{a: "]), min_size=1, max_size=4),
    closed=st.booleans(),
)
def test_only_depth_past_the_rubric_limit_is_refused_as_too_deep(
    parser, block, depth, pattern, closed
):
    """Depth past ``MAX_DEPTH`` gets our message, depth within it never does."""
    flow = [pattern[i % len(pattern)] for i in range(depth)]
    closers = "".join("]" if opener == "[" else "}" for opener in reversed(flow))
    text = "- " * block + "".join(flow) + (closers if closed else "")
    with mock.patch.object(loader, "_Loader", parser):
        found = problems(text.encode())
    if block + depth > loader.MAX_DEPTH:
        assert found == [f"file (line 1): {TOO_DEEP}"]
    else:
        assert not any(TOO_DEEP in problem for problem in found)


def test_a_file_of_countless_tiny_values_is_refused():
    assert problems(b"k: 1\n" * 200_000) == [
        "file (line 10001): more than 20,000 values: too many for a rubric"
    ]


def test_a_report_stops_at_a_hundred_problems():
    found = problems(b"".join(b"k%d: 1\n" % i for i in range(500)))
    assert len(found) == 101
    assert found[-1] == "file: ... and 405 more problems"


@pytest.mark.parametrize("key", ["new", "upload"])
def test_keys_that_name_pages_are_reserved(key):
    assert problems(dump(rubric(key=key))) == [
        f"key (line 1): {key!r} names a page of the site; choose another key"
    ]
