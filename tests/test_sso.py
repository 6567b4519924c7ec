"""Single sign-on with OpenID Connect (issue 15), the whole flow against a real
provider on loopback (tests/oidc_provider.py): the code flow with PKCE, state and
nonce; the ID token's signature, audience and lifetime checked; accounts found by
the provider's subject; groups giving roles at every sign-in; the provider down."""

import re
from contextlib import contextmanager
from html import unescape

import pytest
import requests
import sqlalchemy as sa

from interview.auth.sso_rules import DEACTIVATED, NO_ACCOUNT, NOT_VERIFIED
from interview.extensions import db
from interview.models import AuditEntry, Discipline, Role, User

from .oidc_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER_CLIENT,
    Provider,
    at_provider,
    path_of,
)
from .test_accounts import _user
from .test_sso_rules import GROUPS_SETTING


@pytest.fixture(scope="session")
def provider(tmp_path_factory):
    running = Provider(tmp_path_factory.mktemp("oidc"))
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _fresh_provider(provider):
    provider.reset()


def sso_setting(issuer: str, **changes) -> dict:
    return {
        "issuer": issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scope": "openid email profile groups",
        "label": "Sign in with Hospital ID",
        **GROUPS_SETTING,
        "create_accounts": True,
        "timeout_s": 5,
    } | changes


@pytest.fixture
def app_config(provider):
    return {"SSO": sso_setting(provider.issuer)}


@contextmanager
def own_app(databases, folder, setting: dict):
    """An app of the test's own with this SSO setting (the ``app`` fixture's is
    fixed for the module), on the test database."""
    from interview import create_app

    from .conftest import BASE_CONFIG

    folder.mkdir()
    made = create_app({**BASE_CONFIG, **databases.config_for(folder), "SSO": setting})
    try:
        yield made
    finally:
        databases.reset(made)
        with made.app_context():
            db.session.remove()
            db.engine.dispose()


def sso_sign_in(client, login: str, next_url: str | None = None):
    """Press the sign-in page's button, sign in at the provider, come back."""
    start = client.get("/sign-in/sso", query_string={"next": next_url or ""})
    assert start.status_code == 302, _text(start)
    back = at_provider(requests.Session(), start.headers["Location"], login)
    return client.get(path_of(back))


def _text(answer) -> str:
    """A page's text as a person reads it (entities such as &#39; undone)."""
    return unescape(answer.get_data(as_text=True))


def signed_in_as(client) -> str | None:
    """The name the page header shows, or None when sent to sign in."""
    home = client.get("/")
    if home.status_code == 302:
        return None
    return _text(home)


def test_an_existing_account_signs_in_and_is_linked_to_its_subject(
    app, client, provider, make_user
):
    make_user(
        Role.INTERVIEWER,
        discipline=Discipline.CLINICAL,
        name="Ana Silva",
        email="ana.silva@example.org",
    )
    provider.person("ana-7f3", email="Ana.Silva@example.org", groups=["managers"])
    page = _text(client.get("/sign-in"))
    assert "Sign in with Hospital ID" in page
    answer = sso_sign_in(client, "ana-7f3", next_url="/loops/")
    assert answer.status_code == 302 and answer.headers["Location"] == "/loops/"
    assert "Ana Silva" in signed_in_as(client)
    ana = _user(app, "ana.silva@example.org")
    assert (ana.sso_issuer, ana.sso_subject) == (provider.issuer, "ana-7f3")
    assert ana.role == Role.HIRING_MANAGER  # the provider's groups, now
    assert ana.last_sign_in_at is not None


def test_an_unknown_person_gets_an_account_when_the_setting_allows(
    app, client, provider
):
    provider.person(
        "u-42", email="noor@example.org", name="Noor Haddad", groups=["it-staff"]
    )
    assert sso_sign_in(client, "u-42").status_code == 302
    assert "Noor Haddad" in signed_in_as(client)
    noor = _user(app, "noor@example.org")
    assert (noor.role, noor.discipline) == (Role.INTERVIEWER, Discipline.TECHNICAL)
    with app.app_context():
        entry = db.session.scalar(
            sa.select(AuditEntry).where(
                AuditEntry.object_type == "users", AuditEntry.object_id == noor.id
            )
        )
        assert (entry.action, entry.actor_id, entry.reason) == (
            "user.create",
            None,
            "sso",
        )


