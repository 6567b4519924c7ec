"""A form drawn before someone else saved (a second tab) is refused, never saved over
the other's changes (issue 14, fresh-user test). Each form carries, hidden, the
counter its row had when drawn (migration 0029); a save reads the row under a lock,
compares, and writes nothing when they differ. The refused form comes back as typed
with the saved values beside it and the counter brought up to date, so saving again
overwrites deliberately. A missing or malformed counter (a page drawn before the
counters, a hand-made POST) counts as stale: refused, never saved blindly."""

from flask import request

from ..models import Candidate, Discipline, Requisition

STALE = (
    "Someone else changed this {what} while you were editing. Your changes are "
    "still in the form; compare them with the saved values below and save again."
)


def drawn_stale(counter: int) -> bool:
    """Whether the form posted was drawn at another counter than the row's now."""
    return request.form.get("version", "") != str(counter)


def mark_stale(form, what: str, counter: int) -> None:
    """Say the form is stale and let its next save go through."""
    form.form_errors.append(STALE.format(what=what))
    form.version.data = str(counter)


def requisition_values(form, req: Requisition) -> list[tuple[str, str]]:
    """The requisition as saved, labelled as the form is, names rather than ids."""
    manager, rubric = req.hiring_manager, req.default_rubric
    return [
        (form.title.label.text, req.title),
        (form.discipline.label.text, Discipline(req.discipline).label),
        (form.hiring_manager_id.label.text, manager.name if manager else ""),
        (
            form.default_rubric_id.label.text,
            rubric.title if rubric else "No rubric yet",
        ),
        (form.status.label.text, str(req.status).replace("_", " ").capitalize()),
        (
            form.share_scores_after_submit.label.text,
            "Yes" if req.share_scores_after_submit else "No",
        ),
    ]


def candidate_values(form, candidate: Candidate) -> list[tuple[str, str]]:
    """The candidate's details as saved, labelled as the form is."""
    names = ("name", "email", "phone", "source", "notes")
    return [(form[n].label.text, getattr(candidate, n) or "") for n in names]


def plan_values(req: Requisition, competency_names: dict[str, str]) -> list[dict]:
    """The plan as saved, one entry per session, its competencies by name."""
    return [
        {
            "title": p.title,
            "minutes": p.duration_minutes,
            "competencies": [competency_names.get(k, k) for k in p.competency_keys],
            "clinical": p.clinical_seats,
            "technical": p.technical_seats,
        }
        for p in req.plan
    ]
