"""An autosave reads the posted values without building the scorecard form
(forms.PostedForm): what it reads must be what the form would have held, for any
posted data: fields missing, sent twice, empty, or holding a level the scale lacks."""

from types import SimpleNamespace

from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from interview.scorecards.forms import PostedForm, form_answers, scorecard_form
from interview.scorecards.operations import Edit, MissingVersion

LEVELS = [SimpleNamespace(value=v, label=f"Level {v}") for v in (1, 2, 3, 4)]
COMPETENCIES = [
    SimpleNamespace(id=n, key=key, name=key.title(), anchors=[])
    for n, key in enumerate(("workflow", "privacy", "handover"), 1)
]
NAMES = ["version", "edit_token", "edit_seq", "restored_from", "recommendation"]
NAMES += ["summary", "unknown_field"]
NAMES += [f"{part}_{c.key}" for c in COMPETENCIES for part in ("level", "evidence")]
NAMES += [f"notes_{c.key}" for c in COMPETENCIES]
VALUES = st.one_of(
    st.sampled_from(["", "1", "4", "5", "na", "0", " 3", "abc", "-1"]), st.text()
)


# No database: the form and the reader only need a request (a plain app, not the
# function-scoped fixture, which Hypothesis would share between its examples).
PLAIN = Flask(__name__)
PLAIN.config["SECRET_KEY"] = "posted-form-test"


def _edit(form):
    try:
        edit = Edit.from_form(form)
    except MissingVersion as exc:
        return str(exc)
    return (edit.version, edit.token, edit.seq, edit.restored_from)


@given(st.lists(st.tuples(st.sampled_from(NAMES), VALUES), max_size=len(NAMES) * 2))
def test_an_autosave_reads_what_the_form_would_hold(posted):
    data = MultiDict(posted)
    with PLAIN.test_request_context(method="POST", data=data):
        form = scorecard_form(
            COMPETENCIES, LEVELS, formdata=data, anchored=False, meta={"csrf": False}
        )
        read = PostedForm(data)
        assert form_answers(read, COMPETENCIES, LEVELS) == form_answers(
            form, COMPETENCIES, LEVELS
        )
        assert _edit(read) == _edit(form)
