"""What typed text may hold. Pure: strings in, a message or None out.

Control characters (Unicode category Cc) other than tab, line feed and carriage return
are refused everywhere a person types: PostgreSQL cannot store NUL at all, SQLite
stores it and then truncates it in places, and none of them is ever typed on purpose
(they arrive by pasting from PDFs and terminals). Refusing them in one place makes
both databases behave the same, and the message says which character and where so
the person can find it in their text, which is kept.
"""

import unicodedata

ALLOWED = frozenset("\t\n\r")


def first_control_character(text: str) -> tuple[int, str] | None:
    """The position (from 1) and the character of the first refused control character."""
    for index, char in enumerate(text, start=1):
        if char not in ALLOWED and unicodedata.category(char) == "Cc":
            return index, char
    return None


def control_character_problem(text: str | None) -> str | None:
    """A message naming the first refused control character, or None if there is none."""
    if not text:
        return None
    found = first_control_character(text)
    if found is None:
        return None
    index, char = found
    return (
        f"Remove the invisible control character U+{ord(char):04X} at character "
        f"{index:,}: it cannot be stored. Your text is kept here."
    )