def test_without_the_setting_an_unknown_person_is_told_whom_to_ask(
    provider, databases, tmp_path
):
    setting = sso_setting(provider.issuer, create_accounts=False)
    with own_app(databases, tmp_path / "closed", setting) as closed:
        client = closed.test_client()
        provider.person("u-43", email="new@example.org", groups=["managers"])
        answer = sso_sign_in(client, "u-43")
        assert answer.status_code == 403
        assert NO_ACCOUNT.split(".")[0] in _text(answer)
        assert signed_in_as(client) is None
        assert _user(closed, "new@example.org") is None


@pytest.mark.parametrize(
    ("fault", "value"), [("audience", OTHER_CLIENT), ("expired_seconds_ago", 3600)]
)
def test_an_id_token_for_another_client_or_expired_signs_nobody_in(
    app, client, provider, fault, value
):
    provider.person("u-1", email="kim@example.org", groups=["managers"])
    provider.faults(**{fault: value})
    answer = sso_sign_in(client, "u-1")
    assert answer.status_code == 400
    assert "did not pass this platform's checks" in _text(answer)
    assert signed_in_as(client) is None
    assert _user(app, "kim@example.org") is None
    provider.faults()  # the same person, a sound token: in
    assert sso_sign_in(client, "u-1").status_code == 302


def test_a_replayed_answer_signs_nobody_in(app, client, provider):
    provider.person("u-2", email="lee@example.org", groups=["managers"])
    start = client.get("/sign-in/sso")
    back = path_of(at_provider(requests.Session(), start.headers["Location"], "u-2"))
    # The answer taken to another browser, which never started this sign-in.
    stranger = app.test_client()
    refused = stranger.get(back)
    assert refused.status_code == 400
    assert "already used, has expired" in _text(refused)
    assert signed_in_as(stranger) is None
    # The browser that started it signs in once; the same answer again is refused.
    assert client.get(back).status_code == 302
    client.post("/sign-out", data={"csrf_token": client.csrf_token()})
    again = client.get(back)
    assert again.status_code == 400 and signed_in_as(client) is None


def test_a_group_change_takes_effect_at_the_next_sign_in(app, client, provider):
    provider.person("u-3", email="ola@example.org", groups=["clinical-staff"])
    assert sso_sign_in(client, "u-3").status_code == 302
    other_device = app.test_client()
    assert sso_sign_in(other_device, "u-3").status_code == 302
    assert _user(app, "ola@example.org").role == Role.INTERVIEWER
    provider.person("u-3", email="ola@example.org", groups=["hr-talent"])
    client.post("/sign-out", data={"csrf_token": client.csrf_token()})
    assert sso_sign_in(client, "u-3").status_code == 302
    ola = _user(app, "ola@example.org")
    assert ola.role == Role.TALENT_ACQUISITION
    assert client.get("/accounts/").status_code == 200  # talent acquisition's page
    # A role change ends the account's other sessions, as when an admin makes it.
    assert signed_in_as(other_device) is None
    # Out of every group: refused, and signed out everywhere (a session left open
    # would keep talent acquisition's pages); the role is talent acquisition's to
    # change, and the next sign-in is refused the same way.
    assert sso_sign_in(other_device, "u-3").status_code == 302
    from .api_client import ApiClient, make_token

    token = make_token(app, _user(app, "ola@example.org"))  # issue 15: and the API
    assert ApiClient(app, token).get("/api/v1/me").status_code == 200
    provider.person("u-3", email="ola@example.org", groups=["cafeteria"])
    client.post("/sign-out", data={"csrf_token": client.csrf_token()})
    refused = sso_sign_in(client, "u-3")
    assert refused.status_code == 403
    assert "does not give you access" in _text(refused)
    assert signed_in_as(other_device) is None
    assert ApiClient(app, token).get("/api/v1/me").status_code == 401
    assert _user(app, "ola@example.org").role == Role.TALENT_ACQUISITION


def test_a_person_deactivated_here_stays_out(app, client, provider, make_user):
    make_user(Role.HIRING_MANAGER, email="max@example.org", is_active=False)
    provider.person("u-4", email="max@example.org", groups=["managers"])
    answer = sso_sign_in(client, "u-4")
    assert answer.status_code == 403
    assert DEACTIVATED.split(".")[0] in _text(answer)
    assert signed_in_as(client) is None


