"""Reproduce the paper's Tables 4-8: train (or reuse) every system, evaluate it, write the report.

    python -m scripts.benchmark                         # everything (3 seeds, NIF included)
    python -m scripts.benchmark --only table5 --seeds 5
    python -m scripts.benchmark --only stack_lstm --only plus_ctx --jobs 1
    python -m scripts.benchmark --report-only           # tables from what exists, with what is missing

Systems (each a ``scripts.train`` configuration in ``<runs>/<system>_s<seed>``): joint (full
model), ner_only (--objective ner), el_only (--objective el, evaluated on the mentions of the
same seed's joint model), and the cumulative ablation stack_lstm, plus_ctx, plus_sent,
plus_ment, plus_nil (= joint). A run whose log.jsonl has its configured epochs is reused;
a partial one is resumed by train.py; a run another process is training is waited for.
Evaluations are cached per run dir (``eval_<split>[...].json``, keyed by best.pt's mtime and
size). Table 4 also evaluates the shipped checkpoint with ``model.evaluation.evaluate_checkpoint`` and
drives it through the real NIF server (gunicorn from the Procfile; ``--no-nif`` skips that).

Writes <results>/tables.md, results.json and one PNG per table, stamped with the git commit
and this command line. Exit code 1 when some task failed (the report is still written).
"""
from __future__ import annotations

import argparse
import json
import logging
import shlex
import subprocess
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from tqdm import tqdm

from model.settings import DEFAULT_CHECKPOINT, KB_MODES, export_kb_mode, git_commit, kb_mode
from scripts.bench.nif import ensure_nif
from scripts.bench.report import (Settings, bench_command, build_tables, carried_runs, collect, compute_seconds,
                                  missing_items, write_report)
from scripts.bench.runs import (REPO_ROOT, SPLITS, Evaluator, Plan, Runner, ensure_evaluated, eval_key,
                                ensure_trained, eval_cache_path, make_plan, read_cache, subprocess_evaluator,
                                subprocess_runner, write_cache)
from scripts.bench.systems import ONLY_CHOICES

log = logging.getLogger("benchmark")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", choices=ONLY_CHOICES, metavar="ROW",
                        help=f"restrict to a system or table (repeatable): {', '.join(ONLY_CHOICES)}")
    parser.add_argument("--seeds", type=int, default=3, help="seeds for joint, ner_only, el_only (1..N)")
    parser.add_argument("--seed-list", help="exact seeds for joint, ner_only, el_only, e.g. 2,3 (overrides --seeds)")
    parser.add_argument("--ablation-seeds", type=int, default=1, help="seeds for the ablation rows (1..N)")
    parser.add_argument("--report-only", action="store_true", help="no training or evaluation: tables from what exists")
    parser.add_argument("--no-nif", action="store_true", help="skip driving the shipped checkpoint through the NIF server")
    parser.add_argument("--jobs", type=int, default=2, help="parallel training/evaluation subprocesses")
    parser.add_argument("--epochs", type=int, help="passed to scripts.train (default: train's default)")
    parser.add_argument("--kb", choices=KB_MODES,
                        help="knowledge base of every evaluation and of the NIF server (default $NEREL_KB or open; "
                             "aida: the paper's dictionary alone)")
    parser.add_argument("--runs-dir", type=Path, default=Path("runs"))
    parser.add_argument("--carry-over", type=Path, metavar="RESULTS_JSON",
                        help="take the rows of seeded runs whose run directories are absent from this earlier "
                             "results.json (stamped with its commit) instead of retraining them")
    parser.add_argument("--results-dir", type=Path, default=Path("results"))
    parser.add_argument("--shipped", type=Path, default=DEFAULT_CHECKPOINT, help=argparse.SUPPRESS)
    parser.add_argument("--limit-train", type=int, help=argparse.SUPPRESS)  # smoke runs: passed to scripts.train
    parser.add_argument("--nif-limit", type=int, help=argparse.SUPPRESS)  # smoke runs: gerbil_drive --limit
    args = parser.parse_args(argv)
    if args.seeds < 1 or args.ablation_seeds < 1 or args.jobs < 1:
        parser.error("--seeds, --ablation-seeds and --jobs must be at least 1")
    if args.seed_list:
        try:
            args.seeds = tuple(sorted({int(x) for x in args.seed_list.split(",")}))
        except ValueError:
            parser.error(f"--seed-list must be comma-separated integers, not {args.seed_list!r}")
    return args


