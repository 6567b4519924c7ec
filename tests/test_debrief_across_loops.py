"""The debrief's figures from across loops: the rubric's reliability and the note
beside a lenient interviewer's ratings, on the page and in the PDF packet; who sees
which note; the kept packet's key moving with them; the figures kept per rubric."""

import random
import re
import threading

import pytest

from interview.calibration import figures as fg
from interview.calibration import queries
from interview.debrief import across_loops as al
from interview.debrief import renderer
from interview.debrief.numbers import fmt
from interview.debrief.reliability import MEANING
from interview.extensions import db
from interview.loops.operations import create_loop
from interview.models import (
    Candidate,
    Discipline,
    PlanSession,
    Requisition,
    Role,
)
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate
from interview.scorecards.operations import Edit, scorecard_for, submit
from interview.scorecards.rules import Answer

from .rubric_samples import dump, rubric
from .test_packet import pages_text

EVIDENCE = "Walked through the order set change and who signed it off."
SUMMARY = "A clear account of the go-live and its follow-up."
LENA = "Lena <b>Ortiz</b> & co"  # markup in a name stays text


@pytest.fixture
def app_config():
    # Fewer loops than the default minimum of 60 shared ratings would need; the
    # rubric's figures checked on every request (the window has its own test).
    return {
        "DEBRIEF_LENIENCY_NOTE_MIN_RATINGS": 20,
        "DEBRIEF_CALIBRATION_RECHECK_SECONDS": 0,
    }


@pytest.fixture
def people(make_user):
    clinical = {"discipline": Discipline.CLINICAL}
    return {
        "ta": make_user(Role.TALENT_ACQUISITION),
        "manager": make_user(Role.HIRING_MANAGER, name="Morgan Lee"),
        "lena": make_user(Role.INTERVIEWER, name=LENA, **clinical),
        "clara": make_user(Role.INTERVIEWER, name="Clara Jensen", **clinical),
        "carl": make_user(Role.INTERVIEWER, name="Carl Berg", **clinical),
        "cora": make_user(Role.INTERVIEWER, name="Cora Diaz", **clinical),
        "tom": make_user(
            Role.INTERVIEWER, name="Tom Okafor", discipline=Discipline.TECHNICAL
        ),
    }


@pytest.fixture
def world(app, people):
    """A rubric whose loops have three clinical seats and one technical one;
    ``add(n, bias=...)`` adds n loops submitted through the scorecard operations,
    Lena on every other one rating ``bias`` levels above the rest."""
    with app.app_context():
        version = save_rubric(None, validate(dump(rubric())).rubric).version
        requisition = Requisition(
            title="EHR analyst",
            discipline=Discipline.CLINICAL,
            hiring_manager_id=people["manager"].id,
            default_rubric_id=version.rubric_id,
            plan=[
                PlanSession(
                    title="Case",
                    competency_keys=["workflow", "privacy"],
                    clinical_seats=3,
                    technical_seats=1,
                )
            ],
        )
        db.session.add(requisition)
        db.session.commit()
        ids = {"rubric": version.rubric_id, "requisition": requisition.id}
    rng = random.Random(12)
    counter = iter(range(10_000))

    def add(n: int, *, bias: int = 2, lena_every: int = 2, last_with_lena=True):
        with app.app_context():
            req = db.session.get(Requisition, ids["requisition"])
            made = []
            for i in range(n):
                k = next(counter)
                person = Candidate(name=f"Candidate {k}")
                db.session.add(person)
                loop = create_loop(None, req, person)
                db.session.flush()
                with_lena = k % lena_every == 0 or (last_with_lena and i == n - 1)
                clinical = ["lena", "clara", "carl"] if with_lena else ["clara", "carl"]
                clinical += [c for c in ("cora", "clara", "carl") if c not in clinical]
                seats = loop.sessions[0].seats
                names = iter(clinical[:3])
                base = rng.choice((1, 2))
                for seat in seats:
                    who = (
                        "tom"
                        if seat.discipline == Discipline.TECHNICAL
                        else next(names)
                    )
                    shift = bias if who == "lena" else rng.choice((0, 0, 1, -1))
                    seat.interviewer_id = people[who].id
                    db.session.flush()
                    _submit(seat, max(1, min(4, base + shift)))
                made.append(loop.id)
            db.session.commit()
            return made

    return {"ids": ids, "add": add}


def _submit(seat, level: int) -> None:
    card = scorecard_for(seat)
    answers = {k: Answer(level, False, EVIDENCE) for k in ("workflow", "privacy")}
    submit(seat.interviewer, card, answers, level, SUMMARY, Edit(card.version))


