"""The candidates list: each name links to the candidate's page."""

import re

from interview.extensions import db
from interview.models import Candidate


def test_each_candidates_name_links_to_their_page(app, client, auth, users):
    with app.app_context():
        people = [
            Candidate(name="Ada <Lovelace> & Co", email="ada@candidate.example"),
            Candidate(name="Bea Brown", email="bea@candidate.example"),
        ]
        db.session.add_all(people)
        db.session.commit()
        ids = [p.id for p in people]
    auth.login(users["talent_acquisition"])
    page = client.get("/candidates/").text
    links = re.findall(r'<th scope="row"[^>]*><a href="([^"]+)">([^<]+)</a></th>', page)
    assert links == [
        (f"/candidates/{ids[0]}/edit", "Ada &lt;Lovelace&gt; &amp; Co"),
        (f"/candidates/{ids[1]}/edit", "Bea Brown"),
    ]
    for href, _ in links:
        assert client.get(href).status_code == 200
