"""`flask debrief`: one packet to a file, or every decided loop's into a folder."""

import sqlalchemy as sa

from interview.extensions import db
from interview.models import Loop, LoopStatus, PlanSession

from .builders import start_loop
from .test_packet import pages_text


def _another_loop(first: Loop, candidate: str) -> Loop:
    """A second loop for the same manager and rubric (inside an app context)."""
    return start_loop(
        first.requisition.hiring_manager_id,
        first.rubric_version.rubric_id,
        [PlanSession(title="Case", competency_keys=["workflow"])],
        candidate=candidate,
    )


def _loop_id(app):
    with app.app_context():
        return db.session.scalar(sa.select(Loop.id))


def test_one_loop_to_a_file(app, runner, seat, tmp_path):
    out = tmp_path / "packet.pdf"
    result = runner.invoke(args=["debrief", str(_loop_id(app)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}" in result.output
    text = " ".join(pages_text(out.read_bytes()))
    assert "Priya Raman" in text and "page 1 of" in text
    assert not list(tmp_path.glob(".*partial"))


def test_the_file_name_defaults_to_the_loop_and_candidate(
    app, runner, seat, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    loop_id = _loop_id(app)
    result = runner.invoke(args=["debrief", str(loop_id), "--size", "letter"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / f"debrief-{loop_id}-priya-raman.pdf").stat().st_size > 1000


def test_bad_requests_get_a_message_not_a_traceback(app, runner, seat, tmp_path):
    loop_id = str(_loop_id(app))
    cases = [
        (["debrief", "999"], "there is no loop 999"),
        (["debrief"], "give either a LOOP_ID or --all-decided"),
        (
            ["debrief", loop_id, "--all-decided"],
            "give either a LOOP_ID or --all-decided",
        ),
        (["debrief", "--all-decided"], "--all-decided needs --out-dir DIR"),
        (["debrief", loop_id, "--zone", "Mars/Olympus"], "Mars/Olympus"),
        (
            ["debrief", loop_id, "-o", str(tmp_path / "missing" / "x.pdf")],
            f"cannot write {tmp_path / 'missing' / 'x.pdf'}: No such file or directory",
        ),
    ]
    for args, message in cases:
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
        assert "Traceback" not in result.output


def test_every_decided_loop_into_a_folder_with_a_progress_bar(
    app, runner, seat, tmp_path
):
    with app.app_context():
        first = db.session.scalar(sa.select(Loop))
        second = _another_loop(first, "Jonas Öberg")
        third = _another_loop(first, "Still Interviewing")
        first.status = LoopStatus.DECIDED
        second.status = LoopStatus.DECIDED
        db.session.commit()
        decided = {first.id: "priya-raman", second.id: "jonas-oberg"}
        assert third.status != LoopStatus.DECIDED
    out = tmp_path / "packets"
    result = runner.invoke(args=["debrief", "--all-decided", "--out-dir", str(out)])
    assert result.exit_code == 0, result.output
    assert "Writing packets" in result.output and "Wrote 2 packets" in result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"debrief-{i}-{slug}.pdf" for i, slug in decided.items())
    assert "Jonas Öberg" in pages_text((out / names[-1]).read_bytes())[0]


def test_no_decided_loop_is_said_plainly(app, runner, seat, tmp_path):
    result = runner.invoke(
        args=["debrief", "--all-decided", "--out-dir", str(tmp_path / "none")]
    )
    assert result.exit_code == 0
    assert "No decided loop: nothing to write." in result.output


def test_one_failing_packet_is_reported_and_the_rest_are_written(
    app, runner, seat, tmp_path, monkeypatch
):
    from interview.debrief.renderer import RendererPool

    with app.app_context():
        first = db.session.scalar(sa.select(Loop))
        other = _another_loop(first, "Broken Packet")
        first.status = other.status = LoopStatus.DECIDED
        db.session.commit()
        broken, kept = other.id, first.id
    real = RendererPool.render

    def flaky(self, html, **options):
        if "Broken Packet" in html:
            raise ValueError("layout exploded")
        return real(self, html, **options)

    monkeypatch.setattr(RendererPool, "render", flaky)
    out = tmp_path / "packets"
    result = runner.invoke(
        args=["debrief", "--all-decided", "--out-dir", str(out), "--jobs", "1"]
    )
    assert result.exit_code == 1
    assert f"loop {broken} failed: layout exploded" in result.output
    assert "Wrote 1 packets" in result.output
    assert [p.name for p in out.iterdir()] == [f"debrief-{kept}-priya-raman.pdf"]
