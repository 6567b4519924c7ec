"""A real OpenID provider on loopback for the single sign-on tests (issue 15):
panva's certified ``oidc-provider`` (tests/oidc/provider.mjs, Node.js), started once
per test process, and a person's browser at it (plain HTTP: its login and consent
forms).

Who exists at the provider, and the ID tokens' faults a test asks for (the wrong
audience, already expired), are in a JSON file it reads on every request
(``Provider.accounts``, ``Provider.faults``), so a test changes them without a
restart.
"""

import fcntl
import json
import os
import shutil
import subprocess
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

HERE = Path(__file__).parent / "oidc"
CLIENT_ID = "interviews"
CLIENT_SECRET = "test-client-secret"
OTHER_CLIENT = "another-app"  # a second client: its tokens are the wrong audience
CALLBACK = "http://localhost/sign-in/sso/callback"  # the Flask test client's host
SIGNED_OUT = "http://localhost/sign-in"  # where a sign-out at the provider returns


def _node_modules() -> None:
    """Install the provider from its lock once (npm ci), one process at a time."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise RuntimeError(
            "the single sign-on tests need Node.js and npm: "
            "apt-get install nodejs npm (scripts/system-packages.sh test does)"
        )
    with open(HERE / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = HERE / "node_modules" / ".package-lock.json"
        lockfile = HERE / "package-lock.json"
        if marker.exists() and marker.stat().st_mtime >= lockfile.stat().st_mtime:
            return
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=HERE,
            check=True,
            capture_output=True,
            timeout=300,
        )


class Provider:
    """The running provider: its issuer, and the file of accounts and faults."""

    def __init__(self, folder: Path):
        _node_modules()
        self.control = folder / "control.json"
        self._write({"accounts": {}, "id_token": {}})
        env = os.environ | {
            "OP_CLIENT_ID": CLIENT_ID,
            "OP_CLIENT_SECRET": CLIENT_SECRET,
            "OP_OTHER_CLIENT_ID": OTHER_CLIENT,
            "OP_REDIRECT_URIS": CALLBACK,
            "OP_POST_LOGOUT_URIS": SIGNED_OUT,
            "OP_CONTROL_FILE": str(self.control),
            "NO_PROXY": "127.0.0.1,localhost",
        }
        self.log = open(folder / "provider.log", "w")  # noqa: SIM115 (kept open)
        self.process = subprocess.Popen(
            ["node", str(HERE / "provider.mjs"), "0"],
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env=env,
        )
        line = _first_line(self.process, timeout=30)
        if not line.startswith("READY "):
            self.stop()
            raise RuntimeError(f"the OpenID provider did not start: {line!r}")
        self.issuer = json.loads(line[len("READY ") :])["issuer"]

    def _write(self, data: dict) -> None:
        temporary = self.control.with_suffix(".tmp")
        temporary.write_text(json.dumps(data))
        os.replace(temporary, self.control)  # the provider never reads half a file

    def _read(self) -> dict:
        return json.loads(self.control.read_text())

    def person(self, login: str, **claims) -> None:
        """Who ``login`` is at the provider (email, groups, name, email_verified)."""
        data = self._read()
        data["accounts"][login] = claims
        self._write(data)

    def faults(self, **faults) -> None:
        """The next ID tokens' faults: audience="another-app", expired_seconds_ago=N."""
        data = self._read()
        data["id_token"] = faults
        self._write(data)

    def reset(self) -> None:
        self._write({"accounts": {}, "id_token": {}})

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
        self.log.close()


def _first_line(process: subprocess.Popen, timeout: float) -> str:
    found: list[str] = []
    reader = threading.Thread(
        target=lambda: found.append(process.stdout.readline()), daemon=True
    )
    reader.start()
    reader.join(timeout)
    return found[0].strip() if found else "(nothing within the time)"


class _Form(HTMLParser):
    """The first form of a page: its action and its inputs' names and values."""

    def __init__(self):
        super().__init__()
        self.action, self.fields, self._inside = None, {}, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None:
            self.action, self._inside = attrs.get("action"), True
        elif tag == "input" and self._inside and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False


def at_provider(browser: requests.Session, url: str, login: str) -> str:
    """A person at the provider's sign-in: follow its pages from ``url``, give
    ``login`` and consent, until it sends the browser back to the app; that address."""
    for _ in range(20):
        if url.startswith(CALLBACK):
            return url
        answer = browser.get(url, allow_redirects=False, timeout=10)
        if answer.is_redirect:
            url = urljoin(url, answer.headers["Location"])
            continue
        answer.raise_for_status()
        form = _Form()
        form.feed(answer.text)
        if form.action is None:
            raise AssertionError(f"no form at {url}: {answer.text[:300]}")
        data = dict(form.fields)
        if data.get("prompt") == "login":
            data |= {"login": login, "password": "unused"}
        posted = browser.post(
            urljoin(url, form.action), data=data, allow_redirects=False, timeout=10
        )
        assert posted.is_redirect, posted.text[:300]
        url = urljoin(url, posted.headers["Location"])
    raise AssertionError("the provider's pages went on and on")


def path_of(url: str) -> str:
    """The part of an address the Flask test client asks for."""
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")
