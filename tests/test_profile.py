"""One's own profile (issue 14): a person sets their name and time zone, and every
page then shows times in that zone with its abbreviation; new accounts start in the
organisation's DEFAULT_TIMEZONE."""

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from interview import create_app
from interview.demo import DEMO_ACCOUNTS, seed_demo
from interview.extensions import db
from interview.loops.schedule import local_display
from interview.models import AuditEntry, Discipline, LegalHold, PanelSeat, Role, User

from . import test_erasure
from .conftest import BASE_CONFIG
from .tabs import Tab

erasable = test_erasure.erasable  # the fixture: a candidate who may be erased

STARTS = datetime(2027, 1, 12, 13, 30, tzinfo=UTC)  # a Tuesday, winter time


def _version(page: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', page)[1]


def _save(client, name: str, zone: str, **extra):
    page = client.get("/account").get_data(as_text=True)
    data = {"name": name, "time_zone": zone, "version": _version(page), **extra}
    return client.submit("/account", data)


def _selected(page: str) -> str:
    """The zone the picker shows chosen."""
    return re.search(r'<option value="([^"]+)"[^>]* selected>', page)[1]


def _zone_of(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).time_zone


@pytest.fixture
def scheduled(app, seat):
    """Clara's seat, its session at 13:30 UTC on Tue 12 Jan 2027 for an hour."""
    with app.app_context():
        session = db.session.get(PanelSeat, seat["id"]).session
        session.starts_at = STARTS
        session.duration_minutes = 60
        db.session.commit()
        return {**seat, "loop": session.loop_id}


def test_the_nav_name_leads_to_the_profile(client, auth, make_user):
    auth.login(make_user(Role.HIRING_MANAGER, name="Hana Manager"))
    page = client.get("/").get_data(as_text=True)
    assert '<a href="/account">Hana Manager</a>' in page
    profile = client.get("/account").get_data(as_text=True)
    assert '<a href="/account" aria-current="page">Hana Manager</a>' in profile
    assert 'href="/account/password">Change your password</a>' in profile
    assert 'href="/account/notifications">Email notifications</a>' in profile
    # Served under a prefix, the links keep it (url_for, not a written address).
    prefixed = client.get("/account", base_url="http://localhost/hiring")
    assert prefixed.status_code == 200
    shown = prefixed.get_data(as_text=True)
    assert 'href="/hiring/account/notifications">Email notifications</a>' in shown
    assert 'href="/hiring/account/password">Change your password</a>' in shown


def test_a_name_changed_alone_does_not_announce_a_zone(app, client, auth, make_user):
    hana = make_user(Role.HIRING_MANAGER, name="Hana Manager")
    auth.login(hana)
    saved = _save(client, "Hana M. Manager", "UTC")
    assert saved.status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert "Your profile is saved." in page
    assert "Times are now shown in" not in page
    _save(client, "Hana M. Manager", "Asia/Kolkata")
    page = client.get("/account").get_data(as_text=True)
    assert "Your profile is saved. Times are now shown in Asia/Kolkata." in page


def test_a_saved_zone_shows_every_time_in_it(app, client, auth, scheduled):
    auth.login(scheduled["clara"])
    seat_id, loop_id = scheduled["id"], scheduled["loop"]
    pages = ("/", "/my-interviews", f"/interviews/{seat_id}", f"/loops/{loop_id}")
    before = {url: client.get(url).get_data(as_text=True) for url in pages}
    assert all("Tue 12 Jan 2027, 13:30" in page for page in before.values())

    saved = _save(client, "Clara Jensen", "Europe/Berlin")

    assert saved.status_code == 302
    shown = client.get("/account").get_data(as_text=True)
    assert "Your profile is saved. Times are now shown in Europe/Berlin." in shown
    assert _selected(shown) == "Europe/Berlin"
    assert _zone_of(app, scheduled["clara"].id) == "Europe/Berlin"
    for url in ("/", f"/interviews/{seat_id}"):
        page = client.get(url).get_data(as_text=True)
        assert "Tue 12 Jan 2027, 14:30 CET" in page, url
        assert "Tue 12 Jan 2027, 13:30" not in page, url
    for url in ("/my-interviews", f"/loops/{loop_id}"):
        page = client.get(url).get_data(as_text=True)
        assert "Tue 12 Jan 2027, 14:30-15:30 CET" in page, url
        assert "Tue 12 Jan 2027, 13:30" not in page, url


def test_a_zone_without_letters_shows_its_offset(client, auth, scheduled):
    auth.login(scheduled["clara"])
    _save(client, "Clara Jensen", "Asia/Dubai")  # tzdata names it "+04"
    page = client.get(f"/interviews/{scheduled['id']}").get_data(as_text=True)
    assert "Tue 12 Jan 2027, 17:30 UTC+04:00" in page


def test_the_change_is_audited_as_an_account_change(app, client, auth, make_user):
    hana = make_user(Role.HIRING_MANAGER, name="Hana Manager")
    auth.login(hana)
    _save(client, "Hana Okafor", "America/Chicago")
    with app.app_context():
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "user.update")
        )
        assert (entry.actor_id, entry.object_id) == (hana.id, hana.id)
        assert entry.before["time_zone"] == "UTC"
        assert entry.after["time_zone"] == "America/Chicago"
        assert entry.after["name"] == "Hana Okafor"
    again = _save(client, "Hana Okafor", "America/Chicago")
    assert "Nothing changed" in client.get(again.location).get_data(as_text=True)
    with app.app_context():  # no second entry for no change
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).where(AuditEntry.action == "user.update")
            )
            == 1
        )


