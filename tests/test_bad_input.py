"""Bad input gets a clear answer, never a 500, the same on SQLite and PostgreSQL.

Every text field of every form in the permission table's routes is fed a NUL and an
escape character, one field at a time, the others holding valid values: the answer
is the control-character message next to that field (or, for the loop page's small
forms, in the message shown after the redirect), the typed text is kept where the
form is shown again, and nothing holding the character reaches the database.
Addresses holding one get a 400 page; a rubric file holding one gets the validator's
message; the same competency twice in a plan or session is a validation error.
"""

import html
import io
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from wtforms import FieldList, FormField, HiddenField, StringField, TextAreaField
from wtforms import Form as PlainForm

from interview.extensions import db
from interview.forms import field_problem, refuse_control_characters
from interview.loops.forms import duplicates
from interview.models import Loop, LoopStatus, Requisition
from interview.rubrics.views import control_character_problems
from interview.security import url_problem
from interview.text import control_character_problem

from . import test_permissions
from .conftest import PASSWORD
from .rubric_samples import dump, rubric
from .test_permissions import ROUTES, _url

# The permission table's accounts and objects, shared as fixtures.
people = test_permissions.people
objects = test_permissions.objects

CHARS = {"nul": "\x00", "escape": "\x1b"}
NEW_PASSWORD = "a brand new password 42"
TEXT_INPUTS = {"text", "email", "url", "password", "tel", "search", "datetime-local"}


# --- pure rules ---------------------------------------------------------------------


class _Inner(PlainForm):
    text = StringField()


class _Sample(PlainForm):
    title = StringField()
    notes = TextAreaField()
    token = HiddenField()
    items = FieldList(FormField(_Inner), min_entries=2)


typed_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)


@given(title=typed_text, inner=typed_text)
def test_every_text_field_is_checked_however_deeply_nested(title, inner):
    posted = {"title": title, "items-0-text": "plain", "items-1-text": inner}
    form = _Sample(MultiDict(posted))
    refused = {f.name for f in refuse_control_characters(form)}
    expected = {
        name
        for name, text in (("title", title), ("items-1-text", inner))
        if control_character_problem(text)
    }
    assert refused == expected
    assert form.validate() is not bool(expected)
    for name in expected:
        field = form.title if name == "title" else form.items[1].form.text
        assert field.errors == [control_character_problem(field.data)]


def test_the_refused_characters_are_exactly_unicodes_control_characters():
    """Every code point: refused when, and only when, its category is Cc (other
    than tab, line feed and carriage return)."""
    import unicodedata

    from interview.text import ALLOWED, first_control_character

    for point in range(0x110000):
        char = chr(point)
        expected = unicodedata.category(char) == "Cc" and char not in ALLOWED
        assert (first_control_character(char) is not None) == expected, hex(point)


@given(before=st.text(), after=st.text())
def test_the_first_control_character_is_named_where_it_is(before, after):
    from interview.text import first_control_character

    clean = "".join(c for c in before if first_control_character(c) is None)
    assert first_control_character(clean + "\x7f" + after) == (len(clean) + 1, "\x7f")


def test_tab_line_feed_and_carriage_return_are_text():
    form = _Sample(MultiDict({"notes": "one\ttwo\r\nthree\n", "token": "x"}))
    assert refuse_control_characters(form) == []
    assert form.validate()


def test_a_password_message_never_promises_to_keep_it():
    from wtforms import PasswordField

    class Sign(PlainForm):
        password = PasswordField()

    form = Sign(MultiDict({"password": "abc\x00def"}))
    message = field_problem(form.password)
    assert "U+0000 at character 4 of the password" in message
    assert "kept" not in message


@pytest.mark.parametrize(
    "path, args, found",
    [
        ("/loops/1", {}, None),
        ("/loops/\x00", {}, "address"),
        ("/rubrics/", {"from": "1\x1b"}, "query"),
        ("/rubrics/", {"\x00": "1"}, "query"),
        ("/rubrics/", {"q": "tab\tis fine"}, None),
        ("/a\x85b", {}, "address"),  # C1 controls too
    ],
)
def test_url_problem_names_the_part_of_the_address(path, args, found):
    problem = url_problem(path, MultiDict(args))
    if found is None:
        assert problem is None
    else:
        assert f"The {found} of this page holds an invisible control character" in (
            problem
        )


