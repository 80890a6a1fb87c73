"""Run directories: what the plan needs, whether a run is complete, training and cached evaluation.

A system/seed trains with ``python -m scripts.train --run-dir <runs>/<system>_s<seed> --seed
<seed> [flags] --threads 1`` in a subprocess (its output appended to ``<runs>/<name>.log``);
a run whose log.jsonl already has the configured number of epochs is reused as is, a partial
one is resumed by train.py itself. Evaluations are cached beside the checkpoint as
``eval_<split>[_mentions-from-<run>].json``, keyed by the checkpoint's (and the mention
source's) path, mtime and size, so they are recomputed only when a checkpoint changes.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from model.run_log import read_run_log
from model.settings import REPO_ROOT, kb_mode
from scripts.bench.systems import (ABLATION_SYSTEMS, ALIASES, LOCAL_SYSTEMS, MENTIONS_FROM, SYSTEM_FLAGS, TABLES,
                                   canonical, run_name)

SPLITS = ("validation", "test")

# runner(command, log_path) -> exit code;
# evaluator(checkpoint, split, mentions_from, local=False) -> evaluate() dict
Runner = Callable[[list[str], Path], int]
Evaluator = Callable[..., dict]


@dataclass(frozen=True, order=True)
class RunKey:
    system: str
    seed: int

    @property
    def name(self) -> str:
        return run_name(self.system, self.seed)


@dataclass(frozen=True)
class EvalKey:
    run: RunKey
    split: str
    mentions_from: RunKey | None = None
    local: bool = False  # decode without document coherence (the paper's sentence-level linking)

    @property
    def name(self) -> str:
        suffix = f" (mentions from {self.mentions_from.name})" if self.mentions_from else ""
        return f"eval {self.run.name} {self.split}{suffix}{' without coherence' if self.local else ''}"


@dataclass
class Plan:
    runs: list[RunKey]
    evals: list[EvalKey]
    shipped: bool  # evaluate the shipped checkpoint (Table 4)
    nif: bool  # drive it through the NIF server (Table 4)


def seed_range(count: int | tuple[int, ...]) -> list[int]:
    """Seeds 1..count, or exactly the given seeds (``--seed-list``)."""
    if isinstance(count, (tuple, list)):
        return list(count)
    return list(range(1, max(0, count) + 1))


def row_runs(system: str, seeds: str, main_seeds: int, ablation_seeds: int) -> list[RunKey]:
    count = ablation_seeds if seeds == "ablation" else main_seeds
    return [RunKey(canonical(system), seed) for seed in seed_range(count)]


def system_runs(system: str, main_seeds: int, ablation_seeds: int) -> list[RunKey]:
    """Runs a `--only <system>` asks for: ablation steps (plus_nil too) use the ablation seeds."""
    ablation = system in ABLATION_SYSTEMS or system in ALIASES
    return row_runs(system, "ablation" if ablation else "main", main_seeds, ablation_seeds)


def evals_of(run: RunKey) -> list[EvalKey]:
    """Both splits; for the systems of the coherence table also both without coherence."""
    source = MENTIONS_FROM.get(run.system)
    evals = [EvalKey(run, split, RunKey(source, run.seed) if source else None) for split in SPLITS]
    if run.system in LOCAL_SYSTEMS:
        evals += [EvalKey(run, split, local=True) for split in SPLITS]
    return evals


def make_plan(only: list[str] | None, main_seeds: int, ablation_seeds: int, nif: bool = True) -> Plan:
    """Every run and evaluation the selected rows (all tables when `only` is empty) need, dependencies included."""
    wanted: list[RunKey] = []
    shipped = False
    for item in (only or [t.key for t in TABLES]):
        table = next((t for t in TABLES if t.key == item), None)
        if table is None:
            if item not in SYSTEM_FLAGS and item not in ALIASES:
                raise ValueError(f"unknown --only {item!r}")
            wanted += system_runs(item, main_seeds, ablation_seeds)
            continue
        for row in table.rows:
            if row.system is None:
                continue
            if row.source in ("runs", "local"):
                wanted += row_runs(row.system, row.seeds, main_seeds, ablation_seeds)
            else:
                shipped = True
    for run in list(wanted):  # Only EL needs the same seed's joint model to find mentions
        if run.system in MENTIONS_FROM:
            wanted.append(RunKey(MENTIONS_FROM[run.system], run.seed))
    runs = sorted(set(wanted), key=lambda r: (r.seed, list(SYSTEM_FLAGS).index(r.system)))
    evals = [e for run in runs for e in evals_of(run)]
    return Plan(runs, evals, shipped, shipped and nif)


# ---- run state -----------------------------------------------------------------------------------

def default_epochs() -> int:
    from model.trainer import TrainConfig  # imports torch: only when a run has no config.json yet

    return TrainConfig.epochs


@dataclass
class RunState:
    epochs_done: int
    target_epochs: int
    train_seconds: float
    has_best: bool

    @property
    def complete(self) -> bool:
        return self.has_best and self.epochs_done >= self.target_epochs


read_log = read_run_log  # the trainer's reader: one definition of the log format


def run_state(run_dir: Path, epochs: int | None = None) -> RunState:
    """Epochs done vs. target (``--epochs`` if given, else config.json's train.epochs, else train's default)."""
    target = epochs
    if target is None:
        config = run_dir / "config.json"
        target = json.loads(config.read_text())["train"]["epochs"] if config.exists() else default_epochs()
    records = read_log(run_dir)
    done = max((int(r["epoch"]) for r in records), default=0)
    seconds = sum(float(r.get("train_seconds", 0.0)) for r in records)
    return RunState(done, target, seconds, (run_dir / "best.pt").exists())


def train_command(run: RunKey, runs_dir: Path, epochs: int | None = None, limit_train: int | None = None) -> list[str]:
    command = ["python", "-m", "scripts.train", "--run-dir", str(runs_dir / run.name), "--seed", str(run.seed),
               *SYSTEM_FLAGS[run.system], "--threads", "1"]
    if epochs is not None:
        command += ["--epochs", str(epochs)]
    if limit_train:
        command += ["--limit-train", str(limit_train)]
    return command


def busy_pid(run_dir: Path) -> int | None:
    """PID of a scripts.train process (not started by us) already training into run_dir, if any."""
    target = run_dir.resolve()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            cwd = Path(os.readlink(proc / "cwd"))
        except OSError:
            continue
        args = [a.decode("utf-8", "replace") for a in argv]
        if "scripts.train" not in args or "--run-dir" not in args[:-1]:
            continue
        if (cwd / args[args.index("--run-dir") + 1]).resolve() == target and int(proc.name) != os.getpid():
            return int(proc.name)
    return None


def subprocess_runner(command: list[str], log_path: Path) -> int:
    command = [sys.executable if command[0] == "python" else command[0], *command[1:]]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        log.write(f"\n# {time.strftime('%Y-%m-%d %H:%M:%S')} benchmark: {' '.join(command)}\n".encode())
        log.flush()
        return subprocess.run(command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT).returncode


def ensure_trained(run: RunKey, runs_dir: Path, epochs: int | None, limit_train: int | None,
                   runner: Runner = subprocess_runner, poll_seconds: float = 60.0) -> str:
    """Reuse, wait for, resume or train one run; returns what was done, raises RuntimeError on failure."""
    run_dir = runs_dir / run.name
    pid = busy_pid(run_dir) if run_dir.exists() else None
    waited = False
    while pid is not None and busy_pid(run_dir) == pid:  # someone else's job: let it finish
        waited = True
        time.sleep(poll_seconds)
    if run_dir.exists() and run_state(run_dir, epochs).complete:
        done = "waited for external job" if waited else "reused"
    else:
        command = train_command(run, runs_dir, epochs, limit_train)
        code = runner(command, runs_dir / f"{run.name}.log")
        if code != 0:
            raise RuntimeError(f"training {run.name} failed (exit {code}); see {runs_dir / (run.name + '.log')}")
        state = run_state(run_dir, epochs)
        if not state.complete:
            raise RuntimeError(f"training {run.name} ended at epoch {state.epochs_done}/{state.target_epochs}")
        done = "trained"
    return done


# ---- cached evaluation ----------------------------------------------------------------------------

def stat_key(path: Path) -> dict:
    stat = path.stat()
    return {"path": str(path), "mtime_ns": stat.st_mtime_ns, "size": stat.st_size}


def eval_cache_path(directory: Path, split: str, mentions_from: str | None = None, local: bool = False) -> Path:
    stem = f"eval_{split}_mentions-from-{mentions_from}" if mentions_from else f"eval_{split}"
    return directory / f"{stem}{'_local' if local else ''}.json"


def cache_key(checkpoint: Path, mentions_from: Path | None = None, **extra) -> dict | None:
    """None when a checkpoint is missing (nothing can be cached or evaluated)."""
    if not checkpoint.exists() or (mentions_from is not None and not mentions_from.exists()):
        return None
    return {"checkpoint": stat_key(checkpoint), "mentions_from": stat_key(mentions_from) if mentions_from else None, **extra}


def read_cache(path: Path, key: dict | None) -> dict | None:
    """The cached payload ({"result", "seconds", ...}) if it exists and its key still matches."""
    if key is None or not path.exists():
        return None
    try:
        payload = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return payload if payload.get("key") == key else None


def write_cache(path: Path, key: dict, result: dict, seconds: float) -> dict:
    payload = {"key": key, "result": result, "seconds": round(seconds, 1), "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=2))
    tmp.replace(path)
    return payload


def eval_paths(key: EvalKey, runs_dir: Path) -> tuple[Path, Path | None, Path]:
    """(checkpoint, mention-source checkpoint or None, cache file) of an evaluation."""
    run_dir = runs_dir / key.run.name
    source = runs_dir / key.mentions_from.name / "best.pt" if key.mentions_from else None
    return run_dir / "best.pt", source, eval_cache_path(run_dir, key.split, key.mentions_from.name if key.mentions_from else None,
                                                        key.local)


def eval_key(checkpoint: Path, source: Path | None) -> dict | None:
    """What an evaluation's result depends on: the checkpoints and the knowledge base ($NEREL_KB)."""
    return cache_key(checkpoint, source, kb=kb_mode())


