"""The searchable pickers in a real browser: the candidate type-ahead and the seat
picker answer as one types, the time zone filter narrows the list without changing
the value, and axe-core finds nothing serious on the new-loop page."""

import uuid

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from interview.extensions import db
from interview.models import Candidate, Discipline, Loop, Role
from interview.search import search_key

from .test_accessibility import (
    BLOCKING_IMPACTS,
    _assert_axe_clean,
    describe,
    sign_in,
)


def _add_candidates(live_app, people) -> None:
    with live_app.app_context():
        db.session.execute(
            sa.insert(Candidate),
            [
                {"name": n, "email": e, "search_key": search_key(n, e)}
                for n, e in people
            ],
        )
        db.session.commit()
        db.session.remove()


def test_the_candidate_type_ahead_starts_a_loop(
    page: Page, live_app, make_account, demo_loop
):
    _add_candidates(
        live_app,
        [("Zoë Adams", "zoe.adams@example.org"), ("Zoë Adams", "za@elsewhere.example")]
        + [(f"Sam Taylor {i:02}", f"sam{i}@example.org") for i in range(25)],
    )
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto(f"/requisitions/{demo_loop['requisition']}/loops/new")
    status = page.locator("#candidate-summary")
    expect(status).to_contain_text("candidates by name")

    page.get_by_label("Find the candidate by name or email").fill("sam")
    expect(status).to_have_text("Showing 20 of 25 matches; type more to narrow.")
    expect(page.get_by_role("radio")).to_have_count(20)

    page.get_by_label("Find the candidate by name or email").fill("ZOE")
    expect(status).to_have_text("2 candidates match “ZOE”.")
    expect(page.get_by_role("radio")).to_have_count(2)
    # Two people of one name: the email tells them apart.
    page.get_by_role("radio", name="Zoë Adams · za@elsewhere.example").check()
    page.get_by_role("button", name="Start the loop").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Zoë Adams")
    with live_app.app_context():
        loop = db.session.scalars(sa.select(Loop).order_by(Loop.id.desc())).first()
        assert loop.candidate.email == "za@elsewhere.example"
        db.session.remove()


def test_nothing_chosen_keeps_the_query_and_says_so(
    page: Page, live_app, make_account, demo_loop
):
    _add_candidates(live_app, [("Lukas Becker", "lukas@example.org")])
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto(f"/requisitions/{demo_loop['requisition']}/loops/new")
    page.get_by_label("Find the candidate by name or email").fill("lukas")
    expect(page.get_by_role("radio")).to_have_count(1)
    page.get_by_role("button", name="Start the loop").click()
    expect(page.locator("#candidate-error")).to_have_text(
        "Choose a candidate: search, then pick one."
    )
    expect(page.get_by_label("Find the candidate by name or email")).to_have_value(
        "lukas"
    )
    violations = Axe().run(page).response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, describe(blocking)


def test_the_seat_picker_finds_eligible_people_as_one_types(
    page: Page, live_app, make_account, demo_loop
):
    for name in ("Norah Eze", "Nora Lind", "Omar Haddad"):
        make_account(Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name=name)
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto(f"/loops/{demo_loop['loop']}")
    with live_app.app_context():
        loop = db.session.get(Loop, demo_loop["loop"])
        (seat_id,) = [
            seat.id
            for seat in loop.sessions[0].seats
            if seat.discipline == Discipline.TECHNICAL and seat.removed_at is None
        ]
        db.session.remove()
    select = page.locator(f"#seat-{seat_id}-interviewer_id")
    # The page lists nobody up front; going to choose lists the eligible people.
    expect(select.locator("option", has_text="Omar Haddad")).to_have_count(0)
    page.locator(f"#seat-{seat_id}-find").focus()
    expect(select.locator("option", has_text="Omar Haddad")).to_have_count(1)
    page.locator(f"#seat-{seat_id}-find").fill("nor")
    expect(page.locator(f"#seat-{seat_id}-summary")).to_have_text(
        "2 eligible technical interviewers match “nor”. "
        "Choose one in the list, then Seat."
    )
    expect(select.locator("option")).to_have_count(3)  # nobody, Nora, Norah
    nora = select.locator("option", has_text="Nora Lind").get_attribute("value")
    select.select_option(value=nora)
    select.locator("xpath=..").get_by_role("button", name="Seat").click()
    expect(page.locator(".flash-success")).to_contain_text(
        "technical seat now Nora Lind"
    )