def _page(client, loop_id: int) -> str:
    """The debrief page's HTML, with the quotes that autoescaping writes as
    entities put back (the other entities stay, to check what is escaped)."""
    response = client.get(f"/loops/{loop_id}/debrief")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True).replace("&#39;", "'")


def _pdf_text(client, loop_id: int) -> str:
    response = client.get(f"/loops/{loop_id}/debrief.pdf")
    assert response.status_code == 200, response.status_code
    return " ".join(pages_text(response.data))


def _row(page: str, name: str) -> str:
    """The panel table's row of ``name`` (escaped as the page writes it)."""
    panel = page[page.index('id="panel"') :]
    start = panel.index(name)
    return panel[start : panel.index("</tr>", start)]


def _figures(app, world) -> fg.Figures:
    with app.app_context():
        return al.rubric_figures(world["ids"]["rubric"])


def _lena_leniency(app, world, people):
    found = _figures(app, world)
    (row,) = [r for r in found.raters if r.rater == people["lena"].id]
    return row.leniency


ESCAPED_LENA = "Lena &lt;b&gt;Ortiz&lt;/b&gt; &amp; co"


# The page and the packet -------------------------------------------------------------


def test_the_page_and_the_packet_print_the_reliability_and_the_note(
    app, client, auth, people, world
):
    loop_id = world["add"](24)[-1]
    found = _figures(app, world)
    lena = _lena_leniency(app, world, people)
    assert lena.n >= 20 and lena.shrunk_low > 0.5  # large and well estimated
    auth.login(people["manager"])
    page = _page(client, loop_id)
    alpha = f"Krippendorff's alpha {fmt(float(found.alpha.value))}"
    assert alpha in page
    assert re.search(r"\(95% interval \d\.\d\d to \d\.\d\d\) over 2[45] loops", page)
    assert "on Koo and Li's scale" in page and MEANING in page
    note = f"Rates {fmt(float(lena.shrunk), 1)} levels above other interviewers"
    row = _row(page, ESCAPED_LENA)
    assert note in row and f"over {lena.n} shared ratings" in row
    for other in ("Clara Jensen", "Carl Berg", "Tom Okafor"):
        assert "Rates " not in _row(page, other)
    assert "<b>Ortiz" not in page  # the name is text, not markup

    text = _pdf_text(client, loop_id)
    assert "Reliability of this rubric across loops" in text
    assert alpha in text and "on Koo and Li's scale" in text
    assert " ".join(MEANING.split()) in text
    assert f"Across loops: {note}" in text
    assert f"over {lena.n} shared ratings" in text
    assert text.count("Rates ") == 1  # Lena's note alone, on the interviewer page
    assert LENA in text


def test_a_small_leniency_gets_no_note(app, client, auth, people, world):
    loop_id = world["add"](24, bias=0)[-1]
    lena = _lena_leniency(app, world, people)
    assert abs(lena.shrunk) < 0.5
    auth.login(people["manager"])
    page = _page(client, loop_id)
    assert "Krippendorff's alpha" in page and "Rates " not in page
    text = _pdf_text(client, loop_id)
    assert "Krippendorff's alpha" in text and "Rates " not in text


def test_a_large_leniency_on_too_few_ratings_gets_no_note(
    app, client, auth, people, world
):
    """Lena on 6 loops of 12: a large shift, 12 shared ratings, under the 20 needed."""
    loop_id = world["add"](12)[-1]
    lena = _lena_leniency(app, world, people)
    assert lena.n < 20 and lena.shrunk > 0.5
    auth.login(people["manager"])
    assert "Rates " not in _page(client, loop_id)
    assert "Rates " not in _pdf_text(client, loop_id)
    app.config["DEBRIEF_LENIENCY_NOTE_MIN_RATINGS"] = lena.n  # the minimum alone
    assert "Rates " in _row(_page(client, loop_id), ESCAPED_LENA)


def test_below_the_calibration_minimum_the_debrief_says_what_is_missing(
    app, client, auth, people, world
):
    loop_id = world["add"](4)[-1]
    auth.login(people["manager"])
    page = _page(client, loop_id)
    assert "Not enough data yet to measure how far this rubric" in page
    assert "Needs 10 loops" in page and "Krippendorff's alpha" not in page
    text = _pdf_text(client, loop_id)
    assert "Not enough data yet" in text and "Needs 10 loops" in text


