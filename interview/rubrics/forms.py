"""The rubric editor's forms, and the mapping between them and the file format.

The editor holds no rules of its own: what is typed becomes the same data a YAML file
would hold, the schema checks it, and each problem is put back next to its field.
Lists (probes, evidence, job families) are typed one per line.
"""

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)

from ..forms import Form as BaseForm
from .loader import Problem
from .schema import DEFAULT_SCALE, RubricSpec

DISCIPLINES = [
    SelectChoice("both", "Both"),
    SelectChoice("clinical", "Clinical"),
    SelectChoice("technical", "Technical"),
]
LEADS = [
    SelectChoice("", "No lead"),
    SelectChoice("clinical", "Clinical"),
    SelectChoice("technical", "Technical"),
]


class LevelForm(Form):
    value = StringField("Value")
    label = StringField("Label")


class QuestionForm(Form):
    text = TextAreaField("Question")
    probes = TextAreaField("Follow-up probes, one per line")


class CompetencyForm(Form):
    key = StringField("Key", description="Lowercase letters, digits and underscores.")
    name = StringField("Name")
    definition = TextAreaField("Definition")
    weight = StringField("Weight", default="1")
    assessed_by = SelectField("Assessed by", choices=DISCIPLINES)
    lead_discipline = SelectField("Whose judgement counts most", choices=LEADS)
    min_level = StringField("Minimum level for a hire (optional)")
    anchors = FieldList(TextAreaField("Anchor"))
    questions = FieldList(FormField(QuestionForm))
    positive_evidence = TextAreaField("Positive evidence, one per line")
    negative_evidence = TextAreaField("Negative evidence, one per line")
    clinical_cues = TextAreaField("Cues for clinical interviewers")
    technical_cues = TextAreaField("Cues for technical interviewers")


class RubricForm(BaseForm):
    based_on = HiddenField()
    key = StringField(
        "Key", description="Lowercase letters, digits, dashes; it never changes."
    )
    title = StringField("Title")
    description = TextAreaField("Description")
    job_families = TextAreaField("Job families, one per line")
    weight_reason = TextAreaField(
        "Why the weights differ",
        description="Required when competencies have different weights.",
    )
    scale = FieldList(FormField(LevelForm))
    competencies = FieldList(FormField(CompetencyForm))
    save = SubmitField("Save as a new version")


class UploadForm(BaseForm):
    file = FileField("Rubric file (YAML, at most 1 MiB)", validators=[FileRequired()])
    submit = SubmitField("Upload and check")


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _number(text: str | None, kind=int):
    """A typed number, or the text itself so the schema can say what is wrong."""
    text = (text or "").strip()
    try:
        return kind(text)
    except ValueError:
        return text


def form_to_data(form: RubricForm) -> dict:
    """What the editor holds, as the data a rubric file would hold."""
    scale = [
        {
            "value": _number(level.form.value.data),
            "label": (level.form.label.data or "").strip(),
        }
        for level in form.scale
    ]
    values = [level["value"] for level in scale]
    return {
        "key": (form.key.data or "").strip(),
        "title": (form.title.data or "").strip(),
        "description": (form.description.data or "").strip(),
        "job_families": _lines(form.job_families.data),
        "scale": scale,
        "weight_reason": (form.weight_reason.data or "").strip() or None,
        "competencies": [_competency_data(c.form, values) for c in form.competencies],
    }


def _competency_data(c: CompetencyForm, values: list) -> dict:
    data = {
        "key": (c.key.data or "").strip(),
        "name": (c.name.data or "").strip(),
        "definition": (c.definition.data or "").strip(),
        "weight": _number(c.weight.data or "1", float),
        "assessed_by": c.assessed_by.data,
        "anchors": {
            values[i] if i < len(values) else i + 1: (anchor.data or "").strip()
            for i, anchor in enumerate(c.anchors)
        },
        "questions": [
            {
                "text": (q.form.text.data or "").strip(),
                "probes": _lines(q.form.probes.data),
            }
            for q in c.questions
        ],
        "evidence": {
            "positive": _lines(c.positive_evidence.data),
            "negative": _lines(c.negative_evidence.data),
        },
        "cues": {
            "clinical": (c.clinical_cues.data or "").strip(),
            "technical": (c.technical_cues.data or "").strip(),
        },
    }
    if c.lead_discipline.data:
        data["lead_discipline"] = c.lead_discipline.data
    if (c.min_level.data or "").strip():
        data["min_level"] = _number(c.min_level.data)
    return data


