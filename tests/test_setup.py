"""Set-up of a fresh clone: the Debian packages, the dependency lock, and browser tests
that fail, rather than skip, without their browser."""

import configparser
import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "constraints.txt"
SCRIPT = ROOT / "scripts" / "system-packages.sh"
ABSENT = "interview-no-such-package"


def requirements() -> list[Requirement]:
    """The package's requirements and those of its test extra, from setup.cfg."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    lines = config["options"]["install_requires"].splitlines()
    lines += config["options.extras_require"]["test"].splitlines()
    return [Requirement(line) for line in lines if line.strip()]


def pins() -> dict[str, str]:
    """Each name pinned in the lock with its version."""
    found = {}
    for line in LOCK.read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            name, _, version = line.partition("==")
            assert version, f"{line!r} in constraints.txt is not pinned with =="
            found[canonicalize_name(name)] = version.strip()
    return found


def test_every_requirement_is_pinned_within_its_range():
    """A new release upstream cannot reach a fresh clone, nor can a pin break a range."""
    pinned = pins()
    for requirement in requirements():
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement.name} is missing from constraints.txt"
        assert requirement.specifier.contains(pinned[name]), (requirement, pinned[name])
        for extra in requirement.extras:  # psycopg[binary] brings psycopg-binary
            assert canonicalize_name(f"{requirement.name}-{extra}") in pinned


def test_the_virtualenv_holds_the_pinned_versions():
    """`make` installs through the lock and reinstalls when it changes."""
    wrong = {}
    for name, version in pins().items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # uv, pinned for `make lock`, is installed only by it
        if installed != version:
            wrong[name] = f"{installed} installed, {version} pinned"
    assert not wrong, f"run `make install`: {wrong}"


def _as_nobody() -> list[str]:
    """A command prefix that runs as a user who is neither root nor a sudoer."""
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("no setpriv (util-linux) to drop root")
        return [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    if sudo := shutil.which("sudo"):
        asked = subprocess.run([sudo, "-n", "true"], check=False, capture_output=True)
        if asked.returncode == 0:
            pytest.skip("this user may sudo without a password: the script installs")
    return []


def test_a_user_who_cannot_install_is_stopped_at_once_with_one_line():
    """No root, no sudo: one line names what is missing and how to install it."""
    if shutil.which("dpkg-query") is None:
        pytest.skip("not Debian: the script only says what is needed")
    command = [*_as_nobody(), "bash", "-s", "--", "run", ABSENT]
    result = subprocess.run(
        command,
        input=SCRIPT.read_text(),  # read here: nobody may not enter the checkout
        check=False,
        capture_output=True,
        text=True,
        cwd="/",
        timeout=30,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    missing, _, command = line.partition("; install them with: ")
    assert missing.startswith("make run: missing Debian packages: ")
    assert missing.endswith(ABSENT)
    packages = missing.removeprefix("make run: missing Debian packages: ")
    assert command == (
        "sudo apt-get update && sudo apt-get install -y --no-install-recommends "
        + packages
    )


def _browser_run(**environ) -> subprocess.CompletedProcess:
    """Run the browser tests where no chromium can be found on PATH."""
    env = {**os.environ, "PATH": str(Path(sys.executable).parent), **environ}
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", "-q"]
        + [str(ROOT / "tests" / "browser")],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )


def test_browser_tests_fail_without_chromium_instead_of_skipping():
    """A skip in a long report reads like a pass; the failure says what to do."""
    result = _browser_run(INTERVIEW_SKIP_BROWSER_TESTS="")
    assert result.returncode == 1, result.stdout
    assert "skipped" not in result.stdout
    assert "no chromium on PATH, so the browser tests cannot run" in result.stdout
    assert "set INTERVIEW_SKIP_BROWSER_TESTS=1" in result.stdout


def test_browser_tests_skip_when_asked_and_say_why():
    """Whoever cannot install Chromium can still run the rest, told what was left."""
    result = _browser_run(INTERVIEW_SKIP_BROWSER_TESTS="1")
    assert result.returncode == 0, result.stdout
    assert "INTERVIEW_SKIP_BROWSER_TESTS=1: the browser tests are skipped" in (
        result.stdout
    )
    assert " passed" not in result.stdout
