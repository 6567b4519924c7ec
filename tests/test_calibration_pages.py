"""Calibration pages: who sees what, submitted scorecards only, the minimum-data
message, the CSV (and its defused formulas), the date range, and charts that a
screen reader can read; the SQL sums give the figures ``statistics.py`` gives."""

import csv
import gzip
import io
import random
import re
import zlib
from datetime import UTC, datetime, timedelta

import pytest

from interview import create_app
from interview.calibration import figures as fg
from interview.calibration import queries, summaries
from interview.calibration import statistics as st
from interview.extensions import db
from interview.loops.operations import create_loop
from interview.models import (
    Candidate,
    Competency,
    Discipline,
    InterviewSession,
    PanelSeat,
    PlanSession,
    Rating,
    Requisition,
    Role,
    Scorecard,
    ScorecardStatus,
    User,
)
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate
from interview.scorecards import operations as ops
from interview.scorecards.rules import Answer

from .conftest import BASE_CONFIG, Auth
from .queries import counting_queries
from .rubric_samples import dump, rubric

JAN = datetime(2026, 1, 15, 10, tzinfo=UTC)
MARCH = datetime(2026, 3, 15, 10, tzinfo=UTC)


@pytest.fixture
def people(make_user):
    return {
        "ta": make_user(Role.TALENT_ACQUISITION),
        "manager": make_user(Role.HIRING_MANAGER),
        "other_manager": make_user(Role.HIRING_MANAGER),
        "clara": make_user(Role.INTERVIEWER, name="Clara Jensen"),
        "carl": make_user(Role.INTERVIEWER, name="=HYPERLINK(1)"),
        "tom": make_user(
            Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="Tom Okafor"
        ),
        "tina": make_user(
            Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="@Tina"
        ),
    }


@pytest.fixture
def world(app, people):
    """A rubric and a requisition whose loops have two clinical and one technical
    seat; ``add(n, ...)`` adds n loops with submitted scorecards on three seats (by
    Clara, Carl and Tom, or the three ids ``by`` lists)."""
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
    rng = random.Random(7)
    raters = [people[k].id for k in ("clara", "carl", "tom")]

    def add(n, *, when=JAN, drafts=0, not_assessed=False, seed=None, by=None):
        local = rng if seed is None else random.Random(seed)
        with app.app_context():
            req = db.session.get(Requisition, ids["requisition"])
            loops = []
            for i in range(n):
                person = Candidate(name=f"Candidate {local.random():.6f} {i}")
                db.session.add(person)
                loop = create_loop(None, req, person)
                seats = loop.sessions[0].seats
                clinical = [s for s in seats if s.discipline == Discipline.CLINICAL]
                technical = [s for s in seats if s.discipline == Discipline.TECHNICAL]
                base = local.randint(1, 4)
                for seat, who in zip(
                    clinical[:2] + technical, by or raters, strict=True
                ):
                    seat.interviewer_id = who
                    _card(loop, seat, who, local, base, when, not_assessed)
                if drafts:
                    seat = clinical[2]
                    seat.interviewer_id = people["clara"].id
                    _card(loop, seat, people["tina"].id, local, 4, None, False)
                loops.append(loop)
                # Written here without the operations: the summaries are told.
                summaries.loop_changed(loop.id)
            db.session.commit()
            return [loop.id for loop in loops]

    return {"ids": ids, "add": add}


def _card(loop, seat, who, rng, base, when, not_assessed):
    comps = loop.rubric_version.competencies
    seat.scorecard = Scorecard(
        interviewer_id=who,
        rubric_version_id=loop.rubric_version_id,
        status=ScorecardStatus.SUBMITTED if when else ScorecardStatus.DRAFT,
        submitted_at=when,
        ratings=[
            Rating(
                rubric_version_id=loop.rubric_version_id,
                competency_id=c.id,
                level=None
                if not_assessed
                else min(4, max(1, base + rng.choice((-1, 0, 0, 1)))),
                is_not_assessed=not_assessed,
            )
            for c in comps
        ],
    )


def _rubric_url(world):
    return "/calibration/rubrics/sample"