def test_a_loop_with_nothing_submitted_asks_for_no_figures(
    app, client, auth, people, world, monkeypatch
):
    world["add"](12)
    with app.app_context():
        req = db.session.get(Requisition, world["ids"]["requisition"])
        loop = create_loop(None, req, Candidate(name="Nothing Yet"))
        db.session.commit()
        loop_id = loop.id
    monkeypatch.setattr(al, "rubric_figures", lambda rubric_id: 1 / 0)
    auth.login(people["manager"])
    assert "No scorecard has been submitted yet" in _page(client, loop_id)
    assert "No scorecard has been submitted for this loop yet" in _pdf_text(
        client, loop_id
    )


# Who sees which note ---------------------------------------------------------------


def test_an_interviewer_sees_only_their_own_note(app, client, auth, people, world):
    loop_id = world["add"](24)[-1]
    auth.login(people["clara"])  # submitted on the loop: may read the debrief
    page = _page(client, loop_id)
    assert "Krippendorff's alpha" in page and "Rates " not in page
    assert "Rates " not in _pdf_text(client, loop_id)
    auth.logout()
    auth.login(people["lena"])
    assert "Rates " in _row(_page(client, loop_id), ESCAPED_LENA)
    assert "Across loops: Rates " in _pdf_text(client, loop_id)
    auth.logout()
    auth.login(people["ta"])
    assert "Rates " in _row(_page(client, loop_id), ESCAPED_LENA)


def test_an_interviewer_who_has_not_submitted_still_sees_nothing(
    app, client, auth, people, world
):
    """The notes add nothing to who may open the debrief: an interviewer seated on
    the loop, not yet submitted, is refused the page and the packet."""
    world["add"](24)
    with app.app_context():
        req = db.session.get(Requisition, world["ids"]["requisition"])
        loop = create_loop(None, req, Candidate(name="Not Yet Submitted"))
        db.session.flush()
        seats = loop.sessions[0].seats
        clinical = [s for s in seats if s.discipline == Discipline.CLINICAL]
        clinical[0].interviewer_id = people["lena"].id
        clinical[1].interviewer_id = people["clara"].id
        db.session.flush()
        _submit(clinical[1], 2)
        db.session.commit()
        loop_id = loop.id
    auth.login(people["lena"])
    assert client.get(f"/loops/{loop_id}/debrief").status_code == 403
    assert client.get(f"/loops/{loop_id}/debrief.pdf").status_code == 403


# The kept packet ---------------------------------------------------------------------


@pytest.fixture
def renders(monkeypatch):
    """The HTML of every packet handed to a renderer child (the real render runs)."""
    seen: list[str] = []
    original = renderer.RendererPool.render

    def spy(self, html, **options):
        seen.append(html)
        return original(self, html, **options)

    monkeypatch.setattr(renderer.RendererPool, "render", spy)
    return seen


def test_new_reliability_gives_a_new_packet(app, client, auth, people, world, renders):
    """Loops of other candidates change the rubric's reliability, not this loop: once
    the new figures are in, the kept packet is not served, its figures being old."""
    loop_id = world["add"](12)[-1]
    auth.login(people["manager"])
    url = f"/loops/{loop_id}/debrief.pdf"
    before = " ".join(pages_text(client.get(url).data))
    assert client.get(url) and len(renders) == 1  # kept
    world["add"](6, last_with_lena=False)
    assert client.get(url).data and len(renders) == 1  # the old figures, one more time
    al.settle(app)  # the new ones computed meanwhile
    after = " ".join(pages_text(client.get(url).data))
    assert len(renders) == 2
    alpha = re.compile(r"Krippendorff's alpha [^:]*loops")
    assert alpha.search(before).group() != alpha.search(after).group()
    assert "over 12 loops" in before and "over 18 loops" in after
    client.get(url)
    assert len(renders) == 2  # kept again


def test_a_note_that_changes_gives_a_new_packet(
    app, client, auth, people, world, renders
):
    loop_id = world["add"](24)[-1]
    auth.login(people["manager"])
    url = f"/loops/{loop_id}/debrief.pdf"
    assert "Across loops: Rates" in " ".join(pages_text(client.get(url).data))
    app.config["DEBRIEF_LENIENCY_NOTE_LEVELS"] = 5  # no note now
    after = " ".join(pages_text(client.get(url).data))
    assert len(renders) == 2 and "Rates " not in after
    app.config["DEBRIEF_LENIENCY_NOTE_LEVELS"] = 0.5
    client.get(url)
    assert len(renders) == 2  # the first packet, kept, is right again


# Figures kept per rubric ---------------------------------------------------------------


