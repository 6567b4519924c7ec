"""Security headers, body limits and error pages."""

import pytest

from interview.security import is_safe_next


def test_signed_in_pages_carry_the_security_headers(client, auth, users):
    auth.login(users["clinical"])
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script(client, auth, users):
    """The CSP forbids inline scripts, so no page may rely on one."""
    for user in users.values():
        auth.login(user)
        page = client.get("/").get_data(as_text=True)
        assert "<script>" not in page and "onclick=" not in page
        auth.logout()


def test_static_files_are_served_by_the_app_and_cacheable(client):
    with client.get("/static/style.css") as response:
        assert response.status_code == 200
        assert response.headers.get("Cache-Control") != "no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_asset_comes_from_another_host(client, auth, users):
    auth.login(users["talent_acquisition"])
    for url in ("/sign-in", "/", "/accounts/", "/accounts/new"):
        page = client.get(url, follow_redirects=True).get_data(as_text=True)
        assert "http://" not in page and "https://" not in page


def test_oversized_body_gets_the_413_page(client):
    response = client.post("/sign-in", data={"email": "x" * (5 * 1024 * 1024)})
    assert response.status_code == 413
    assert "larger than this site accepts" in response.get_data(as_text=True)


def test_unknown_page_gets_the_styled_404(client, auth, users):
    auth.login(users["clinical"])
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Not found" in page and "style.css" in page


@pytest.fixture
def app_config():
    return {"PROPAGATE_EXCEPTIONS": False}


def test_a_crash_shows_the_500_page_not_a_traceback(
    app, client, auth, users, monkeypatch
):
    from interview.home import queries

    def broken(_user):
        raise RuntimeError("database exploded")

    monkeypatch.setattr(queries, "requisitions_of", broken)
    auth.login(users["hiring_manager"])
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in page
    assert "database exploded" not in page and "Traceback" not in page


@pytest.mark.parametrize(
    "target, safe",
    [
        ("/", True),
        ("/accounts/?page=2", True),
        (None, False),
        ("", False),
        ("accounts", False),
        ("//evil.example", False),
        ("/\\evil.example", False),
        ("https://evil.example/", False),
        ("/\tevil", False),
    ],
)
def test_is_safe_next(target, safe):
    assert is_safe_next(target) is safe


def test_method_not_allowed_keeps_the_allow_header(client, auth, users):
    auth.login(users["clinical"])
    response = client.get("/sign-out")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert "cannot be used that way" in response.get_data(as_text=True)
