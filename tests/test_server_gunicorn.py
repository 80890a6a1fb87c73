"""The Procfile's web line, run for real: gunicorn on 127.0.0.1 with the fake annotator."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
import requests

from nif.answers import read_answer
from scripts.bench.nif import free_port, procfile_web_command
from server.config import ENVIRONMENT
from tests.test_server import TEXT, request_ttl

REPO_ROOT = Path(__file__).resolve().parent.parent


def start(extra_env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    port = free_port()
    inherited = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT}
    env = {
        **inherited,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(REPO_ROOT),
        **extra_env,
    }
    process = subprocess.Popen(
        ["sh", "-c", procfile_web_command()],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # own process group: stopped below without touching others
    )
    return process, port


def stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
    return output.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    process, port = start({"NEREL_ANNOTATOR": "tests.fake_annotator:FakeAnnotator"})
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited early:\n{stop(process)}")
            try:
                if requests.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"gunicorn not healthy after 30 s:\n{stop(process)}")
            time.sleep(0.2)
        yield base
    finally:
        stop(process)


def test_health_and_gerbil_request(server: str) -> None:
    assert requests.get(f"{server}/health", timeout=5).json() == {"status": "ready"}
    response = requests.post(
        f"{server}/gerbil",
        data=request_ttl(),
        headers={"Content-Type": "application/x-turtle;charset=UTF-8", "Accept": "application/x-turtle"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert response.headers["X-Request-Id"]
    phrases = read_answer(response.content, response.headers["Content-Type"])
    assert [(p.begin, p.end, p.anchor) for p in phrases] == [(3, 16, "Angela Merkel"), (32, 37, "Paris")]
    json_answer = requests.post(f"{server}/annotate", json={"text": TEXT}, timeout=10).json()
    assert [m["surface"] for m in json_answer["mentions"]] == ["Angela Merkel", "Paris"]


def test_client_errors_over_http(server: str) -> None:
    bad = requests.post(f"{server}/gerbil", data=b"<a> <b> .", headers={"Content-Type": "text/turtle"}, timeout=10)
    assert bad.status_code == 400 and "malformed turtle" in bad.json()["error"]
    large = requests.post(f"{server}/gerbil", data=b"x" * (5 * 1024 * 1024), headers={"Content-Type": "text/turtle"}, timeout=30)
    assert large.status_code == 413


def test_missing_checkpoint_stops_start_with_the_missing_step(tmp_path: Path) -> None:
    process, _ = start({"NEREL_MODEL": str(tmp_path / "missing.pt"), "NEREL_ANNOTATOR": ""})
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
    output = stop(process)
    assert process.returncode not in (None, 0), output
    assert "python -m scripts.train" in output and "missing.pt" in output