@pytest.fixture
def builds(monkeypatch):
    """How many times the rubric's figures are computed."""
    calls = []
    original = fg.build

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(fg, "build", counting)
    return calls


def test_the_page_and_its_packet_compute_the_figures_once(
    app, client, auth, people, world, builds
):
    loop_id = world["add"](12)[-1]
    auth.login(people["manager"])
    _page(client, loop_id)
    _pdf_text(client, loop_id)
    _page(client, loop_id)
    assert len(builds) == 1
    world["add"](1)
    assert "over 12 loops" in _page(client, loop_id)
    al.settle(app)
    assert len(builds) == 2  # a submission on the rubric: computed again, once
    assert "over 13 loops" in _page(client, loop_id)
    _pdf_text(client, loop_id)
    assert len(builds) == 2


def test_after_a_change_the_page_does_not_wait_for_the_new_figures(
    app, client, auth, people, world, monkeypatch
):
    """The first debrief of a rubric computes its figures; after that a change is
    computed in a thread while the page answers with the figures it had."""
    loop_id = world["add"](12)[-1]
    auth.login(people["manager"])
    assert "over 12 loops" in _page(client, loop_id)
    world["add"](2, last_with_lena=False)
    release, started = threading.Event(), threading.Event()
    original = fg.build

    def slow(*args, **kwargs):
        started.set()
        assert release.wait(30)
        return original(*args, **kwargs)

    monkeypatch.setattr(fg, "build", slow)
    assert "over 12 loops" in _page(client, loop_id)  # answered while computing
    assert started.wait(30)
    assert "over 12 loops" in _pdf_text(client, loop_id)  # one refresh at a time
    release.set()
    al.settle(app)
    assert "over 14 loops" in _page(client, loop_id)
    assert "over 14 loops" in _pdf_text(client, loop_id)


def test_a_refresh_that_fails_is_computed_again_by_the_next_page(
    app, client, auth, people, world, monkeypatch, caplog
):
    loop_id = world["add"](12)[-1]
    auth.login(people["manager"])
    _page(client, loop_id)
    world["add"](1)
    original = fg.build

    def failing(*args, **kwargs):
        raise ValueError("a unit has more than 31 ratings of one level")

    monkeypatch.setattr(fg, "build", failing)
    assert "over 12 loops" in _page(client, loop_id)
    al.settle(app)
    assert "debrief figures of rubric" in caplog.text
    monkeypatch.setattr(fg, "build", original)
    assert "over 13 loops" in _page(client, loop_id)  # computed before answering


def test_one_rubric_keeps_one_set_of_figures(app, world):
    world["add"](3)
    with app.app_context():
        al.rubric_figures(world["ids"]["rubric"])
    world["add"](1)
    with app.app_context():
        al.rubric_figures(world["ids"]["rubric"])
    al.settle(app)
    held = app.extensions["debrief_across_loops"].held
    assert list(held) == [world["ids"]["rubric"]]
    assert held[world["ids"]["rubric"]].figures.counts.loops == 4


def test_within_the_recheck_window_the_figures_are_used_without_a_statement(
    app, client, auth, people, world, builds, monkeypatch
):
    """For DEBRIEF_CALIBRATION_RECHECK_SECONDS the held figures are used as they
    are (not even the fingerprint is read); after it, a change is seen."""
    app.config["DEBRIEF_CALIBRATION_RECHECK_SECONDS"] = 60
    clock = [1000.0]
    monkeypatch.setattr(al.time, "monotonic", lambda: clock[0])
    asked = []
    fingerprint = queries.fingerprint
    monkeypatch.setattr(
        queries, "fingerprint", lambda scope: asked.append(1) or fingerprint(scope)
    )
    loop_id = world["add"](12)[-1]
    auth.login(people["manager"])
    assert "over 12 loops" in _page(client, loop_id)
    world["add"](2, last_with_lena=False)
    clock[0] += 59
    read = len(asked)
    assert "over 12 loops" in _page(client, loop_id)
    assert len(asked) == read and len(builds) == 1  # no statement at all
    clock[0] += 2
    assert "over 12 loops" in _page(client, loop_id)
    al.settle(app)
    assert len(asked) > read and len(builds) == 2
    assert "over 14 loops" in _page(client, loop_id)
    clock[0] += 61
    assert "over 14 loops" in _page(client, loop_id)
    assert len(builds) == 2  # checked again, unchanged: not computed again


@pytest.fixture(autouse=True)
def _no_refresh_left(app):
    """No refresh thread outlives its test (the database is emptied after it)."""
    yield
    al.settle(app)
