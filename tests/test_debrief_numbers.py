"""What the debrief page and the PDF packet print of the score's band, the balance
rule, single ratings, unconfirmed minimums, gaps, contradictions, the chart and the
packet's file names. The arithmetic is in test_synthesis; here, that it is printed."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from interview.debrief.documents import packet_html
from interview.extensions import db
from interview.models import Discipline, Loop, PlanSession, Role

from .builders import start_loop
from .rubric_samples import competency
from .test_debrief import T0, _seat, _submit, _text, _version
from .test_packet import pages_text, replaced_and_flagged

# 120 characters, the most a rubric allows (rubrics/schema.py): the chart used to
# print 34 of them and an ellipsis.
LONG_NAME = (
    "Explaining medication reconciliation failures to pharmacists, ward nurses and "
    "the vendor's interface team during go-live"
)
assert len(LONG_NAME) == 120


def _story(app, make_user) -> dict:
    """Three competencies on one session:

    c0 "Handover" (both sides): Ana 4 and Ben 4 (clinical), Wei 2 (technical):
        balanced (4 + 2) / 2 = 3, the plain mean (4 + 4 + 2) / 3 = 3.33;
    c1 LONG_NAME (clinical): Ana 3, its one rating;
    c2 "Privacy" (both sides, minimum 3): nobody rates it.
    Recommendations: Ana 4 (own mean 3.5), Ben 2 (own mean 4: 2 levels away),
    Wei 3 (own mean 2: 1 level away).
    """
    manager = make_user(Role.HIRING_MANAGER)
    ana = make_user(Role.INTERVIEWER, name="Ana Ruiz")
    ben = make_user(Role.INTERVIEWER, name="Ben Osei")
    wei = make_user(Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="Wei Zhang")
    with app.app_context():
        version = _version(
            [
                competency("c0", name="Handover"),
                competency("c1", name=LONG_NAME, assessed_by="clinical"),
                competency("c2", name="Privacy", min_level=3),
            ]
        )
        plan = PlanSession(
            title="Panel",
            competency_keys=["c0", "c1", "c2"],
            clinical_seats=2,
            technical_seats=1,
        )
        loop = start_loop(manager.id, version.rubric_id, [plan])
        when = T0 + timedelta(hours=2)
        for person, side, recommendation, levels in (
            (ana, "clinical", 4, {"c0": 4, "c1": 3, "c2": None}),
            (ben, "clinical", 2, {"c0": 4}),
            (wei, "technical", 3, {"c0": 2}),
        ):
            seat = _seat(loop, 0, side, person, T0)
            _submit(seat, person, version, levels, when, recommendation=recommendation)
        db.session.commit()
        return {"loop_id": loop.id, "manager": manager}


@pytest.fixture
def story(app, client, auth, make_user):
    """The story's loop, the hiring manager signed in."""
    built = _story(app, make_user)
    auth.login(built["manager"])
    return built


def _documents(app, client, loop_id) -> tuple[str, str, list[str]]:
    """The debrief page's HTML, and the packet's as HTML and as PDF text per page."""
    page = client.get(f"/loops/{loop_id}/debrief").get_data(as_text=True)
    with app.app_context():
        html = packet_html(db.session.get(Loop, loop_id))
    pdf = client.get(f"/loops/{loop_id}/debrief.pdf")
    assert pdf.status_code == 200
    return page, html, pages_text(pdf.data)


# By hand (debrief/synthesis/overall.py): c0's ratings 4, 4, 2 spread around
# 10/3: squares 8/3 on 2 df, s² = 4/3, k = (1/2 + 1/1) / 4 = 3/8, v = 1/2; c1 has
# one rating and borrows the pooled s² = (8/3) / 2 = 4/3, k = 1, v = 4/3.
# SE² = (1/2 + 4/3) / 2² = 11/24, SE = 0.677; df = (11/6)² / ((1/2)²/2 + (4/3)²/2)
# = 242/73 = 3.3, t = 3.0: 3 ± 2.05 reaches past both ends of the 1-4 scale.
HEADLINE = "3.0 (1.0 to 4.0)"
FORMULA = "(3.00 [2 clinical + 1 technical] × 1 + 3.00 [1 rating] × 1) / (1 + 1) = 3.00"
SENTENCES = (
    "(standard error 0.68)",
    (
        f"{LONG_NAME} rests on one rating, with no spread of its own: the band uses "
        "the spread pooled over the other competencies there."
    ),
    FORMULA,
    (
        "A competency the rubric asks both disciplines to assess counts as the mean "
        "of the clinical mean and the technical mean"
    ),
    "Privacy: nobody rated it, so the panel cannot confirm the minimum 3 (Yes)",
    (
        "2 clinical and one technical interviewer differed by 2 levels on Handover: "
        "clinical mean 4.00, technical 2 (No)"
    ),
    (
        "Ben Osei (Panel) recommended 2 (No), 2.00 levels below the average of their "
        "own ratings (4.00); the flag is raised at 1.5 levels"
    ),
)


