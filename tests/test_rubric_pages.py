"""Rubric pages and the editor: reading, uploading, editing, errors, versions."""

import io
import re

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.models import Candidate, Discipline, Loop, Requisition, RubricVersion
from interview.rubrics.forms import spec_to_form_data
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate

from .rubric_samples import dump, rubric


def flatten(data, prefix="") -> dict:
    """Editor field values as the names a browser posts (WTForms' FieldList style)."""
    flat = {}
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for name, value in items:
        key = f"{prefix}-{name}" if prefix else str(name)
        if isinstance(value, (dict, list)):
            flat.update(flatten(value, key))
        else:
            flat[key] = value
    return flat


def form_for(data: dict, based_on: int | None = None) -> dict:
    spec = validate(dump(data)).rubric
    fields = flatten(spec_to_form_data(spec))
    if based_on is not None:
        fields["based_on"] = str(based_on)
    return fields


@pytest.fixture
def saved(app):
    """The sample rubric saved as version 1."""
    with app.app_context():
        save_rubric(None, validate(dump(rubric())).rubric)
        db.session.commit()


@pytest.fixture
def ta(auth, users):
    auth.login(users["talent_acquisition"])
    return auth.client


def _versions(app, key="sample") -> list[int]:
    with app.app_context():
        return list(db.session.scalars(sa.select(RubricVersion.number)))


def test_the_list_shows_each_rubrics_latest_version(app, client, auth, users):
    """One row per rubric, by title, with its newest version's number, job families
    and competencies, however many versions came before."""
    from .rubric_samples import competency

    with app.app_context():
        for number in range(3):
            fields = {"competencies": [competency(f"c{n}") for n in range(number + 2)]}
            if number == 2:
                fields["job_families"] = ["nurse-informaticist"]
            save_rubric(None, validate(dump(rubric(**fields))).rubric)
        save_rubric(None, validate(dump(rubric(key="aaa", title="Analyst"))).rubric)
        db.session.commit()
    auth.login(users["clinical"])
    page = client.get("/rubrics/").get_data(as_text=True)
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.DOTALL)[1:]
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL) for row in rows]
    assert [re.sub(r"<[^>]+>", "", c[0]) for c in cells] == ["Analyst", "Sample rubric"]
    assert cells[1][1:3] == ["nurse-informaticist", "4"]
    assert cells[1][3].startswith("v3, ") and cells[0][3].startswith("v1, ")


def test_everyone_can_read_a_rubric(client, auth, users, saved):
    auth.login(users["clinical"])
    page = client.get("/rubrics/sample").get_data(as_text=True)
    assert "Names the cause, the change, and how they checked it with nurses." in page
    assert "a hire must reach 3 Yes" in page
    assert "Edit" not in page.split("<main")[1].split("Download YAML")[0]


def test_rubric_text_is_shown_as_text(app, client, auth, users):
    data = rubric()
    data["competencies"][0]["definition"] = "<script>alert(1)</script> {{ 7 * 7 }}"
    with app.app_context():
        save_rubric(None, validate(dump(data)).rubric)
        db.session.commit()
    auth.login(users["hiring_manager"])
    page = client.get("/rubrics/sample").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7 * 7 }}" in page
    assert "<script>alert" not in page and " 49" not in page


def test_download_gives_the_exported_yaml(client, ta, saved):
    response = client.get("/rubrics/sample/versions/1/download")
    assert (
        response.headers["Content-Disposition"]
        == 'attachment; filename="sample-v1.yaml"'
    )
    assert validate(response.data).rubric == validate(dump(rubric())).rubric


def _upload(client, raw: bytes, name="rubric.yaml"):
    return client.submit(
        "/rubrics/upload",
        {"file": (io.BytesIO(raw), name)},
        content_type="multipart/form-data",
    )


def test_upload_adds_a_rubric_then_a_version(app, client, ta):
    response = _upload(client, dump(rubric()))
    assert response.headers["Location"] == "/rubrics/sample"
    _upload(client, dump(rubric(title="Sample rubric, revised")))
    assert _versions(app) == [1, 2]
    unchanged = _upload(client, dump(rubric(title="Sample rubric, revised")))
    assert _versions(app) == [1, 2]
    assert "Nothing changed" in client.get(unchanged.headers["Location"]).get_data(
        as_text=True
    )


def test_a_bad_upload_lists_every_problem_and_saves_nothing(app, client, ta):
    bad = rubric(job_families=[])
    del bad["competencies"][1]["anchors"][4]
    response = _upload(client, dump(bad))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "2 problems to fix" in page
    assert "job_families (line 4): needs at least 1 (has 0)" in page
    assert "3 anchors for a 4-level scale" in page
    assert _versions(app) == []


def test_an_oversized_or_binary_upload_is_refused_with_a_message(app, client, ta):
    big = _upload(client, dump(rubric()) + b"#" * (1024 * 1024))
    # The test client spools a large body to a temporary file it does not close itself.
    big.request.environ["wsgi.input"].close()
    assert "the limit is 1 MiB" in big.get_data(as_text=True)
    binary = _upload(client, b"\x89PNG\r\n\x1a\n\x00\x00")
    assert "not UTF-8 text" in binary.get_data(as_text=True)
    assert _versions(app) == []


