"""A kept debrief packet is found without laying its HTML out (issue 11: the subject
access export at scale), and still only where rendering it now would give the same
document: its key is made from the data the template is given
(debrief/documents.py ``packet_data``), so each kind of change to that data gives a
fresh packet, and the template reads nothing of the loop's rows that the key leaves
out."""

import dataclasses
import io
import shutil
import zipfile

import pytest
import sqlalchemy as sa
from flask import template_rendered

from interview.auditing import record
from interview.debrief import documents
from interview.debrief.renderer import RendererPool
from interview.extensions import db
from interview.models import (
    Candidate,
    HiringDecision,
    InterviewSession,
    Loop,
    PanelSeat,
    Rating,
    Requisition,
    Scorecard,
    User,
)

from .test_export_queries import _candidate, world  # noqa: F401 (its fixture)

PACKET = "debrief/packet.html"


@pytest.fixture
def laid_out(monkeypatch):
    """The HTML of every packet handed to the renderer (which answers at once)."""
    seen: list[str] = []

    def render(pool, html, **options):
        seen.append(html)
        return b"%PDF-1.7 packet " + str(len(seen)).encode()

    monkeypatch.setattr(RendererPool, "render", render)
    return seen


@pytest.fixture
def templates(app):
    """The name of every template rendered."""
    names: list[str] = []

    def seen(_sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(seen, app)
    yield names
    template_rendered.disconnect(seen, app)


def _export(client, candidate_id: int) -> dict[str, bytes]:
    response = client.get(f"/candidates/{candidate_id}/export.zip")
    assert response.status_code == 200
    zipped = zipfile.ZipFile(io.BytesIO(response.data))
    return {n: zipped.read(n) for n in zipped.namelist() if n.startswith("packets/")}


@pytest.fixture
def exported(app, client, auth, world, laid_out, templates):  # noqa: F811
    """A candidate with two loops, exported once by talent acquisition (both packets
    laid out and kept)."""
    candidate_id = _candidate(app, world, "Ona Double", 2)
    auth.login(world["people"]["ta"])
    first = _export(client, candidate_id)
    assert len(first) == 2 and len(laid_out) == 2
    assert templates.count(PACKET) == 2  # laid out once each: the key renders none
    with app.app_context():
        loop_ids = db.session.scalars(
            sa.select(Loop.id)
            .where(Loop.candidate_id == candidate_id)
            .order_by(Loop.id)
        ).all()
    templates.clear()
    people = world["people"]
    return {
        "candidate": candidate_id,
        "loops": loop_ids,
        "first": first,
        "people": people,
    }


def test_a_warm_export_lays_no_packet_html_out(client, exported, laid_out, templates):
    again = _export(client, exported["candidate"])
    assert again == exported["first"] and len(laid_out) == 2
    assert PACKET not in templates, templates


def test_a_kept_debrief_packet_is_served_without_its_template(
    client,
    auth,
    exported,
    laid_out,
    templates,
):
    auth.logout()
    auth.login(exported["people"]["manager"])
    url = f"/loops/{exported['loops'][0]}/debrief.pdf"
    first = client.get(url)
    assert first.status_code == 200 and len(laid_out) == 3
    assert templates.count(PACKET) == 1  # laid out for the manager: no second pass
    templates.clear()
    again = client.get(url)
    assert again.data == first.data and len(laid_out) == 3
    assert PACKET not in templates


def _update(app, table, row_id: int, **values) -> None:
    """Change a row in Core, past the ORM's forgetting of kept packets
    (models/packets.py), so that only the key can tell the packet is old."""
    with app.app_context():
        db.session.execute(sa.update(table).where(table.id == row_id).values(**values))
        db.session.commit()


def _first(app, query):
    with app.app_context():
        return db.session.scalar(query)


def _loop_row(model, loop_id):
    """The id of a row of ``model`` on the loop."""
    sessions = sa.select(InterviewSession.id).where(InterviewSession.loop_id == loop_id)
    if model is InterviewSession:
        return sessions
    seats = sa.select(PanelSeat.id).where(PanelSeat.session_id.in_(sessions))
    cards = sa.select(Scorecard.id).where(Scorecard.seat_id.in_(seats))
    if model is Scorecard:
        return cards
    if model is Rating:
        return sa.select(Rating.id).where(Rating.scorecard_id.in_(cards))
    if model is HiringDecision:
        return sa.select(HiringDecision.id).where(HiringDecision.loop_id == loop_id)
    raise AssertionError(model)


def _rename_interviewer(app, loop_id, people):
    _update(app, User, people["clara"].id, name="Clara Jensen-Obi")
    return "Clara Jensen-Obi"


def _rename_manager(app, loop_id, people):
    _update(app, User, people["manager"].id, name="Mona Manager-Reyes")
    return "Mona Manager-Reyes"


def _rename_candidate(app, loop_id, people):
    candidate = _first(app, sa.select(Loop.candidate_id).where(Loop.id == loop_id))
    _update(app, Candidate, candidate, name="Ona Double-Silva")
    return "Ona Double-Silva"


def _retitle_requisition(app, loop_id, people):
    requisition = _first(app, sa.select(Loop.requisition_id).where(Loop.id == loop_id))
    _update(app, Requisition, requisition, title="Nurse informaticist, nights")
    return "Nurse informaticist, nights"


def _retitle_session(app, loop_id, people):
    session = _first(app, _loop_row(InterviewSession, loop_id))
    _update(app, InterviewSession, session, title="Workflow case, revised")
    return "Workflow case, revised"


def _amend_evidence(app, loop_id, people):
    rating = _first(app, _loop_row(Rating, loop_id))
    _update(app, Rating, rating, evidence="Evidence rewritten after the debrief")
    return "Evidence rewritten after the debrief"


def _change_summary(app, loop_id, people):
    card = _first(app, _loop_row(Scorecard, loop_id))
    _update(app, Scorecard, card, summary="A summary amended in place")
    return "A summary amended in place"


def _change_decision(app, loop_id, people):
    decision = _first(app, _loop_row(HiringDecision, loop_id))
    _update(app, HiringDecision, decision, rationale="Hired on the second reading")
    return "Hired on the second reading"


def _reopen(app, loop_id, people):
    with app.app_context():
        loop = db.session.get(Loop, loop_id)
        ta = db.session.get(User, people["ta"].id)
        record(ta, "loop.reopen", loop, reason="A second reference came in")
        db.session.commit()
    return "A second reference came in"


def _reader_zone(app, loop_id, people):
    _update(app, User, people["ta"].id, time_zone="America/Chicago")
    return "CST"


def _reader_name(app, loop_id, people):
    _update(app, User, people["ta"].id, name="Tess Acquisition-Hale")
    return "Tess Acquisition-Hale"


def _page_size(app, loop_id, people):
    app.config["DEBRIEF_PAGE_SIZE"] = "letter"
    return "size: letter"


CHANGES = [
    _rename_interviewer,
    _rename_manager,
    _rename_candidate,
    _retitle_requisition,
    _retitle_session,
    _amend_evidence,
    _change_summary,
    _change_decision,
    _reopen,
    _reader_zone,
    _reader_name,
    _page_size,
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda f: f.__name__.strip("_"))
def test_each_change_gives_a_fresh_packet(
    app,
    client,
    exported,
    laid_out,
    templates,
    change,
):
    """Unchanged, the export lays nothing out; changed, the packets that print the
    change are laid out again, with it."""
    _export(client, exported["candidate"])
    assert len(laid_out) == 2 and PACKET not in templates
    words = change(app, exported["loops"][0], exported["people"])
    after = _export(client, exported["candidate"])
    fresh = laid_out[2:]
    assert fresh and all(words in html for html in fresh), words
    assert after != exported["first"]
    settled = len(laid_out)
    assert _export(client, exported["candidate"]) == after
    assert len(laid_out) == settled  # kept again


def test_the_renderer_version_moves_with_the_python_that_makes_the_html(
    tmp_path, monkeypatch
):
    version = documents.renderer_version.__wrapped__
    package = tmp_path / "interview"
    for name in documents.HTML_SOURCES:
        source = documents.PACKAGE / name
        target = package / name
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    monkeypatch.setattr(documents, "PACKAGE", package)
    before = version()
    for name in ("debrief/views.py", "debrief/synthesis/flags.py", "loops/schedule.py"):
        path = package / name
        original = path.read_bytes()
        path.write_bytes(original + b"\n# changed\n")
        assert version() != before, name
        path.write_bytes(original)
    assert version() == before


# What the template reads ---------------------------------------------------------


class _Spy:
    """A row as the template sees it, noting each attribute read."""

    def __init__(self, row, seen: set):
        object.__setattr__(self, "_spy_row", row)
        object.__setattr__(self, "_spy_seen", seen)

    def __getattr__(self, name):
        row = object.__getattribute__(self, "_spy_row")
        seen = object.__getattribute__(self, "_spy_seen")
        seen.add((type(row), name))
        return _spied(getattr(row, name), seen)


def _spied(value, seen: set):
    if isinstance(value, db.Model):
        return _Spy(value, seen)
    if isinstance(value, list) and value and isinstance(value[0], db.Model):
        return [_Spy(v, seen) for v in value]
    return value


def _rows_in(value, path="") -> list[str]:
    """Where rows are in the context, besides its top level."""
    if isinstance(value, db.Model):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _rows_in(v, f"{path}.{k}")]
    if isinstance(value, list | tuple | set | frozenset):
        return [p for v in value for p in _rows_in(v, f"{path}[]")]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [
            p
            for f in dataclasses.fields(value)
            for p in _rows_in(getattr(value, f.name), f"{path}.{f.name}")
        ]
    return []


