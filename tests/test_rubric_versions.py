"""Rubric versions from the command line: validate, import, export, round trips."""

import copy

import pytest
import sqlalchemy as sa
from hypothesis import assume, given
from hypothesis import strategies as st

from interview.extensions import db
from interview.models import (
    AuditEntry,
    Candidate,
    Discipline,
    Loop,
    Requisition,
    Role,
    RubricVersion,
)
from interview.rubrics.diff import diff
from interview.rubrics.documents import to_yaml
from interview.rubrics.schema import validate

from .rubric_samples import dump, rubric


@pytest.fixture
def sample(tmp_path):
    path = tmp_path / "sample.yaml"
    path.write_bytes(dump(rubric()))
    return path


def _versions(app) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(sa.select(RubricVersion.number).order_by("number"))
        )


def test_validate_prints_ok_or_every_problem(runner, sample, tmp_path):
    ok = runner.invoke(args=["rubric", "validate", str(sample)])
    assert ok.exit_code == 0 and ok.output.strip() == f"{sample}: ok"
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(dump(rubric(job_families=[], title="")))
    result = runner.invoke(args=["rubric", "validate", str(sample), str(bad)])
    assert result.exit_code == 1
    assert f"{bad}: 2 problems" in result.output
    assert "job_families (line 4): needs at least 1 (has 0)" in result.output


def test_import_adds_a_version_only_when_something_changed(app, runner, sample):
    first = runner.invoke(args=["rubric", "import", str(sample)])
    assert first.output.strip() == "sample: imported as version 1"
    again = runner.invoke(args=["rubric", "import", str(sample)])
    assert again.output.strip() == "sample: unchanged at version 1"
    changed = rubric()
    changed["competencies"][0]["anchors"][3] = (
        "Names the cause and rewrites the order set."
    )
    sample.write_bytes(dump(changed))
    assert (
        "imported as version 2"
        in runner.invoke(args=["rubric", "import", str(sample)]).output
    )
    assert _versions(app) == [1, 2]
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
        assert actions == ["rubric.version", "rubric.version"]


def test_a_bad_file_stops_the_whole_import(app, runner, sample, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"key: [")
    result = runner.invoke(args=["rubric", "import", str(sample), str(bad)])
    assert result.exit_code == 1
    assert "nothing imported" in result.output
    assert _versions(app) == []


def test_export_then_import_round_trips(app, runner, sample, tmp_path):
    runner.invoke(args=["rubric", "import", str(sample)])
    exported = tmp_path / "exported.yaml"
    result = runner.invoke(args=["rubric", "export", "sample", "-o", str(exported)])
    assert result.exit_code == 0, result.output
    assert (
        validate(exported.read_bytes()).rubric == validate(sample.read_bytes()).rubric
    )
    again = runner.invoke(args=["rubric", "import", str(exported)])
    assert again.output.strip() == "sample: unchanged at version 1"
    second = tmp_path / "second.yaml"
    runner.invoke(args=["rubric", "export", "sample", "-o", str(second)])
    assert second.read_bytes() == exported.read_bytes()


def test_export_an_older_version(runner, sample):
    runner.invoke(args=["rubric", "import", str(sample)])
    newer = rubric(title="Sample rubric, revised")
    sample.write_bytes(dump(newer))
    runner.invoke(args=["rubric", "import", str(sample)])
    old = runner.invoke(args=["rubric", "export", "sample", "--version", "1"])
    assert "title: Sample rubric\n" in old.output
    latest = runner.invoke(args=["rubric", "export", "sample"])
    assert "title: Sample rubric, revised" in latest.output
    missing = runner.invoke(args=["rubric", "export", "sample", "--version", "9"])
    assert (
        missing.exit_code == 1
        and "there is no version 9 of rubric 'sample'" in missing.output
    )


def test_a_new_version_leaves_existing_loops_on_theirs(app, runner, sample, make_user):
    runner.invoke(args=["rubric", "import", str(sample)])
    manager = make_user(Role.HIRING_MANAGER)
    with app.app_context():
        v1 = db.session.scalar(sa.select(RubricVersion))
        loop = Loop(
            candidate=Candidate(name="Priya Raman"),
            requisition=Requisition(
                title="EHR analyst",
                discipline=Discipline.CLINICAL,
                hiring_manager_id=manager.id,
            ),
            rubric_version=v1,
        )
        db.session.add(loop)
        db.session.commit()
        loop_id, v1_id = loop.id, v1.id
    sample.write_bytes(dump(rubric(title="Sample rubric v2")))
    runner.invoke(args=["rubric", "import", str(sample)])
    with app.app_context():
        loop = db.session.get(Loop, loop_id)
        assert loop.rubric_version_id == v1_id
        assert loop.rubric_version.title == "Sample rubric"
    assert _versions(app) == [1, 2]