def test_the_time_zone_filter_narrows_without_changing_the_value(
    page: Page, make_account
):
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto("/accounts/new")
    zone = page.locator("#time_zone")
    expect(zone).to_have_value("UTC")
    page.get_by_label("Filter the time zones (city, country or region)").fill("kolk")
    # The zone chosen before stays listed and chosen, but only Kolkata is counted;
    # the only one, it is offered, not chosen (issue 14: only the person chooses).
    expect(page.locator("#time_zone-filter-status")).to_have_text(
        "1 zone listed: Kolkata — India · Asia/Kolkata · UTC+05:30. Press Enter or "
        "choose it in the list; the zone stays UTC — Coordinated universal time."
    )
    expect(zone).to_have_value("UTC")
    page.get_by_label("Filter the time zones (city, country or region)").fill("germany")
    # The zone chosen before stays listed (issue 14).
    expect(zone).to_have_value("UTC")
    labels = zone.locator("option").all_text_contents()
    assert labels == [
        "UTC — Coordinated universal time",
        "Berlin — Central Europe, Germany · Europe/Berlin · UTC+01:00",
        "Busingen — Germany, Busingen · Europe/Busingen · UTC+01:00",
    ]
    page.get_by_label("Filter the time zones (city, country or region)").fill("utc")
    listed = zone.locator("option").all_text_contents()
    # A word's start: "utc" is not found inside "Dutch", nor in every zone's offset.
    assert listed == ["UTC — Coordinated universal time"]


def test_the_conflict_picker_finds_an_interviewer_as_one_types(
    page: Page, live_app, make_account, demo_loop
):
    for name in ("Petra Quist", "Petra Quigley"):
        make_account(Role.INTERVIEWER, discipline=Discipline.CLINICAL, name=name)
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto(f"/candidates/{demo_loop['candidate']}/edit")
    page.locator("#conflict-find").fill("petra quist")
    expect(page.locator("#conflict-summary")).to_have_text(
        "1 interviewer matches “petra quist”."
    )
    select = page.locator("#interviewer_id")
    expect(select.locator("option")).to_have_count(2)  # the prompt, Petra
    select.select_option(label=select.locator("option").nth(1).inner_text())
    page.locator("#reason").fill("her former manager")
    page.get_by_role("button", name="Record conflict").click()
    expect(page.locator(".flash-success")).to_contain_text(
        "Petra Quist will not be seated on Amara Nwosu's panels."
    )


