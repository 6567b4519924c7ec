"""Structural edits in the rubric editor, done by the server so they work without
JavaScript: add, remove or move a competency, add or remove a question or a scale
level. Pure: they take the editor's field values and return new ones, plus the id of
the field that should have focus next, so a keyboard user lands where they were.
"""

import copy
import re

from .forms import blank_competency


class UnknownAction(ValueError):
    pass


def apply_action(data: dict, action: str) -> tuple[dict, str | None]:
    """Apply ``action`` (e.g. ``up-2``, ``add-question-1``) to a copy of ``data``."""
    data = copy.deepcopy(data)
    comps = data.setdefault("competencies", [])
    scale = data.setdefault("scale", [])
    match = re.fullmatch(r"([a-z-]+?)((?:-\d+)*)", action or "")
    if match is None:
        raise UnknownAction(action)
    name, tail = match.groups()
    numbers = [int(n) for n in tail.split("-")[1:]]
    try:
        return data, _ACTIONS[name](comps, scale, *numbers)
    except (KeyError, IndexError, TypeError):
        raise UnknownAction(action) from None


def _add_competency(comps, scale):
    comps.append(blank_competency(len(scale)))
    return f"competencies-{len(comps) - 1}-key"


def _remove_competency(comps, scale, i):
    comps.pop(i)
    return "add-competency"


def _move(comps, i, j):
    if not 0 <= j < len(comps):
        return f"competencies-{i}-key"
    comps[i], comps[j] = comps[j], comps[i]
    return f"competencies-{j}-key"


def _add_question(comps, scale, i):
    comps[i].setdefault("questions", []).append({"text": "", "probes": ""})
    return f"competencies-{i}-questions-{len(comps[i]['questions']) - 1}-text"


def _remove_question(comps, scale, i, q):
    comps[i]["questions"].pop(q)
    return f"add-question-{i}"


def _add_level(comps, scale):
    values = [int(v) for v in (lv.get("value") for lv in scale) if str(v).isdigit()]
    scale.append({"value": str(max(values, default=0) + 1), "label": ""})
    for comp in comps:
        comp.setdefault("anchors", []).append("")
    return f"scale-{len(scale) - 1}-label"


def _remove_level(comps, scale, i):
    scale.pop(i)
    for comp in comps:
        if i < len(comp.get("anchors", [])):
            comp["anchors"].pop(i)
    return "add-level"


_ACTIONS = {
    "add-competency": _add_competency,
    "remove-competency": _remove_competency,
    "up": lambda comps, scale, i: _move(comps, i, i - 1),
    "down": lambda comps, scale, i: _move(comps, i, i + 1),
    "add-question": _add_question,
    "remove-question": _remove_question,
    "add-level": _add_level,
    "remove-level": _remove_level,
}