def settings_of(args: argparse.Namespace) -> Settings:
    # absolute: subprocesses run in the repository root whatever the caller's directory
    return Settings(args.runs_dir.resolve(), args.shipped.resolve(), args.seeds, args.ablation_seeds, args.epochs,
                    args.limit_train, args.nif_limit, args.results_dir.resolve())


# ---- execution ------------------------------------------------------------------------------------

@dataclass
class Task:
    name: str
    action: Callable[[], str]
    deps: list[str] = field(default_factory=list)


def execute(tasks: list[Task], jobs: int, progress: tqdm | None = None) -> dict[str, tuple[bool, str]]:
    """Run tasks on `jobs` threads, each once its dependencies succeeded; a failed dependency skips it.

    A ready task with dependencies (the evaluation of a run just trained) goes before one without
    (a new training run), so results arrive as runs finish rather than after the whole queue.
    """
    outcome: dict[str, tuple[bool, str]] = {}
    pending = list(tasks)
    running: dict[Future, Task] = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        while pending or running:
            progressed = False
            for task in sorted(pending, key=lambda t: not t.deps):  # stable: list order otherwise
                if len(running) >= jobs:
                    break
                if any(d not in outcome for d in task.deps):
                    continue
                pending.remove(task)
                progressed = True
                failed = [d for d in task.deps if not outcome[d][0]]
                if failed:
                    outcome[task.name] = (False, f"skipped: {failed[0]} failed")
                    if progress is not None:
                        progress.update(1)
                    continue
                running[pool.submit(task.action)] = task
            if not running:
                if not progressed:  # what is left waits on tasks that will never run
                    for task in pending:
                        outcome[task.name] = (False, "skipped: unknown dependency")
                    pending = []
                continue
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                task = running.pop(future)
                try:
                    outcome[task.name] = (True, future.result())
                except Exception as error:  # noqa: BLE001 - reported, the others go on
                    outcome[task.name] = (False, str(error))
                    log.error("%s: %s", task.name, error)
                if progress is not None:
                    progress.update(1)
                    progress.set_postfix_str(f"{task.name}: {outcome[task.name][1]}"[:60])
    return outcome


def inprocess_shipped_evaluator(checkpoint: Path, split: str) -> dict:
    """`model.evaluation.evaluate_checkpoint` on the shipped checkpoint (Table 4's reference line),
    as `python -m scripts evaluate` runs it."""
    from model.data.cache import DataCache
    from model.evaluation import evaluate_checkpoint
    from model.settings import cache_dir, set_threads

    set_threads(1)
    return evaluate_checkpoint(checkpoint, split, DataCache(cache_dir()), kb=kb_mode())


def ensure_shipped(settings: Settings, split: str, evaluator: Callable[[Path, str], dict]) -> str:
    key = eval_key(settings.shipped, None)
    if key is None:
        raise RuntimeError(f"shipped checkpoint {settings.shipped} missing")
    path = eval_cache_path(settings.runs_dir / "shipped", split)
    if read_cache(path, key) is not None:
        return "cached"
    started = time.time()
    write_cache(path, key, evaluator(settings.shipped, split), time.time() - started)
    return "evaluated"


def plan_tasks(plan: Plan, settings: Settings, runner: Runner, evaluator: Evaluator,
               shipped_evaluator: Callable[[Path, str], dict]) -> list[Task]:
    tasks = [Task(f"train {run.name}", lambda run=run: ensure_trained(run, settings.runs_dir, settings.epochs,
                                                                      settings.limit_train, runner))
             for run in plan.runs]
    for key in plan.evals:
        deps = [f"train {key.run.name}"] + ([f"train {key.mentions_from.name}"] if key.mentions_from else [])
        tasks.append(Task(key.name, lambda key=key: ensure_evaluated(key, settings.runs_dir, evaluator), deps))
    if plan.shipped:
        tasks += [Task(f"eval shipped {split}", lambda split=split: ensure_shipped(settings, split, shipped_evaluator))
                  for split in SPLITS]
    return tasks


