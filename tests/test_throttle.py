"""The sign-in throttle per address (issue 13): limit, refusal page, proxies, the
counters' storage in the database, and two server processes counting together."""

import contextlib
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from interview import create_app
from interview.auth import throttle_storage
from interview.auth.throttle import (
    DEVICE_COOKIE_NAME,
    address_key,
    device_claim,
    device_token,
    set_device_cookie,
)
from interview.auth.throttle_storage import DatabaseStorage, stored_key
from interview.extensions import db
from interview.models import Role, User
from interview.models.throttle import RateLimitCounter

from .conftest import BASE_CONFIG, PASSWORD

LIMIT = 3
ATTACKER = "203.0.113.7"
COLLEAGUE = "198.51.100.9"


@pytest.fixture
def app_config(request):
    return {"SIGN_IN_ADDRESS_LIMIT": LIMIT, **getattr(request, "param", {})}


def _attempt(client, email: str, password: str, address: str, **headers):
    return client.submit(
        "/sign-in",
        {"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    )


def _hits(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.sum(RateLimitCounter.hits))) or 0


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("fe80::1%eth0", "fe80::/64"),
        ("not an address", "unknown"),
        ("", "unknown"),
        (None, "unknown"),
    ],
)
def test_an_address_is_counted_by_itself_or_its_ipv6_64(address, key):
    assert address_key(address) == key


def test_an_address_is_refused_after_the_limit_while_another_signs_in(
    app, client, users, caplog
):
    user = users["clinical"]
    for n in range(LIMIT):
        wrong = _attempt(client, f"guess{n}@example.org", "wrong guess!!", ATTACKER)
        assert wrong.status_code == 401
    refused = _attempt(client, user.email, PASSWORD, ATTACKER)  # even the right one
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 15 * 60
    page = refused.get_data(as_text=True)
    assert "Too many sign-in attempts from your network address" in page
    assert "Try again in 15 minutes." in page
    assert f'value="{user.email}"' in page  # the form is there, the email kept
    assert 'name="password"' in page and PASSWORD not in page
    assert "csrf_token" in page
    assert ATTACKER in caplog.text and "sign-in refused" in caplog.text
    assert PASSWORD not in caplog.text and user.email not in caplog.text

    other = _attempt(app.test_client(), user.email, PASSWORD, COLLEAGUE)
    assert other.status_code == 302
    assert client.get("/sign-in").status_code == 200  # the page is never refused


def test_a_correct_password_gives_its_attempt_back(app, client, users):
    """Colleagues behind one hospital address sign in all day: only failures count."""
    user = users["hiring_manager"]
    for _ in range(LIMIT + 2):
        assert _attempt(client, user.email, PASSWORD, ATTACKER).status_code == 302
        client.submit("/sign-out")
    assert _hits(app) == 0
    for n in range(LIMIT):
        wrong = _attempt(client, f"typo{n}@example.org", "wrong guess!!", ATTACKER)
        assert wrong.status_code == 401
    other = app.test_client()  # no device cookie (this client has one: below)
    assert _attempt(other, user.email, PASSWORD, ATTACKER).status_code == 429


@pytest.mark.parametrize("app_config", [{"SIGN_IN_ADDRESS_LIMIT": 100}], indirect=True)
def test_the_account_lock_still_holds_across_addresses(client, users):
    user = users["technical"]
    for n in range(5):
        address = f"192.0.2.{n + 1}"
        assert _attempt(client, user.email, "wrong guess!!", address).status_code == 401
    locked = _attempt(client, user.email, PASSWORD, "192.0.2.99")
    assert locked.status_code == 429
    assert "Too many failed attempts for this account" in locked.get_data(as_text=True)
    # The seconds left on the account's lock (15 minutes from the first failure).
    assert 14 * 60 <= int(locked.headers["Retry-After"]) <= 15 * 60


def test_forwarded_for_is_ignored_without_trusted_proxies(client, users):
    """Else anyone could pick a new address for each guess."""
    for n in range(LIMIT):
        forged = {"X-Forwarded-For": f"192.0.2.{n + 1}"}
        response = _attempt(
            client, "x@example.org", "wrong guess!!", ATTACKER, **forged
        )
        assert response.status_code == 401
    forged = {"X-Forwarded-For": "192.0.2.200"}
    response = _attempt(client, "x@example.org", "wrong guess!!", ATTACKER, **forged)
    assert response.status_code == 429


