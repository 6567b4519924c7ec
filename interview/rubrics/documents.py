"""Convert a rubric between its three forms: the validated spec, the database rows
of a version, and canonical YAML text. Export then import gives back the same spec."""

import yaml

from ..models import Competency, RubricVersion
from .schema import RubricSpec

# libyaml's emitter where PyYAML was built with it (as the loader, loader.py): the
# pure-Python one took most of the download and edit pages' 45-60 ms.
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def to_yaml(spec: RubricSpec) -> str:
    """Write the spec as canonical YAML, fields in the order FORMAT.md shows."""
    data = spec.model_dump(mode="python", exclude_none=True)
    data.setdefault("weight_reason", None)
    order = ["key", "title", "description", "job_families", "scale", "weight_reason"]
    ordered = {name: data[name] for name in order}
    ordered["competencies"] = data["competencies"]
    return yaml.dump(
        ordered,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=88,
        default_flow_style=False,
    )


def from_version(version: RubricVersion) -> RubricSpec:
    """Rebuild the spec a version was made from."""
    scale = [level.value for level in version.levels]
    data = {
        "key": version.rubric.key,
        "title": version.title,
        "description": version.description,
        "job_families": list(version.job_families),
        "scale": [{"value": lv.value, "label": lv.label} for lv in version.levels],
        "weight_reason": version.weight_reason,
        "competencies": [_competency_data(c) for c in version.competencies],
    }
    return RubricSpec.model_validate(data, context={"scale": scale})


def _competency_data(c: Competency) -> dict:
    data = {
        "key": c.key,
        "name": c.name,
        "definition": c.definition,
        "weight": c.weight,
        "assessed_by": str(c.assessed_by),
        "anchors": {a.level: a.text for a in c.anchors},
        "questions": [{"text": q.text, "probes": list(q.probes)} for q in c.questions],
        "evidence": {
            "positive": list(c.positive_evidence),
            "negative": list(c.negative_evidence),
        },
        "cues": {"clinical": c.clinical_cues, "technical": c.technical_cues},
    }
    if c.lead_discipline:
        data["lead_discipline"] = str(c.lead_discipline)
    if c.min_level is not None:
        data["min_level"] = c.min_level
    return data


def version_rows(spec: RubricSpec) -> dict:
    """The rows of a new version as plain values, keyed by table, ready for
    ``insert()``: the version's own columns, its scale, and per competency its
    columns, anchors and questions (ids are filled in when they are known)."""
    return {
        "version": {
            "title": spec.title,
            "description": spec.description,
            "job_families": list(spec.job_families),
            "weight_reason": spec.weight_reason,
            "source_yaml": to_yaml(spec),
        },
        "levels": [{"value": lv.value, "label": lv.label} for lv in spec.scale],
        "competencies": [
            {
                "position": position,
                "key": c.key,
                "name": c.name,
                "definition": c.definition,
                "weight": c.weight,
                "assessed_by": c.assessed_by,
                "lead_discipline": c.lead_discipline,
                "min_level": c.min_level,
                "positive_evidence": list(c.evidence.positive),
                "negative_evidence": list(c.evidence.negative),
                "clinical_cues": c.cues.clinical,
                "technical_cues": c.cues.technical,
            }
            for position, c in enumerate(spec.competencies)
        ],
        "anchors": [
            [{"level": lv, "text": text} for lv, text in sorted(c.anchors.items())]
            for c in spec.competencies
        ],
        "questions": [
            [
                {"position": i, "text": q.text, "probes": list(q.probes)}
                for i, q in enumerate(c.questions)
            ]
            for c in spec.competencies
        ],
    }