def git_stamp() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.strip()

    commit = git_commit()
    if commit == "unknown":
        return commit
    try:
        excluded = [f":(exclude){p}" for p in ("results", "runs")]  # our own outputs do not make the tree dirty
        return commit + ("+dirty" if git("status", "--porcelain", "--", ".", *excluded) else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def without_carried(plan: Plan, carried: dict[str, dict], runs_dir: Path) -> Plan:
    """The plan less the runs (and their evaluations) that are carried over: absent here, known from before."""
    gone = {run.name for run in plan.runs if run.name in carried and not (runs_dir / run.name).exists()}
    if not gone:
        return plan
    return replace(plan, runs=[r for r in plan.runs if r.name not in gone],
                   evals=[e for e in plan.evals if e.run.name not in gone
                          and (e.mentions_from is None or e.mentions_from.name not in gone)])


def run_benchmark(args: argparse.Namespace, argv: list[str], runner: Runner = subprocess_runner,
                  evaluator: Evaluator = subprocess_evaluator,
                  shipped_evaluator: Callable[[Path, str], dict] = inprocess_shipped_evaluator,
                  nif_driver: Callable[..., str] = ensure_nif) -> tuple[dict, dict[str, tuple[bool, str]]]:
    started = time.time()
    settings = settings_of(args)
    plan = make_plan(args.only, args.seeds, args.ablation_seeds, nif=not args.no_nif)
    carried = carried_runs(json.loads(args.carry_over.read_text()) if args.carry_over else None)
    plan = without_carried(plan, carried, settings.runs_dir)
    outcome: dict[str, tuple[bool, str]] = {}
    if not args.report_only:
        tasks = plan_tasks(plan, settings, runner, evaluator, shipped_evaluator)
        with tqdm(total=len(tasks) + int(plan.nif), desc="benchmark", file=sys.stderr, unit="task") as progress:
            outcome = execute(tasks, args.jobs, progress)
            if plan.nif:  # alone at the end: the server's two workers take both cores
                progress.set_postfix_str("NIF server")
                try:
                    outcome["nif"] = (True, nif_driver(settings.runs_dir, settings.shipped, SPLITS, settings.nif_limit))
                except Exception as error:  # noqa: BLE001
                    outcome["nif"] = (False, str(error))
                    log.error("nif: %s", error)
                progress.update(1)
    data = collect(settings, carried)
    report = {
        "commit": git_stamp(),
        "command": "python -m scripts.benchmark" + (" " + shlex.join(argv) if argv else ""),
        "generated": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "settings": {"only": args.only, "main_seeds": args.seeds, "ablation_seeds": args.ablation_seeds,
                     "epochs": args.epochs, "limit_train": args.limit_train, "report_only": args.report_only,
                     "nif": not args.no_nif, "jobs": args.jobs, "runs_dir": str(args.runs_dir), "kb": kb_mode(),
                     "shipped": str(args.shipped)},
        "compute_seconds": compute_seconds(data),
        "wall_seconds_this_call": round(time.time() - started, 1),
        "tasks": {name: {"ok": ok, "message": message} for name, (ok, message) in outcome.items()},
        "tables": build_tables(data, settings),
        "missing": missing_items(data, settings, nif_enabled=not args.no_nif),
        "produce_all": bench_command(settings, nif=not args.no_nif),
        "data": data,
    }
    return write_report(report, args.results_dir), outcome


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s: %(message)s")
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    export_kb_mode(args.kb)  # read by every evaluation, in this process and in its children
    report, outcome = run_benchmark(args, argv)
    failed = {name: message for name, (ok, message) in outcome.items() if not ok}
    for name, message in failed.items():
        print(f"FAILED {name}: {message}", file=sys.stderr)
    secs = report["compute_seconds"]
    print(f"wrote {args.results_dir / 'tables.md'} ({len(report['missing'])} missing items); compute time "
          f"{secs['total'] / 3600:.2f} h (training {secs['train'] / 3600:.2f} h, evaluation {secs['evaluation'] / 3600:.2f} h); "
          f"this call {report['wall_seconds_this_call']:.0f} s", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