@pytest.mark.parametrize("app_config", [{"TRUSTED_PROXIES": 1}], indirect=True)
def test_behind_a_trusted_proxy_the_forwarded_address_counts(client, users):
    proxy = "10.0.0.5"
    for _ in range(LIMIT):
        attacker = {"X-Forwarded-For": f"1.2.3.4, {ATTACKER}"}  # the first is forged
        response = _attempt(client, "x@example.org", "wrong guess!!", proxy, **attacker)
        assert response.status_code == 401
    attacker = {"X-Forwarded-For": ATTACKER}
    response = _attempt(client, "x@example.org", "wrong guess!!", proxy, **attacker)
    assert response.status_code == 429
    colleague = {"X-Forwarded-For": COLLEAGUE}
    user = users["clinical"]
    assert _attempt(client, user.email, PASSWORD, proxy, **colleague).status_code == 302


@pytest.mark.parametrize("app_config", [{"SIGN_IN_ADDRESS_LIMIT": 5}], indirect=True)
def test_attempts_sent_at_once_all_count(app, users):
    """Ten guesses from one address at once: exactly the limit get through."""
    clients = [app.test_client() for _ in range(10)]
    tokens = [c.csrf_token() for c in clients]
    barrier = threading.Barrier(len(clients))

    def guess(i):
        barrier.wait()
        data = {
            "email": f"someone{i}@example.org",
            "password": "wrong guess!!",
            "csrf_token": tokens[i],
        }
        address = {"REMOTE_ADDR": ATTACKER}
        return clients[i].post("/sign-in", data=data, environ_base=address).status_code

    with ThreadPoolExecutor(len(clients)) as pool:
        codes = list(pool.map(guess, range(len(clients))))
    assert sorted(codes) == [401] * 5 + [429] * 5
    assert _hits(app) == 10


def test_hits_at_once_on_the_storage_count_each_once(app):
    storage = DatabaseStorage()
    barrier = threading.Barrier(10)

    def hit(_):
        with app.app_context():
            barrier.wait()
            return storage.incr("LIMITER/at-once", 60)

    with ThreadPoolExecutor(10) as pool:
        counts = sorted(pool.map(hit, range(10)))
    assert counts == list(range(1, 11))
    with app.app_context():
        assert storage.get("LIMITER/at-once") == 10


def test_a_window_ends_and_a_new_one_starts(app_ctx, monkeypatch):
    storage = DatabaseStorage()
    now = [1_000_000.0]
    monkeypatch.setattr(throttle_storage, "_now", lambda: now[0])
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get_expiry("k") == 1_000_060.0
    now[0] += 59.9
    assert storage.get("k") == 3
    now[0] += 0.2  # the window is over
    assert storage.get("k") == 0
    assert storage.incr("k", 60) == 1
    assert storage.get_expiry("k") == pytest.approx(1_000_120.1)


def test_giving_back_stops_at_zero(app_ctx):
    storage = DatabaseStorage()
    assert storage.incr("k", 60) == 1
    assert storage.incr("k", 60, amount=-1) == 0
    assert storage.incr("k", 60, amount=-1) == 0
    assert storage.incr("k", 60) == 1


def test_a_long_key_is_stored_by_its_hash(app_ctx):
    storage = DatabaseStorage()
    key = "LIMITER/" + "x" * 400
    assert storage.incr(key, 60) == 1
    assert storage.incr(key, 60) == 2
    assert len(stored_key(key)) <= 255
    assert db.session.get(RateLimitCounter, stored_key(key)).hits == 2
    db.session.rollback()  # SQLite: the storage writes on a connection of its own
    storage.clear(key)
    assert storage.get(key) == 0


def test_windows_long_over_are_swept(app_ctx, monkeypatch):
    storage = DatabaseStorage()
    now = [2_000_000.0]
    monkeypatch.setattr(throttle_storage, "_now", lambda: now[0])
    storage.incr("old", 60)
    now[0] += 60 + throttle_storage.SWEEP_GRACE_S + 1
    storage.incr("new", 60)
    keys = set(db.session.scalars(sa.select(RateLimitCounter.key)))
    assert keys == {"new"}


