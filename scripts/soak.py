"""Soak the real server: N clients for M minutes of valid and hostile requests, one worker killed.

    python -m scripts.soak --clients 4 --minutes 10

Starts gunicorn exactly as the Procfile's web line (real model, 127.0.0.1 at a free port, its
own process group), then runs `--clients` threads until `--minutes` have passed. Each client
sends, at random, a valid request (NIF A2KB/D2KB as GERBIL sends AIDA validation documents,
JSON A2KB/D2KB) with probability 1 - `--hostile`, else one of the hostile kinds of
`scripts.bench.soak_requests` (each with the 4xx it must get), and now and then ``GET /health``.
Halfway, one worker is SIGKILLed; the report says how long until the master had replaced it and
the new worker answered. Requests that were in flight on the killed worker lose their connection
(nothing can answer them); they are counted apart from other connection errors.

Printed: requests, counts per kind and status, 5xx, connection errors, answers with an
unexpected status (with examples), p95 latency of valid requests and of /health, remote
``@context`` fetches (must be 0), and each worker's RSS at the start, its peak, and at the end.
Benchmark, not a test: it prints numbers and stops by itself (at most 60 minutes, 16 clients).
"""
from __future__ import annotations

import argparse
import http.server
import json
import os
import random
import signal
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests

from model.data.cache import DataCache
from model.settings import cache_dir, model_path
from scripts.bench.nif import start_server, stop_server, wait_ready
from scripts.bench.soak_requests import RequestFactory, SoakRequest, trickle
from scripts.bench.gerbil_client import percentile, prepare
from server.config import SETTINGS
from scripts.options import add_cache_dir, add_checkpoint

REQUEST_TIMEOUT = 120.0  # the Procfile's --timeout
HEALTH_SHARE = 0.1  # share of a client's turns spent on GET /health
KILL_GRACE = 2.0  # connection errors this soon after the kill, of requests sent before it, are the kill's


@dataclass
class Outcome:
    kind: str
    expected: int
    status: int | None  # None: connection error
    started: float
    ended: float
    error: str = ""


@dataclass
class SoakState:
    """Everything the clients and the killer record (appends are atomic under the GIL)."""

    outcomes: list[Outcome] = field(default_factory=list)
    killed_at: float | None = None
    killed_pid: int | None = None
    replaced_after: float | None = None
    rss_samples: dict[int, list[int]] = field(default_factory=dict)


class ContextCounter(http.server.BaseHTTPRequestHandler):
    """Stands where a remote JSON-LD @context would be fetched from; counts every request."""

    fetches = 0

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        ContextCounter.fetches += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/ld+json")
        self.end_headers()
        self.wfile.write(b'{"@context": {}}')

    def log_message(self, *args: object) -> None:
        pass


def send(base: str, port: int, request: SoakRequest, body_timeout: float) -> int:
    if request.trickle:
        return trickle(port, request, interval=0.5, give_up=body_timeout + 30)
    response = requests.post(base + request.path, data=request.body, timeout=REQUEST_TIMEOUT,
                             headers={"Content-Type": request.content_type, "Connection": "close"})
    return response.status_code


def client(number: int, base: str, port: int, factory: RequestFactory, state: SoakState, stop_at: float,
           hostile_share: float, body_timeout: float) -> None:
    rng = random.Random(number)
    while time.monotonic() < stop_at:
        roll = rng.random()
        if roll < HEALTH_SHARE:
            request = SoakRequest("health", "/health", b"", "", 200)
        elif roll < HEALTH_SHARE + hostile_share:
            request = factory.build(rng.choice(RequestFactory.HOSTILE), rng)
        else:
            request = factory.build(rng.choice(RequestFactory.VALID), rng)
        started = time.monotonic()
        try:
            if request.kind == "health":
                status = requests.get(base + "/health", timeout=REQUEST_TIMEOUT, headers={"Connection": "close"}).status_code
            else:
                status = send(base, port, request, body_timeout)
            state.outcomes.append(Outcome(request.kind, request.expected, status, started, time.monotonic()))
        except (requests.RequestException, OSError) as error:
            state.outcomes.append(Outcome(request.kind, request.expected, None, started, time.monotonic(),
                                          f"{type(error).__name__}: {error}"[:300]))


def workers(master: int) -> list[psutil.Process]:
    return psutil.Process(master).children()


def sample_rss(master: int, state: SoakState) -> None:
    for worker in workers(master):
        try:
            state.rss_samples.setdefault(worker.pid, []).append(worker.memory_info().rss)
        except psutil.NoSuchProcess:
            pass


def kill_one_worker(master: int, base: str, state: SoakState) -> None:
    """SIGKILL a worker; time until the master runs two workers again and /health answers."""
    victim = workers(master)[0].pid
    state.killed_pid, state.killed_at = victim, time.monotonic()
    os.kill(victim, signal.SIGKILL)
    while time.monotonic() - state.killed_at < 60:
        pids = [w.pid for w in workers(master)]
        if len(pids) == 2 and victim not in pids:
            requests.get(base + "/health", timeout=10).raise_for_status()
            state.replaced_after = time.monotonic() - state.killed_at
            return
        time.sleep(0.05)