@given(st.lists(st.sampled_from("abcd"), max_size=8))
def test_duplicates_are_exactly_the_repeated_items(items):
    twice = duplicates(items)
    assert set(twice) == {x for x in items if items.count(x) > 1}
    assert len(twice) == len(set(twice))


def test_every_form_of_the_package_refuses_control_characters():
    """A new form that forgets the base class would let a NUL reach the database."""
    import importlib
    import inspect
    import pkgutil

    import interview
    from interview.forms import Form

    forms = []
    for info in pkgutil.walk_packages(interview.__path__, "interview."):
        if ".migrations" in info.name:
            continue
        module = importlib.import_module(info.name)
        forms += [
            cls
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, FlaskForm) and cls.__module__ == info.name
        ]
    assert len(forms) > 10
    assert [f.__qualname__ for f in forms if not issubclass(f, Form)] == []


# --- the HTML of a page, read like a browser ---------------------------------------


class Page(HTMLParser):
    """The forms of a page (fields with their values) and the text of every element
    that has an id (to find the message a field's aria-describedby points at)."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.texts: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []
        self._textarea = self._select = self._option = None
        self._in_form = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag not in ("input", "br", "meta", "link", "img", "hr"):
            self._open.append((tag, a.get("id")))
            if a.get("id"):
                self.texts.setdefault(a["id"], "")
        form = self.forms[-1] if self.forms and self._in_form else None
        if tag == "form":
            method = a.get("method", "get").lower()
            self.forms.append(
                {"action": a.get("action", ""), "method": method, "fields": []}
            )
            self._in_form = True
        elif form is None:
            return
        elif tag == "input":
            kind = a.get("type", "text")
            form["fields"].append({**a, "kind": kind, "value": a.get("value", "")})
        elif tag == "textarea":
            self._textarea = {**a, "kind": "textarea", "value": ""}
            form["fields"].append(self._textarea)
        elif tag == "select":
            self._select = {**a, "kind": "select", "options": [], "selected": []}
            form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = a.get("value")
            self._select["options"].append(a.get("value"))
            if "selected" in a:
                self._select["selected"].append(a.get("value"))
        elif tag == "button" and a.get("name"):
            form["fields"].append({**a, "kind": "button", "value": a.get("value", "")})

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            value = self._textarea["value"]  # a browser drops one leading newline
            self._textarea["value"] = re.sub(r"\A\r?\n", "", value)
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False
        while self._open:
            open_tag, _ = self._open.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data
        for _, element_id in self._open:
            if element_id:
                self.texts[element_id] += data

    def form_for(self, page_url: str, target: str) -> dict | None:
        """The POST form sent to ``target`` (a search form may share its path)."""
        for form in self.forms:
            if form["method"] != "post":
                continue
            action = urljoin(page_url, form["action"] or page_url)
            if urlsplit(action).path == urlsplit(target).path:
                return form
        return None

    def field(self, name: str) -> dict | None:
        return next(
            (f for form in self.forms for f in form["fields"] if f.get("name") == name),
            None,
        )

    def described(self, field: dict) -> str:
        ids = field.get("aria-describedby", "").split()
        return " ".join(self.texts.get(i, "") for i in ids)


def _text_fields(form: dict) -> list[dict]:
    """The fields a person types in, then the hidden ones (a tampered hidden key may
    be ignored and the rest saved: it goes last)."""
    fields = [
        f
        for f in form["fields"]
        if f.get("name")
        and f["name"] != "csrf_token"
        and (f["kind"] in TEXT_INPUTS | {"textarea", "hidden"})
    ]
    return sorted(fields, key=lambda f: f["kind"] == "hidden")


def _valid_text(field: dict) -> str:
    """A value the field accepts, so the control character is the only problem."""
    name, kind, value = field["name"], field["kind"], field["value"]
    if kind == "password":
        return PASSWORD if name.startswith("current") else NEW_PASSWORD
    if value.strip() or kind == "hidden":
        return value
    if kind == "email" or name.endswith("email"):
        return "new.person@example.org"
    if name.endswith("video_url"):
        return "https://meet.example.org/room"
    if kind == "tel":  # a candidate's phone: digits, as written anywhere
        return "+44 20 7946 0000"
    if name.endswith("starts_local"):
        return "2026-05-04T10:00"
    if name == "key":
        return "fresh-rubric"
    if name.endswith("-key"):
        return "fresh_skill"
    if name.endswith(("weight", "min_level")):
        return "1" if name.endswith("weight") else ""
    if name == "job_families":
        return "ehr-analyst"
    return f"A plain answer for {name}, long enough for any minimum."


def _submission(form: dict) -> MultiDict:
    """What a browser sends for the form, text fields filled, the main button pressed."""
    data = MultiDict()
    radios: dict[str, str] = {}
    pressed = False
    for f in form["fields"]:
        name, kind = f.get("name"), f["kind"]
        if not name or f.get("disabled") is not None and "disabled" in f:
            continue
        if kind in TEXT_INPUTS | {"textarea", "hidden"}:
            data.add(name, _valid_text(f))
        elif kind == "number":
            data.add(name, f["value"] or "1")
        elif kind == "checkbox" and "checked" in f:
            data.add(name, f["value"] or "y")
        elif kind == "radio":
            if "checked" in f or name not in radios:
                radios[name] = f["value"]
        elif kind == "select":
            chosen = [o for o in f["options"] if o][:1] or f["options"][:1]
            for value in f["selected"] or chosen:
                data.add(name, value)
        elif kind == "submit" and not pressed:
            data.add(name, f["value"])
            pressed = True
    for name, value in radios.items():
        data.add(name, value)
    return data


# --- the routes of the permission table --------------------------------------------

POST_ROUTES = [(rule, allowed) for m, rule, allowed in ROUTES if m == "POST"]
HOST_PAGES = [
    "/loops/<int:loop_id>",
    "/candidates/<int:candidate_id>/edit",
    "/loops/<int:loop_id>/debrief",
    "/interviews/<int:seat_id>",
]
GET_ALLOWED = {rule: allowed for m, rule, allowed in ROUTES if m == "GET"}
JSON_ROUTES = {"/interviews/<int:seat_id>/autosave": "/interviews/<int:seat_id>"}
# A form whose accepted answer is a page of its own, not a redirect: a new API
# token, shown on that answer alone (issue 15: its secret is never in a redirect).
SHOWN_ON_ANSWER = {"/account/tokens"}


def _set_status(status: LoopStatus):
    def prepare(app, objects):
        with app.app_context():
            db.session.get(Loop, objects["loop_id"]).status = status
            db.session.commit()

    return prepare


PREPARE = {
    "/loops/<int:loop_id>/decision": _set_status(LoopStatus.DEBRIEF),
    "/loops/<int:loop_id>/reopen": _set_status(LoopStatus.DECIDED),
    # Otherwise a second open loop for the candidate waits for a confirmation.
    "/requisitions/<int:requisition_id>/loops/new": _set_status(LoopStatus.WITHDRAWN),
}


def _role(allowed) -> str:
    preferred = ["talent_acquisition", "hiring_manager", "clinical_interviewer"]
    return next((r for r in preferred if r in allowed), min(allowed))


def _find_form(client, rule: str, role: str, objects: dict):
    """The page that offers the form posting to ``rule``, and that form."""
    target = _url(JSON_ROUTES.get(rule, rule), objects)  # the script sends the form
    for host in [JSON_ROUTES.get(rule, rule), *HOST_PAGES]:
        if role not in GET_ALLOWED.get(host, ()):
            continue
        url = _url(host, objects)
        page = Page(client.get(url).get_data(as_text=True))
        if (form := page.form_for(url, target)) is not None:
            return url, form
    return None, None


def stored_with(app, char: str) -> list[str]:
    """Every column of every table that holds ``char`` somewhere."""
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)).mappings():
                for column, value in row.items():
                    if _holds(value, char):
                        found.append(f"{table.name}.{column}")
    return found


def _holds(value, char: str) -> bool:
    if isinstance(value, str):
        return char in value
    if isinstance(value, bytes):
        return char.encode() in value
    if isinstance(value, dict):
        return any(_holds(k, char) or _holds(v, char) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_holds(v, char) for v in value)
    return False


def _with_char(text: str, char: str) -> str:
    return text[:1] + char + text[1:]


def _problem_key(name: str) -> str:
    """The autosave's name for a field: ``evidence_workflow`` -> ``workflow.evidence``."""
    part, _, key = name.partition("_")
    return f"{key}.{part}" if part in ("evidence", "notes") and key else name


