"""Start-up's objects are frozen out of later garbage collections (heap.py), except
in tests, and a mistyped setting stops start-up. Each case runs in a process of its
own: what one freezes stays frozen for the rest of that process."""

import json
import os
import subprocess
import sys

import pytest

from interview import create_app

from .conftest import BASE_CONFIG

SCRIPT = """
import gc, json, sys
from interview import create_app
config = json.loads(sys.argv[1])
create_app(config)
print(gc.get_freeze_count())
"""


def frozen_after_start_up(tmp_path, **config) -> int:
    settings = {
        "SECRET_KEY": "heap-test",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'heap.sqlite'}",
        "WARM_WRITES": False,
        **config,
    }
    env = {**os.environ, "INTERVIEW_INSTANCE_PATH": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(settings)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    return int(done.stdout.split()[-1])


@pytest.mark.parametrize(
    ("config", "frozen"),
    [
        ({}, True),  # a server's default
        ({"FREEZE_START_UP": True, "TESTING": True}, True),
        ({"TESTING": True}, False),  # a test's app is made and dropped
        ({"FREEZE_START_UP": False}, False),
    ],
)
def test_start_up_objects_are_frozen_unless_testing_or_turned_off(
    tmp_path, config, frozen
):
    count = frozen_after_start_up(tmp_path, **config)
    # The app, its mappers and templates' environment: many thousands of objects.
    assert (count > 50_000) if frozen else (count == 0)


def test_a_mistyped_freeze_setting_stops_start_up():
    with pytest.raises(SystemExit):
        create_app({**BASE_CONFIG, "FREEZE_START_UP": "yes"})