def test_an_unverified_email_links_no_account(app, client, provider, make_user):
    make_user(Role.HIRING_MANAGER, email="eve@example.org")
    provider.person(
        "u-5", email="eve@example.org", groups=["managers"], email_verified=False
    )
    answer = sso_sign_in(client, "u-5")
    assert answer.status_code == 403
    assert NOT_VERIFIED.split(",")[0] in _text(answer)
    assert _user(app, "eve@example.org").sso_subject is None


def test_an_address_the_provider_does_not_vouch_for_is_not_taken(app, client, provider):
    provider.person("u-10", email="sam@example.org", groups=["managers"])
    assert sso_sign_in(client, "u-10").status_code == 302
    client.post("/sign-out", data={"csrf_token": client.csrf_token()})
    provider.person(
        "u-10",
        email="someone.else@example.org",
        groups=["managers"],
        email_verified=False,
    )
    assert sso_sign_in(client, "u-10").status_code == 302
    assert _user(app, "sam@example.org").sso_subject == "u-10"
    assert _user(app, "someone.else@example.org") is None


def test_an_account_and_its_audit_entry_are_written_together(
    app, client, provider, monkeypatch
):
    """The provider's answer is a GET, which pages read in autocommit on
    PostgreSQL: the sign-in's writes are one transaction nonetheless."""
    from interview.auth import sso_accounts

    def failing(*_args, **_kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(sso_accounts, "record", failing)
    provider.person("u-11", email="val@example.org", groups=["managers"])
    with pytest.raises(RuntimeError):
        sso_sign_in(client, "u-11")
    assert _user(app, "val@example.org") is None


def test_abandoned_sign_ins_do_not_fill_the_cookie(app, client, provider):
    """Each attempt keeps its state in the session cookie until it comes back."""
    for _ in range(40):
        assert client.get("/sign-in/sso").status_code == 302
    provider.person("u-12", email="tom@example.org", groups=["managers"])
    assert sso_sign_in(client, "u-12").status_code == 302
    assert signed_in_as(client) is not None


@pytest.mark.parametrize(
    ("error", "status", "says"),
    [
        ("access_denied", 403, "cancelled or refused"),
        ("temporarily_unavailable", 503, "did not answer"),
        ("server_error", 503, "did not answer"),
        ("login_required", 400, "Start again"),
        ("invalid_request", 400, "did not pass this platform's checks"),
    ],
)
def test_the_providers_errors_are_each_a_clear_page(app, client, error, status, says):
    start = client.get("/sign-in/sso")
    state = start.headers["Location"].split("state=")[1].split("&")[0]
    answer = client.get(f"/sign-in/sso/callback?error={error}&state={state}")
    assert answer.status_code == status
    assert says in _text(answer)
    assert signed_in_as(client) is None


def test_a_provider_that_stops_answering_is_given_up_on(databases, tmp_path):
    """A provider that takes the connection and never answers: the page comes
    after the setting's timeout, not never (a worker would be held for ever)."""
    import socket
    import threading

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    issuer = f"http://127.0.0.1:{silent.getsockname()[1]}"
    setting = sso_setting(issuer, timeout_s=1)
    answers = []
    try:
        with own_app(databases, tmp_path / "silent", setting) as own:
            asking = threading.Thread(
                target=lambda: answers.append(own.test_client().get("/sign-in/sso")),
                daemon=True,
            )
            asking.start()
            asking.join(15)
            assert answers, "still waiting for the provider after 15 s"
            assert answers[0].status_code == 503
            assert "did not answer" in _text(answers[0])
    finally:
        silent.close()


def test_the_subject_finds_the_account_after_its_email_changes(app, client, provider):
    provider.person("u-6", email="jo@example.org", groups=["managers"])
    assert sso_sign_in(client, "u-6").status_code == 302
    client.post("/sign-out", data={"csrf_token": client.csrf_token()})
    provider.person("u-6", email="jo.berg@example.org", groups=["managers"])
    assert sso_sign_in(client, "u-6").status_code == 302
    assert _user(app, "jo@example.org") is None
    assert _user(app, "jo.berg@example.org").sso_subject == "u-6"


def test_the_provider_down_is_a_clear_page(tmp_path, databases):
    """Down between the person's sign-in there and their return (the app cannot
    exchange the code), and down before a sign-in starts."""
    short_lived = Provider(tmp_path)
    setting = sso_setting(short_lived.issuer)
    try:
        with own_app(databases, tmp_path / "warm", setting) as warm:
            browser = warm.test_client()
            short_lived.person("u-7", email="ida@example.org", groups=["managers"])
            start = browser.get("/sign-in/sso")
            at = at_provider(requests.Session(), start.headers["Location"], "u-7")
            short_lived.stop()
            answer = browser.get(path_of(at))
            assert answer.status_code == 503
            assert "did not answer" in _text(answer)
            assert signed_in_as(browser) is None
        with own_app(databases, tmp_path / "cold", setting) as cold:
            fresh = cold.test_client().get("/sign-in/sso")
            assert fresh.status_code == 503
            page = _text(fresh)
            assert "did not answer" in page
            assert "Sign in with email and password" in page
    finally:
        short_lived.stop()


def test_control_characters_from_the_provider_are_not_stored(app, client, provider):
    """A NUL in a claim is refused by PostgreSQL: never sent to the database."""
    provider.person(
        "u-8", email="rui@example.org", name="Rui\x00 Costa", groups=["managers"]
    )
    assert sso_sign_in(client, "u-8").status_code == 302
    assert _user(app, "rui@example.org").name == "Rui Costa"
    client.post("/sign-out", data={"csrf_token": client.csrf_token()})
    provider.person("u-9", email="x\x00y@example.org", groups=["managers"])
    refused = sso_sign_in(client, "u-9")
    assert refused.status_code == 403
    assert "sent no email address" in _text(refused)


def test_ten_first_sign_ins_at_once_make_one_account(app, provider):
    """Ten tabs come back from the provider at the same moment for a person the
    platform has not met: one account, each tab signed in or told to start
    again, never an error page."""
    from concurrent.futures import ThreadPoolExecutor

    provider.person("u-20", email="zia@example.org", groups=["it-staff"])
    tabs = []
    for _ in range(10):
        client = app.test_client()
        start = client.get("/sign-in/sso")
        back = at_provider(requests.Session(), start.headers["Location"], "u-20")
        tabs.append((client, path_of(back)))
    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda tab: tab[0].get(tab[1]), tabs))
    statuses = sorted(answer.status_code for answer in answers)
    assert set(statuses) <= {302, 403} and 302 in statuses, statuses
    for answer in answers:
        if answer.status_code == 403:
            assert "Start again" in _text(answer), re.sub(r"\s+", " ", _text(answer))[
                600:1400
            ]
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count(User.id)).where(User.sso_subject == "u-20")
        )
    assert count == 1