@pytest.mark.parametrize("char", CHARS.values(), ids=CHARS.keys())
@pytest.mark.parametrize(
    "rule, allowed",
    [r for r in POST_ROUTES if r[0] != "/sign-out"],
    ids=[r[0] for r in POST_ROUTES if r[0] != "/sign-out"],
)
def test_control_characters_are_refused_next_to_the_field(
    app, client, auth, people, objects, rule, allowed, char, subtests
):
    if rule in PREPARE:
        PREPARE[rule](app, objects)
    role = _role(allowed)
    auth.login(people[role])
    _, form = _find_form(client, rule, role, objects)
    fields = _text_fields(form) if form else []
    if not fields:
        pytest.skip("no form with text fields posts here")
    headers = {"Accept": "application/json"} if rule in JSON_ROUTES else {}
    typed_in = [f for f in fields if f["kind"] != "hidden"]
    for field in typed_in:
        with subtests.test(field=field["name"]):
            _post_one_bad_field(app, client, rule, objects, form, field, char)
    with subtests.test(msg="the same form, all valid, is accepted"):
        response = client.post(
            _url(rule, objects), data=_submission(form), headers=headers
        )
        answered_here = rule in JSON_ROUTES or rule in SHOWN_ON_ANSWER
        assert response.status_code == (200 if answered_here else 302)
    # Only a tampered request changes a hidden field: no 500, nothing stored.
    for field in [f for f in fields if f["kind"] == "hidden"]:
        with subtests.test(hidden=field["name"]):
            data = _submission(form)
            data.setlist(field["name"], [_with_char(_valid_text(field), char)])
            response = client.post(_url(rule, objects), data=data, headers=headers)
            assert response.status_code < 500
            assert stored_with(app, char) == []