def _req_url(world):
    return f"/calibration/requisitions/{world['ids']['requisition']}"


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _figures_of(response) -> str:
    """The response without its per-request CSRF token."""
    text = re.sub(r'<meta name="csrf-token"[^>]*>', "", _text(response))
    return re.sub(r'name="csrf_token" value="[^"]*"', "", text)


def _fresh(app):
    """Forget the figures kept between requests: the next page computes them."""
    app.extensions.get("calibration", {}).clear()


# Who sees what ---------------------------------------------------------------------


def test_talent_acquisition_sees_reliability_and_raters(client, auth, people, world):
    world["add"](12)
    auth.login(people["ta"])
    page = _text(client.get(_rubric_url(world)))
    assert "Inter-rater reliability" in page and "Loop size" in page
    assert "Clinical against technical" in page
    assert "Interviewers' leniency and halo" in page
    assert "Tom Okafor" in page
    assert "Tom Okafor" in _text(client.get(_req_url(world)))


def test_a_manager_sees_their_requisition_without_interviewer_figures(
    client, auth, people, world
):
    world["add"](12)
    auth.login(people["manager"])
    page = _text(client.get(_req_url(world)))
    assert "Inter-rater reliability" in page
    assert "leniency" not in page.lower() and "Tom Okafor" not in page
    body = _text(client.get(_req_url(world) + "/calibration.csv"))
    assert "Tom Okafor" not in body and "leniency" not in body
    assert client.get(_rubric_url(world)).status_code == 403
    assert (
        client.get(f"/calibration/interviewers/{people['tom'].id}").status_code == 403
    )


def test_another_manager_is_refused(client, auth, people, world):
    world["add"](12)
    auth.login(people["other_manager"])
    assert client.get(_req_url(world)).status_code == 403
    assert client.get(_req_url(world) + "/calibration.csv").status_code == 403


@pytest.mark.parametrize("who", ["clara", "tom"])
def test_an_interviewer_sees_only_their_own_figures(client, auth, people, world, who):
    world["add"](12)
    auth.login(people[who])
    page = _text(client.get("/calibration/me"))
    assert "Your calibration" in page and "Ratings compared" in page
    others = {"Clara Jensen", "Tom Okafor", "=HYPERLINK(1)"} - {people[who].name}
    assert not [name for name in others if name in page]
    own = _text(client.get(f"/calibration/interviewers/{people[who].id}"))
    assert "Ratings compared" in own
    other = people["tom" if who == "clara" else "clara"]
    for url in (
        f"/calibration/interviewers/{other.id}",
        f"/calibration/interviewers/{other.id}/calibration.csv",
        _rubric_url(world),
        _req_url(world),
        "/calibration/",
    ):
        assert client.get(url).status_code == 403, url
    body = _text(
        client.get(f"/calibration/interviewers/{people[who].id}/calibration.csv")
    )
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert [r[1] for r in rows[1:]] == [people[who].name]


