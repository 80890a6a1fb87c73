"""Table 4 "through NIF": the real server started from the Procfile's web line, driven like GERBIL.

gunicorn runs on 127.0.0.1 at a free port with NEREL_MODEL set to the checkpoint, in its own
process group (stopped with SIGTERM, then SIGKILL, of that group only); once /health answers 200,
``python -m scripts.gerbil_drive --task a2kb --json`` runs per split. Results are cached in
``<runs>/shipped/nif_<split>.json`` keyed by the checkpoint's path/mtime/size, a digest of the
code the server runs (a tokenizer change alters the answers as much as new weights do), and
--limit.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from model.settings import CACHE_ENV, DATA_ENV, KB_ENV, MODEL_ENV, cache_dir, child_environment, kb_mode
from scripts.bench.runs import REPO_ROOT, cache_key, read_cache, write_cache

SERVING_CODE = ("model/*.py", "nif/*.py", "server/*.py")
CONCURRENCY = 2  # the Procfile's two workers


def procfile_web_command(repo_root: Path = REPO_ROOT) -> str:
    for line in (repo_root / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line[len("web:"):].strip()
    raise RuntimeError("Procfile has no web: line")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(checkpoint: Path, log_path: Path, repo_root: Path = REPO_ROOT) -> tuple[subprocess.Popen, int]:
    """gunicorn from `repo_root`'s Procfile, serving its code (another checkout can be a baseline)."""
    port = free_port()
    # Where the data is and what to link against pass through; not the server's other settings.
    # This checkout's derived-data cache, also for another checkout (a baseline): otherwise it
    # would build its own open-KB index and encoder export first, minutes that are not serving.
    env = child_environment(keep={DATA_ENV, CACHE_ENV, KB_ENV}, HOST="127.0.0.1", PORT=str(port),
                            **{MODEL_ENV: str(checkpoint.resolve()), CACHE_ENV: str(cache_dir()),
                               "PYTHONPATH": str(repo_root)})
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "ab")
    # exec: the shell becomes the gunicorn master, so waiting on it waits for the whole server
    process = subprocess.Popen(["sh", "-c", "exec " + procfile_web_command(repo_root)], cwd=repo_root, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    return process, port


def wait_ready(process: subprocess.Popen, base: str, timeout: float = 900.0) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early with code {process.returncode}")
        try:
            if requests.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(1.0)
    raise RuntimeError(f"server not ready after {timeout:.0f} s")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def drive_split(base: str, split: str, limit: int | None) -> dict:
    command = [sys.executable, "-m", "scripts.gerbil_drive", "--url", f"{base}/gerbil", "--split", split,
               "--task", "a2kb", "--concurrency", str(CONCURRENCY), "--json"]
    if limit:
        command += ["--limit", str(limit)]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"gerbil_drive {split} failed (exit {done.returncode}): {done.stderr[-2000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return {**report["a2kb"], "url": report["url"], "concurrency": report["concurrency"],
            "load_average_1m": round(os.getloadavg()[0], 2)}


def nif_cache_path(runs_dir: Path, split: str) -> Path:
    return runs_dir / "shipped" / f"nif_{split}.json"


def serving_code_digest(repo_root: Path = REPO_ROOT) -> str:
    """sha256 over the server's Python sources (paths and contents), first 16 hex digits."""
    digest = hashlib.sha256()
    for pattern in SERVING_CODE:
        for path in sorted(repo_root.glob(pattern)):
            digest.update(path.relative_to(repo_root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def nif_key(checkpoint: Path, limit: int | None) -> dict | None:
    return cache_key(checkpoint, limit=limit or None, serving_code=serving_code_digest(), kb=kb_mode())


def cached_nif(runs_dir: Path, checkpoint: Path, split: str, limit: int | None) -> dict | None:
    return read_cache(nif_cache_path(runs_dir, split), nif_key(checkpoint, limit))


def ensure_nif(runs_dir: Path, checkpoint: Path, splits: tuple[str, ...], limit: int | None = None) -> str:
    """Drive the splits whose cached results are missing or stale; one server start for all of them."""
    key = nif_key(checkpoint, limit)
    if key is None:
        raise RuntimeError(f"NIF: checkpoint {checkpoint} missing")
    todo = [s for s in splits if read_cache(nif_cache_path(runs_dir, s), key) is None]
    if not todo:
        return "cached"
    process, port = start_server(checkpoint, runs_dir / "shipped" / "server.log")
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.time()
        wait_ready(process, base)
        startup = time.time() - started
        for split in todo:
            began = time.time()
            result = {**drive_split(base, split, limit), "server_startup_seconds": round(startup, 1)}
            write_cache(nif_cache_path(runs_dir, split), key, result, time.time() - began)
    finally:
        stop_server(process)
    return "driven " + ", ".join(todo)