def test_an_unknown_zone_is_refused_keeping_what_was_typed(
    app, client, auth, make_user
):
    hana = make_user(Role.HIRING_MANAGER, name="Hana Manager")
    auth.login(hana)
    refused = _save(client, "Hana Okafor-Typed", "Mars/Olympus")
    assert refused.status_code == 302  # to the form as typed: Reload never posts
    refused = client.get(refused.location)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert (
        "“Mars/Olympus” is not a time zone this site knows, so your time zone is "
        "unchanged: choose one from the list."
    ) in page
    assert 'value="Hana Okafor-Typed"' in page  # the name typed is kept
    # The saved zone stays chosen, so saving again cannot pick the list's first.
    assert _selected(page) == "UTC"
    select = re.search(r'<select [^>]*id="time_zone"[^>]*>', page)[0]
    assert 'aria-invalid="true"' in select
    with app.app_context():
        user = db.session.get(User, hana.id)
        assert (user.name, user.time_zone) == ("Hana Manager", "UTC")


def test_an_empty_name_is_refused_keeping_the_zone_chosen(app, client, auth, make_user):
    hana = make_user(Role.HIRING_MANAGER, name="Hana Manager")
    auth.login(hana)
    refused = _save(client, "  ", "Asia/Kolkata")
    assert refused.status_code == 302  # to the form as typed: Reload never posts
    refused = client.get(refused.location)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Enter your name." in page
    assert _selected(page) == "Asia/Kolkata"
    assert _zone_of(app, hana.id) == "UTC"
    # The browser's zone is compared with the zone saved, not the one kept chosen.
    assert re.search(r'<select [^>]*data-browser-zone="UTC"[^>]*id="time_zone"', page)


def test_without_the_csrf_token_nothing_is_saved(app, client, auth, make_user):
    hana = make_user(Role.HIRING_MANAGER)
    auth.login(hana)
    page = client.get("/account").get_data(as_text=True)
    refused = client.post(
        "/account",
        data={"name": "X", "time_zone": "Asia/Kolkata", "version": _version(page)},
    )
    assert refused.status_code in (400, 422)
    assert _zone_of(app, hana.id) == "UTC"


def test_nobody_changes_another_persons_zone_through_it(app, client, auth, users):
    """The page edits the signed-in account only, whatever ids the form carries."""
    other = users["clinical"]
    auth.login(users["technical"])
    _save(client, "Tom Technical", "Asia/Kolkata", user_id=str(other.id), id=other.id)
    assert _zone_of(app, other.id) == "UTC"
    assert _zone_of(app, users["technical"].id) == "Asia/Kolkata"
    with app.app_context():
        assert db.session.get(User, other.id).name != "Tom Technical"


def test_a_save_from_a_stale_page_is_refused_keeping_it(app, client, auth, make_user):
    hana = make_user(Role.HIRING_MANAGER, name="Hana Manager")
    auth.login(hana)
    old = _version(client.get("/account").get_data(as_text=True))
    with app.app_context():  # talent acquisition renames her meanwhile
        db.session.get(User, hana.id).name = "Hana Renamed"
        db.session.commit()
    typed = {"name": "Hana Mine", "time_zone": "Asia/Kolkata", "version": old}
    refused = client.submit("/account", typed, follow_redirects=True)
    page = refused.get_data(as_text=True)
    assert "Your account was changed elsewhere while you were editing" in page
    assert 'value="Hana Mine"' in page
    assert _selected(page) == "Asia/Kolkata"
    assert _zone_of(app, hana.id) == "UTC"
    assert (
        client.submit(
            "/account",
            {
                "name": "Hana Mine",
                "time_zone": "Asia/Kolkata",
                "version": _version(page),
            },
        ).status_code
        == 302
    )
    assert _zone_of(app, hana.id) == "Asia/Kolkata"