def test_create_a_rubric_in_the_editor(app, client, ta):
    assert client.get("/rubrics/new").status_code == 200
    response = client.submit("/rubrics/new", form_for(rubric()))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _versions(app) == [1]
    again = client.submit("/rubrics/new", form_for(rubric()))
    assert "A rubric with this key exists already" in again.get_data(as_text=True)


def test_editing_makes_a_new_version_and_leaves_loops_on_theirs(
    app, client, ta, users, saved
):
    with app.app_context():
        loop = Loop(
            candidate=Candidate(name="Lukas Becker"),
            requisition=Requisition(
                title="Integration engineer",
                discipline=Discipline.TECHNICAL,
                hiring_manager_id=users["hiring_manager"].id,
            ),
            rubric_version=db.session.scalar(sa.select(RubricVersion)),
        )
        db.session.add(loop)
        db.session.commit()
        loop_id = loop.id
    edited = rubric()
    edited["competencies"][0]["anchors"][3] = "Names the cause and the build change."
    response = client.submit("/rubrics/sample/edit", form_for(edited, based_on=1))
    assert response.status_code == 302
    assert _versions(app) == [1, 2]
    with app.app_context():
        assert db.session.get(Loop, loop_id).rubric_version.number == 1
    changes = client.get("/rubrics/sample/compare?from=1&to=2").get_data(as_text=True)
    assert "anchor for level 3 changed" in changes
    assert "Names the cause and the build change." in changes


def test_editor_errors_sit_next_to_their_fields_and_keep_everything(
    app, client, ta, saved
):
    fields = form_for(rubric(), based_on=1)
    fields["title"] = "A title I typed"
    fields["competencies-1-key"] = "Bad Key"
    fields["competencies-1-anchors-2"] = ""
    response = client.submit("/rubrics/sample/edit", fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "2 things to fix" in page
    assert 'value="A title I typed"' in page and 'value="Bad Key"' in page
    assert 'id="competencies-1-key-error"' in page
    assert 'id="competencies-1-anchors-2-error">cannot be empty' in page
    assert 'href="#competencies-1-anchors-2"' in page
    assert _versions(app) == [1]


def test_reorder_add_and_remove_without_saving(app, client, ta, saved):
    fields = form_for(rubric(), based_on=1)
    moved = client.submit("/rubrics/sample/edit", {**fields, "action": "up-1"})
    page = moved.get_data(as_text=True)
    assert page.index('value="privacy"') < page.index('value="workflow"')
    assert page.count("autofocus") == 1
    assert 'autofocus id="competencies-0-key"' in page  # focus follows the moved one
    added = client.submit(
        "/rubrics/sample/edit", {**fields, "action": "add-competency"}
    )
    assert 'name="competencies-2-key"' in added.get_data(as_text=True)
    question = client.submit(
        "/rubrics/sample/edit", {**fields, "action": "add-question-0"}
    )
    assert 'name="competencies-0-questions-2-text"' in question.get_data(as_text=True)
    removed = client.submit(
        "/rubrics/sample/edit", {**fields, "action": "remove-competency-0"}
    )
    assert 'value="workflow"' not in removed.get_data(as_text=True)
    level = client.submit("/rubrics/sample/edit", {**fields, "action": "add-level"})
    assert 'name="competencies-1-anchors-4"' in level.get_data(as_text=True)
    assert _versions(app) == [1]
    bogus = client.submit("/rubrics/sample/edit", {**fields, "action": "explode-9"})
    assert bogus.status_code == 400


def test_a_reordered_rubric_saves_in_its_new_order(app, client, ta, saved):
    fields = form_for(rubric(), based_on=1)
    page = client.submit("/rubrics/sample/edit", {**fields, "action": "up-1"})
    assert page.status_code == 200
    reordered = rubric()
    reordered["competencies"].reverse()
    assert (
        client.submit(
            "/rubrics/sample/edit", form_for(reordered, based_on=1)
        ).status_code
        == 302
    )
    with app.app_context():
        latest = db.session.scalar(
            sa.select(RubricVersion).where(RubricVersion.number == 2)
        )
        assert [c.key for c in latest.competencies] == ["privacy", "workflow"]


def test_two_editors_at_once_never_overwrite_each_other(app, client, ta, saved):
    first = rubric(title="Saved by the first editor")
    second = rubric(title="Typed by the second editor")
    assert (
        client.submit("/rubrics/sample/edit", form_for(first, based_on=1)).status_code
        == 302
    )
    stale = client.submit("/rubrics/sample/edit", form_for(second, based_on=1))
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "Someone saved version 2 while you were editing" in page
    assert 'value="Typed by the second editor"' in page
    assert 'name="based_on" type="hidden" value="2"' in page
    again = client.submit("/rubrics/sample/edit", form_for(second, based_on=2))
    assert again.status_code == 302
    assert _versions(app) == [1, 2, 3]


def test_the_key_of_an_existing_rubric_cannot_be_changed(app, client, ta, saved):
    fields = form_for(rubric(title="Renamed?"), based_on=1)
    fields["key"] = "another-key"
    assert client.submit("/rubrics/sample/edit", fields).status_code == 302
    with app.app_context():
        keys = db.session.scalars(sa.select(RubricVersion.rubric_id)).all()
        assert len(set(keys)) == 1
