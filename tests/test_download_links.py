"""Links to files carry no ``download`` attribute (fresh-user review M1): the
responses say attachment (or inline for the packet) themselves, so a file still
arrives as a file, while a refusal, a packet that could not be laid out or the
sign-in page after an expired session shows as a page instead of being swallowed
as a cancelled download or saved as "sign-in.html"."""

import re

from interview.extensions import db
from interview.models import LoopStatus, PanelSeat, ScorecardStatus
from interview.timeutil import utcnow

from .builders import add_scorecard
from .test_subject_access import held  # noqa: F401 (a fixture)


def _anchors(page: str, href_part: str) -> list[str]:
    found = [a for a in re.findall(r"<a\b[^>]*>", page) if href_part in a]
    assert found, href_part
    return found


def test_the_export_link_has_no_download_attribute_and_the_file_is_an_attachment(
    client,
    auth,
    held,  # noqa: F811
):
    auth.login(held["ta"])
    page = client.get(f"/candidates/{held['candidate']}/edit").get_data(as_text=True)
    (link,) = _anchors(page, f"/candidates/{held['candidate']}/export.zip")
    assert not re.search(r"\sdownload\b", link), link
    response = client.get(f"/candidates/{held['candidate']}/export.zip")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_the_packet_links_have_no_download_attribute(app, client, auth, seat):
    with app.app_context():
        loop = db.session.get(PanelSeat, seat["id"]).session.loop
        loop.status = LoopStatus.INTERVIEWING
        loop_id = loop.id
        db.session.commit()
        add_scorecard(
            seat["id"],
            seat["clara"].id,
            status=ScorecardStatus.SUBMITTED,
            submitted_at=utcnow(),
            overall_recommendation=3,
            summary="Clear on handovers.",
        )
    auth.login(seat["manager"])
    page = client.get(f"/loops/{loop_id}/debrief").get_data(as_text=True)
    links = _anchors(page, f"/loops/{loop_id}/debrief.pdf")
    assert len(links) == 3
    for link in links:
        assert not re.search(r"\sdownload\b", link), link
