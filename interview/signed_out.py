"""The page for a form posted after its session ended (signed out elsewhere, or the
account changed): what was typed comes back to copy, nothing saved, with a way to
sign in and return.

What it lists (issue 14)
    Each text field under the form's own label, exactly as typed, and each choice
    made in words: "Decision: No hire", not ``outcome`` and ``no_hire``. The visitor
    is nobody now, so nothing is read from the database: the labels and choice words
    come from the form classes themselves (``_FORMS``: their fields are bound one by
    one, never the form, whose constructor may read the database for its choices),
    or from the scorecard form's field names (``level_<key>``), whose rubric,
    competency names and level labels stay unread. A rating reads as its level ("3")
    or "Not assessed in this interview".

    A prefixed field (``shape-4-title``, the loop page's forms) reads as its own
    label; an entry of a list of sub-forms says which ("Session 2: Session title"
    for ``sessions-1-title``). A choice among fixed words (a role, a status) reads as
    the word, a ticked box as "Yes", a number as typed; the values of one field are
    listed on one line ("Workflow, Data privacy"). Competency keys, whose names are
    in the database, read as words ("translating_technical_ideas": "Translating
    technical ideas"); a choice among database rows (a hiring manager, a rubric)
    cannot be named without reading them, so it is listed as chosen and not shown.

Where sign-in returns
    To the page the form was sent from (its Referer, this site only), else to the
    form's own address when it can be opened; always a local path checked by
    ``is_safe_next`` (never ``//host`` or ``https://host``), else no ``next`` at all.
"""