def cached_eval(key: EvalKey, runs_dir: Path) -> dict | None:
    checkpoint, source, cache = eval_paths(key, runs_dir)
    return read_cache(cache, eval_key(checkpoint, source))


def subprocess_evaluator(checkpoint: Path, split: str, mentions_from: Path | None, local: bool = False) -> dict:
    """`python -m scripts.evaluate` (`model.evaluation.evaluate_checkpoint`) in a child process (one
    thread), so evaluations run in parallel."""
    command = [sys.executable, "-m", "scripts.evaluate", "--json", "--threads", "1", "--split", split,
               "--checkpoint", str(checkpoint)]
    if mentions_from is not None:
        command += ["--mentions-from", str(mentions_from)]
    if local:
        command.append("--no-coherence")
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:])} failed (exit {done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def ensure_evaluated(key: EvalKey, runs_dir: Path, evaluator: Evaluator = subprocess_evaluator) -> str:
    checkpoint, source, cache = eval_paths(key, runs_dir)
    ck = eval_key(checkpoint, source)
    if ck is None:
        raise RuntimeError(f"{key.name}: checkpoint missing ({checkpoint}{' or ' + str(source) if source else ''})")
    if read_cache(cache, ck) is not None:
        return "cached"
    started = time.time()
    result = evaluator(checkpoint, key.split, source, local=True) if key.local else evaluator(checkpoint, key.split, source)
    write_cache(cache, ck, result, time.time() - started)
    return "evaluated"


def evaluate_command(key: EvalKey, runs_dir: Path) -> str:
    checkpoint, source, _ = eval_paths(key, runs_dir)
    return (f"python -m scripts.evaluate --split {key.split} --checkpoint {checkpoint}"
            + (f" --mentions-from {source}" if source else "") + (" --no-coherence" if key.local else "") + " --json")
