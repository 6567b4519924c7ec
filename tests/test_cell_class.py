"""The class a list's cell of typed text gets (interview/cells.py, issue 14): "words"
(wrap between words only) when no run without a space or hyphen is over 24
characters, so a pasted long word still wraps anywhere."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interview.cells import LONGEST_WORD, cell_class


@pytest.mark.parametrize(
    ("base", "text", "expected"),
    [
        ("", "Anna-Lena Müller-Lüdenscheidt", "words"),
        ("typed", "Anna-Lena Müller-Lüdenscheidt", "typed words"),
        ("typed", "Konstantinopoulou-Vanderbilt", "typed words"),
        ("typed", "x" * 24, "typed words"),
        ("typed", "x" * 25, "typed"),
        ("", "Ada <Lovelace> & Co", "words"),
        ("", "https://www.linkedin.com/in/someone", ""),
        ("typed", None, "typed words"),
        ("", "", "words"),
        # A no-break space or a line break separates words too.
        ("", "x" * 20 + "\u00a0" + "x" * 20, "words"),
        ("", "x" * 20 + "\n" + "x" * 20, "words"),
        ("typed", "x" * 13 + "\u00e9" * 12, "typed"),  # characters, not bytes
    ],
)
def test_cell_class(base, text, expected):
    assert cell_class(base, text) == expected


@given(
    st.sampled_from(["", "typed"]),
    st.one_of(
        st.none(),
        st.text(),
        st.lists(
            st.text(alphabet="aé- \u00a0\t", min_size=0, max_size=40), max_size=4
        ).map("".join),
    ),
)
def test_words_exactly_when_no_run_is_longer_than_a_word(base, text):
    runs = (text or "").replace("-", " ").split()
    words = not any(len(run) > LONGEST_WORD for run in runs)
    assert cell_class(base, text) == (f"{base} words".strip() if words else base)