def test_the_page_and_the_packet_print_the_band_and_the_rules(app, client, story):
    page, _, pdf = _documents(app, client, story["loop_id"])
    text, packet = _text(page), " ".join(pdf)
    assert f'<strong id="overall-score">{HEADLINE}</strong>' in page
    assert f"{HEADLINE} on a scale of 1 to 4" in pdf[1]
    for sentence in SENTENCES:
        assert sentence in text
        assert sentence in packet
    # Wei is a level from his own ratings, Ana half a level: no flag.
    for document in (text, packet):
        assert "Wei Zhang (Panel) recommended" not in document
        assert "Ana Ruiz (Panel) recommended" not in document


def test_both_side_means_and_their_counts_stay_visible(app, client, story):
    page, _, pdf = _documents(app, client, story["loop_id"])
    row = _text(re.search(r'<tr id="means-c0">(.*?)</tr>', page, re.DOTALL)[1])
    assert row == (
        "Handover 3 3.00 the clinical and technical means averaged 4.00 2–4 "
        "4.00 (2 ratings) 2.00 (1 rating)"
    )
    handover = next(p for p in pdf if "COMPETENCY 1 OF 3" in p)
    assert (
        "3 ratings: mean 3.00 (the clinical and technical means averaged; all 3 "
        "ratings together 3.33), median 4.00, range 2 to 4; clinical mean 4.00 (2 "
        "ratings), technical mean 2.00 (1 rating)"
    ) in handover


def test_a_single_rating_is_marked_on_the_page_and_in_the_packet(app, client, story):
    page, _, pdf = _documents(app, client, story["loop_id"])
    row = _text(re.search(r'<tr id="means-c1">(.*?)</tr>', page, re.DOTALL)[1])
    assert row.startswith(f"{LONG_NAME} 1 one interviewer only 3.00 ")
    handover = _text(re.search(r'<tr id="means-c0">(.*?)</tr>', page, re.DOTALL)[1])
    assert "one interviewer only" not in handover
    second = next(p for p in pdf if "COMPETENCY 2 OF 3" in p)
    assert "1 rating (one interviewer only): mean 3.00, median 3.00" in second


@pytest.mark.parametrize(
    ("distance", "flagged"),
    [(None, ["Ben Osei"]), (2.5, []), (1, ["Ben Osei", "Wei Zhang"])],
)
def test_the_contradiction_distance_is_a_setting(app, client, story, distance, flagged):
    if distance is not None:
        app.config["DEBRIEF_CONTRADICTION_DISTANCE"] = distance
    else:
        assert app.config["DEBRIEF_CONTRADICTION_DISTANCE"] == 1.5
    page = _text(client.get(f"/loops/{story['loop_id']}/debrief").get_data(True))
    found = re.findall(r"Contradiction (\w+ \w+) \(Panel\) recommended", page)
    assert found == flagged
    if distance == 1:
        assert (
            "Wei Zhang (Panel) recommended 3 (Yes), 1.00 levels above the average of their "
            "own ratings (2.00); the flag is raised at 1 level"
        ) in page