def test_hits_the_database_refuses_are_counted_in_the_process(
    app_ctx, monkeypatch, tmp_path, caplog
):
    """A full or lost database never turns a sign-in into a 503."""
    storage = DatabaseStorage()
    assert storage.incr("k", 60) == 1
    gone = sa.create_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'db.sqlite'}")
    monkeypatch.setattr(throttle_storage, "_engine", lambda: gone)
    assert [storage.incr("k", 60) for _ in range(2)] == [1, 2]
    assert "rate-limit count kept in this process" in caplog.text
    monkeypatch.undo()
    assert storage.incr("k", 60) == 4  # the database's 2 and this process's 2
    assert storage.get("k") == 4


def test_a_bug_in_the_storage_is_not_hidden(app_ctx, monkeypatch):
    storage = DatabaseStorage()
    monkeypatch.setattr(throttle_storage, "_INCR", sa.text("SELECT * FROM nowhere"))
    with pytest.raises(sa.exc.SQLAlchemyError):
        storage.incr("k", 60)


# Start-up checks ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("SIGN_IN_ADDRESS_LIMIT", 0, "SIGN_IN_ADDRESS_LIMIT is 0"),
        ("SIGN_IN_ADDRESS_LIMIT", "20", "SIGN_IN_ADDRESS_LIMIT is '20'"),
        ("SIGN_IN_ADDRESS_WINDOW", 900, "SIGN_IN_ADDRESS_WINDOW is 900"),
        ("SIGN_IN_ADDRESS_WINDOW", timedelta(0), "a second or more"),
        ("TRUSTED_PROXIES", -1, "TRUSTED_PROXIES is -1"),
        ("TRUSTED_PROXIES", True, "TRUSTED_PROXIES is True"),
        ("HSTS_MAX_AGE", 1.5, "HSTS_MAX_AGE is 1.5"),
        ("HSTS_INCLUDE_SUBDOMAINS", "yes", "HSTS_INCLUDE_SUBDOMAINS is 'yes'"),
        ("RATELIMIT_STORAGE_URI", "localhost", "RATELIMIT_STORAGE_URI is"),
        ("RATELIMIT_STORAGE_URI", "nosuch://x", "cannot be used"),
        ("DEVICE_COOKIE_DAYS", 0, "DEVICE_COOKIE_DAYS is 0"),
        ("DEVICE_COOKIE_DAYS", 401, "from 1 to 400"),
        ("DEVICE_COOKIE_DAYS", "365", "DEVICE_COOKIE_DAYS is '365'"),
        ("DEVICE_COOKIE_DAYS", 30.0, "DEVICE_COOKIE_DAYS is 30.0"),
    ],
)
def test_a_bad_setting_stops_start_up(tmp_path, capsys, setting, value, message):
    config = {**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}
    with pytest.raises(SystemExit) as stop:
        create_app({**config, setting: value})
    assert stop.value.code == 4
    assert message in capsys.readouterr().err


def test_a_storage_url_password_is_not_printed(tmp_path, capsys):
    """A storage that cannot start is named by its scheme: its URL stays private."""
    config = {**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}
    config["RATELIMIT_STORAGE_URI"] = "nosuch://:hunter2secret@cache:6379"
    with pytest.raises(SystemExit):
        create_app(config)
    err = capsys.readouterr().err
    assert "RATELIMIT_STORAGE_URI (nosuch:...)" in err
    assert "hunter2secret" not in err


def test_production_refuses_counts_per_process(tmp_path, capsys):
    config = {**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}
    with pytest.raises(SystemExit):
        create_app(
            {**config, "ENV_NAME": "production", "RATELIMIT_STORAGE_URI": "memory://"}
        )
    assert "counts per process" in capsys.readouterr().err


@pytest.mark.parametrize(("proxies", "warned"), [(0, True), (1, False)])
def test_production_warns_when_no_proxy_is_trusted(tmp_path, caplog, proxies, warned):
    config = {**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}
    create_app({**config, "ENV_NAME": "production", "TRUSTED_PROXIES": proxies})
    lines = [r for r in caplog.records if "TRUSTED_PROXIES is 0" in r.getMessage()]
    assert len(lines) == (1 if warned else 0)
    if warned:
        assert lines[0].levelname == "WARNING"
        assert "set TRUSTED_PROXIES to the number of proxies" in lines[0].getMessage()


def test_development_does_not_warn_about_proxies(tmp_path, caplog):
    config = {**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}
    create_app(config)
    assert "TRUSTED_PROXIES" not in caplog.text


# Two server processes on one database ---------------------------------------------