def test_a_chosen_candidate_kept_by_a_new_search_says_so_and_is_not_counted(
    page: Page, live_app, make_account, demo_loop
):
    # Names of this test's own: the live database outlives a test on SQLite.
    tag = uuid.uuid4().hex[:8]
    zelda, sams = f"Zelda {tag}", [f"Quill {tag} {i}" for i in range(3)]
    _add_candidates(
        live_app,
        [(zelda, f"zelda.{tag}@elsewhere.example")]
        + [(name, f"quill{i}.{tag}@example.org") for i, name in enumerate(sams)],
    )
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto(f"/requisitions/{demo_loop['requisition']}/loops/new")
    search = page.get_by_label("Find the candidate by name or email")
    status = page.locator("#candidate-summary")
    choices = page.locator("#candidate-choices")
    search.fill(f"zelda {tag}")
    expect(status).to_have_text(f"1 candidate matches “zelda {tag}”.")
    chosen = page.get_by_role("radio", name=zelda)
    expect(choices.locator(".chosen-tag:visible")).to_have_count(0)
    chosen.check()
    # The choice says so, in its name too (what a screen reader reads).
    email = f"zelda.{tag}@elsewhere.example"
    expect(chosen).to_have_accessible_name(f"{zelda} · {email} Chosen")
    expect(choices.locator(".chosen-tag:visible")).to_have_text(["Chosen"])

    search.fill(f"quill {tag}")
    expect(status).to_have_text(
        f"3 candidates match “quill {tag}”. Your choice, {zelda}, stays listed "
        "first; it is not among the candidates shown."
    )
    # Kept first, checked, marked; the matches are counted without it.
    expect(page.get_by_role("radio")).to_have_count(4)
    expect(choices.locator("label.check:not(.kept-choice)")).to_have_count(3)
    expect(choices.locator("label.check").first).to_have_class("check kept-choice")
    expect(chosen).to_be_checked()
    expect(chosen).to_have_accessible_name(
        f"{zelda} · {email} Chosen (your earlier choice, not in these results)"
    )
    _assert_axe_clean(page)

    # Choosing a match moves the mark; the earlier choice keeps its note only.
    other = page.get_by_role("radio", name=sams[1])
    other.check()
    expect(other).to_have_accessible_name(
        f"{sams[1]} · quill1.{tag}@example.org Chosen"
    )
    expect(choices.locator(".chosen-tag:visible")).to_have_count(1)
    expect(chosen).to_have_accessible_name(
        f"{zelda} · {email} (your earlier choice, not in these results)"
    )
    # The next search lists the matches alone: nothing is kept that is not chosen.
    search.fill(f"{tag} quill")
    expect(status).to_have_text(f"3 candidates match “{tag} quill”.")
    expect(page.get_by_role("radio")).to_have_count(3)
    expect(other).to_be_checked()


def test_without_javascript_searching_again_keeps_the_choice(
    new_context, live_app, make_account, demo_loop
):
    """The plain-form fallback: search, choose, search for someone else (Enter in
    the box), and the choice is still chosen when the loop starts."""
    tag = uuid.uuid4().hex[:6]
    _add_candidates(
        live_app,
        [(f"Ines Okafor {tag}", f"ines.{tag}@example.org")]
        + [(f"Tomas Reyes {tag}", f"tomas.{tag}@example.org")],
    )
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto(f"/requisitions/{demo_loop['requisition']}/loops/new")
    search = page.get_by_label("Find the candidate by name or email")
    search.fill(f"ines {tag}")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("radio", name=f"Ines Okafor {tag}").check()
    search.fill(f"tomas {tag}")
    search.press("Enter")  # the form's first button: Search, not Start
    expect(page.locator("#candidate-summary")).to_contain_text(
        f"Your choice, Ines Okafor {tag}, stays listed first"
    )
    expect(page.get_by_role("radio", name=f"Ines Okafor {tag}")).to_be_checked()
    page.get_by_role("button", name="Start the loop").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Ines Okafor {tag}")


