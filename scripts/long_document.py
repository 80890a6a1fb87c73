"""The longest document the server takes by default, sent to the real server (printed, never asserted).

    python -m scripts.long_document                    # MAX_DOCUMENT_CHARS characters of real prose
    python -m scripts.long_document --chars 50000 --json

Starts gunicorn from the Procfile (shipped checkpoint, 127.0.0.1, a free port), sends one
JSON A2KB request of `--chars` characters (default: the server's MAX_DOCUMENT_CHARS) made
of the WNED-WIKI articles of ``ood-dev`` (Wikipedia prose) joined by blank lines, and while
it runs asks ``GET /health`` every `--health-every` seconds: the request's time, the
mentions found, the slowest /health answer during it (the worker's other threads must
still answer), and the workers' resident memory before and at its peak.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import requests

from model.settings import data_dir, model_path
from model.tokenizer import tokenize
from nif.gold import read_gold
from scripts.bench.nif import start_server, stop_server, wait_ready
from server.config import SETTINGS
from scripts.options import add_checkpoint, add_data_dir


def prose(chars: int, data_dir_arg: str | None = None) -> str:
    """`chars` characters of WNED-WIKI articles joined by blank lines, cut at a word boundary."""
    articles = read_gold(data_dir(data_dir_arg) / "ood-dev" / "WNED-WIKI.ttl")
    text = "\n\n".join(article.text for article in articles)
    if len(text) < chars:
        raise SystemExit(f"WNED-WIKI holds {len(text)} characters, fewer than --chars {chars}")
    return text[:text.rindex(" ", 0, chars + 1)]


def worker_rss_mib(master_pid: int) -> dict[int, float]:
    """Resident memory of each gunicorn worker (children of the master), MiB."""
    workers = psutil.Process(master_pid).children()
    return {w.pid: w.memory_info().rss / 2**20 for w in workers}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chars", type=int, default=SETTINGS["MAX_DOCUMENT_CHARS"].default)
    add_checkpoint(parser)
    add_data_dir(parser)
    parser.add_argument("--health-every", type=float, default=0.5, help="seconds between /health calls")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    text = prose(args.chars, args.data_dir)
    with tempfile.TemporaryDirectory() as scratch:
        process, port = start_server(model_path(args.checkpoint), Path(scratch) / "server.log")
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(process, base)
            requests.post(f"{base}/annotate", json={"text": "Warm up in Paris."}, timeout=60)
            before = worker_rss_mib(process.pid)
            peak, health_seconds, done = dict(before), [], threading.Event()

            def watch() -> None:
                while not done.is_set():
                    started = time.perf_counter()
                    status = requests.get(f"{base}/health", timeout=60).status_code
                    health_seconds.append((time.perf_counter() - started, status))
                    for pid, mib in worker_rss_mib(process.pid).items():
                        peak[pid] = max(peak.get(pid, 0.0), mib)
                    done.wait(args.health_every)

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            started = time.perf_counter()
            response = requests.post(f"{base}/annotate", json={"text": text}, timeout=900)
            seconds = time.perf_counter() - started
            done.set()
            watcher.join()
        finally:
            stop_server(process)
    result = {
        "chars": len(text),
        "tokens": sum(len(sentence) for sentence in tokenize(text)),
        "status": response.status_code,
        "mentions": len(response.json().get("mentions", [])) if response.ok else None,
        "seconds": round(seconds, 2),
        "health_calls": len(health_seconds),
        "health_all_200": all(status == 200 for _, status in health_seconds),
        "health_slowest_seconds": round(max((s for s, _ in health_seconds), default=0.0), 3),
        "worker_rss_mib_before": {str(pid): round(mib) for pid, mib in before.items()},
        "worker_rss_mib_peak": {str(pid): round(mib) for pid, mib in peak.items()},
    }
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
