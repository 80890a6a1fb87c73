"""The Procfile's web line, run for real: gunicorn on 127.0.0.1 with the fake annotator."""
from __future__ import annotations

import os
import select
import signal
import socket
from pathlib import Path
from typing import Iterator

import pytest
import requests

from nif.answers import read_answer
from tests.conftest import TEXT, GunicornServer, request_ttl

FAKE_ENV = {"NEREL_ANNOTATOR": "tests.fake_annotator:FakeAnnotator", "NEREL_BODY_TIMEOUT": "1"}
BOOTED = "Booting worker with pid"


@pytest.fixture(scope="module")
def server() -> Iterator[GunicornServer]:
    running = GunicornServer(FAKE_ENV)
    try:
        # each worker loads the app as it boots; connections wait in the backlog until one has
        if not running.wait_for_output(BOOTED, count=2):
            pytest.fail(f"gunicorn did not boot its workers:\n{running.stop()}")
        yield running
    finally:
        running.stop()


def test_health_and_gerbil_request(server: GunicornServer) -> None:
    assert requests.get(f"{server.base}/health", timeout=10).json() == {"status": "ready"}
    response = requests.post(
        f"{server.base}/gerbil",
        data=request_ttl(),
        headers={"Content-Type": "application/x-turtle;charset=UTF-8", "Accept": "application/x-turtle"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert response.headers["X-Request-Id"]
    phrases = read_answer(response.content, response.headers["Content-Type"])
    assert [(p.begin, p.end, p.anchor) for p in phrases] == [(3, 16, "Angela Merkel"), (32, 37, "Paris")]
    json_answer = requests.post(f"{server.base}/annotate", json={"text": TEXT}, timeout=10).json()
    assert [m["surface"] for m in json_answer["mentions"]] == ["Angela Merkel", "Paris"]


def test_client_errors_over_http(server: GunicornServer) -> None:
    bad = requests.post(f"{server.base}/gerbil", data=b"<a> <b> .", headers={"Content-Type": "text/turtle"}, timeout=10)
    assert bad.status_code == 400 and "malformed turtle" in bad.json()["error"]
    large = requests.post(
        f"{server.base}/gerbil", data=b"x" * (8 * 1024 * 1024), headers={"Content-Type": "text/turtle"}, timeout=30
    )
    assert large.status_code == 413 and "too large" in large.json()["error"]


def test_a_trickled_body_gets_408_and_the_connection_is_closed(server: GunicornServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as client:
        client.sendall(
            b"POST /annotate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n"
        )
        # one byte every 0.2 s (each one would reset a plain socket timeout) until the server
        # answers; BODY_TIMEOUT is 1 s here, the 100 bytes would take 20 s
        for byte in b'{"text": "' + b"x" * 88 + b'"}':
            if select.select([client], [], [], 0.2)[0]:
                break
            client.sendall(bytes([byte]))
        reply = b""
        while chunk := client.recv(65536):  # until the server closes the connection
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), reply
    assert b"BODY_TIMEOUT" in body


def test_a_killed_worker_is_replaced_and_the_next_request_is_answered(server: GunicornServer) -> None:
    victim = server.worker_pids()[0]
    os.kill(victim, signal.SIGKILL)
    assert server.wait_for_output(BOOTED, count=3, timeout=30), server.output()
    replaced = server.worker_pids()
    assert victim not in replaced and len(replaced) == 2
    for _ in range(4):  # both workers answer (connections are spread over them)
        assert requests.post(f"{server.base}/annotate", json={"text": TEXT}, timeout=10).status_code == 200
    assert requests.get(f"{server.base}/health", timeout=10).status_code == 200


def test_missing_checkpoint_stops_start_with_the_missing_step(tmp_path: Path) -> None:
    failing = GunicornServer({"NEREL_MODEL": str(tmp_path / "missing.pt"), "NEREL_ANNOTATOR": ""})
    try:
        failing.process.wait(timeout=30)
    finally:
        output = failing.stop()
    assert failing.process.returncode not in (None, 0), output
    assert "python -m scripts.train" in output and "missing.pt" in output


def test_workers_that_run_onnx_runtime_exit_cleanly(encoder_cache_dir: Path) -> None:
    """ONNX Runtime's C++ exit handlers hang or abort (SIGABRT) a worker forked from a master
    that loaded it; the workers leave without running them (`server.gunicorn_config`), so a
    stop (or a --max-requests recycle) is quick and clean."""
    running = GunicornServer({"NEREL_ANNOTATOR": "tests.fake_annotator:EncoderAnnotator",
                              "NEREL_CACHE_DIR": str(encoder_cache_dir)})
    try:
        assert running.wait_for_output(BOOTED, count=2, timeout=120), running.output()
        for _ in range(4):  # connections are spread over the workers
            assert requests.post(f"{running.base}/annotate", json={"text": TEXT}, timeout=30).status_code == 200
        os.killpg(running.process.pid, signal.SIGTERM)
        running.process.wait(timeout=15)  # a hung worker would hold the master for --graceful-timeout (30 s)
    finally:
        output = running.stop()
    assert running.process.returncode == 0, output
    assert "SIGABRT" not in output and "SIGKILL" not in output and "Shutting down: Master" in output


def test_a_worker_leaves_with_the_status_it_was_exiting_with() -> None:
    from server.gunicorn_config import exit_status

    assert exit_status(None) == 0 and exit_status(SystemExit(0)) == 0 and exit_status(SystemExit()) == 0
    assert exit_status(SystemExit(3)) == 3  # gunicorn's WORKER_BOOT_ERROR: the master must still see it
    assert exit_status(SystemExit("message")) == 1 and exit_status(RuntimeError("boom")) == 1
