"""The class _macros/cells.html gives a list's cell of typed text (issue 14): "words"
(wrap between words only) when no run without a space or hyphen is over 24
characters, so a pasted long word still wraps anywhere. Rendered without an app."""

from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader

import interview

TEMPLATES = Path(interview.__file__).parent / "templates"


@pytest.fixture(scope="module")
def cell_class():
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    return env.get_template("_macros/cells.html").module.cell_class


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
    ],
)
def test_cell_class(cell_class, base, text, expected):
    assert str(cell_class(base, text)) == expected