import functools
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, render_template, request, url_for
from werkzeug.exceptions import HTTPException
from wtforms import (
    BooleanField,
    DecimalField,
    FieldList,
    FloatField,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectFieldBase
from wtforms.fields.core import UnboundField
from wtforms.meta import DefaultMeta

from .errors import OTHER, PASSWORD, TEXT, typed_fields, wants_json
from .security import is_safe_next

SIGNED_OUT_TITLE = "You are signed out"
SIGNED_OUT_MESSAGE = (
    "Your session ended (you signed out, here or on another device, or your account "
    "was changed), so nothing you sent was saved. What you typed is below: copy it, "
    "sign in again, and send it from the page once more."
)
CHOICE = "choice"
# The scorecard form's fields by name (scorecards/forms.py); its rubric is unread.
SCORECARD_LABELS = {
    "level": "Rating for {}",
    "evidence": "Evidence for {}: what the candidate said or did",
    "notes": "Notes during the interview ({})",
}
SCORECARD_FIXED = {
    "recommendation": (CHOICE, "Overall recommendation"),
    "summary": (TEXT, "Summary: your overall view, in a few sentences"),
    "amend_reason": (TEXT, "Why you amend your submitted scorecard"),
}
NOT_ASSESSED = ("na", "Not assessed in this interview")
# A choice among database rows (a hiring manager, a rubric): named only by its id.
NOT_NAMED = "Chosen on the form (not shown while you are signed out)"
# What a page's buttons and questions send beside its form (plan.html, loop.html):
# never typed, carried hidden.
PAGE_NAMES = frozenset(
    {"action", "confirm", "gaps", "told", "confirm_past", "confirm_clear"}
)


@dataclass(frozen=True)
class Chosen:
    """A choice the form carried, in words."""

    label: str
    words: str


def signed_out_page():
    """A form posted after its session ended, with text typed in it: the text is
    shown back to copy (the browser sent it; no stored data is shown), not dropped
    by a redirect to sign-in. None when nothing typed would be lost."""
    # The autosave's answer is read by its script (or by nobody: a beacon), never
    # shown; its script keeps the text in the browser (static/scorecard.js).
    if wants_json() or request.endpoint == "scorecards.autosave":
        return None
    if not _same_origin():
        return None
    pairs = list(request.form.items(multi=True))
    kinds, words = known_fields(request.endpoint, [name for name, _ in pairs])
    # A choice is listed in words (``chosen``), never as a box of its raw value.
    plain = {
        n: (OTHER, label) if kind == CHOICE else (kind, label)
        for n, (kind, label) in kinds.items()
    }
    typed, passwords = typed_fields(pairs, plain)
    shown = [t for t in typed if t.shown]
    if not shown:
        return None
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        if name in kinds and kinds[name][0] == CHOICE and value.strip():
            values.setdefault(name, []).append(words[name](value))
    chosen = [
        Chosen(kinds[name][1], ", ".join(dict.fromkeys(said)))
        for name, said in values.items()
    ]
    back = return_path()
    page = render_template(
        "errors/fault.html",
        code=401,
        title=SIGNED_OUT_TITLE,
        message=SIGNED_OUT_MESSAGE,
        posted=True,
        typed=typed,
        shown=shown,
        chosen=chosen,
        passwords=passwords,
        files=[],
        copy_only=True,
        sign_in=url_for("auth.login", next=back) if back else url_for("auth.login"),
        action=request.full_path.rstrip("?"),
    )
    return page, 401


def known_fields(endpoint: str | None, names: list[str]) -> tuple[dict, dict]:
    """(name -> (kind, label), name -> its value in words) for the posted ``names``
    this endpoint's form is known to have, built without the database."""
    if endpoint == "scorecards.kit":
        return _scorecard_fields(names)
    known = _FORMS.get(endpoint or "")
    if known is None:
        return {}, {}
    where, prefix = known
    fields = _class_fields(_form_class(where))
    kinds, words = {}, {}
    for name in names:
        if name in PAGE_NAMES:
            kinds[name] = (OTHER, name)
            continue
        own = re.fullmatch(f"{prefix}(.+)", name)
        found = _leaf(fields, own.group(1)) if own else None
        if found is None:
            continue  # not the form's: guessed (errors._guess)
        place, field = found
        kind, read = _reading(field)
        kinds[name] = (kind, place + field.label.text)
        if read is not None:
            words[name] = read
    return kinds, words


# endpoint -> (its form class, the pattern of its fields' prefix)
_FORMS = {
    "debrief.decide": ("interview.debrief.views:DecisionForm", ""),
    "accounts.create": ("interview.accounts.forms:UserForm", ""),
    "accounts.edit": ("interview.accounts.forms:UserForm", ""),
    "loops.new_requisition": ("interview.loops.forms:RequisitionForm", ""),
    "loops.edit_requisition": ("interview.loops.forms:RequisitionForm", ""),
    "loops.plan": ("interview.loops.forms:PlanForm", ""),
    "loops.new_candidate": ("interview.loops.forms:CandidateForm", ""),
    "loops.edit_candidate": ("interview.loops.forms:CandidateForm", ""),
    # The loop page's forms (loops/views.py), each prefixed: its session's id means
    # nothing to the reader, so the label alone.
    "loops.shape_session": ("interview.loops.forms:LoopSessionForm", r"shape-\d+-"),
    "loops.add_loop_session": ("interview.loops.forms:LoopSessionForm", "new-session-"),
    "loops.schedule": ("interview.loops.forms:ScheduleForm", r"session-\d+-"),
}


def _form_class(where: str) -> type:
    module, _, name = where.partition(":")  # imported late: those import this one
    return getattr(importlib.import_module(module), name)


@functools.cache
def _class_fields(form_class: type) -> dict:
    """The form's fields by name, each bound alone: the form itself is never built
    (a constructor may read the database for its choices, UserForm's does), so each
    field has its class's label and fixed choices, and no data."""
    unbound = [
        (name, value)
        for name in dir(form_class)
        if not name.startswith("_")
        and isinstance(value := getattr(form_class, name, None), UnboundField)
    ]
    meta = DefaultMeta()
    return {
        name: value.bind(form=None, name=name, _meta=meta)
        for name, value in sorted(unbound, key=lambda pair: pair[1].creation_counter)
    }


def _leaf(fields: dict, name: str):
    """(where, field) for a name without its form's prefix: ("", field) for the
    form's own, ("Session 2: ", field) for ``sessions-1-title``; else None."""
    if name in fields:
        return "", fields[name]
    head, _, rest = name.partition("-")
    index, _, sub = rest.partition("-")
    listed = fields.get(head)
    if not (
        isinstance(listed, FieldList)
        and index.isascii()
        and index.isdecimal()
        and len(index) < 4
    ):
        return None
    entry = listed.unbound_field
    if not issubclass(entry.field_class, FormField):
        return None
    args = list(entry.args)
    form_class = args[0] if args else entry.kwargs.get("form_class")
    label = args[1] if len(args) > 1 else entry.kwargs.get("label") or listed.label.text
    found = _class_fields(form_class).get(sub)
    return (f"{label} {int(index) + 1}: ", found) if found is not None else None


def _reading(field) -> tuple[str, Callable[[str], str] | None]:
    """The field's kind, and how a value of it reads (for a choice)."""
    if isinstance(field, PasswordField):
        return PASSWORD, None
    if isinstance(field, HiddenField | SubmitField) or field.type == "CSRFTokenField":
        return OTHER, None
    if isinstance(field, BooleanField):
        false = field.false_values
        return CHOICE, lambda value: "No" if value in false else "Yes"
    if isinstance(field, SelectFieldBase):
        words = _choice_words(field.choices)
        if words:
            return CHOICE, lambda value: words.get(value, value)
        if isinstance(field, SelectMultipleField):  # competency keys, named in the DB
            return CHOICE, _humanised
        if field.type == "ZoneField":  # a place's name, not a row
            return CHOICE, str
        return CHOICE, lambda value: NOT_NAMED
    if isinstance(field, IntegerField | DecimalField | FloatField):
        return CHOICE, str  # as typed
    if isinstance(field, StringField):
        return TEXT, None
    return OTHER, None


def _choice_words(choices) -> dict[str, str]:
    """value -> label of a field's fixed choices (grouped ones too)."""
    if isinstance(choices, dict):
        choices = [c for group in choices.values() for c in group]
    words = {}
    for choice in choices or ():
        value, label = (
            (choice, choice) if isinstance(choice, str) else tuple(choice)[:2]
        )
        words[str(value)] = str(label)
    return words


def _humanised(key: str) -> str:
    """A competency key in words: "translating_technical_ideas" reads as
    "Translating technical ideas"."""
    words = " ".join(key.replace("-", " ").replace("_", " ").split())
    return words[:1].upper() + words[1:]


def _scorecard_fields(names: list[str]) -> tuple[dict, dict]:
    kinds: dict = dict(SCORECARD_FIXED)
    words: dict = {}
    for name in names:
        part, _, key = name.partition("_")
        if part in SCORECARD_LABELS and key:
            subject = key.replace("_", " ").replace("-", " ")
            kind = CHOICE if part == "level" else TEXT
            kinds[name] = (kind, SCORECARD_LABELS[part].format(subject))
            words[name] = _rating
    words["recommendation"] = str
    return kinds, words


def _rating(value: str) -> str:
    return NOT_ASSESSED[1] if value == NOT_ASSESSED[0] else value


def return_path() -> str | None:
    """Where sign-in should return: the sending page, else the form's address
    (module docstring); a safe local path or None."""
    referrer = urlsplit(request.referrer or "")
    if f"{referrer.scheme}://{referrer.netloc}/" == request.host_url:
        path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
        if is_safe_next(path):
            return path
    action = request.full_path.rstrip("?")
    return action if is_safe_next(action) and _opens(request.path) else None


def _opens(path: str) -> bool:
    """Whether the address answers a GET (a post-only one would refuse the return)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        return adapter.test(path, method="GET")
    except HTTPException:
        return False


def _same_origin() -> bool:
    """Whether the post came from this site's own page, as the browser says: another
    site's form must not get its text shown on ours (content spoofing)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    return origin is None or origin == request.host_url.rstrip("/")
