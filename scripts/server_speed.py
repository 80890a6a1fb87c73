"""Speed of the real server against a baseline measured in the same run (issue 18).

    python -m scripts.server_speed                        # this checkout vs BASELINE_COMMIT
    python -m scripts.server_speed --baseline-commit REV  # vs another commit (temporary git worktree)
    python -m scripts.server_speed --baseline-checkpoint other.pt   # same code, another checkpoint
    python -m scripts.server_speed --no-baseline --limit 50 --json

For each variant (baseline first, then this checkout; ``--rounds`` repeats the pair) gunicorn
is started from that checkout's Procfile web line on a free 127.0.0.1 port; once /health
answers, one short /annotate request is timed (what the first client pays) and each
worker's memory read (RSS, and USS: what no other process shares), then
``scripts.gerbil_drive`` (A2KB, as GERBIL sends AIDA) drives it once per concurrency level,
and the server is stopped. Only one server runs at a time. Absolute times drift on a shared
machine, so the figures that carry over are the ratios against the baseline of the same
run; the goal lines compare the absolute figures with issue 18's targets. Prints numbers;
asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from model.settings import REPO_ROOT
from scripts.bench.nif import start_server, stop_server, wait_ready
from scripts.options import add_checkpoint

BASELINE_COMMIT = "186c6f7"  # main before the serving-speed work of issue 18
FIELDS = ("docs_per_s", "latency_p50_ms", "latency_p95_ms", "latency_mean_ms", "micro_f1", "macro_f1",
          "http_errors", "offset_mismatches", "documents")
GOAL_DOCS_PER_S = (4, 15.0)  # (clients, at least this many documents/s)
GOAL_P95_MS = (1, 300.0)  # (clients, at most this p95 latency)
GOAL_F1_DELTA = 0.3  # A2KB micro F1 through NIF within this of the baseline's
FIRST_REQUEST_TEXT = "Germany beat Brazil in Berlin on Sunday, said Jürgen Klinsmann."


@dataclass
class Variant:
    """Code (a checkout) and checkpoint to serve."""

    name: str
    repo_root: Path
    checkpoint: Path


def drive(base: str, split: str, task: str, concurrency: int, limit: int | None) -> dict:
    command = [sys.executable, "-m", "scripts.gerbil_drive", "--url", f"{base}/gerbil", "--split", split,
               "--task", task, "--concurrency", str(concurrency), "--json"]
    if limit:
        command += ["--limit", str(limit)]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])[task]
    return {"task": task, "concurrency": concurrency, **{k: report[k] for k in FIELDS}}


def first_request_ms(base: str) -> float:
    """Latency of one short /annotate request right after /health turned 200."""
    import requests

    started = time.perf_counter()
    requests.post(f"{base}/annotate", json={"text": FIRST_REQUEST_TEXT}, timeout=300).raise_for_status()
    return round(1000 * (time.perf_counter() - started), 1)


def worker_memory_mib(master_pid: int) -> list[dict]:
    """Each gunicorn worker's resident memory and the part of it no other process shares
    (USS: what one more worker costs), in MiB."""
    import psutil

    workers = psutil.Process(master_pid).children()
    return [{"rss": round(info.rss / 2**20), "uss": round(info.uss / 2**20)}
            for info in (w.memory_full_info() for w in workers)]


def measure(variant: Variant, args: argparse.Namespace) -> dict:
    """Start the variant's server, time its first request and drive it at every concurrency."""
    log = Path(tempfile.gettempdir()) / f"nerel_server_speed_{variant.name}.log"
    process, port = start_server(variant.checkpoint, log, variant.repo_root)
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.time()
        wait_ready(process, base)
        result = {"startup_seconds": round(time.time() - started, 1), "first_request_ms": first_request_ms(base)}
        result["workers_mib_at_start"] = worker_memory_mib(process.pid)
        result["runs"] = [drive(base, args.split, task, c, args.limit) for task in args.tasks for c in args.concurrency]
        result["workers_mib_at_end"] = worker_memory_mib(process.pid)
    finally:
        stop_server(process)
    return result