def lost_to_kill(outcome: Outcome, state: SoakState) -> bool:
    return (outcome.status is None and state.killed_at is not None
            and outcome.started < state.killed_at <= outcome.ended <= state.killed_at + KILL_GRACE)


def report(state: SoakState, args: argparse.Namespace, wall: float) -> dict:
    outcomes = state.outcomes
    valid = set(RequestFactory.VALID)
    by_kind: dict[str, Counter] = {}
    for outcome in outcomes:
        by_kind.setdefault(outcome.kind, Counter())[str(outcome.status or "connection_error")] += 1
    lost = [o for o in outcomes if lost_to_kill(o, state)]
    connection_errors = [o for o in outcomes if o.status is None and not lost_to_kill(o, state)]
    unexpected = [o for o in outcomes if o.status is not None and o.status != o.expected]
    mib = 1024 * 1024
    return {
        "clients": args.clients, "minutes": args.minutes, "wall_seconds": round(wall, 1),
        "checkpoint": str(model_path()),
        "requests": len(outcomes),
        "valid_requests": sum(o.kind in valid for o in outcomes),
        "status_counts": dict(sorted(Counter(str(o.status or "connection_error") for o in outcomes).items())),
        "by_kind": {kind: dict(sorted(counts.items())) for kind, counts in sorted(by_kind.items())},
        "server_errors_5xx": sum(1 for o in outcomes if o.status is not None and o.status >= 500),
        "connection_errors": len(connection_errors),
        "in_flight_on_killed_worker": len(lost),
        "unexpected_status": len(unexpected),
        "unexpected_examples": [f"{o.kind}: got {o.status}, expected {o.expected}" for o in unexpected[:10]],
        "connection_error_examples": [f"{o.kind}: {o.error}" for o in connection_errors[:10]],
        "latency_p95_s_valid": round(percentile([o.ended - o.started for o in outcomes if o.kind in valid], 0.95), 2),
        "latency_p50_s_valid": round(percentile([o.ended - o.started for o in outcomes if o.kind in valid], 0.5), 2),
        "latency_p95_s_health": round(percentile([o.ended - o.started for o in outcomes if o.kind == "health"], 0.95), 3),
        "latency_p95_s_by_kind": {kind: round(percentile([o.ended - o.started for o in outcomes if o.kind == kind], 0.95), 2)
                                  for kind in sorted(by_kind)},
        "latency_max_s_health": round(max((o.ended - o.started for o in outcomes if o.kind == "health"), default=0), 3),
        "worker_killed": state.killed_pid, "worker_replaced_and_answering_after_s":
            None if state.replaced_after is None else round(state.replaced_after, 2),
        "remote_context_fetches": ContextCounter.fetches,
        "worker_rss_mib": {str(pid): {"first": round(s[0] / mib), "peak": round(max(s) / mib), "last": round(s[-1] / mib),
                                      "every_30s": [round(v / mib) for v in s]}
                           for pid, s in state.rss_samples.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--hostile", type=float, default=0.3, help="share of requests that are hostile")
    add_checkpoint(parser)
    add_cache_dir(parser)
    parser.add_argument("--log", type=Path, default=Path("/tmp/nerel-soak-server.log"), help="server output")
    args = parser.parse_args(argv)
    if not (1 <= args.clients <= 16 and 0 < args.minutes <= 60 and 0 <= args.hostile <= 0.9):
        parser.error("bounded run: 1-16 clients, at most 60 minutes, --hostile in [0, 0.9]")

    documents = DataCache(cache_dir(args.cache_dir)).documents()["validation"]
    prepared = [prepare(document, index) for index, document in enumerate(documents)]
    listener = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ContextCounter)
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    factory = RequestFactory(prepared, f"http://127.0.0.1:{listener.server_address[1]}/context.jsonld")

    process, port = start_server(model_path(args.checkpoint), args.log)
    base = f"http://127.0.0.1:{port}"
    state = SoakState()
    try:
        wait_ready(process, base, timeout=600)
        body_timeout = SETTINGS["BODY_TIMEOUT"].default  # the server runs with its defaults
        sample_rss(process.pid, state)
        started = time.monotonic()
        stop_at = started + 60 * args.minutes
        threads = [threading.Thread(target=client, args=(n, base, port, factory, state, stop_at, args.hostile,
                                                         body_timeout), daemon=True) for n in range(args.clients)]
        for thread in threads:
            thread.start()
        kill_at, next_sample = started + 30 * args.minutes, started + 30
        while any(thread.is_alive() for thread in threads) and time.monotonic() < stop_at + 2 * REQUEST_TIMEOUT:
            now = time.monotonic()
            if state.killed_at is None and now >= kill_at:
                kill_one_worker(process.pid, base, state)
            if now >= next_sample:
                sample_rss(process.pid, state)
                next_sample = now + 30
            time.sleep(0.5)
        wall = time.monotonic() - started
        sample_rss(process.pid, state)
        summary = report(state, args, wall)
        summary["health_at_end"] = requests.get(base + "/health", timeout=10).status_code
    finally:
        stop_server(process)
        listener.shutdown()
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