def test_the_autosave_says_when_in_the_readers_zone(app, client, auth, scheduled):
    """The kit's "Saved at ..." is the server's time, in the reader's zone."""
    auth.login(scheduled["clara"])
    _save(client, "Clara Jensen", "Asia/Kolkata")
    answer = Tab(client, scheduled["id"]).autosave(summary="A draft.")
    assert answer.status_code == 200
    saved_at = datetime.fromisoformat(answer.json["saved_at"])
    assert answer.json["saved_label"] == local_display(saved_at, "Asia/Kolkata")
    assert answer.json["saved_label"].endswith(" IST")


def test_a_holds_refusals_say_when_in_the_readers_zone(app, client, auth, erasable):
    """Messages built outside templates (a hold stopping an erasure, a second
    identical hold) give the time in the reader's zone too, not a UTC date."""
    ta, candidate_id = erasable["people"]["ta"], erasable["candidate_id"]
    auth.login(ta)
    _save(client, ta.name, "Asia/Kolkata")
    client.submit(f"/candidates/{candidate_id}/holds", {"reason": "Tribunal claim"})
    with app.app_context():
        placed_at = db.session.scalar(sa.select(LegalHold.placed_at))
    when = f"on {local_display(placed_at, 'Asia/Kolkata')})"
    assert when.endswith(" IST)")
    refused = client.submit(f"/candidates/{candidate_id}/erase", {"confirm": "y"})
    assert refused.status_code == 409 and when in refused.text
    assert when in client.get(f"/candidates/{candidate_id}/erase").text
    again = client.submit(
        f"/candidates/{candidate_id}/holds",
        {"reason": "Tribunal claim"},
        follow_redirects=True,
    )
    assert "An identical hold is already in force" in again.text and when in again.text


# --- DEFAULT_TIMEZONE ----------------------------------------------------------------


@pytest.mark.parametrize("app_config", [{"DEFAULT_TIMEZONE": "America/Chicago"}])
def test_new_accounts_start_in_the_default_zone(app, client, auth, make_user, runner):
    auth.login(make_user(Role.TALENT_ACQUISITION))
    form = client.get("/accounts/new").get_data(as_text=True)
    assert _selected(form) == "America/Chicago"
    fields = {
        "name": "Nia Nurse",
        "email": "nia@example.org",
        "role": "interviewer",
        "discipline": "clinical",
        "weekly_interview_limit": "4",
        "password": "a long enough password",
    }
    assert client.submit("/accounts/new", fields).status_code == 302
    made = runner.invoke(
        args=["create-user", "--email", "cli@example.org", "--name", "Cli Person"]
        + ["--role", "hiring_manager", "--password-stdin"],
        input="another long password\n",
    )
    assert made.exit_code == 0, made.output
    with app.app_context():
        zones = dict(db.session.execute(sa.select(User.email, User.time_zone)).all())
    assert zones["nia@example.org"] == "America/Chicago"
    assert zones["cli@example.org"] == "America/Chicago"


@pytest.fixture
def instance(tmp_path, monkeypatch):
    monkeypatch.setenv("INTERVIEW_INSTANCE_PATH", str(tmp_path))


@pytest.mark.parametrize("value", ["Mars/Olympus", "US/Central", "", None])
def test_an_unknown_default_zone_stops_start_up_in_one_line(instance, value, capsys):
    with pytest.raises(SystemExit) as stop:
        create_app({**BASE_CONFIG, "DEFAULT_TIMEZONE": value})
    assert stop.value.code == 4
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "DEFAULT_TIMEZONE is" in lines[0]
    if value == "US/Central":
        assert "use America/Chicago" in lines[0]


def test_the_default_zone_comes_from_the_environment(instance, monkeypatch):
    monkeypatch.setenv("INTERVIEW_DEFAULT_TIMEZONE", " Europe/Dublin ")
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["DEFAULT_TIMEZONE"] == "Europe/Dublin"
    with app.app_context():
        db.engine.dispose()


def test_the_demo_accounts_live_in_realistic_zones(app_ctx):
    seed_demo()
    zones = dict(db.session.execute(sa.select(User.email, User.time_zone)).all())
    assert zones["clara.rn@demo.example"] == "America/Chicago"  # the clinical lead
    assert {zones[a["email"]] for a in DEMO_ACCOUNTS} >= {
        "America/New_York",
        "America/Chicago",
        "Europe/London",
    }
    clinical = [a for a in DEMO_ACCOUNTS if a["discipline"] == Discipline.CLINICAL]
    assert all(zones[a["email"]] != "UTC" for a in clinical)