def test_the_chart_starts_at_the_lowest_level_and_keeps_long_names(app, client, story):
    page, html, pdf = _documents(app, client, story["loop_id"])
    for document in (page, html):
        chart = re.search(r'<svg class="chart".*?</svg>', document, re.DOTALL)[0]
        # The axis: level 1 at the bars' left edge (x 230), level 4 at its right.
        assert re.search(r'<line x1="230.0"[^>]*data-level="1"', chart)
        assert re.search(r'<line x1="590.0"[^>]*data-level="4"', chart)
        assert "on an axis from 1 to 4" in chart
        # Wei's 2 on 1-4 is a third of the bar's width (360), not half of it.
        handover = re.search(r'data-competency="c0">(.*?)</g>', chart, re.DOTALL)[1]
        assert 'width="120.0" height="14" fill="#ffffff"' in handover
        # The long name is wrapped onto lines, every character kept.
        group = re.search(r'data-competency="c1">(.*?)</g>', chart, re.DOTALL)[1]
        lines = re.findall(r"<tspan[^>]*>([^<]*)</tspan>", group)
        assert len(lines) > 3 and all(len(line) <= 34 for line in lines)
        assert " ".join(lines) == LONG_NAME.replace("'", "&#39;")
        assert "…" not in chart
    # The summary page names it in the chart only, in full.
    assert LONG_NAME in pdf[1]


def test_a_rating_at_the_lowest_level_still_shows_a_bar(app, client, auth, make_user):
    manager = make_user(Role.HIRING_MANAGER)
    wei = make_user(Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="Wei Zhang")
    with app.app_context():
        version = _version([competency("c0", name="Handover")])
        plan = PlanSession(title="Panel", competency_keys=["c0"], technical_seats=1)
        loop = start_loop(manager.id, version.rubric_id, [plan])
        seat = _seat(loop, 0, "technical", wei, T0)
        _submit(seat, wei, version, {"c0": 1}, T0 + timedelta(hours=1))
        db.session.commit()
        loop_id = loop.id
    auth.login(manager)
    page = client.get(f"/loops/{loop_id}/debrief").get_data(as_text=True)
    handover = re.search(r'data-competency="c0">(.*?)</g>', page, re.DOTALL)[1]
    assert 'width="2" height="14" fill="#ffffff"' in handover
    assert "T 1.00" in handover


def test_the_a4_letter_and_archival_files_have_their_own_names(app, client, story):
    url = f"/loops/{story['loop_id']}/debrief.pdf"
    names = {}
    for query in ("", "?size=letter", "?archival=1", "?size=letter&archival=1"):
        response = client.get(url + query)
        assert response.status_code == 200
        names[query] = re.search(
            r'filename="([^"]+)"', response.headers["Content-Disposition"]
        )[1]
    loop_id = story["loop_id"]
    assert names == {
        "": f"debrief-{loop_id}-priya-raman-a4.pdf",
        "?size=letter": f"debrief-{loop_id}-priya-raman-letter.pdf",
        "?archival=1": f"debrief-{loop_id}-priya-raman-a4-pdfa.pdf",
        "?size=letter&archival=1": f"debrief-{loop_id}-priya-raman-letter-pdfa.pdf",
    }
    # The instance's default size names the file too.
    app.config["DEBRIEF_PAGE_SIZE"] = "letter"
    response = client.get(url)
    assert "priya-raman-letter.pdf" in response.headers["Content-Disposition"]


def test_the_interviewer_page_names_the_interview_of_each_scorecard(
    app, client, auth, make_user
):
    # Clara holds a seat on both sessions: each of her scorecards names its own.
    built = replaced_and_flagged(app, make_user)
    auth.login(built["manager"])
    pages = pages_text(client.get(f"/loops/{built['loop_id']}/debrief.pdf").data)
    interviewers = " ".join(pages).split("Each interviewer")[1].split("APPENDIX")[0]
    assert "Interviewer and interview" in interviewers
    for row in (
        "Clara Jensen clinical, Case review",
        "Clara Jensen clinical, Systems interview",
        "Wei Zhang technical, Case review",
        "Tom Berg technical, Systems interview",
    ):
        assert row in interviewers


def test_new_wording_is_never_served_from_a_kept_packet(app, client, story):
    """Kept packets are keyed by their HTML: a changed setting changes the words,
    so the next download is rendered afresh, not the kept one."""
    from interview.models import PacketFile

    url = f"/loops/{story['loop_id']}/debrief.pdf"
    before = " ".join(pages_text(client.get(url).data))
    assert "Ben Osei (Panel) recommended 2 (No)" in before
    app.config["DEBRIEF_CONTRADICTION_DISTANCE"] = 3
    after = " ".join(pages_text(client.get(url).data))
    assert "Ben Osei (Panel) recommended" not in after
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(PacketFile.id))) == 2