def test_anonymous_visitors_are_sent_to_sign_in(client, people, world):
    for url in (_rubric_url(world), _req_url(world), "/calibration/me"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in")


# Only submitted scorecards, and "not assessed" is missing ---------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_drafts_never_change_a_figure(app, client, auth, people, world, seed):
    """Property: whatever drafts are added (on loops with figures, and on new loops),
    every figure on every page and in every CSV stays the same."""
    world["add"](12, seed=seed)
    auth.login(people["ta"])
    urls = [
        _rubric_url(world),
        _rubric_url(world) + "/calibration.csv",
        _req_url(world) + "/calibration.csv",
        f"/calibration/interviewers/{people['clara'].id}/calibration.csv",
    ]
    before = [_figures_of(client.get(url)) for url in urls]
    with app.app_context():  # drafts on existing loops' spare seats
        from interview.models import Loop

        rng = random.Random(seed)
        for loop in db.session.scalars(db.select(Loop)):
            spare = next(s for s in loop.sessions[0].seats if s.scorecard is None)
            spare.interviewer_id = people["tina"].id
            _card(loop, spare, people["tina"].id, rng, rng.randint(1, 4), None, False)
            summaries.loop_changed(loop.id)
        db.session.commit()
    world["add"](5, when=None, seed=seed + 100)  # whole loops of drafts
    _fresh(app)
    assert [_figures_of(client.get(url)) for url in urls] == before


def test_one_person_in_two_seats_of_a_loop_is_one_rater_of_its_units(
    app, client, auth, people, world
):
    """Clara seated twice on each loop (a second seat, the same competencies) rates
    each unit twice; she is still one rater of it, so agreement, the loop-size advice
    and leniency are as with one of her scorecards (her latest counts). Her halo,
    which is per scorecard, may count both."""
    world["add"](12, seed=3)
    auth.login(people["ta"])
    urls = [
        _rubric_url(world) + "/calibration.csv",
        _req_url(world) + "/calibration.csv",
    ]
    before = [_figures_of(client.get(url)) for url in urls]
    with app.app_context():
        from interview.models import InterviewSession, Loop, PanelSeat

        clara = people["clara"].id
        for loop in db.session.scalars(db.select(Loop)).all():
            case = loop.sessions[0]
            first = next(s for s in case.seats if s.interviewer_id == clara)
            spare = PanelSeat(discipline=Discipline.CLINICAL, interviewer_id=clara)
            loop.sessions.append(
                InterviewSession(
                    position=1,
                    title="Second case",
                    duration_minutes=60,
                    clinical_seats=1,
                    technical_seats=0,
                    competencies=list(case.competencies),
                    seats=[spare],
                )
            )
            spare.scorecard = Scorecard(
                interviewer_id=clara,
                rubric_version_id=loop.rubric_version_id,
                status=ScorecardStatus.SUBMITTED,
                submitted_at=JAN,
                ratings=[
                    Rating(
                        rubric_version_id=r.rubric_version_id,
                        competency_id=r.competency_id,
                        level=r.level,
                        is_not_assessed=r.is_not_assessed,
                    )
                    for r in first.scorecard.ratings
                ],
            )
            summaries.loop_changed(loop.id)
        db.session.commit()
    _fresh(app)
    after = [_figures_of(client.get(url)) for url in urls]

    def comparable(csv_text):  # a rater's row ends with halo's four columns, a note
        return [
            line if line.startswith("reliability") else line.rsplit(",", 5)[0]
            for line in csv_text.splitlines()
        ]

    for a, b in zip(after, before, strict=True):
        assert comparable(a) == comparable(b)


def test_not_assessed_ratings_are_missing(app, client, auth, people, world):
    world["add"](12, seed=5)
    auth.login(people["ta"])
    before = _text(client.get(_rubric_url(world) + "/calibration.csv"))
    world["add"](6, not_assessed=True)
    _fresh(app)
    assert _text(client.get(_rubric_url(world) + "/calibration.csv")) == before


# Too little data -------------------------------------------------------------------


def test_below_ten_loops_the_page_says_what_it_needs(client, auth, people, world):
    world["add"](6)
    auth.login(people["ta"])
    page = _text(client.get(_rubric_url(world)))
    assert "Not enough data yet" in page
    assert "Needs 10 loops rated by two or more interviewers; has 6 (4 more)." in page
    assert "Krippendorff" not in page and "<svg" not in page
    body = _text(client.get(_rubric_url(world) + "/calibration.csv"))
    assert "has 6 (4 more)" in body


def test_a_competency_with_too_few_loops_says_what_it_needs(
    app, client, auth, people, world
):
    """Privacy rated in only 4 of 12 loops: its row says what it needs instead of
    figures, and "All competencies" is workflow's alone."""
    loops = world["add"](12, seed=9)
    with app.app_context():
        privacy = db.session.scalar(
            db.select(Competency.id).where(Competency.key == "privacy")
        )
        for loop_id in loops[4:]:
            cards = (
                db.select(Scorecard.id)
                .join(PanelSeat, PanelSeat.id == Scorecard.seat_id)
                .join(InterviewSession, InterviewSession.id == PanelSeat.session_id)
                .where(InterviewSession.loop_id == loop_id)
            )
            db.session.execute(
                db.update(Rating)
                .where(Rating.scorecard_id.in_(cards), Rating.competency_id == privacy)
                .values(level=None, is_not_assessed=True)
            )
            summaries.loop_changed(loop_id)
        db.session.commit()
    auth.login(people["ta"])
    page = _text(client.get(_rubric_url(world)))
    need = "Needs 10 loops in which two or more interviewers rated it; has 4 (6 more)."
    assert page.count(need) == 2  # reliability and loop size
    assert "once 10 loops have two or more ratings of it" in page
    body = _text(client.get(_rubric_url(world) + "/calibration.csv"))
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    (row,) = [r for r in rows if r[1:2] == ["Privacy"]]
    assert row[2] == "4" and row[-1] == need and not any(row[3:-1])
    overall = next(r for r in rows if r[1] == "All competencies")
    assert overall[2] == "12"


# CSV -------------------------------------------------------------------------------


def test_csv_has_the_figures_and_defuses_formulas(app, client, auth, people, world):
    world["add"](12)
    auth.login(people["ta"])
    response = client.get(_rubric_url(world) + "/calibration.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
    )
    head = rows[0]
    overall = next(r for r in rows if r[:2] == ["reliability", "All competencies"])
    with app.app_context():
        scope = queries.Scope("rubric", world["ids"]["rubric"])
        found = fg.build(
            queries.unit_rows(scope),
            queries.rater_rows(scope),
            queries.competencies(scope),
        )
    assert float(overall[head.index("alpha")]) == pytest.approx(
        found.alpha.value, abs=1e-4
    )
    names = [r[1] for r in rows if len(r) > 2 and r[0] == "Sample rubric"]
    assert "'=HYPERLINK(1)" in names and "Clara Jensen" in names
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "@") or re.match(r"-[^\d]", c)]


