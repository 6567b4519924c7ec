"""The page for a form posted after its session ended (signed out elsewhere, or the
account changed): what was typed comes back to copy, nothing saved, with a way to
sign in and return.

What it lists (issue 14)
    Each text field under the form's own label, and each choice made (a decision's
    outcome, a scorecard's ratings and recommendation) in words: "Decision: No hire",
    not ``outcome`` and ``no_hire``. The visitor is nobody now, so nothing is read
    from the database: the labels come from the form classes themselves (the
    decision form), or from the scorecard form's field names (``level_<key>``),
    whose rubric, competency names and level labels stay unread. A rating reads as
    its level ("3") or "Not assessed in this interview".

Where sign-in returns
    To the page the form was sent from (its Referer, this site only), else to the
    form's own address when it can be opened; always a local path checked by
    ``is_safe_next`` (never ``//host`` or ``https://host``), else no ``next`` at all.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, render_template, request, url_for
from werkzeug.exceptions import HTTPException
from wtforms import RadioField, SelectField

from .errors import OTHER, TEXT, typed_fields, wants_json
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
    typed, _ = typed_fields(pairs, plain)
    shown = [t for t in typed if t.shown]
    if not shown:
        return None
    chosen = [
        Chosen(kinds[name][1], words.get(name, {}).get(value, value))
        for name, value in pairs
        if name in kinds and kinds[name][0] == CHOICE and value.strip()
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
        passwords=0,
        files=[],
        copy_only=True,
        sign_in=url_for("auth.login", next=back) if back else url_for("auth.login"),
        action=request.full_path.rstrip("?"),
    )
    return page, 401


def known_fields(endpoint: str | None, names: list[str]) -> tuple[dict, dict]:
    """(name -> (kind, label), name -> {value: words}) for the fields this
    endpoint's form is known to have, built without the database."""
    if endpoint == "scorecards.kit":
        return _scorecard_fields(names)
    build = _FORMS.get(endpoint or "")
    if build is None:
        return {}, {}
    kinds, words = {}, {}
    for field in build():
        if isinstance(field, RadioField | SelectField):
            kinds[field.name] = (CHOICE, field.label.text)
            words[field.name] = {str(c[0]): str(c[1]) for c in field.iter_choices()}
        elif field.type in ("StringField", "TextAreaField"):
            kinds[field.name] = (TEXT, field.label.text)
    return kinds, words


def _decision_form():
    from .debrief.views import DecisionForm

    return DecisionForm(formdata=None)


_FORMS = {"debrief.decide": _decision_form}


def _scorecard_fields(names: list[str]) -> tuple[dict, dict]:
    kinds: dict = dict(SCORECARD_FIXED)
    words: dict = {}
    for name in names:
        part, _, key = name.partition("_")
        if part in SCORECARD_LABELS and key:
            subject = key.replace("_", " ").replace("-", " ")
            kind = CHOICE if part == "level" else TEXT
            kinds[name] = (kind, SCORECARD_LABELS[part].format(subject))
            words[name] = dict([NOT_ASSESSED])
    return kinds, words


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