def _listening_socket() -> socket.socket:
    """A socket bound to a free port and listening, for a server to inherit.

    Handing gunicorn a socket already bound (``--bind fd://N``) leaves no moment
    when the port is free: a port picked, closed and given to gunicorn by number
    could be picked again for the second server (or taken by another process's
    server) before the first bound it. Both URLs then reached one process, whose
    memory:// counts then refused the fifth and sixth guesses (seen once), or a
    stranger answered /healthz for the server that never started.
    """
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


@contextlib.contextmanager
def _servers(app, tmp_path: Path, storage: str, count: int = 2):
    """``count`` gunicorn processes (one worker each) on the app's database."""
    instance = tmp_path / "instance"
    instance.mkdir()
    settings = {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SQLALCHEMY_ENGINE_OPTIONS": app.config["SQLALCHEMY_ENGINE_OPTIONS"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "PASSWORD_HASH_METHOD": app.config["PASSWORD_HASH_METHOD"],
        "SIGN_IN_ADDRESS_LIMIT": 4,
        "RATELIMIT_STORAGE_URI": storage,
    }
    (instance / "config.py").write_text(
        "".join(f"{name} = {value!r}\n" for name, value in settings.items())
    )
    env = {**os.environ, "INTERVIEW_INSTANCE_PATH": str(instance)}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    processes, urls = [], []
    try:
        for n in range(count):
            with (
                contextlib.closing(_listening_socket()) as sock,
                open(tmp_path / f"server{n}.log", "wb") as log,
            ):
                processes.append(
                    subprocess.Popen(
                        [gunicorn, "-w", "1", "-b", f"fd://{sock.fileno()}"]
                        + ["interview:create_app()"],
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        pass_fds=[sock.fileno()],
                    )
                )
                urls.append(f"http://127.0.0.1:{sock.getsockname()[1]}")
        assert len(set(urls)) == count
        for url, process in zip(urls, processes, strict=True):
            _wait_until_up(url, process, tmp_path)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(url: str, process, tmp_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            logs = "".join(p.read_text() for p in tmp_path.glob("server*.log"))
            raise AssertionError(f"a server stopped:\n{logs}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(url + "/healthz", timeout=2) as answer,
        ):
            if answer.status == 200:
                return
        time.sleep(0.1)
    raise AssertionError(f"{url} did not start")


class Browser:
    """One person's cookies and CSRF token, sent to any of the servers."""

    def __init__(self, url: str):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        with self.opener.open(url + "/sign-in", timeout=30) as page:
            html = page.read().decode()
        self.token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)

    def sign_in(self, url: str, email: str, password: str) -> int:
        data = {"email": email, "password": password, "csrf_token": self.token}
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(url + "/sign-in", body, timeout=30) as answer:
                return answer.status
        except urllib.error.HTTPError as refused:
            refused.close()
            return refused.code


@pytest.mark.parametrize(
    ("storage", "expected"),
    [
        ("interview-db://", [401, 401, 401, 401, 429, 429]),
        # The contrast: counted per process, each server allows its own four.
        ("memory://", [401, 401, 401, 401, 401, 401]),
    ],
)
def test_two_server_processes_count_one_address_together(
    app, tmp_path, storage, expected
):
    with _servers(app, tmp_path, storage) as (first, second):
        browser = Browser(first)
        codes = [
            browser.sign_in(url, f"guess{n}@example.org", "wrong guess!!")
            for n, url in enumerate([first, second] * 3)
        ]
    assert codes == expected


