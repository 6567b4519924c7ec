"""A readable difference between two versions of a rubric. Pure: specs in, lines out.

Competencies are matched by key, questions by their text, so a reworded question shows
as one removed and one added, which is what an interviewer would notice too.
"""

from dataclasses import dataclass

from .schema import CompetencySpec, RubricSpec


@dataclass(frozen=True)
class Change:
    """One difference: where it is, what happened, and the text before and after."""

    where: str
    what: str
    before: str | None = None
    after: str | None = None


def diff(old: RubricSpec, new: RubricSpec) -> list[Change]:
    """List what changed from ``old`` to ``new``, rubric fields first."""
    changes = _fields("Rubric", old, new, ("title", "description", "weight_reason"))
    if old.job_families != new.job_families:
        changes.append(
            Change(
                "Rubric",
                "job families changed",
                _join(old.job_families),
                _join(new.job_families),
            )
        )
    if old.scale != new.scale:
        changes.append(
            Change("Rubric", "rating scale changed", _scale(old), _scale(new))
        )
    before = {c.key: c for c in old.competencies}
    after = {c.key: c for c in new.competencies}
    for c in new.competencies:
        if c.key not in before:
            changes.append(Change(_name(c), "competency added", None, c.definition))
    for c in old.competencies:
        if c.key not in after:
            changes.append(Change(_name(c), "competency removed", c.definition, None))
    kept_old = [c.key for c in old.competencies if c.key in after]
    kept_new = [c.key for c in new.competencies if c.key in before]
    if kept_old != kept_new:
        changes.append(
            Change("Rubric", "competencies reordered", _join(kept_old), _join(kept_new))
        )
    for key in kept_new:
        changes += _competency(before[key], after[key])
    return changes


def _competency(old: CompetencySpec, new: CompetencySpec) -> list[Change]:
    where = _name(new)
    fields = (
        "name",
        "definition",
        "weight",
        "assessed_by",
        "lead_discipline",
        "min_level",
    )
    changes = _fields(where, old, new, fields)
    for level in sorted(set(old.anchors) | set(new.anchors)):
        if old.anchors.get(level) != new.anchors.get(level):
            changes.append(
                Change(
                    where,
                    f"anchor for level {level} changed",
                    old.anchors.get(level),
                    new.anchors.get(level),
                )
            )
    old_q = {q.text: q for q in old.questions}
    new_q = {q.text: q for q in new.questions}
    changes += [
        Change(where, "question added", None, t) for t in new_q if t not in old_q
    ]
    changes += [
        Change(where, "question removed", t, None) for t in old_q if t not in new_q
    ]
    for text in new_q.keys() & old_q.keys():
        if old_q[text].probes != new_q[text].probes:
            changes.append(
                Change(
                    where,
                    f"probes changed for “{text}”",
                    _join(old_q[text].probes),
                    _join(new_q[text].probes),
                )
            )
    for side in ("positive", "negative"):
        was, now = getattr(old.evidence, side), getattr(new.evidence, side)
        if was != now:
            changes.append(
                Change(where, f"{side} evidence changed", _join(was), _join(now))
            )
    for side in ("clinical", "technical"):
        was, now = getattr(old.cues, side), getattr(new.cues, side)
        if was != now:
            changes.append(
                Change(where, f"cues for {side} interviewers changed", was, now)
            )
    return changes


def _fields(where: str, old, new, names) -> list[Change]:
    return [
        Change(
            where,
            f"{name.replace('_', ' ')} changed",
            _text(getattr(old, name)),
            _text(getattr(new, name)),
        )
        for name in names
        if getattr(old, name) != getattr(new, name)
    ]


def _name(c: CompetencySpec) -> str:
    return f"{c.name} ({c.key})"


def _text(value) -> str | None:
    if value is None:
        return None
    return f"{value:g}" if isinstance(value, float) else str(value)


def _join(items) -> str:
    return "; ".join(items)


def _scale(spec: RubricSpec) -> str:
    return ", ".join(f"{level.value} {level.label}" for level in spec.scale)