@contextmanager
def checkout(revision: str) -> Iterator[Path]:
    """A temporary detached git worktree of `revision`, removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix="nerel_baseline_"))
    subprocess.run(["git", "-C", str(REPO_ROOT), "worktree", "add", "--detach", str(path), revision],
                   check=True, capture_output=True, text=True)
    try:
        yield path
    finally:
        subprocess.run(["git", "-C", str(REPO_ROOT), "worktree", "remove", "--force", str(path)], capture_output=True)


def summarise(rounds: list[dict]) -> list[dict]:
    """Per (task, concurrency): the median over rounds of every figure."""
    keyed: dict[tuple[str, int], list[dict]] = {}
    for measured in rounds:
        for run in measured["runs"]:
            keyed.setdefault((run["task"], run["concurrency"]), []).append(run)
    return [{"task": task, "concurrency": c, **{k: round(statistics.median(r[k] for r in runs), 2) for k in FIELDS}}
            for (task, c), runs in keyed.items()]


def compare(current: list[dict], baseline: list[dict] | None) -> dict:
    """Ratios current / baseline (docs/s: >1 is faster; latency: <1 is faster) and the goals."""
    out: dict = {"ratios": [], "goals": {}}
    base = {(r["task"], r["concurrency"]): r for r in baseline or []}
    for run in current:
        other = base.get((run["task"], run["concurrency"]))
        if other:
            out["ratios"].append({
                "task": run["task"], "concurrency": run["concurrency"],
                "docs_per_s": round(run["docs_per_s"] / other["docs_per_s"], 2),
                "latency_p95_ms": round(run["latency_p95_ms"] / other["latency_p95_ms"], 2),
                "micro_f1_delta": round(run["micro_f1"] - other["micro_f1"], 2)})
    a2kb = {r["concurrency"]: r for r in current if r["task"] == "a2kb"}
    clients, goal = GOAL_DOCS_PER_S
    if clients in a2kb:
        out["goals"][f"docs_per_s_{clients}_clients"] = {"value": a2kb[clients]["docs_per_s"], "goal": f">= {goal}",
                                                         "met": a2kb[clients]["docs_per_s"] >= goal}
    clients, goal = GOAL_P95_MS
    if clients in a2kb:
        out["goals"][f"latency_p95_ms_{clients}_client"] = {"value": a2kb[clients]["latency_p95_ms"],
                                                            "goal": f"<= {goal}",
                                                            "met": a2kb[clients]["latency_p95_ms"] <= goal}
    deltas = [r["micro_f1_delta"] for r in out["ratios"] if r["task"] == "a2kb"]
    if deltas:
        worst = max(deltas, key=abs)
        out["goals"]["a2kb_micro_f1_delta"] = {"value": worst, "goal": f"|delta| <= {GOAL_F1_DELTA}",
                                               "met": abs(worst) <= GOAL_F1_DELTA}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_checkpoint(parser)
    parser.add_argument("--baseline-commit", help=f"baseline code (default {BASELINE_COMMIT}, or this checkout "
                                                  "when --baseline-checkpoint is given)")
    parser.add_argument("--baseline-checkpoint", type=Path, help="baseline checkpoint (default --checkpoint)")
    parser.add_argument("--no-baseline", action="store_true", help="measure this checkout only (no ratios)")
    parser.add_argument("--rounds", type=int, default=1, help="baseline/current pairs; figures are medians")
    parser.add_argument("--split", choices=["validation", "test"], default="test")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--tasks", nargs="+", choices=["a2kb", "d2kb"], default=["a2kb"])
    parser.add_argument("--limit", type=int, help="only the first N documents")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    checkpoint = args.checkpoint.resolve()
    current = Variant("current", REPO_ROOT, checkpoint)
    revision = None if args.no_baseline else (args.baseline_commit or (None if args.baseline_checkpoint else BASELINE_COMMIT))
    with checkout(revision) if revision else _no_checkout() as baseline_root:
        baseline = None if args.no_baseline else Variant(
            "baseline", baseline_root or REPO_ROOT, (args.baseline_checkpoint or checkpoint).resolve())
        measured: dict[str, list[dict]] = {"baseline": [], "current": []}
        for _ in range(args.rounds):
            for variant in ([baseline] if baseline else []) + [current]:
                measured[variant.name].append(measure(variant, args))
    result = {
        "split": args.split, "rounds": args.rounds,
        "current": {"code": "this checkout", "checkpoint": str(checkpoint)},
        "baseline": None if baseline is None else {"code": revision or "this checkout",
                                                  "checkpoint": str(baseline.checkpoint)},
    }
    for name in ("baseline", "current"):
        if measured[name]:
            result[name].update({
                "startup_seconds": statistics.median(m["startup_seconds"] for m in measured[name]),
                "first_request_ms": statistics.median(m["first_request_ms"] for m in measured[name]),
                "workers_mib": {"at_start": measured[name][-1]["workers_mib_at_start"],
                                "at_end": measured[name][-1]["workers_mib_at_end"]},  # the last round's
                "runs": summarise(measured[name])})
    result.update(compare(result["current"]["runs"], result["baseline"]["runs"] if baseline else None))
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


@contextmanager
def _no_checkout() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    sys.exit(main())