def _post_one_bad_field(app, client, rule, objects, form, field, char):
    """Post the form with a control character in one field; check the answer."""
    code = f"control character U+{ord(char):04X}"
    data = _submission(form)
    typed = _with_char(_valid_text(field), char)
    data.setlist(field["name"], [typed])
    headers = {"Accept": "application/json"} if rule in JSON_ROUTES else {}
    response = client.post(_url(rule, objects), data=data, headers=headers)
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    assert stored_with(app, char) == []
    if "draft=" in response.headers.get("Location", ""):  # the plan: shown by a GET
        response = client.get(response.headers["Location"])
    if rule in JSON_ROUTES:
        assert response.status_code == 422
        assert code in response.get_json()["problems"][_problem_key(field["name"])]
    else:
        assert response.status_code in (200, 422), response.status_code
        shown = Page(response.get_data(as_text=True))
        again = shown.field(field["name"])
        assert again is not None, "the form is shown again"
        assert code in shown.described(again), "the message is next to the field"
        if field["kind"] != "password":
            assert again["value"] == typed, "the typed text is kept"


def test_sign_in_refuses_control_characters_next_to_the_field(app, client, users):
    user = users["clinical"]
    for char in CHARS.values():
        for name, data in (
            ("email", {"email": _with_char(user.email, char), "password": PASSWORD}),
            ("password", {"email": user.email, "password": _with_char(PASSWORD, char)}),
        ):
            response = client.submit("/sign-in", data)
            assert response.status_code == 200, response.status_code
            page = Page(response.get_data(as_text=True))
            field = page.field(name)
            assert f"control character U+{ord(char):04X}" in page.described(field)
            if name == "email":
                assert field["value"] == data["email"]
            assert stored_with(app, char) == []
    with app.app_context():  # refused before any attempt was counted
        assert db.session.scalar(sa.text("SELECT count(*) FROM login_failures")) == 0
    assert client.submit("/sign-in", {"email": user.email, "password": PASSWORD})