def spec_to_form_data(spec: RubricSpec) -> dict:
    """A saved rubric as the editor's field values."""
    return {
        "key": spec.key,
        "title": spec.title,
        "description": spec.description,
        "job_families": "\n".join(spec.job_families),
        "weight_reason": spec.weight_reason or "",
        "scale": [{"value": str(lv.value), "label": lv.label} for lv in spec.scale],
        "competencies": [
            {
                "key": c.key,
                "name": c.name,
                "definition": c.definition,
                "weight": f"{c.weight:g}",
                "assessed_by": c.assessed_by,
                "lead_discipline": c.lead_discipline or "",
                "min_level": "" if c.min_level is None else str(c.min_level),
                "anchors": [c.anchors.get(lv.value, "") for lv in spec.scale],
                "questions": [
                    {"text": q.text, "probes": "\n".join(q.probes)} for q in c.questions
                ],
                "positive_evidence": "\n".join(c.evidence.positive),
                "negative_evidence": "\n".join(c.evidence.negative),
                "clinical_cues": c.cues.clinical,
                "technical_cues": c.cues.technical,
            }
            for c in spec.competencies
        ],
    }


def blank_competency(levels: int) -> dict:
    return {
        "assessed_by": "both",
        "weight": "1",
        "anchors": [""] * levels,
        "questions": [{"text": "", "probes": ""}, {"text": "", "probes": ""}],
    }


def blank_form_data() -> dict:
    """A new rubric: the default 4-level scale and one empty competency."""
    return {
        "scale": [{"value": str(v), "label": label} for v, label in DEFAULT_SCALE],
        "competencies": [blank_competency(len(DEFAULT_SCALE))],
    }


def form_data(form: RubricForm) -> dict:
    """The editor's current field values, to rebuild it after a structural change."""
    data = form.data
    data.pop("csrf_token", None)
    data.pop("save", None)
    return data


_FIELD_OF = {
    ("evidence", "positive"): "positive_evidence",
    ("evidence", "negative"): "negative_evidence",
    ("cues", "clinical"): "clinical_cues",
    ("cues", "technical"): "technical_cues",
}


def attach_problems(form: RubricForm, problems: list[Problem]) -> list[tuple[str, str]]:
    """Put each problem next to its field; return (field id, message) for a summary."""
    values = [(level.form.value.data or "").strip() for level in form.scale]
    summary = []
    for problem in problems:
        field = _field_for(form, problem.path, values)
        if field is None:
            summary.append(("", str(problem)))
            continue
        field.errors = [*list(field.errors or ()), problem.message]
        target = field.id if not isinstance(field, FieldList) else f"{field.id}-0"
        summary.append((target, f"{_where(problem)}: {problem.message}"))
    return summary


def _where(problem: Problem) -> str:
    path = problem.path
    if path[:1] == ("competencies",) and len(path) > 2:
        name = problem.competency or f"competency {path[1] + 1}"
        return f"{name}, {str(path[2]).replace('_', ' ')}"
    return str(path[0]).replace("_", " ") if path else "rubric"


def _field_for(form: RubricForm, path: tuple, values: list[str]):
    try:
        if path[:1] == ("competencies",) and len(path) >= 3:
            return _competency_field(form.competencies[path[1]].form, path[2:], values)
        if path[:1] == ("scale",) and len(path) >= 3:
            return getattr(form.scale[path[1]].form, path[2])
        if path[:1] == ("scale",) or path[:1] == ("competencies",):
            return None
        return getattr(form, path[0]) if path else None
    except (IndexError, AttributeError, TypeError):
        return None


def _competency_field(c: CompetencyForm, rest: tuple, values: list[str]):
    if rest[:1] == ("anchors",) and len(rest) == 2 and str(rest[1]) in values:
        return c.anchors[values.index(str(rest[1]))]
    if rest[:1] == ("questions",) and len(rest) >= 3:
        return getattr(c.questions[rest[1]].form, rest[2])
    if tuple(rest[:2]) in _FIELD_OF:
        return getattr(c, _FIELD_OF[tuple(rest[:2])])
    if rest[0] in ("evidence", "cues"):
        return c.positive_evidence if rest[0] == "evidence" else c.clinical_cues
    return getattr(c, rest[0], None)
