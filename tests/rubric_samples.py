"""A small valid rubric to build test files from."""

import copy

import yaml


def competency(key: str, **overrides) -> dict:
    data = {
        "key": key,
        "name": key.replace("_", " ").capitalize(),
        "definition": f"How the candidate handles {key}.",
        "assessed_by": "both",
        "anchors": {
            1: "Blames the clinicians and cannot name what went wrong.",
            2: "Describes the event but not what they changed afterwards.",
            3: "Names the cause and the change they made to the build.",
            4: "Names the cause, the change, and how they checked it with nurses.",
        },
        "questions": [
            {
                "text": "Tell me about a go-live that went wrong.",
                "probes": ["What next?"],
            },
            {
                "text": "How would you roll back an order set?",
                "probes": ["Who decides?"],
            },
        ],
        "evidence": {
            "positive": ["Checks with the ward"],
            "negative": ["Blames users"],
        },
        "cues": {
            "clinical": "Listen for whether they asked the ward what changed.",
            "technical": "An order set bundles orders a clinician signs at once.",
        },
    }
    data.update(overrides)
    return data


VALID = {
    "key": "sample",
    "title": "Sample rubric",
    "description": "A rubric for tests.",
    "job_families": ["ehr-analyst"],
    "competencies": [competency("workflow"), competency("privacy", min_level=3)],
}


def rubric(**overrides) -> dict:
    data = copy.deepcopy(VALID)
    data.update(overrides)
    return data


def dump(data: dict) -> bytes:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode("utf-8")