def _covered(kind: type, name: str) -> bool:
    columns = documents.COLUMNS.get(kind) or [
        attr.key for attr in sa.inspect(kind).column_attrs
    ]
    return name in columns or name in documents.FOLLOWED.get(kind, ())


def test_the_template_reads_only_what_the_key_covers(app, exported):
    """Every attribute the packet's template reads of a row is one of the columns or
    followed relationships that ``packet_data`` puts in the key; rows appear only at
    the top of the context (``loop``, ``levels``), the rest being plain data that
    the key holds whole."""
    with app.test_request_context():
        loop = db.session.get(Loop, exported["loops"][0])
        args = documents._template_args(loop, "Tess Acquisition", "Europe/Paris", None)
        nested = [p for key, value in args.items() for p in _rows_in(value, key)]
        assert sorted(set(nested)) == ["levels[]", "loop"]
        seen: set = set()
        spied = {key: _spied(value, seen) for key, value in args.items()}
        assert "Ona Double" in documents._html(spied, documents.utcnow())
    assert seen, "the spies saw nothing"
    uncovered = sorted(
        f"{kind.__name__}.{name}" for kind, name in seen if not _covered(kind, name)
    )
    assert uncovered == [], f"the template reads what the key leaves out: {uncovered}"


def test_the_key_data_is_the_same_from_a_fresh_session(app, exported):
    def data():
        with app.test_request_context():
            loop = db.session.get(Loop, exported["loops"][0])
            args = documents._template_args(loop, "Tess", "Europe/Paris", "letter")
            return documents.packet_data(args)

    first = data()
    assert first == data()
    assert "Europe/Paris" in first and "letter" in first
    assert "password" not in first


def test_an_unforeseen_type_is_an_error_not_a_guess():
    with pytest.raises(TypeError, match="no plain form for object"):
        documents._plain({"x": object()}, None)
