"""A refused Save, Submit or amendment of the kit's form answered by a redirect to
the kit's ``?draft=<token>`` address (issue 14: a page answering a POST makes Reload
and Back ask to send the form again, and sending it again may submit an old copy).

What the address needs is kept in the signed session cookie (loops/drafts.py):

- a Submit refused for what is missing saved the text as the draft (``saved``): the
  cookie keeps only the messages, the status and the version saved, and the address
  shows the saved scorecard with the messages, as long as the scorecard is as that
  write left it (a later save may have fixed what they say);
- otherwise nothing was saved (a stale copy, a decided loop, a missing version, a
  text that cannot be stored): the cookie keeps the fields as typed, and a draft too
  large for it is not kept: the caller answers with the page as before.

The page shown is a new page of the kit: a new edit token, so nothing it sends is
taken for a late request of the refused page, and ``restored_from`` naming the
refused page, so that, if that page wrote last, the next save takes over from it
as a reloaded page does (operations.Edit.is_page_of); a stale page stays stale.
"""

import secrets

from werkzeug.datastructures import MultiDict

from ..loops.drafts import draft, keep_draft, posted_pairs
from .forms import attach, saved_values
from .operations import Frozen, MissingVersion, ScorecardProblems

# The buttons say which write was asked for; the page shown asks again.
NOT_KEPT = ("csrf_token", "save", "submit", "amend")
DECIDED = "Nothing was saved: the loop was decided while you wrote."


def draft_name(seat_id: int) -> str:
    return f"scorecard:{seat_id}"


def why_refused(exc: Exception) -> dict:
    """What the page says about a refused write, as plain values: its status, the
    messages by field or apart, and whether it shows the saved version beside."""
    if isinstance(exc, MissingVersion):
        return {"status": 400, "loose": [str(exc)], "reopen": True}
    if isinstance(exc, Frozen):  # the notice at the top says why and who can reopen
        return {"status": 409, "loose": [str(exc) if "erased" in str(exc) else DECIDED]}
    if isinstance(exc, ScorecardProblems):
        return {"status": 422, "problems": dict(exc.problems)}
    elsewhere = getattr(exc, "submitted_elsewhere", False)
    return {"status": 409, "stale": True, "submitted_elsewhere": elsewhere}


def keep_refused(seat_id: int, form, card, why: dict, saved: bool) -> str | None:
    """Keep what the refused page needs in the cookie; its token, or None when it
    is too large to keep. ``saved``: the write kept the text as the draft."""
    page = [form.edit_token.data or "", form.restored_from.data or ""]
    if saved:
        pairs, why = [], {**why, "saved": card.version}
    else:
        pairs = posted_pairs(skip=NOT_KEPT)
    return keep_draft(draft_name(seat_id), pairs, page=page, **why)


def kept_refusal(seat, form_class, token: str | None) -> dict | None:
    """The refused page kept under ``token`` for this seat and account, as
    arguments of the kit's page; None when there is none to show."""
    kept = draft(draft_name(seat.id), token)
    if kept is None:
        return None
    card = seat.scorecard
    saved = kept.get("saved")
    if saved is None:
        formdata = kept["formdata"]
    elif card is None or card.version != saved:
        return None  # saved over since: the kit as it is now
    else:
        keys = {c.id: c.key for c in seat.session.competencies}
        values = saved_values(card, keys).items()
        formdata = MultiDict([(k, v) for k, v in values if v is not None])
    form = form_class(formdata=formdata)
    form.edit_token.data = secrets.token_urlsafe(16)
    form.edit_seq.data = "1"
    form.restored_from.data = _taken_over(card, kept.get("page") or [])
    loose = [*kept.get("loose", ()), *attach(form, kept.get("problems", {}))]
    return {
        "form": form,
        "loose": loose,
        "stale": card if kept.get("stale") else None,
        "status": kept["status"],
        "posted": True,
        "draft_kept": saved is not None,
        "submitted_elsewhere": kept.get("submitted_elsewhere", False),
        "reopen": kept.get("reopen", False),
    }


def _taken_over(card, page: list[str]) -> str:
    """The refused page (or the page it had taken over from) that wrote the card
    last, else the refused page itself."""
    last = card.edit_token if card is not None and card.id else None
    if last and last in page:
        return last
    return page[0] if page else ""
