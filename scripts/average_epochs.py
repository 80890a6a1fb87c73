"""Average the weights of a run's last epochs; keep the average only if validation prefers it.

    python -m scripts.average_epochs --run-dir runs/joint_pf10_s3 --windows 5,10
    python -m scripts.average_epochs --run-dir runs/joint_pf10_s3 --windows 5,10 --export model/checkpoint/joint.pt

Needs a run trained with ``--keep-epochs`` (``epoch_N.pt`` files). For every window size
k the weights of the run's last k epochs are averaged (`model.averaging`), decoded on
AIDA validation and calibrated (coherence weight, NIL threshold) exactly as the trainer
scores an epoch. The candidate with the best selection score (NER F1 + EL micro F1) among
the windows and the run's best.pt is written to ``<run-dir>/averaged.pt`` (and, with
``--export``, as a shipping checkpoint). Only validation is read: test chooses nothing.
"""
from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

import torch

from model.averaging import average_state_dicts, load_epoch_states
from model.config import LinkingConfig
from model.data.cache import CacheMissingError, DataCache
from model.evaluation import rounded_scores, validate
from model.joint_model import JointNerElModel, TrainedSystem
from model.run_log import read_run_log
from model.settings import cache_dir, set_threads
from model.trainer import selection_score, validation_kb
from scripts.options import add_cache_dir, add_threads


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run-dir", required=True, type=Path)
    parser.add_argument("--windows", default="5,10", help="comma-separated numbers of last epochs to average")
    add_cache_dir(parser)
    add_threads(parser)
    parser.add_argument("--export", type=Path, help="also write the chosen weights here as fp16 for shipping")
    args = parser.parse_args(argv)
    try:
        args.windows = sorted({int(w) for w in args.windows.split(",")})
    except ValueError:
        parser.error(f"--windows takes comma-separated whole numbers, got {args.windows!r}")
    if args.windows[0] < 2:
        parser.error(f"a window averages at least 2 epochs, got {args.windows[0]}")
    return args


@dataclass
class Candidate:
    """One set of weights scored on validation: best.pt's single epoch, or an average."""

    first: int
    last: int
    score: float
    validation: dict
    linking: LinkingConfig  # calibrated for these weights
    state: dict[str, torch.Tensor]

    def summary(self) -> dict:
        return {"epochs": [self.first, self.last], "score": round(self.score, 2), "validation": rounded_scores(self.validation)}


def _candidate(model: JointNerElModel, first: int, last: int, validation: dict, linking: LinkingConfig) -> Candidate:
    return Candidate(first, last, selection_score(model.config.objective, validation), validation, linking,
                     {k: v.clone() for k, v in model.state_dict().items()})


def average_run(run_dir: Path, windows: list[int], cache: DataCache, command: str) -> tuple[TrainedSystem, dict]:
    """The chosen system (best.pt's or an average) and a report of every candidate."""
    epochs = [r["epoch"] for r in read_run_log(run_dir)]
    if not epochs or not (run_dir / "best.pt").exists():
        raise FileNotFoundError(f"{run_dir} has no finished epoch with a best.pt; train it first")
    last = max(epochs)
    if windows[-1] > last:
        raise ValueError(f"{run_dir} has {last} epochs, fewer than the window of {windows[-1]}")
    best_meta = TrainedSystem.load(run_dir / "best.pt").meta
    kb = validation_kb(best_meta.get("train_config", {}).get("open_kb_share", 0.0))  # as trained
    system = TrainedSystem.load(run_dir / "best.pt", kb=kb)
    model, best_meta = system.model, dict(system.meta)
    candidates = [_candidate(model, best_meta["epoch"], best_meta["epoch"], best_meta["validation"], system.linking)]
    documents = cache.documents()["validation"]
    contextual = cache.features_for(model.config, "validation", documents)
    for window in windows:
        first = last - window + 1
        model.load_state_dict(average_state_dicts(load_epoch_states(run_dir, list(range(first, last + 1)))))
        candidates.append(_candidate(model, first, last, *validate(model, documents, contextual)))
        logging.info("epochs %d-%d: %.2f", first, last, candidates[-1].score)
    chosen = max(candidates, key=lambda c: c.score)  # the first on a tie: best.pt unless beaten
    model.load_state_dict(chosen.state)
    system.linking = chosen.linking
    averaged = chosen.last > chosen.first
    system.meta = {**best_meta, "validation": chosen.validation, "average_command": command,
                   "averaged_epochs": [chosen.first, chosen.last] if averaged else None}
    if averaged:
        system.meta["epoch"] = None  # no single epoch: the weights are the mean of averaged_epochs
    return system, {"run_dir": str(run_dir), "candidates": [c.summary() for c in candidates],
                    "chosen": {"epochs": [chosen.first, chosen.last], "score": round(chosen.score, 2)}}


def save_chosen(system: TrainedSystem, output: Path, export: Path | None, report: dict) -> dict:
    """Write the chosen weights to `output` in full precision and, with `export`, as a
    shipping checkpoint; `report` gains where they went."""
    output.parent.mkdir(parents=True, exist_ok=True)
    system.save(output, half=False)
    report["output"] = str(output)
    if export:
        system.export(export)
        report["exported"] = str(export)
    return report


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s: %(message)s")
    args = parse_args(argv)
    set_threads(args.threads, default=2)
    command = "python -m scripts.average_epochs " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    try:
        system, report = average_run(args.run_dir, args.windows, DataCache(cache_dir(args.cache_dir)), command)
    except (CacheMissingError, FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(save_chosen(system, args.run_dir / "averaged.pt", args.export, report)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
