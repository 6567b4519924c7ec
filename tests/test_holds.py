"""Legal holds: placed and released by talent acquisition, kept on record, and in
force they stop erasure (with the reason) and retention."""

import re

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.lifecycle.holds import HoldError, place_hold, release_hold
from interview.models import Candidate, LegalHold, Loop, Role

from . import test_erasure

NAME = test_erasure.NAME
erasable = test_erasure.erasable  # the fixture

REASON = "Tribunal claim 2026/114: keep every record of this hiring round."


def _ids(erasable):
    return erasable["candidate_id"], erasable["requisition_id"]


def test_a_candidate_hold_refuses_erasure_with_its_reason(app, client, auth, erasable):
    candidate_id, _ = _ids(erasable)
    auth.login(erasable["people"]["ta"])
    placed = client.submit(f"/candidates/{candidate_id}/holds", {"reason": REASON})
    assert placed.status_code == 302
    page = client.get(f"/candidates/{candidate_id}/edit")
    assert REASON in page.text and "In force" in page.text
    refused = client.submit(f"/candidates/{candidate_id}/erase", {"confirm": "y"})
    assert refused.status_code == 409
    assert REASON in refused.text
    assert "placed by Tess Acquisition" in refused.text
    with app.app_context():
        assert db.session.get(Candidate, candidate_id).name == NAME


def test_a_requisition_hold_covers_its_candidates(app, client, auth, erasable):
    candidate_id, requisition_id = _ids(erasable)
    auth.login(erasable["people"]["ta"])
    client.submit(f"/requisitions/{requisition_id}/holds", {"reason": REASON})
    assert REASON in client.get(f"/requisitions/{requisition_id}").text
    candidate_page = client.get(f"/candidates/{candidate_id}/edit").text
    assert "In force through the requisition" in candidate_page
    refused = client.submit(f"/candidates/{candidate_id}/erase", {"confirm": "y"})
    assert refused.status_code == 409
    assert "the requisition EHR analyst" in refused.text and REASON in refused.text


def test_a_released_hold_stays_on_record_and_lets_erasure_go_ahead(
    app,
    client,
    auth,
    erasable,
):
    candidate_id, _ = _ids(erasable)
    auth.login(erasable["people"]["ta"])
    client.submit(f"/candidates/{candidate_id}/holds", {"reason": REASON})
    with app.app_context():
        hold_id = db.session.scalar(sa.select(LegalHold.id))
    released = client.submit(f"/holds/{hold_id}/release", {}, follow_redirects=True)
    assert "Released the legal hold" in released.text
    assert (
        "Released" in released.text and "released by Tess Acquisition" in released.text
    )
    again = client.submit(f"/holds/{hold_id}/release", {}, follow_redirects=True)
    assert "already released by Tess Acquisition" in again.text
    erased = client.submit(f"/candidates/{candidate_id}/erase", {"confirm": "y"})
    assert erased.status_code == 302
    with app.app_context():
        hold = db.session.get(LegalHold, hold_id)
        assert hold.released_at is not None and hold.reason == REASON
        assert hold.placed_by_id == hold.released_by_id == erasable["people"]["ta"].id


# Each bad reason is a subtest of one test: a refusal changes nothing, and the
# candidate with loops, scorecards and people takes seconds to build.
BAD_REASONS = {
    "empty": ("", "Give the reason for the hold."),
    "blank": ("   ", "Give the reason for the hold."),
    "zero-width space": ("\u200b", "Give the reason for the hold."),
    "invisible format characters": (
        " \u200b\u2060\ufeff\u200b ",
        "Give the reason for the hold.",
    ),
    "10000 characters": ("x" * 10_000, "Keep the reason to 500 characters or fewer."),
    "NUL": ("Claim\x00 2026", "control character"),
    "right-to-left override": (
        "Claim \u202e4102",
        "direction control character U+202E at character 7",
    ),
    "left-to-right isolate": (
        "\u2066Claim 2026",
        "direction control character U+2066 at character 1",
    ),
}