def _sign_out(client):
    page = client.get("/").get_data(as_text=True)
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    return client.post("/sign-out", data={"csrf_token": token})


def test_sign_out_goes_on_to_the_provider_when_the_setting_asks(
    databases, tmp_path, provider
):
    """RP-initiated logout: the provider's end-session endpoint, naming this client
    and the sign-in page to come back to; the provider takes both (its sign-out
    form, not an error), and nobody is signed in here any more."""
    setting = sso_setting(provider.issuer, sign_out_at_provider=True)
    provider.person("u-40", email="lee@example.org", groups=["managers"])
    with own_app(databases, tmp_path / "own", setting) as own:
        client = own.test_client()
        assert sso_sign_in(client, "u-40").status_code == 302
        answer = _sign_out(client)
        where = answer.headers["Location"]
        assert where.startswith(provider.issuer) and "client_id=" in where
        assert "post_logout_redirect_uri=http%3A%2F%2Flocalhost%2Fsign-in" in where
        at_provider = requests.get(where, timeout=10)
        assert at_provider.status_code == 200, at_provider.text[:300]
        assert signed_in_as(client) is None
        # A session begun with a password signs out here only.
        own_user = own.test_client()
        with own.app_context():
            from interview.auth.operations import set_password

            user = db.session.scalar(
                sa.select(User).where(User.email == "lee@example.org")
            )
            set_password(user, "Long-enough-password-2026")
            db.session.commit()
        token = own_user.get("/sign-in").get_data(as_text=True)
        token = token.split('name="csrf-token" content="')[1].split('"')[0]
        own_user.post(
            "/sign-in",
            data={
                "email": "lee@example.org",
                "password": "Long-enough-password-2026",
                "csrf_token": token,
            },
        )
        assert _sign_out(own_user).headers["Location"] == "/sign-in"


def test_sign_out_stays_here_without_the_setting(app, client, provider):
    provider.person("u-41", email="kim@example.org", groups=["managers"])
    assert sso_sign_in(client, "u-41").status_code == 302
    assert _sign_out(client).headers["Location"] == "/sign-in"