@pytest.mark.parametrize("char", ["%00", "%1B"])
@pytest.mark.parametrize(
    "url",
    [
        "/rubrics/{c}",
        "/rubrics/sample?from={c}",
        "/loops/?q=a{c}b",
        "/requisitions/{c}",
        "/accounts/?{c}=1",
        "/static/style.css{c}",
    ],
)
def test_addresses_holding_control_characters_get_a_400_page(
    client, auth, users, url, char
):
    auth.login(users["talent_acquisition"])
    response = client.get(url.format(c=char))
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "holds an invisible control character" in text
    assert "Check the link" in text


def test_an_anonymous_address_with_nul_is_refused_before_sign_in(client):
    response = client.get("/loops/%00?next=%00")
    assert response.status_code == 400
    assert "invisible control character (U+0000)" in response.get_data(as_text=True)


# --- rubric files ----------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        (dump(rubric(title="Sample\x00rubric")), "U+0000 at character 7"),
        (dump(rubric(description="A\x1b[31m red")), "U+001B at character 2"),
        (b"key: sample\ntitle: Sample\x00 rubric\n", "contains NUL bytes"),
        (b"key: sample\ntitle: Sample\x1b rubric\n", "control characters are not"),
    ],
    ids=["nul-escape", "esc-escape", "raw-nul", "raw-esc"],
)
def test_a_rubric_file_with_control_characters_is_refused(
    app, client, auth, users, raw, expected
):

    auth.login(users["talent_acquisition"])
    response = client.submit(
        "/rubrics/upload",
        {"file": (io.BytesIO(raw), "sample.yaml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert expected in html.unescape(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT count(*) FROM rubrics")) == 0


def test_control_character_problems_name_the_field_and_line():
    raw = dump(rubric(competencies=[{"key": "workflow", "name": "Work\x00flow"}]))
    problems = control_character_problems(raw)
    assert [p.path for p in problems] == [("competencies", 0, "name")]
    assert (
        problems[0].line
        == raw.decode()
        .splitlines()
        .index(next(line for line in raw.decode().splitlines() if "name:" in line))
        + 1
    )
    assert control_character_problems(dump(rubric())) == []


# --- the same competency twice -------------------------------------------------------


def test_a_plan_with_a_competency_twice_is_refused_next_to_the_field(
    app, client, auth, people, objects
):
    auth.login(people["talent_acquisition"])
    url = f"/requisitions/{objects['requisition_id']}/plan"
    data = MultiDict(
        [
            ("csrf_token", client.csrf_token()),
            ("sessions-0-title", "Case"),
            ("sessions-0-duration_minutes", "60"),
            ("sessions-0-competency_keys", "workflow"),
            ("sessions-0-competency_keys", "workflow"),
            ("sessions-0-clinical_seats", "1"),
            ("sessions-0-technical_seats", "1"),
            ("version", "1"),  # the plan's counter as drawn (issue 14: second tabs)
        ]
    )
    response = client.post(url, data=data, follow_redirects=True)  # to its draft
    assert response.status_code in (200, 422)
    page = Page(response.get_data(as_text=True))
    field = page.field("sessions-0-competency_keys")
    assert "Choose each competency once (Workflow twice)." in page.described(field)
    with app.app_context():
        plan = db.session.get(Requisition, objects["requisition_id"]).plan
        assert [list(p.competency_keys) for p in plan] == [["workflow"]]
    # The requisition still works: the plan saves once the duplicate is gone.
    data.setlist("sessions-0-competency_keys", ["workflow", "privacy"])
    saved = client.post(url, data=data)
    assert saved.status_code == 302 and "draft=" not in saved.location


def test_a_plan_saved_with_a_competency_twice_still_starts_loops(
    app, client, auth, people, objects
):
    """Plans saved before duplicates were refused still start loops, each once."""
    with app.app_context():
        requisition = db.session.get(Requisition, objects["requisition_id"])
        requisition.plan[0].competency_keys = ["workflow", "privacy", "workflow"]
        db.session.commit()
    auth.login(people["talent_acquisition"])
    url = f"/requisitions/{objects['requisition_id']}/loops/new"
    response = client.submit(
        url,
        {
            "candidate_id": str(objects["candidate_id"]),
            "again": "y",
            "confirmed": str(objects["loop_id"]),  # the open loop it was shown
        },
    )
    assert response.status_code == 302, response.status_code
    with app.app_context():
        newest = db.session.scalar(sa.select(Loop).order_by(Loop.id.desc()))
        assert [c.key for c in newest.sessions[0].competencies] == [
            "workflow",
            "privacy",
        ]


@pytest.mark.parametrize("where", ["add", "shape"])
def test_a_loop_session_with_a_competency_twice_is_refused(
    app, client, auth, people, objects, where
):
    auth.login(people["talent_acquisition"])
    loop_id, session_id = objects["loop_id"], objects["session_id"]
    if where == "add":
        url, prefix = f"/loops/{loop_id}/sessions", "new-session"
    else:
        url = f"/loops/{loop_id}/sessions/{session_id}/shape"
        prefix = f"shape-{session_id}"
    data = MultiDict(
        [
            ("csrf_token", client.csrf_token()),
            (f"{prefix}-title", "Second look"),
            (f"{prefix}-duration_minutes", "45"),
            (f"{prefix}-competency_keys", "privacy"),
            (f"{prefix}-competency_keys", "privacy"),
            (f"{prefix}-clinical_seats", "1"),
            (f"{prefix}-technical_seats", "1"),
        ]
    )
    # Refused: a redirect to the form as typed (issue 14: Reload never posts again)
    response = client.post(url, data=data, follow_redirects=True)
    assert response.status_code == 422
    shown = Page(response.get_data(as_text=True))
    keys = shown.field(f"{prefix}-competency_keys")
    assert "Choose each competency once (Privacy twice)." in shown.described(keys)
    assert shown.field(f"{prefix}-title")["value"] == "Second look"  # kept
    with app.app_context():
        loop = db.session.get(Loop, loop_id)
        assert [[c.key for c in s.competencies] for s in loop.sessions] == [
            ["workflow"]
        ]
        assert [s.title for s in loop.sessions] == ["Workflow"]
    data.setlist(f"{prefix}-competency_keys", ["privacy"])
    assert client.post(url, data=data).status_code == 302
    assert client.get(f"/loops/{loop_id}").status_code == 200


def test_an_amendment_reason_with_a_control_character_is_refused(
    app, client, auth, people, objects
):
    auth.login(people["clinical_interviewer"])
    url = f"/interviews/{objects['seat_id']}"
    form = Page(client.get(url).get_data(as_text=True)).form_for(url, url)
    data = _submission(form)
    data.pop("save")
    data["submit"] = "Submit scorecard"
    assert client.post(url, data=data).status_code == 302, "submitted"
    form = Page(client.get(url).get_data(as_text=True)).form_for(url, url)
    field = next(f for f in form["fields"] if f.get("name") == "amend_reason")
    data = _submission(form)
    data.pop("save", None)
    data["amend"] = "Submit amendment"
    for char in CHARS.values():
        typed = _with_char("I misread my notes on the second question.", char)
        data["amend_reason"] = typed
        response = client.post(url, data=data, follow_redirects=True)
        assert [r.status_code for r in response.history] == [302]  # its ?draft=
        assert response.status_code == 422, response.status_code
        shown = Page(response.get_data(as_text=True))
        again = shown.field(field["name"])
        assert f"control character U+{ord(char):04X}" in shown.described(again)
        assert again["value"] == typed
        assert stored_with(app, char) == []


def test_the_command_line_refuses_a_control_character_escape_in_a_rubric(
    app, runner, tmp_path
):
    """A YAML escape ("\\0", "\\e") makes a control character the parser lets through;
    the command line refuses it as the upload page does."""
    from .rubric_samples import dump, rubric

    raw = (
        dump(rubric())
        .decode()
        .replace("title: Sample rubric", 'title: "Sample\\0 rubric"')
    )
    assert '"Sample\\0 rubric"' in raw
    path = tmp_path / "escape.yaml"
    path.write_text(raw, encoding="utf-8")
    for command in ("validate", "import"):
        result = runner.invoke(args=["rubric", command, str(path)])
        assert result.exit_code != 0, result.output
        assert "control character U+0000" in result.output
        assert "Traceback" not in result.output
    assert stored_with(app, "\x00") == []