def test_other_pages_run_no_limiter_check(app, client, monkeypatch):
    """Flask-Limiter's hook on every request costs about 0.1 ms and checks nothing
    here: only the sign-in view (its decorator) asks."""
    from interview.auth.throttle import limiter

    checks = []
    manager = limiter.limit_manager
    real = manager.resolve_limits
    monkeypatch.setattr(
        manager, "resolve_limits", lambda *a, **k: checks.append(1) or real(*a, **k)
    )
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert checks == []
    _attempt(client, "x@example.org", "wrong guess!!", ATTACKER)
    assert checks == [1, 1]  # the sign-in page (for its form's token) and the post


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_DEFAULT": "2 per minute"}], indirect=True
)
def test_limits_on_every_route_still_work_when_set(client):
    """An operator who sets Flask-Limiter's own limits for all routes gets them."""
    codes = [client.get("/healthz").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


# Device cookies (OWASP): a device an account signed in from before is spared the
# address limit for that account --------------------------------------------------


def _exhaust(app, address: str) -> None:
    """Colleagues behind one address mistype until its allowance is gone."""
    for n in range(LIMIT):
        typo = _attempt(app.test_client(), f"typo{n}@example.org", "typo!!", address)
        assert typo.status_code == 401
    assert (
        _attempt(app.test_client(), "anyone@example.org", "x", address).status_code
        == 429
    )


def _signed_in_once(app, user, address: str):
    """A browser that signed in as ``user`` before, then signed out."""
    browser = app.test_client()
    assert _attempt(browser, user.email, PASSWORD, address).status_code == 302
    cookie = browser.get_cookie(DEVICE_COOKIE_NAME)
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert not cookie.secure  # development; production sets Secure (below)
    with app.app_context():
        key = db.session.get(User, user.id).device_key
        assert device_claim(cookie.value) == (user.id, key)
    browser.submit("/sign-out")
    return browser


def _device_key(app, user) -> str:
    with app.app_context():
        return db.session.get(User, user.id).device_key


def test_a_device_cookie_signs_its_account_in_past_a_full_address(app, users):
    user, other = users["clinical"], users["technical"]
    browser = _signed_in_once(app, user, ATTACKER)
    _exhaust(app, ATTACKER)

    assert _attempt(browser, user.email, PASSWORD, ATTACKER).status_code == 302
    browser.submit("/sign-out")
    # a typo of its own is not counted by the address either (the account's lock is)
    assert _attempt(browser, user.email, "typo!!", ATTACKER).status_code == 401
    assert _attempt(browser, user.email.upper(), PASSWORD, ATTACKER).status_code == 302
    browser.submit("/sign-out")

    # the cookie names one account: another account from that browser is refused
    assert _attempt(browser, other.email, PASSWORD, ATTACKER).status_code == 429
    # without the cookie, even the right password is refused
    stranger = app.test_client()
    assert _attempt(stranger, user.email, PASSWORD, ATTACKER).status_code == 429


def test_a_forged_or_expired_device_cookie_does_not_help(app, users, monkeypatch):
    import itsdangerous
    from itsdangerous import URLSafeTimedSerializer

    from interview.auth.throttle import DEVICE_COOKIE_SALT

    user = users["clinical"]
    _exhaust(app, ATTACKER)
    key = _device_key(app, user)
    with app.app_context():
        real = device_token(user.id, key)
        keyless = URLSafeTimedSerializer(app.secret_key, salt=DEVICE_COOKIE_SALT)
        before_keys = keyless.dumps({"user": user.id})  # as issued before 0019
        wrong_key = device_token(user.id, key[::-1])
        monkeypatch.setattr(
            itsdangerous.TimestampSigner,
            "get_timestamp",
            lambda _self: int(time.time() - 365 * 24 * 3600 - 60),
        )
        expired = device_token(user.id, key)
        monkeypatch.undo()
    with create_app({**BASE_CONFIG, "SECRET_KEY": "another key"}).app_context():
        forged = device_token(user.id, key)
    payload = real.split(".", 1)[0]
    garbled = (payload + ".AAAA.BBBB", "garbage", "x" * 3000)
    for value in (expired, forged, before_keys, wrong_key, *garbled):
        browser = app.test_client()
        browser.set_cookie(DEVICE_COOKIE_NAME, value)
        refused = _attempt(browser, user.email, PASSWORD, ATTACKER)
        assert refused.status_code == 429, value
    browser = app.test_client()
    browser.set_cookie(DEVICE_COOKIE_NAME, real)  # the same, validly signed and fresh
    assert _attempt(browser, user.email, PASSWORD, ATTACKER).status_code == 302


def test_the_account_lock_holds_with_a_device_cookie(app, users):
    user = users["technical"]
    browser = _signed_in_once(app, user, ATTACKER)
    for _ in range(5):
        assert _attempt(browser, user.email, "wrong!!", ATTACKER).status_code == 401
    locked = _attempt(browser, user.email, PASSWORD, ATTACKER)
    assert locked.status_code == 429
    assert "Too many failed attempts for this account" in locked.get_data(as_text=True)


def test_device_cookies_are_secure_where_sessions_are(app):
    """Production sets SESSION_COOKIE_SECURE (config.py); the device cookie follows."""
    app.config["SESSION_COOKIE_SECURE"] = True
    with app.test_request_context():
        response = app.response_class()
        set_device_cookie(response, User(id=7, device_key="k"))
    header = response.headers["Set-Cookie"]
    assert header.startswith(f"{DEVICE_COOKIE_NAME}=")
    assert "; Secure" in header and "; HttpOnly" in header and "SameSite=Lax" in header
    assert f"Max-Age={365 * 24 * 3600}" in header  # DEVICE_COOKIE_DAYS' default


@pytest.mark.parametrize("app_config", [{"DEVICE_COOKIE_DAYS": 30}], indirect=True)
def test_a_device_cookie_lasts_device_cookie_days(app, users, monkeypatch):
    import itsdangerous

    user = users["clinical"]
    browser = _signed_in_once(app, user, COLLEAGUE)
    assert browser.get_cookie(DEVICE_COOKIE_NAME).max_age == 30 * 24 * 3600
    key = _device_key(app, user)
    _exhaust(app, ATTACKER)
    for age_days, status in ((29, 302), (31, 429)):
        with app.app_context():
            monkeypatch.setattr(
                itsdangerous.TimestampSigner,
                "get_timestamp",
                lambda _self, days=age_days: int(time.time() - days * 24 * 3600),
            )
            token = device_token(user.id, key)
            monkeypatch.undo()
        browser = app.test_client()
        browser.set_cookie(DEVICE_COOKIE_NAME, token)
        assert _attempt(browser, user.email, PASSWORD, ATTACKER).status_code == status


NEW_PASSWORD = "a brand new passphrase"


def _change_own_password(app, user) -> None:
    """The person changes their password from another browser."""
    elsewhere = app.test_client()
    assert _attempt(elsewhere, user.email, PASSWORD, COLLEAGUE).status_code == 302
    changed = elsewhere.submit(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 302


def _reset_by_admin(app, user) -> None:
    from interview.accounts.operations import update_user

    with app.app_context():
        admin = db.session.scalar(
            sa.select(User).where(User.role == Role.TALENT_ACQUISITION)
        )
        person = db.session.get(User, user.id)
        data = {
            "email": person.email,
            "name": person.name,
            "role": person.role.value,
            "discipline": person.discipline.value if person.discipline else None,
            "password": NEW_PASSWORD,
        }
        update_user(admin, person, data)
        db.session.commit()


def _deactivated_and_back(app, user) -> None:
    from interview.accounts.operations import set_active

    with app.app_context():
        admin = db.session.scalar(
            sa.select(User).where(User.role == Role.TALENT_ACQUISITION)
        )
        person = db.session.get(User, user.id)
        set_active(admin, person, False)
        db.session.commit()
        set_active(admin, person, True)
        db.session.commit()


@pytest.mark.parametrize(
    ("change", "password"),
    [
        (_change_own_password, NEW_PASSWORD),
        (_reset_by_admin, NEW_PASSWORD),
        (_deactivated_and_back, PASSWORD),
    ],
    ids=["own change", "admin reset", "deactivation"],
)
def test_a_new_password_revokes_the_accounts_device_cookies(
    app, users, change, password
):
    """A cookie issued under the old credentials no longer spares the account the
    address limit; a sign-out (in _signed_in_once) does not revoke it."""
    user = users["clinical"]
    browser = _signed_in_once(app, user, ATTACKER)
    other = _signed_in_once(app, users["technical"], ATTACKER)
    change(app, user)
    _exhaust(app, ATTACKER)

    assert _attempt(browser, user.email, password, ATTACKER).status_code == 429
    # another account's device cookie is untouched
    assert (
        _attempt(other, users["technical"].email, PASSWORD, ATTACKER).status_code == 302
    )


def test_the_browser_that_changed_the_password_gets_a_fresh_device_cookie(app, users):
    user = users["clinical"]
    browser = app.test_client()
    assert _attempt(browser, user.email, PASSWORD, COLLEAGUE).status_code == 302
    old = browser.get_cookie(DEVICE_COOKIE_NAME).value
    changed = browser.submit(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 302
    fresh = browser.get_cookie(DEVICE_COOKIE_NAME).value
    assert fresh != old
    with app.app_context():
        assert device_claim(fresh) == (user.id, _device_key(app, user))
    browser.submit("/sign-out")
    _exhaust(app, ATTACKER)
    assert _attempt(browser, user.email, NEW_PASSWORD, ATTACKER).status_code == 302