def test_without_javascript_enter_on_the_chosen_candidate_starts_the_loop(
    new_context, live_app, make_account, demo_loop
):
    """Issue 14: without the script, Enter on a radio button pressed the form's
    first button, Search, so a keyboard user's choice only searched again. Enter in
    the search box still searches; Enter on the candidate chosen starts the loop."""
    tag = uuid.uuid4().hex[:6]
    _add_candidates(
        live_app,
        [(f"Kofi Boateng {tag}", f"kofi.{tag}@example.org")]
        + [(f"Kofi Asante {tag}", f"asante.{tag}@example.org")],
    )
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto(f"/requisitions/{demo_loop['requisition']}/loops/new")
    search = page.get_by_label("Find the candidate by name or email")
    search.fill(f"kofi {tag}")
    with page.expect_navigation():
        search.press("Enter")  # searches
    expect(page.locator("#candidate-summary")).to_have_text(
        f"2 candidates match “kofi {tag}”."
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text("Start a loop")
    chosen = page.get_by_role("radio", name=f"Kofi Boateng {tag}")
    chosen.focus()
    page.keyboard.press("Space")  # chosen with the keyboard
    expect(chosen).to_be_checked()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Kofi Boateng {tag}")
    with live_app.app_context():
        loop = db.session.scalars(sa.select(Loop).order_by(Loop.id.desc())).first()
        assert loop.candidate.email == f"kofi.{tag}@example.org"
        db.session.remove()


@pytest.mark.parametrize("submitter", [True, False], ids=["submitter", "no-submitter"])
def test_enter_in_the_type_ahead_starts_nothing(
    page: Page, live_app, make_account, demo_loop, submitter
):
    """With the script, Enter in the search box asks again in place; only "Start
    the loop" sends the form, in a browser without SubmitEvent.submitter too."""
    if not submitter:  # as Safari before 15.4
        page.add_init_script("delete SubmitEvent.prototype.submitter")
    tag = uuid.uuid4().hex[:6]
    _add_candidates(live_app, [(f"Ada Mensah {tag}", f"ada.{tag}@example.org")])
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto(f"/requisitions/{demo_loop['requisition']}/loops/new")
    search = page.get_by_label("Find the candidate by name or email")
    search.fill(f"ada {tag}")
    page.get_by_role("radio", name=f"Ada Mensah {tag}").check()
    search.press("Enter")
    expect(page.locator("#candidate-summary")).to_have_text(
        f"1 candidate matches “ada {tag}”."
    )
    expect(page).to_have_url(
        f"{page.url.split('/requisitions')[0]}/requisitions/"
        f"{demo_loop['requisition']}/loops/new"
    )
    page.get_by_role("button", name="Start the loop").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Ada Mensah {tag}")


def test_a_second_open_loop_is_started_only_after_confirming(
    page: Page, live_app, make_account, demo_loop
):
    """Choosing a candidate who already has an open loop here names that loop and
    starts nothing; "Start another loop anyway" (with the script on) starts it."""
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto(f"/requisitions/{demo_loop['requisition']}/loops/new")
    with live_app.app_context():
        # A name of this test's own: the browser tests share one database, where
        # earlier tests' demo namesakes (same name, same email) fill the type-ahead.
        candidate = db.session.get(Loop, demo_loop["loop"]).candidate
        candidate.name = name = f"Amara Second-Loop {demo_loop['candidate']}"
        db.session.commit()
        db.session.remove()
    page.get_by_label("Find the candidate by name or email").fill(name)
    page.locator(f"#candidate-{demo_loop['candidate']}").check()
    page.get_by_role("button", name="Start the loop").click()
    warning = page.locator("#open-loop-warning")
    expect(warning).to_contain_text("already has an open loop for this requisition")
    expect(
        warning.get_by_role("link", name=f"Loop {demo_loop['loop']}")
    ).to_be_visible()
    # A page of its own (the POST redirected): its heading has the focus, and a
    # reload asks the same without sending the form again.
    assert "again=1" in page.url
    # Waited for: the focus moves once the page has loaded (CI, under load, read
    # it a moment before).
    expect(page.locator("#open-loop-heading")).to_be_focused()
    _assert_axe_clean(page)
    page.reload()
    expect(warning).to_contain_text("already has an open loop for this requisition")
    expect(page.locator("#open-loop-heading")).to_be_focused()
    page.get_by_role("button", name="Start another loop anyway").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    assert f"/loops/{demo_loop['loop']}" not in page.url
    # Back lands on the question (now naming both open loops), not a resubmission.
    page.go_back()
    expect(warning.get_by_role("link")).to_have_count(2)


def test_enter_on_the_chosen_candidate_starts_the_loop(
    page: Page, live_app, make_account, demo_loop
):
    """Issue 14: Enter on a radio button ran the form's first button, Search, so the
    page only searched again; with the script it starts the loop with the one
    chosen."""
    tag = uuid.uuid4().hex[:6]
    _add_candidates(
        live_app,
        [(f"Kofi Boateng {tag}", f"kofi.{tag}@example.org")]
        + [(f"Kofi Asante {tag}", f"asante.{tag}@example.org")],
    )
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto(f"/requisitions/{demo_loop['requisition']}/loops/new")
    page.get_by_label("Find the candidate by name or email").fill(f"kofi {tag}")
    expect(page.get_by_role("radio")).to_have_count(2)
    chosen = page.get_by_role("radio", name=f"Kofi Boateng {tag}")
    chosen.focus()
    page.keyboard.press("Space")  # chosen with the keyboard
    expect(chosen).to_be_checked()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Kofi Boateng {tag}")
