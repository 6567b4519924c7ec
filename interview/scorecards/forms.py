"""The scorecard form, built with WTForms from the rubric version the loop uses."""

import threading

from wtforms import HiddenField, RadioField, SelectChoice, SubmitField, TextAreaField

from ..forms import Form
from .rules import NOT_ASSESSED, Answer


def scorecard_form(
    competencies, levels, *args, anchored: bool = True, cache=None, **kwargs
) -> Form:
    """A form with a rating, evidence and notes per competency of the session.

    ``anchored`` false leaves the anchors' text out of the rating labels: a form that
    is only read (an autosave) needs the field names, not what a page shows.
    ``cache`` (a dict kept with the rubric version, which never changes) keeps the
    form class for this set of competencies: building it is most of a form's cost.
    """
    return scorecard_form_class(competencies, levels, anchored, cache)(*args, **kwargs)


def scorecard_form_class(
    competencies, levels, anchored: bool = True, cache=None
) -> type[Form]:
    """The form class of ``scorecard_form``, kept in ``cache`` when given."""
    if cache is None:
        return _form_class(competencies, levels, anchored)
    shape = (tuple(c.id for c in competencies), anchored)
    form_class = cache.get(shape)  # one read: another thread may clear meanwhile
    if form_class is None:
        form_class = _form_class(competencies, levels, anchored)
        with _CACHE_LOCK:
            while len(cache) >= MAX_SHAPES:  # the oldest first (dicts keep order)
                cache.pop(next(iter(cache)))
            cache[shape] = form_class
    return form_class


MAX_SHAPES = 32  # form classes kept per rubric version (sessions' competency sets)
_CACHE_LOCK = threading.Lock()


def _form_class(competencies, levels, anchored: bool) -> type[Form]:
    """The form class for these competencies of one rubric version."""

    class ScorecardForm(Form):
        version = HiddenField()
        edit_token = HiddenField()
        edit_seq = HiddenField()
        restored_from = HiddenField()
        recommendation = RadioField(
            "Overall recommendation",
            choices=[
                SelectChoice(str(lv.value), f"{lv.value} {lv.label}") for lv in levels
            ],
        )
        summary = TextAreaField("Summary: your overall view, in a few sentences")
        amend_reason = TextAreaField("Why you amend your submitted scorecard")
        save = SubmitField("Save draft")
        submit = SubmitField("Submit scorecard")
        amend = SubmitField("Submit amendment")

    labels = {lv.value: lv.label for lv in levels}
    for c in competencies:
        anchors = {a.level: a.text for a in c.anchors} if anchored else {}
        choices = [
            SelectChoice(str(v), f"{v} {labels[v]}: {anchors.get(v, '')}")
            for v in labels
        ] + [SelectChoice(NOT_ASSESSED, "Not assessed in this interview")]
        setattr(
            ScorecardForm,
            f"level_{c.key}",
            RadioField(f"Rating for {c.name}", choices=choices),
        )
        setattr(
            ScorecardForm,
            f"evidence_{c.key}",
            TextAreaField(f"Evidence for {c.name}: what the candidate said or did"),
        )
        setattr(
            ScorecardForm,
            f"notes_{c.key}",
            TextAreaField(f"Notes during the interview ({c.name})"),
        )
    return ScorecardForm


class Posted:
    """One posted value as a form field's ``data``: the first sent, or None."""

    __slots__ = ("data",)

    def __init__(self, data: str | None):
        self.data = data


class PostedForm:
    """A scorecard form's posted values by field name, read as its fields read them
    (the first value sent; None when none was) without building the form. An
    autosave only reads them, and binding three fields per competency on every save
    was about a sixth of the time a save spent in Python."""

    def __init__(self, formdata):
        self._formdata = formdata

    def __getattr__(self, name: str) -> Posted:
        return Posted(self._formdata.get(name))


def form_answers(
    form, competencies, levels
) -> tuple[dict[str, Answer], int | None, str]:
    """What was typed, as plain answers (unknown levels count as not chosen)."""
    values = {str(lv.value): lv.value for lv in levels}
    answers = {}
    for c in competencies:
        raw = getattr(form, f"level_{c.key}").data
        answers[c.key] = Answer(
            level=values.get(raw),
            not_assessed=raw == NOT_ASSESSED,
            evidence=getattr(form, f"evidence_{c.key}").data or "",
            notes=getattr(form, f"notes_{c.key}").data or "",
        )
    recommendation = values.get(form.recommendation.data)
    return answers, recommendation, form.summary.data or ""


def attach(form, problems: dict[str, str]) -> list[str]:
    """Put each problem next to its field; return the ones that belong to none."""
    loose = []
    for name, message in problems.items():
        key, _, part = name.partition(".")
        field = (
            getattr(form, f"{part}_{key}", None) if part else getattr(form, key, None)
        )
        if field is None:
            loose.append(message)
        else:
            field.errors = [*list(field.errors or ()), message]
    return loose


def saved_values(card, keys_by_id: dict[int, str]) -> dict[str, str | None]:
    """A saved scorecard as the form's field values, by field name."""
    values = {
        "version": str(card.version),
        "recommendation": str(card.overall_recommendation or ""),
        "summary": card.summary,
    }
    for r in card.ratings:
        key = keys_by_id.get(r.competency_id)
        if key is None:  # taken out of the session since: kept, shown apart
            continue
        level = NOT_ASSESSED if r.is_not_assessed else (str(r.level) if r.level else "")
        values[f"level_{key}"] = level
        values[f"evidence_{key}"] = r.evidence
        values[f"notes_{key}"] = r.notes
    return values