def test_safe_cell_prefixes_every_formula_start():
    from interview.calibration.export import safe

    for text in ("=1+2", "+1", "-1+1", "@SUM(A1)", "\tx", "\rx"):
        assert safe(text) == "'" + text
    assert safe("José") == "José" and safe(-0.5) == "-0.5000" and safe(None) == ""


# Date range ------------------------------------------------------------------------


def test_the_date_range_counts_only_scorecards_submitted_in_it(
    client, auth, people, world
):
    world["add"](12, when=JAN)
    world["add"](11, when=MARCH)
    auth.login(people["ta"])
    every = _text(client.get(_rubric_url(world)))
    assert "23 loops with two or more raters" in every
    march = _text(client.get(_rubric_url(world) + "?from=2026-03-01&to=2026-03-31"))
    assert "11 loops with two or more raters" in march
    assert 'value="2026-03-01"' in march
    jan = _text(client.get(_rubric_url(world) + "?to=2026-01-15"))
    assert "12 loops with two or more raters" in jan  # the last day is included
    body = _text(client.get(_rubric_url(world) + "/calibration.csv?from=2026-03-01"))
    assert body != _text(client.get(_rubric_url(world) + "/calibration.csv"))
    bad = _text(client.get(_rubric_url(world) + "?from=March"))
    assert "&#39;March&#39; is not a date" in bad and "23 loops" in bad


@pytest.mark.parametrize(
    "extra",
    [
        "key=x",
        "user_id=1",
        "requisition_id=1",
        "_method=POST",
        "_external=1",
        "_anchor=x",
    ],
)
def test_other_arguments_are_not_carried_into_links(client, auth, people, world, extra):
    """Only the date range travels into the page's links: a view's own key or one
    of url_for's options in the address gave a 500 or an absolute link."""
    world["add"](12, when=JAN)
    auth.login(people["ta"])
    clara = people["clara"].id
    for url in (
        _rubric_url(world),
        _req_url(world),
        f"/calibration/interviewers/{clara}",
    ):
        response = client.get(f"{url}?from=2026-01-01&{extra}")
        assert response.status_code == 200, (url, extra)
        page = _text(response)
        assert f'href="{url}/calibration.csv?from=2026-01-01"' in page, (url, extra)


