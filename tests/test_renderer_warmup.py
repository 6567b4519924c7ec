"""A web worker starts its packet renderer at its first request, in the background,
so the first packet a reader downloads does not wait for WeasyPrint to load; the
CLI and the tests start none they do not use."""

import time

import pytest

from interview import create_app
from interview.debrief import renderer

from .conftest import BASE_CONFIG
from .test_packet import _submitted_loop, pages_text

# A memory limit of this module's own, so the pool it starts is not one another test
# in the same process started (pools are keyed by their limits and process id).
OWN_LIMIT_MB = 1021
WAIT_S = 60.0


def _pool(app) -> renderer.RendererPool:
    config = app.config
    return renderer.pool(
        config["DEBRIEF_RENDERERS"],
        float(config["DEBRIEF_RENDER_TIMEOUT"]),
        int(config["DEBRIEF_RENDER_MEMORY_MB"]),
    )


def _ready_within(pool: renderer.RendererPool, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    while pool.ready() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    return pool.ready()


@pytest.fixture
def own_pool():
    """The pool of this module's limit, stopped before and after each test."""
    yield
    renderer.close_all()


@pytest.fixture
def app_config(request):
    warm = getattr(request, "param", True)
    return {"DEBRIEF_WARM_RENDERERS": warm, "DEBRIEF_RENDER_MEMORY_MB": OWN_LIMIT_MB}


def test_the_first_request_starts_the_renderer_before_any_packet(app, client, own_pool):
    pool = _pool(app)
    assert pool.ready() == 0
    assert client.get("/healthz").status_code == 200
    assert _ready_within(pool, WAIT_S) == 1


def test_the_first_packet_uses_the_started_renderer(
    app, client, auth, seat, make_user, own_pool
):
    loop_id = _submitted_loop(
        app,
        client,
        auth,
        seat,
        make_user,
        "Marker7Q walked through the medication reconciliation step by step.",
    )
    auth.login(seat["manager"])
    pool = _pool(app)
    answer = client.get(f"/loops/{loop_id}/debrief.pdf")
    assert answer.status_code == 200
    assert "Marker7Q" in " ".join(pages_text(answer.data))
    assert pool.ready() == 1 and len(pool._all) == 1  # one child, not two


@pytest.mark.parametrize("app_config", [False], indirect=True)
def test_turned_off_the_first_packet_starts_it(app, client, own_pool):
    client.get("/healthz")
    time.sleep(0.5)
    assert _pool(app).ready() == 0


@pytest.mark.parametrize("app_config", [None], indirect=True)
def test_by_default_tests_start_none(app, client, own_pool):
    assert app.testing
    client.get("/healthz")
    time.sleep(0.5)
    assert _pool(app).ready() == 0


def test_the_command_line_starts_none(app, runner, own_pool):
    assert runner.invoke(args=["retention", "run", "--dry-run"]).exit_code == 0
    time.sleep(0.5)
    assert _pool(app).ready() == 0


@pytest.mark.parametrize("value", ["yes", 1])
def test_a_setting_that_is_not_true_false_or_none_stops_start_up(
    value, capsys, tmp_path
):
    config = {
        **BASE_CONFIG,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}",
        "DEBRIEF_WARM_RENDERERS": value,
    }
    with pytest.raises(SystemExit):
        create_app(config)
    assert "DEBRIEF_WARM_RENDERERS" in capsys.readouterr().err