def test_a_bad_reason_gets_a_message_not_a_hold(app, client, auth, erasable, subtests):
    candidate_id, requisition_id = _ids(erasable)
    auth.login(erasable["people"]["ta"])
    for case, (reason, message) in BAD_REASONS.items():
        for url in (
            f"/candidates/{candidate_id}/holds",
            f"/requisitions/{requisition_id}/holds",
        ):
            with subtests.test(reason=case, url=url):
                response = client.submit(url, {"reason": reason})
                assert response.status_code == 302  # to its draft (issue 14)
                assert "?draft=" in response.location
                response = client.get(response.location)
                assert response.status_code == 422
                assert message in response.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LegalHold.id))) == 0


@pytest.mark.parametrize("reason", ["\u200b", "\u200d \u2060", "\t\u00ad"])
def test_place_hold_itself_wants_a_visible_reason(app, erasable, reason):
    """Not only the form: a script calling place_hold is refused too."""
    with app.app_context():
        ta = db.session.get(type(erasable["people"]["ta"]), erasable["people"]["ta"].id)
        with pytest.raises(HoldError, match="Give the reason"):
            place_hold(ta, db.session.get(Candidate, erasable["candidate_id"]), reason)


@pytest.mark.parametrize("role", [Role.HIRING_MANAGER, Role.INTERVIEWER])
def test_only_talent_acquisition_places_or_releases_holds(
    app,
    client,
    auth,
    make_user,
    erasable,
    role,
):
    candidate_id, requisition_id = _ids(erasable)
    with app.app_context():
        ta = db.session.get(type(erasable["people"]["ta"]), erasable["people"]["ta"].id)
        hold = place_hold(ta, db.session.get(Candidate, candidate_id), REASON)
        db.session.commit()
        hold_id = hold.id
    auth.login(make_user(role))
    for url in (
        f"/candidates/{candidate_id}/holds",
        f"/requisitions/{requisition_id}/holds",
        f"/holds/{hold_id}/release",
        f"/candidates/{candidate_id}/erase",
    ):
        assert client.submit(url, {"reason": REASON, "confirm": "y"}).status_code == 403
    assert client.get(f"/candidates/{candidate_id}/erase").status_code == 403
    assert client.get("/candidates/retention").status_code == 403
    auth.logout()
    anonymous = client.get(f"/candidates/{candidate_id}/erase")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/sign-in")
    with app.app_context():
        assert db.session.get(LegalHold, hold_id).released_at is None
        assert db.session.scalar(sa.select(sa.func.count(LegalHold.id))) == 1


def test_the_manager_sees_that_a_requisition_is_held_not_why(
    app,
    client,
    auth,
    erasable,
):
    _, requisition_id = _ids(erasable)
    with app.app_context():
        ta = db.session.get(type(erasable["people"]["ta"]), erasable["people"]["ta"].id)
        loop = db.session.scalar(sa.select(Loop))
        release_hold(ta, place_hold(ta, loop.requisition, "An earlier hold"))
        place_hold(ta, loop.requisition, REASON)
        db.session.commit()
    auth.login(erasable["people"]["manager"])
    page = client.get(f"/requisitions/{requisition_id}").text
    assert "Under legal hold since" in page
    assert REASON not in page and "Place a legal hold" not in page