def test_a_date_at_the_end_of_the_calendar_is_refused_not_a_500(
    client, auth, people, world
):
    world["add"](12, when=JAN)
    auth.login(people["ta"])
    page = client.get(_rubric_url(world) + "?to=9999-12-31")
    assert page.status_code == 200
    assert "&#39;9999-12-31&#39; is not a date" in _text(page)


def test_a_reversed_date_range_is_read_the_right_way_round_and_says_so(
    client, auth, people, world
):
    world["add"](12, when=JAN)
    world["add"](11, when=MARCH)
    auth.login(people["ta"])
    page = _text(client.get(_rubric_url(world) + "?from=2026-03-31&to=2026-03-01"))
    assert "11 loops with two or more raters" in page
    assert "was after &#39;to&#39;" in page
    assert 'value="2026-03-01"' in page and 'value="2026-03-31"' in page
    # The end of the calendar as the later day is still a page, not a 500.
    late = client.get(_rubric_url(world) + "?from=9999-12-31&to=2026-03-01")
    assert late.status_code == 200 and "11 loops" in _text(late)


# Charts ----------------------------------------------------------------------------


def test_every_chart_has_a_title_a_desc_and_a_table(client, auth, people, world):
    world["add"](12)
    auth.login(people["ta"])
    page = _text(client.get(_rubric_url(world)))
    charts = re.findall(r"<svg.*?</svg>", page, re.DOTALL)
    assert len(charts) == 3
    for chart in charts:
        ident = re.search(r'aria-labelledby="([\w-]+)-title \1-desc"', chart).group(1)
        assert 'role="img"' in chart
        assert f'<title id="{ident}-title">' in chart
        assert f'<desc id="{ident}-desc">' in chart
        after = page[page.index(chart) + len(chart) :]
        assert after.index("<table") < after.index("<svg") if "<svg" in after else True
        assert "<caption>" in after[: after.index("</table>")]


# The SQL sums give what statistics.py gives on the raw ratings --------------------


def _raw_ratings(app, world) -> list[st.Rating]:
    with app.app_context():
        rows = db.session.execute(
            db.text(
                "SELECT sc.interviewer_id, se.loop_id, co.key, ra.level, ps.discipline"
                " FROM ratings ra JOIN scorecards sc ON sc.id = ra.scorecard_id"
                " JOIN panel_seats ps ON ps.id = sc.seat_id"
                " JOIN interview_sessions se ON se.id = ps.session_id"
                " JOIN competencies co ON co.id = ra.competency_id"
                " WHERE sc.status = 'submitted' AND ra.level IS NOT NULL"
            )
        ).all()
    return [st.Rating(r, c, k, v, d) for r, c, k, v, d in rows]


def test_the_figures_equal_the_statistics_of_the_raw_ratings(app, world):
    world["add"](15, seed=11)
    world["add"](3, when=None)  # drafts
    ratings = _raw_ratings(app, world)
    with app.app_context():
        scope = queries.Scope("rubric", world["ids"]["rubric"])
        found = fg.build(
            queries.unit_rows(scope),
            queries.rater_rows(scope),
            queries.competencies(scope),
        )
    assert found.counts == st.data_counts(ratings)
    units = st.units_of(ratings)
    alphas = []
    for c in found.competencies:
        mine = [v for (_, k), v in units.items() if k == c.key]
        want = st.krippendorff_alpha(mine, seed=zlib.crc32(c.key.encode()))
        got = (c.alpha.value, c.alpha.low, c.alpha.high, c.alpha.pairable_values)
        assert got == pytest.approx(
            (want.value, want.low, want.high, want.pairable_values)
        )
        pairable = [v for v in mine if len(v) >= 2]
        assert c.single.value == pytest.approx(st.icc_oneway(pairable)[0].value)
        alphas.append(want)
    # All competencies: their alphas' mean weighted by pairable values.
    weights = [a.pairable_values for a in alphas]
    mean = sum(w * a.value for w, a in zip(weights, alphas, strict=True))
    assert found.alpha.value == pytest.approx(mean / sum(weights))
    assert found.alpha.low < found.alpha.value < found.alpha.high
    offsets = {o.competency: o for o in st.discipline_offsets(ratings)}
    for c in found.competencies:
        o = offsets[c.key]
        assert (c.offset.n, c.offset.mean) == (o.n, pytest.approx(o.mean))
        assert (c.offset.low, c.offset.high) == pytest.approx((o.low, o.high))
    lenient = {x.rater: x for x in st.leniency(ratings)}
    halos = {x.rater: x for x in st.halo(ratings)}
    for r in found.raters:
        expected = lenient[r.rater]
        assert r.leniency.n == expected.n
        for field in ("raw", "low", "high", "shrunk", "shrunk_low", "shrunk_high"):
            assert getattr(r.leniency, field) == pytest.approx(
                getattr(expected, field), abs=1e-9
            ), field
        assert r.halo == pytest.approx(halos[r.rater]) or (
            r.halo.scorecards == halos[r.rater].scorecards
            and r.halo.flat_share == pytest.approx(halos[r.rater].flat_share)
            and r.halo.mean_sd == pytest.approx(halos[r.rater].mean_sd)
        )


