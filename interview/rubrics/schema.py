"""The rubric format as a pydantic schema, and the rules that span several fields.

``validate`` takes the bytes of a file and returns the parsed rubric or every problem
found, each with its place. The shape and types are checked by the schema; the rules
that need the whole rubric (anchors per scale level, a minimum level on the scale,
unique keys, a reason for unequal weights) are checked with the scale read from the
same file, so one bad competency does not hide the problems of the others. Pure: no
Flask, no database. The format is described for people in ``FORMAT.md``.
"""

import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from ..text import control_character_problem
from .loader import Loaded, Problem, RubricFileError, load


def _storable(text: str) -> str:
    """Refuse control characters (a YAML escape such as "\\0" makes one) everywhere a
    rubric is read: upload, editor and the command line alike."""
    if problem := control_character_problem(text):
        raise ValueError(problem.removesuffix(" Your text is kept here."))
    return text


def _text(max_length: int):
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length),
        AfterValidator(_storable),
    ]


RubricKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{1,62}$")]
CompetencyKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,62}$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,62}$")]
Discipline = Literal["clinical", "technical"]
RESERVED_KEYS = frozenset({"new", "upload"})  # /rubrics/new and /rubrics/upload

DEFAULT_SCALE = (
    (1, "Strong no"),
    (2, "No"),
    (3, "Yes"),
    (4, "Strong yes"),
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(_Strict):
    value: int = Field(ge=0, le=10)
    label: _text(60)


class QuestionSpec(_Strict):
    text: _text(1000)
    probes: list[_text(500)] = Field(min_length=1, max_length=10)


class Evidence(_Strict):
    positive: list[_text(500)] = Field(min_length=1, max_length=15)
    negative: list[_text(500)] = Field(min_length=1, max_length=15)


class Cues(_Strict):
    clinical: _text(2000)
    technical: _text(2000)


def _same_words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


class CompetencySpec(_Strict):
    key: CompetencyKey
    name: _text(120)
    definition: _text(2000)
    weight: float = Field(default=1.0, gt=0, le=100)
    assessed_by: Literal["clinical", "technical", "both"]
    lead_discipline: Discipline | None = None
    min_level: int | None = None
    anchors: dict[int, _text(1500)]
    questions: list[QuestionSpec] = Field(min_length=2, max_length=12)
    evidence: Evidence
    cues: Cues

    @field_validator("anchors")
    @classmethod
    def _one_anchor_per_level(cls, anchors: dict[int, str], info: ValidationInfo):
        scale = (info.context or {}).get("scale")
        if scale and sorted(anchors) != scale:
            if len(anchors) != len(scale):
                raise ValueError(
                    f"{len(anchors)} anchors for a {len(scale)}-level scale"
                )
            raise ValueError(
                f"anchors are for levels {sorted(anchors)} but the scale has {scale}"
            )
        seen: dict[str, int] = {}
        for level in sorted(anchors):
            words = _same_words(anchors[level])
            if words in seen:
                raise ValueError(
                    f"the anchors for levels {seen[words]} and {level} say the same thing "
                    "word for word; each level needs its own observable behaviour"
                )
            seen[words] = level
        return anchors

    @field_validator("lead_discipline")
    @classmethod
    def _lead_assesses(cls, lead: str | None, info: ValidationInfo):
        assessed_by = info.data.get("assessed_by")
        if lead and assessed_by and assessed_by not in ("both", lead):
            raise ValueError(
                f"lead_discipline is {lead} but only {assessed_by} interviewers "
                "assess this competency"
            )
        return lead

    @field_validator("min_level")
    @classmethod
    def _minimum_on_scale(cls, level: int | None, info: ValidationInfo):
        scale = (info.context or {}).get("scale")
        if level is not None and scale and level not in scale:
            raise ValueError(f"min_level {level} is not a level of the scale {scale}")
        return level


class RubricSpec(_Strict):
    key: RubricKey
    title: _text(200)
    description: _text(4000)
    job_families: list[Slug] = Field(min_length=1, max_length=30)
    scale: list[Level] = Field(
        default=[Level(value=v, label=label) for v, label in DEFAULT_SCALE],
        min_length=2,
        max_length=10,
    )
    weight_reason: _text(4000) | None = None
    competencies: list[CompetencySpec] = Field(min_length=1, max_length=30)

    @field_validator("key")
    @classmethod
    def _not_reserved(cls, key: str):
        if key in RESERVED_KEYS:
            raise ValueError(f"{key!r} names a page of the site; choose another key")
        return key

    @field_validator("scale")
    @classmethod
    def _ordered_scale(cls, scale: list[Level]):
        values = [level.value for level in scale]
        if values != sorted(set(values)):
            raise ValueError(f"scale values must rise without repeats, not {values}")
        labels = [level.label.casefold() for level in scale]
        if len(set(labels)) != len(labels):
            raise ValueError("each scale level needs its own label")
        return scale

    @property
    def scale_values(self) -> list[int]:
        return [level.value for level in self.scale]


@dataclass(frozen=True)
class Result:
    rubric: RubricSpec | None
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


MAX_PROBLEMS = 100


def validate(raw: bytes) -> Result:
    """Read and check a rubric file; every problem is reported, none is fatal alone."""
    try:
        loaded = load(raw)
    except RubricFileError as exc:
        return Result(None, _capped(exc.problems))
    result = validate_data(loaded)
    return Result(result.rubric, _capped(result.problems))


def _capped(problems: list[Problem]) -> list[Problem]:
    """Keep a report readable: a file with thousands of problems is not a rubric."""
    if len(problems) <= MAX_PROBLEMS:
        return problems
    more = len(problems) - MAX_PROBLEMS
    return [*problems[:MAX_PROBLEMS], Problem((), f"... and {more:,} more problems")]


def validate_data(loaded: Loaded) -> Result:
    """Check already-parsed rubric data (from a file or from the editor)."""
    data = loaded.data
    if not isinstance(data, dict):
        return Result(None, [Problem((), "a rubric must be a mapping of fields", 1)])
    problems = _whole_rubric_problems(data, loaded)
    rubric = None
    try:
        rubric = RubricSpec.model_validate(data, context={"scale": _scale_of(data)})
    except ValidationError as exc:
        found = [_problem(error, data, loaded) for error in exc.errors()]
        if any(p.path[:1] == ("scale",) for p in problems):  # said at its field
            found = [p for p in found if p.path != ("scale",)]
        problems = found + problems
    if problems:
        return Result(None, problems)
    return Result(rubric, [])


def _scale_of(data: dict) -> list[int] | None:
    """The scale values as written, or None if the scale itself is malformed."""
    scale = data.get("scale")
    if scale is None:
        return [value for value, _ in DEFAULT_SCALE]
    try:
        values = [level["value"] for level in scale]
    except (TypeError, KeyError):
        return None
    ints = all(isinstance(v, int) and not isinstance(v, bool) for v in values)
    # A scale out of order or with a repeat is reported once, at its own field,
    # rather than again at every competency's anchors.
    return values if ints and values == sorted(set(values)) else None


def _competencies(data: dict) -> list:
    items = data.get("competencies")
    return items if isinstance(items, list) else []


def _scale_gap_problem(data: dict, loaded: Loaded) -> list[Problem]:
    """A scale must climb one step at a time: means, gaps and spreads count levels."""
    # A file-level rule, not a model validator: versions saved before it are rebuilt
    # with the model (rubrics/documents.py) and must still load for export and diff.
    scale = data.get("scale")
    if not isinstance(scale, list):
        return []
    written = [
        level.get("value") if isinstance(level, dict) else None for level in scale
    ]
    ints = all(isinstance(v, int) and not isinstance(v, bool) for v in written)
    if not ints:
        return []  # the schema reports a malformed scale itself
    for i in range(1, len(written)):
        if written[i] <= written[i - 1]:
            path = ("scale", i, "value")
            what = (
                f"{written[i]} appears twice"
                if written[i] == written[i - 1]
                else f"{written[i]} comes after {written[i - 1]}"
            )
            message = (
                f"scale values must rise without repeats: {what} (the scale is "
                f"{written}); list the lowest level first"
            )
            return [Problem(path, message, loaded.line_of(path))]
    for i in range(1, len(written)):
        if written[i] != written[i - 1] + 1:
            path = ("scale", i, "value")
            message = (
                f"scale values must be consecutive whole numbers: after "
                f"{written[i - 1]} comes {written[i - 1] + 1}, not {written[i]} "
                f"(the scale is {written}); means and gaps between interviewers "
                "count levels, so a scale cannot skip values"
            )
            return [Problem(path, message, loaded.line_of(path))]
    return []


def _whole_rubric_problems(data: dict, loaded: Loaded) -> list[Problem]:
    """Rules across competencies: unique keys; unequal weights need a written reason;
    a scale of consecutive values."""
    problems = _scale_gap_problem(data, loaded)
    first: dict[str, int] = {}
    weights = []
    for i, item in enumerate(_competencies(data)):
        if not isinstance(item, dict):
            continue
        key = item.get("key")
        if isinstance(key, str) and key in first:
            path = ("competencies", i, "key")
            message = (
                f"duplicate competency key {key!r} (also competencies[{first[key]}])"
            )
            problems.append(Problem(path, message, loaded.line_of(path), key))
        elif isinstance(key, str):
            first[key] = i
        weight = item.get("weight", 1)
        if (
            isinstance(weight, (int, float))
            and not isinstance(weight, bool)
            and weight > 0
        ):
            weights.append(weight)
    reason = data.get("weight_reason")
    if len(set(weights)) > 1 and not (isinstance(reason, str) and reason.strip()):
        shown = ", ".join(f"{w:g}" for w in weights)
        problems.append(
            Problem(
                ("weight_reason",),
                f"the weights differ ({shown}) but no weight_reason says why; give "
                "equal weights or write the reason, as structured interview guidance asks",
                loaded.line_of(("weight_reason",)),
            )
        )
    return problems


_FRIENDLY = {
    "missing": "this field is required",
    "extra_forbidden": "unknown field (check its spelling against FORMAT.md)",
    "greater_than": "must be greater than {gt}",
    "string_pattern_mismatch": "use lowercase letters, digits and {allowed} only",
    "too_short": "needs at least {min_length} (has {actual_length})",
    "too_long": "has {actual_length}; at most {max_length} are allowed",
}


def _problem(error: dict, data: dict, loaded: Loaded) -> Problem:
    """Turn a pydantic error into a Problem with a plain message and a line."""
    path = tuple(part for part in error["loc"] if not str(part).startswith("function-"))
    kind = error["type"]
    message = error["msg"].removeprefix("Value error, ")
    if kind == "greater_than" and path[-1:] == ("weight",):
        message = "the weight must be positive"
    elif kind == "string_pattern_mismatch":
        allowed = "underscores" if "competencies" in path else "dashes or underscores"
        message = _FRIENDLY[kind].format(allowed=allowed) + ", starting with a letter"
    elif kind in ("too_short", "too_long") and "actual_length" in (
        error.get("ctx") or {}
    ):
        message = _FRIENDLY[kind].format(**error["ctx"])
    elif kind in _FRIENDLY and kind not in ("too_short", "too_long"):
        message = _FRIENDLY[kind].format(**(error.get("ctx") or {}))
    elif kind == "string_too_short" and (error.get("ctx") or {}).get("min_length") == 1:
        message = "cannot be empty"
    elif kind == "string_type" and isinstance(error.get("input"), bool):
        message = 'YAML read this as yes/no; put the text in quotes, e.g. "No"'
    return Problem(path, message, loaded.line_of(path), _competency_key(data, path))


def _competency_key(data: dict, path: tuple) -> str | None:
    if len(path) >= 2 and path[0] == "competencies" and isinstance(path[1], int):
        items = _competencies(data)
        if path[1] < len(items) and isinstance(items[path[1]], dict):
            key = items[path[1]].get("key")
            return key if isinstance(key, str) else None
    return None


def raise_for(result: Result) -> RubricSpec:
    """Return the rubric, or raise ``RubricFileError`` with every problem."""
    if result.rubric is None:
        raise RubricFileError(result.problems)
    return result.rubric