def test_the_outcome_is_said_in_the_holds_section_the_redirect_lands_on(
    app, client, auth, erasable
):
    """The section the redirect's #holds names takes the focus (tabindex -1, and
    autofocus while it says what happened), and says it as its description."""
    candidate_id, requisition_id = _ids(erasable)
    auth.login(erasable["people"]["ta"])
    for page_url, holds_url in (
        (f"/candidates/{candidate_id}/edit", f"/candidates/{candidate_id}/holds"),
        (f"/requisitions/{requisition_id}", f"/requisitions/{requisition_id}/holds"),
    ):
        placed = client.submit(holds_url, {"reason": REASON})
        assert placed.headers["Location"] == f"{page_url}#holds"
        page = client.get(page_url).text
        opening = re.search(r'<section [^>]*id="holds"[^>]*>', page).group(0)
        assert 'tabindex="-1"' in opening and 'aria-labelledby="holds-title"' in opening
        assert 'aria-describedby="holds-note"' in opening and "autofocus" in opening
        section = page[page.index(opening) :]
        assert re.search(
            r'<p class="flash flash-success" id="holds-note" role="status">'
            r"Placed the legal hold: erasure and retention wait for its release.</p>",
            section,
        )
        assert 'class="flashes"' not in page  # said once, where it happened
        later = client.get(page_url).text  # once: not again on the next visit
        assert "holds-note" not in later
        assert 'id="holds" tabindex="-1" aria-labelledby="holds-title">' in later

    with app.app_context():
        hold_id = db.session.scalar(sa.select(LegalHold.id).order_by(LegalHold.id))
    client.submit(f"/holds/{hold_id}/release", {})
    client.submit(f"/holds/{hold_id}/release", {})  # refused: said where it happened
    page = client.get(f"/candidates/{candidate_id}/edit").text
    assert re.search(
        r'<p class="flash flash-error" id="holds-note" role="alert">[^<]*already released',
        page,
    )


SPILLING = "Claim \u202e4102 miaLC"  # an override never closed


@pytest.mark.parametrize("char", ["\u202a", "\u202e", "\u2067", "\u2069"])
def test_place_hold_itself_refuses_direction_controls(app, erasable, char):
    with app.app_context():
        ta = db.session.get(type(erasable["people"]["ta"]), erasable["people"]["ta"].id)
        with pytest.raises(HoldError, match=f"U\\+{ord(char):04X}"):
            place_hold(
                ta, db.session.get(Candidate, erasable["candidate_id"]), f"a{char}b"
            )


def test_a_stored_reason_with_an_override_is_isolated_where_it_is_shown(
    app, client, auth, erasable
):
    """A row written before the refusal (inserted directly) cannot reorder the words
    after it: <bdi> on the page, FSI ... PDI in the erasure's refusal."""
    candidate_id, _ = _ids(erasable)
    with app.app_context():
        db.session.add(
            LegalHold(
                reason=SPILLING,
                candidate_id=candidate_id,
                placed_by_id=erasable["people"]["ta"].id,
            )
        )
        db.session.commit()
    auth.login(erasable["people"]["ta"])
    page = client.get(f"/candidates/{candidate_id}/edit").text
    assert f"“<bdi>{SPILLING}</bdi>” — placed by Tess Acquisition" in page
    assert f"the hold “<bdi>{SPILLING}</bdi>”" in page
    refused = client.submit(f"/candidates/{candidate_id}/erase", {"confirm": "y"})
    assert refused.status_code == 409
    assert f"“\u2068{SPILLING}\u2069” (placed by Tess Acquisition" in refused.text
    shown = client.get(f"/candidates/{candidate_id}/erase").text
    assert f"“\u2068{SPILLING}\u2069” (placed by" in shown


def test_a_hold_is_released_by_an_actor_loaded_before_a_commit(app, erasable):
    """An actor expired by an earlier commit in the same session (a CLI run, a
    batch) releases whole: reading their id must not flush half a release."""
    from interview.models import User

    candidate_id, _ = _ids(erasable)
    with app.app_context():
        actor = db.session.get(User, erasable["people"]["ta"].id)
        hold = place_hold(actor, db.session.get(Candidate, candidate_id), REASON)
        db.session.commit()  # expires the actor and the hold
        release_hold(actor, hold)
        db.session.commit()
        released = db.session.get(LegalHold, hold.id)
        assert released.released_at is not None
        assert released.released_by_id == actor.id
