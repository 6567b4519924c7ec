"""The life of a loop: which status may follow which. Pure.

planned -> interviewing (only when the panel leaves no coverage gap) -> debrief ->
decided; any open loop may be withdrawn, and a withdrawn loop may be planned again.
A decided loop stays decided.
"""

TRANSITIONS = {
    "planned": ("interviewing", "withdrawn"),
    "interviewing": ("debrief", "planned", "withdrawn"),
    "debrief": ("decided", "interviewing", "withdrawn"),
    "decided": (),
    "withdrawn": ("planned",),
}

LABELS = {
    "planned": "Planned",
    "interviewing": "Interviewing",
    "debrief": "Debrief",
    "decided": "Decided",
    "withdrawn": "Withdrawn",
}


def moved_message(current: str, target: str) -> str:
    """The flash after a status change, in plain words for each step."""
    if target == "planned":
        return (
            "The loop is planned again."
            if current == "withdrawn"
            else "The loop moved back to planned."
        )
    return {
        "interviewing": "The loop is now interviewing."
        if current == "planned"
        else "The loop moved back to interviewing.",
        "debrief": "The loop moved to debrief.",
        "decided": "The loop is decided.",
        "withdrawn": "The loop was withdrawn.",
    }[target]


def transition_problem(current: str, target: str, gaps: list[str]) -> str | None:
    """Why the loop cannot move from ``current`` to ``target``, or None if it can."""
    if target not in TRANSITIONS.get(current, ()):
        allowed = (
            ", ".join(LABELS[t].lower() for t in TRANSITIONS.get(current, ())) or "none"
        )
        article = "An" if current[0] in "aeiou" else "A"
        return (
            f"{article} {LABELS[current].lower()} loop cannot become "
            f"{LABELS[target].lower()} (possible: {allowed})."
        )
    if target == "interviewing" and gaps:
        return "The panel still has gaps: " + "; ".join(gaps) + "."
    return None
