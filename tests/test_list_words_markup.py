"""The Rubrics, Retention and Calibration raters' lists mark names and titles of ordinary words with
.words (issue 14, interview/cells.py), as the other lists do, so a narrow table
does not split them mid-word; a long word is left to wrap anywhere, and a name's
markup stays escaped."""

from datetime import timedelta

import sqlalchemy as sa

from interview.extensions import db
from interview.models import Candidate
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate
from interview.timeutil import utcnow

from .rubric_samples import dump, rubric
from .test_calibration_pages import people, world  # noqa: F401  (fixtures)

ORDINARY = "Clinical Informatics Interoperability Specialist"
LONG = "Interoperability" * 12


def test_the_rubric_list_marks_titles_of_ordinary_words(client, auth, users):
    with client.application.app_context():
        save_rubric(None, validate(dump(rubric(key="aaa", title=ORDINARY))).rubric)
        save_rubric(None, validate(dump(rubric(key="bbb", title=LONG))).rubric)
        db.session.commit()
    auth.login(users["clinical"])
    page = client.get("/rubrics/").get_data(as_text=True)
    assert f'<th scope="row" class="words"><a href="/rubrics/aaa">{ORDINARY}<' in page
    assert f'<th scope="row" class=""><a href="/rubrics/bbb">{LONG}<' in page


def test_the_retention_list_marks_names_of_ordinary_words(client, auth, users):
    names = ["Anna-Lena Müller-Lüdenscheidt", "Ada <Lovelace> & Co", LONG]
    with client.application.app_context():
        db.session.add_all(Candidate(name=name) for name in names)
        db.session.commit()
        long_ago = utcnow() - timedelta(days=2000)
        db.session.execute(sa.update(Candidate).values(updated_at=long_ago))
        db.session.commit()
    auth.login(users["talent_acquisition"])
    page = client.get("/candidates/retention").get_data(as_text=True)
    assert '<th scope="row" class="words">Anna-Lena Müller-Lüdenscheidt</th>' in page
    assert '<th scope="row" class="words">Ada &lt;Lovelace&gt; &amp; Co</th>' in page
    assert f'<th scope="row" class="">{LONG}</th>' in page


def test_the_raters_list_marks_names_of_ordinary_words(
    client,
    auth,
    people,  # noqa: F811
    world,  # noqa: F811
):
    world["add"](12)
    auth.login(people["ta"])
    page = client.get("/calibration/rubrics/sample").get_data(as_text=True)
    tom = f'<a href="/calibration/interviewers/{people["tom"].id}">Tom Okafor</a>'
    assert f'<th scope="row" class="words">{tom}</th>' in page
