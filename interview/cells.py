"""The class of a list's cell of typed text (a row's name or title, a phone, a source,
a requisition), for the templates' ``cell_class``.

A "words" cell wraps between words alone (style.css): wrapping anywhere split
"Anna-Lena Müller-Lüdenscheidt" mid-word on a tablet (issue 14). Text holding a run
of over ``LONGEST_WORD`` characters without a space or hyphen (a pasted 200-character
word, a link) still breaks anywhere, so it cannot widen the table. Plain Python, not
a Jinja macro: its three calls a row cost a list page of 25 rows about a millisecond (issue 11).
The class only, never the text: the text is escaped where it is shown.
"""

import re

LONGEST_WORD = 24
_LONG_RUN = re.compile(rf"[^\s-]{{{LONGEST_WORD + 1}}}")


def cell_class(base: str, text: str | None) -> str:
    """``base``, plus "words" when ``text`` holds only words of ordinary length."""
    words = _LONG_RUN.search(text or "") is None
    return f"{base} words".strip() if words else base.strip()