@pytest.mark.parametrize("seed", range(5))
def test_leniency_from_sums_is_leniency(seed):
    rng = random.Random(seed)
    ratings = [
        st.Rating(rater, unit, "c", rng.randint(1, 4))
        for unit in range(40)
        for rater in rng.sample(range(8), rng.randint(1, 4))
    ]
    sums: dict = {}
    diffs = st._differences(ratings)
    for rater, d in diffs.items():
        sums[rater] = (len(d), float(d.sum()), float((d**2).sum()))
    got = {x.rater: x for x in fg.leniency_from_sums(sums)}
    for want in st.leniency(ratings):
        mine = got[want.rater]
        assert (mine.n, mine.factor) == (want.n, pytest.approx(want.factor))
        assert mine.shrunk == pytest.approx(want.shrunk, abs=1e-9)
        assert (mine.low, mine.high) == pytest.approx((want.low, want.high))


def test_a_figure_kept_between_requests_is_computed_again_after_a_submission(
    app, client, auth, people, world
):
    world["add"](12, when=JAN)
    auth.login(people["ta"])
    assert "12 loops with two or more raters" in _text(client.get(_rubric_url(world)))
    world["add"](1, when=JAN + timedelta(days=1))
    assert "13 loops with two or more raters" in _text(client.get(_rubric_url(world)))