def test_the_diff_names_what_changed():
    old = validate(dump(rubric())).rubric
    data = rubric()
    data["competencies"][0]["anchors"][2] = "Describes the event and one change."
    data["competencies"][0]["questions"].append(
        {"text": "What would you test?", "probes": ["Why?"]}
    )
    extra = copy.deepcopy(data["competencies"][1])
    extra["key"], extra["name"] = "safety", "Safety"
    data["competencies"] = [data["competencies"][1], data["competencies"][0], extra]
    new = validate(dump(data)).rubric
    found = [(c.where, c.what) for c in diff(old, new)]
    assert found == [
        ("Safety (safety)", "competency added"),
        ("Rubric", "competencies reordered"),
        ("Workflow (workflow)", "anchor for level 2 changed"),
        ("Workflow (workflow)", "question added"),
    ]
    assert diff(old, old) == []


def test_every_shipped_rubric_validates_and_imports(app, runner):
    from interview.rubrics.operations import library_files

    files = [str(p) for p in library_files()]
    assert len(files) >= 3
    result = runner.invoke(args=["rubric", "validate", *files])
    assert result.exit_code == 0, result.output
    assert result.output.count(": ok") == len(files)
    imported = runner.invoke(args=["rubric", "import", "--library"])
    assert imported.exit_code == 0, imported.output
    with app.app_context():
        from interview.models import Rubric

        keys = set(db.session.scalars(sa.select(Rubric.key)))
    assert {"core-cross-functional", "technical-roles", "clinical-informatics"} <= keys


def test_the_core_rubric_covers_the_cross_functional_competencies():
    from interview.rubrics.operations import LIBRARY

    core = validate((LIBRARY / "core-cross-functional.yaml").read_bytes()).rubric
    assert [c.key for c in core.competencies] == [
        "adaptability_learning_agility",
        "translating_technical_ideas",
        "clinical_workflow_understanding",
        "regulatory_privacy_judgement",
        "mission_patient_impact",
        "cross_team_collaboration",
    ]
    for c in core.competencies:
        assert c.assessed_by == "both"  # every loop pairs a clinician with an engineer
        assert len(set(c.anchors.values())) == len(core.scale)


@pytest.mark.parametrize("existing", [True, False], ids=["new version", "new rubric"])
def test_two_saves_at_once_take_turns(app, databases, existing):
    """Two editors save the same rubric at the same moment: the second waits for the
    first and is told someone saved meanwhile; neither gets an error page and no
    version number is taken twice (PostgreSQL, where saves really run at once)."""
    import threading
    import time

    from interview.rubrics import operations as ops

    if databases.name != "postgresql":
        pytest.skip("SQLite runs one write at a time")
    if existing:
        with app.app_context():
            ops.save_rubric(None, validate(dump(rubric())).rubric)
            db.session.commit()
    first = validate(dump(rubric(title="Title A"))).rubric
    second = validate(dump(rubric(title="Title B"))).rubric
    based_on = 1 if existing else None
    outcome = {}

    def save_second():
        with app.app_context():
            try:
                ops.save_rubric(None, second, based_on=based_on)
                db.session.commit()
                outcome["second"] = "saved"
            except ops.StaleRubricError as exc:
                db.session.rollback()
                outcome["second"] = f"stale {exc.args[0]}"

    with app.app_context():
        ops.save_rubric(None, first, based_on=based_on)  # holds the rubric's lock
        thread = threading.Thread(target=save_second)
        thread.start()
        time.sleep(0.5)  # the second save is waiting for the first
        db.session.commit()
    thread.join(30)
    assert outcome["second"] == ("stale 2" if existing else "stale 1")
    with app.app_context():
        titles = db.session.execute(
            sa.select(RubricVersion.number, RubricVersion.title).order_by(
                RubricVersion.number
            )
        ).all()
    expected = [(1, "Sample rubric"), (2, "Title A")] if existing else [(1, "Title A")]
    assert [tuple(t) for t in titles] == expected


# Printable text of any script, with YAML's own punctuation and line breaks: what a
# rubric author may type into a name, a definition or an anchor.
AUTHORED = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn"))
    | st.sampled_from(list(":#-'\"{}[]&*!|>%@`\n ")),
    min_size=1,
    max_size=120,
).filter(lambda t: t.strip() and t == t.strip())


@given(name=AUTHORED, definition=AUTHORED, anchor=AUTHORED, title=AUTHORED)
def test_exported_yaml_reads_back_as_the_same_rubric(name, definition, anchor, title):
    """The export (libyaml's emitter where PyYAML has it) writes any text a rubric
    holds so that the import reads back the same rubric. (The two emitters differ
    only in style: the pure-Python one escapes characters beyond the BMP.)"""
    data = rubric(title=title[:200])
    data["competencies"][0].update(name=name[:200], definition=definition)
    data["competencies"][0]["anchors"][2] = anchor
    checked = validate(dump(data))
    assume(checked.rubric is not None)
    text = to_yaml(checked.rubric)
    assert validate(text.encode()).rubric == checked.rubric
