"""Speed of the real server: docs/s and p50/p95 latency on AIDA test, 1 and 4 clients.

    python -m scripts.server_speed [--checkpoint model/checkpoint/joint.pt] [--limit N] [--json]

Starts gunicorn from the Procfile's web line on a free 127.0.0.1 port, waits for
/health, drives it with ``scripts.gerbil_drive`` (A2KB, as GERBIL sends AIDA) once per
concurrency level, then stops it. Prints numbers; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from model.settings import DEFAULT_CHECKPOINT, REPO_ROOT
from scripts.bench.nif import start_server, stop_server, wait_ready

FIELDS = ("docs_per_s", "latency_p50_ms", "latency_p95_ms", "latency_mean_ms", "micro_f1", "macro_f1",
          "http_errors", "offset_mismatches", "documents")


def drive(base: str, split: str, task: str, concurrency: int, limit: int | None) -> dict:
    command = [sys.executable, "-m", "scripts.gerbil_drive", "--url", f"{base}/gerbil", "--split", split,
               "--task", task, "--concurrency", str(concurrency), "--json"]
    if limit:
        command += ["--limit", str(limit)]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])[task]
    return {"task": task, "concurrency": concurrency, **{k: report[k] for k in FIELDS}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    parser.add_argument("--split", choices=["validation", "test"], default="test")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--tasks", nargs="+", choices=["a2kb", "d2kb"], default=["a2kb"])
    parser.add_argument("--limit", type=int, help="only the first N documents")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    log = Path(tempfile.gettempdir()) / "nerel_server_speed.log"
    process, port = start_server(args.checkpoint, log)
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.time()
        wait_ready(process, base)
        result = {"checkpoint": str(args.checkpoint), "split": args.split, "startup_seconds": round(time.time() - started, 1),
                  "runs": [drive(base, args.split, task, c, args.limit) for task in args.tasks for c in args.concurrency]}
    finally:
        stop_server(process)
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