def test_a_chart_escapes_names_and_uses_no_colour():
    from interview.calibration.charts import Reference, Row, interval_chart

    svg = interval_chart(
        "c",
        "Title <b>",
        "Desc & more",
        [Row("<script>alert(1)</script>", 0.5, 0.4, 0.6), Row("Nobody", None)],
        (0.0, 1.0),
        (Reference(0.667, "0.667"), Reference(0.8, "0.8")),
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert '<title id="c-title">Title &lt;b&gt;</title>' in svg
    assert "no figure" in svg
    colours = re.findall(r'(?:fill|stroke)="(#[0-9a-f]{3,6})"', svg)
    assert colours and all(len(set(c[1:])) == 1 for c in colours), colours


def test_a_packed_profile_unpacks_or_is_refused():
    code = (2 << 5) + (1 << 15)  # two ratings of 1, one of 3
    assert fg.unpack(code, 3)[:4] == [0, 2, 0, 1]
    with pytest.raises(ValueError, match="more than 31"):
        fg.unpack(32 << 5, 32)  # 32 ratings of 1 carry into level 2


def test_a_long_name_cut_in_a_chart_keeps_its_whole_name_and_large_counts_read():
    """A competency name cut to fit the chart ends in "…" and carries its whole
    name as the label's title (what a pointer or a screen reader gets)."""
    from interview.calibration.charts import Row, interval_chart

    name = "Translating technical ideas for non-technical stakeholders & <others>"
    svg = interval_chart("c", "T", "D", [Row(name, 0.5, 0.4, 0.6)], (0.0, 1.0), ())
    assert (
        "<title>Translating technical ideas for non-technical stakeholders &amp; &lt;others&gt;</title>"
        in svg
    )
    assert "Translating technical ideas for n…</text>" in svg
    short = interval_chart("c", "T", "D", [Row("Privacy", 0.5)], (0.0, 1.0), ())
    assert short.count("<title") == 1  # the chart's own


def test_a_date_range_takes_a_loop_whole_by_its_latest_submission(
    app, client, auth, people, world
):
    """A loop with one scorecard submitted in March and the others in January is a
    March loop, all of it: a range that cut it would compare half a panel."""
    loops = world["add"](12, when=JAN)
    with app.app_context():
        for loop_id in loops[:2]:
            card = db.session.scalar(
                db.select(Scorecard)
                .join(PanelSeat, PanelSeat.id == Scorecard.seat_id)
                .join(InterviewSession, InterviewSession.id == PanelSeat.session_id)
                .where(InterviewSession.loop_id == loop_id)
                .limit(1)
            )
            card.submitted_at = MARCH
            summaries.loop_changed(loop_id)
        db.session.commit()
    auth.login(people["ta"])
    march = _text(client.get(_rubric_url(world) + "?from=2026-03-01"))
    assert "2 loops with two or more raters" in march
    assert "4 such competency ratings" in march  # both competencies of each
    january = _text(client.get(_rubric_url(world) + "?to=2026-01-31"))
    assert "10 loops with two or more raters" in january
    assert "Loops whose latest scorecard was submitted" in january


@pytest.mark.parametrize(("n", "shown"), [(4, False), (9, False), (10, True)])
def test_the_csv_holds_back_leniency_the_page_holds_back(n, shown):
    """Below the minimum the interviewer page prints no leniency; its CSV neither
    (it printed the raw numbers of 4 ratings: fresh-user review)."""
    from interview.calibration import export
    from interview.calibration.figures import RaterFigures
    from interview.calibration.statistics import Leniency

    le = Leniency(7, n, 0.2512, -0.5456, 1.0456, 0.1234, -0.3, 0.5, 0.4)
    text = export.rater_csv([RaterFigures(1, 7, "Clara Jensen, RN", le, None)], {})
    row = text.splitlines()[1]
    assert ("0.2512" in row) is shown and ("0.1234" in row) is shown
    assert ("not enough data" in row) is not shown
    assert f",{n}," in row  # how many were compared, always


# Kept downloads ----------------------------------------------------------------------


def _download_url(kind: str, world, people) -> str:
    if kind == "interviewer":
        return f"/calibration/interviewers/{people['clara'].id}/calibration.csv"
    return (_req_url(world) if kind == "requisition" else _rubric_url(world)) + (
        "/calibration.csv"
    )


@pytest.fixture
def writes(monkeypatch):
    """How many CSV files were written (not served from the kept ones)."""
    from interview.calibration import export

    count = {"n": 0}
    for name in ("scope_csv", "rater_csv"):
        real = getattr(export, name)

        def counted(*args, _real=real, **kwargs):
            count["n"] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(export, name, counted)
    return count


@pytest.mark.parametrize(
    ("kind", "viewer"),
    [
        ("rubric", "ta"),
        ("requisition", "ta"),
        ("requisition", "manager"),
        ("interviewer", "ta"),
        ("interviewer", "clara"),
    ],
)
def test_a_kept_download_is_the_file_a_fresh_computation_writes(
    app, client, auth, people, world, writes, kind, viewer
):
    """The second download is the kept file, not written again, the same bytes as
    a fresh computation's; gzipped as it is kept to a client that accepts gzip."""
    world["add"](12)
    auth.login(people[viewer])
    url = _download_url(kind, world, people)
    client.get(url)
    writes["n"] = 0
    kept = client.get(url)
    assert writes["n"] == 0
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert "attachment" in zipped.headers["Content-Disposition"]
    assert gzip.decompress(zipped.get_data()) == kept.get_data()
    assert "Content-Encoding" not in kept.headers
    _fresh(app)
    fresh = client.get(url)
    assert writes["n"] > 0  # written afresh
    assert fresh.get_data() == kept.get_data()
    assert kept.get_data().startswith("\ufeff".encode())
    assert len(_text(kept).splitlines()) > 1


def test_a_kept_download_is_never_another_viewers(client, auth, people, world):
    """Talent acquisition's requisition file names interviewers; a manager's,
    downloaded after it was kept, still does not."""
    world["add"](12)
    auth.login(people["ta"])
    url = _req_url(world) + "/calibration.csv"
    assert "Tom Okafor" in _text(client.get(url))
    auth.logout()
    auth.login(people["manager"])
    assert "Tom Okafor" not in _text(client.get(url))


def _worker(app):
    """Another worker process's app on the same database: its own kept files."""
    config = {
        key: app.config[key]
        for key in ("SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS")
        if key in app.config
    }
    other = create_app({**BASE_CONFIG, **config})
    other.test_client_class = type(app.test_client())
    return other


@pytest.mark.parametrize("kind", ["rubric", "requisition", "interviewer"])
def test_a_submission_or_an_amendment_changes_every_workers_kept_download_at_once(
    app, client, auth, people, world, kind
):
    world["add"](12)
    other = _worker(app)
    try:
        clients = [client, other.test_client()]
        for each in clients:
            Auth(each).login(people["ta"])
        url = _download_url(kind, world, people)
        first = [each.get(url).get_data() for each in clients]
        assert first[0] == first[1]

        world["add"](1, when=JAN + timedelta(days=1))  # a new submitted scorecard
        second = [each.get(url).get_data() for each in clients]
        assert second[0] != first[0] and second[0] == second[1]

        with other.app_context():  # the other worker amends one of Clara's
            card = db.session.scalar(
                db.select(Scorecard)
                .where(Scorecard.interviewer_id == people["clara"].id)
                .order_by(Scorecard.id)
                .limit(1)
            )
            answers = {
                key: Answer(1, False, "Walked through the order set change in detail.")
                for key in ops.answers_of(card)
            }
            actor = db.session.get(User, people["clara"].id)
            ops.amend(
                actor,
                card,
                answers,
                1,
                "Amended after rereading the notes.",
                "The levels were typed in the wrong rows.",
                ops.Edit(card.version),
            )
            db.session.commit()
        third = [each.get(url).get_data() for each in clients]
        assert third[0] != second[0] and third[0] == third[1]
        _fresh(app)
        assert client.get(url).get_data() == third[0]
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_kept_download_sends_the_same_statements_whatever_its_length(
    app, client, auth, make_user, people, world, writes
):
    """A kept download's cost does not follow its length: the same statements with
    3 interviewers or 33, and no file written again."""
    world["add"](12)
    auth.login(people["ta"])
    url = _rubric_url(world) + "/calibration.csv"

    def kept():
        client.get(url)
        writes["n"] = 0
        with counting_queries(app) as log:
            answer = client.get(url)
        assert writes["n"] == 0
        return log.statements, _text(answer).count("\r\n")

    few, short = kept()
    for _ in range(10):
        by = [make_user(Role.INTERVIEWER).id for _ in range(3)]
        world["add"](2, by=by)
    many, long = kept()
    assert long == short + 30  # a row per interviewer
    assert many == few


@pytest.mark.parametrize("kind", ["rubric", "requisition"])
def test_a_kept_page_ranks_no_interviewer_again_and_shows_what_a_fresh_one_does(
    app, client, auth, people, world, monkeypatch, kind
):
    """Ranking every interviewer for the chart cost as much as there are of them
    on every view; it is kept with the figures, and moves on with them."""
    from interview.calibration import views

    world["add"](12)
    auth.login(people["ta"])
    url = _rubric_url(world) if kind == "rubric" else _req_url(world)
    first = _figures_of(client.get(url))
    ranked = {"n": 0}
    real = views._notable

    def counted(*args, **kwargs):
        ranked["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "_notable", counted)
    assert _figures_of(client.get(url)) == first
    assert ranked["n"] == 0
    world["add"](1, when=JAN + timedelta(days=1))  # a new submitted scorecard
    after = _figures_of(client.get(url))
    assert "13 loops with two or more raters" in after and ranked["n"] == 1
    _fresh(app)
    assert _figures_of(client.get(url)) == after
