"""Paced autosave, open loop: interviewers who each save every N ms (+-25%).

Each virtual interviewer is one page of one seat (its edit token, its request
numbers going up, as static/scorecard.js sends them) and saves on a schedule drawn in
advance: a first save at a random point within one pace (the pages start spread out,
not in a burst no debounce makes), then one every pace +-25% (so that they do not
fall in step). A connection is opened only to send a save, with the whole request
in one write, and closed with the answer: a sync worker is handed a complete
request, as behind a buffering proxy, never an idle connection to wait on.

A page has one save in flight at a time. When an answer comes after the next save
was due, that save goes at once, and its latency is still timed from when it was
due: the client falling behind is queueing the interviewer sees, not hidden
(coordinated omission).
"""

import math
import random
import re
import socket
import threading
import time
from dataclasses import dataclass, field

LATE_S = 0.005  # a save sent later than this after it was due counts as late
VERSION = re.compile(rb'"version":\s*(\d+)')


@dataclass
class Interviewer:
    """One page's schedule and what became of its saves."""

    number: int  # 1-based, as check_saves reads it
    page: object  # kit_load.Page: path, cookie, body(), token, version, seq
    rng: random.Random
    latencies: list[float] = field(default_factory=list)
    acked: int = 0
    ok: int = 0
    stale: int = 0
    other: int = 0
    failed: int = 0
    unsent: int = 0
    late: int = 0
    max_lag: float = 0.0


def post(host: str, port: int, request: bytes, timeout: float) -> tuple[int, bytes]:
    """Send one whole request on a new connection; (status, body) of the answer."""
    deadline = time.monotonic() + timeout
    with socket.create_connection((host, port), timeout=timeout) as conn:
        conn.sendall(request)
        chunks = []
        while True:
            conn.settimeout(max(0.001, deadline - time.monotonic()))
            chunk = conn.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    answer = b"".join(chunks)
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, body


def _request(host: str, port: int, page, body: str, seq: int) -> bytes:
    form = (
        f"{body}&edit_seq={seq}&summary=Bench+save+{seq}+of+page+{page.token}"
        f"&version={page.version}"
    ).encode()
    head = (
        f"POST {page.path}/autosave HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        f"Cookie: {page.cookie}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        "Accept: application/json\r\n"
        f"Content-Length: {len(form)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    return head + form


def _interview(
    host: str,
    port: int,
    one: Interviewer,
    pace: float,
    start: float,
    end: float,
    give_up: float,
    timeout: float,
) -> None:
    page = one.page
    body = page.body()
    seq = page.seq
    due = start + one.rng.uniform(0, pace)
    while due < end:
        if time.monotonic() > give_up:  # so far behind that the rest is never sent
            one.unsent += 1
            due += pace * one.rng.uniform(0.75, 1.25)
            continue
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        lag = time.monotonic() - due
        one.max_lag = max(one.max_lag, lag)
        one.late += lag > LATE_S
        seq += 1
        try:
            status, answer = post(
                host, port, _request(host, port, page, body, seq), timeout
            )
        except (OSError, ValueError, IndexError):
            one.failed += 1
        else:
            one.latencies.append(time.monotonic() - due)
            if status == 200:
                one.ok += 1
                one.acked = seq
                if found := VERSION.search(answer):
                    page.version = found.group(1).decode()
            elif status == 409:
                one.stale += 1
            else:
                one.other += 1
        due += pace * one.rng.uniform(0.75, 1.25)


def _percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return 0.0
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def run(
    host: str,
    port: int,
    pages: list,
    pace_ms: int,
    seconds: float,
    timeout: float = 10.0,
    seed: int | None = None,
) -> dict:
    """Every page saves every ``pace_ms`` (+-25%) for ``seconds``; the same figures
    as kit_load.wrk gives (ms), and each page's counts for kit_load.check_saves.

    Saves due before the end are all sent and answered before this returns, so no
    acknowledged save is still in flight when the database is checked; the rate is
    the answers over the time they took, so below the pace's when the server cannot
    keep up (the run then lasts longer than ``seconds``). Saves still due when the
    run has lasted twice ``seconds`` are not sent but counted as errors (``unsent``):
    the server is that far from keeping up."""
    seed = time.time_ns() if seed is None else seed
    people = [
        Interviewer(n + 1, page, random.Random(seed * 7919 + n))
        for n, page in enumerate(pages)
    ]
    start = time.monotonic() + 0.2  # every thread started before the first is due
    end = start + seconds
    give_up = end + seconds  # saves still due by then are counted, not sent
    threads = [
        threading.Thread(
            target=_interview,
            args=(host, port, one, pace_ms / 1000, start, end, give_up, timeout),
        )
        for one in people
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = max(end, time.monotonic()) - start  # longer when it fell behind
    latencies = sorted(x for one in people for x in one.latencies)
    answered = len(latencies)
    return {
        "rate": answered / elapsed,
        "p50": _percentile(latencies, 0.50) * 1000,
        "p99": _percentile(latencies, 0.99) * 1000,
        "max": (latencies[-1] if latencies else 0.0) * 1000,
        "errors": sum(
            one.failed + one.stale + one.other + one.unsent for one in people
        ),
        "unsent": sum(one.unsent for one in people),
        "late": sum(one.late for one in people),
        "max_lag": max(one.max_lag for one in people) * 1000,
        "pages": [
            {
                "page": one.number,
                "acked": one.acked,
                "ok": one.ok,
                "stale": one.stale,
                "other": one.other,
            }
            for one in people
        ],
    }
