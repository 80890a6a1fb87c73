"""Average the weights of several fine-tunings of one model (a uniform "model soup",
Wortsman et al. 2022); keep the soup only if validation prefers it to every ingredient.

    python -m scripts.soup --checkpoints runs/ft_s4/averaged.pt runs/ft_s5/averaged.pt --export model/checkpoint/joint.pt

The ingredients must share their architecture and everything saved beside the weights
(vocabularies, entity table, knowledge base): runs started from the same checkpoint with
``train --init-from``, which is what keeps their weights in one basin where a mean of them
is itself a good model. Every candidate (each ingredient, and the soup) is calibrated on
AIDA validation as `scripts.calibrate` does it, first the dictionary's linking settings,
then the open knowledge base's NIL threshold on validation as served and on the unseen-KB
proxy (``--open-kb both``), and scored by the mean EL micro F1 of those two (NER F1 breaks
ties): the same criterion the open threshold is chosen by. The best is written to
``--output`` (and, with ``--export``, as the shipping checkpoint). Only validation is read.
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
from pathlib import Path

from model.averaging import average_state_dicts
from model.checkpoint import read_checkpoint
from model.data.cache import CacheMissingError, DataCache
from model.joint_model import JointNerElModel
from model.settings import cache_dir, set_threads
from scripts.calibrate import calibrate

SHARED = ("config", "chars", "words", "titles", "kb")  # what every ingredient must have alike


def check_compatible(paths: list[Path]) -> None:
    """Refuse ingredients that differ in anything but their weights and linking settings."""
    first = read_checkpoint(paths[0])
    for path in paths[1:]:
        other = read_checkpoint(path)
        different = [key for key in SHARED if other[key] != first[key]]
        if different or set(other["state_dict"]) != set(first["state_dict"]):
            raise ValueError(f"{path} differs from {paths[0]} in {', '.join(different) or 'its parameters'}: "
                             "a soup needs fine-tunings of one model (train --init-from the same checkpoint)")


def score(checkpoint: Path, output: Path, cache: DataCache) -> dict:
    """Calibrate `checkpoint` into `output` (dictionary settings, then the open threshold) and
    return its validation scores and the selection criterion."""
    calibrate(checkpoint, output, cache)
    report = calibrate(output, output, cache, open_kb="both")
    by_mode = report["validation"]
    return {"checkpoint": str(checkpoint), "ner_f1": by_mode["open"]["ner_f1"],
            "el_micro_f1": {mode: scores["el_micro_f1"] for mode, scores in by_mode.items()},
            "criterion": round(sum(s["el_micro_f1"] for s in by_mode.values()) / len(by_mode), 2)}


def make_soup(paths: list[Path], output: Path, command: str) -> None:
    """The mean of the ingredients' weights; its meta is the recipe: this command and each
    ingredient's own meta (how it was made)."""
    systems = [JointNerElModel.load(path) for path in paths]
    soup = systems[0]
    soup.model.load_state_dict(average_state_dicts([s.model.state_dict() for s in systems]))
    soup.meta = {"soup": {"command": command, "ingredients": [s.meta for s in systems]}}
    soup.save(output, half=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoints", nargs="+", type=Path, required=True, help="two or more fine-tunings of one model")
    parser.add_argument("--output", type=Path, default=Path("runs/soup.pt"), help="where the chosen weights go (full precision)")
    parser.add_argument("--export", type=Path, help="also write the chosen weights here as fp16 for shipping")
    parser.add_argument("--cache-dir", help="derived data (default $NEREL_CACHE_DIR or ./data_cache)")
    parser.add_argument("--threads", type=int, help="torch threads (default $NEREL_TORCH_THREADS or 2)")
    args = parser.parse_args(argv)
    if len(args.checkpoints) < 2:
        parser.error("a soup needs at least two checkpoints")
    missing = [str(p) for p in args.checkpoints if not p.is_file()]
    if missing:
        parser.error(f"checkpoint(s) not found: {', '.join(missing)}")
    set_threads(args.threads, default=2)
    command = "python -m scripts.soup " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    cache = DataCache(cache_dir(args.cache_dir))
    try:
        check_compatible(args.checkpoints)
        with tempfile.TemporaryDirectory() as work:
            work = Path(work)
            soup_path = work / "soup.pt"
            make_soup(args.checkpoints, soup_path, command)
            candidates = [score(path, work / f"candidate_{i}.pt", cache) for i, path in enumerate(args.checkpoints)]
            candidates.append({**score(soup_path, work / "candidate_soup.pt", cache), "checkpoint": "soup"})
            best = max(range(len(candidates)), key=lambda i: (candidates[i]["criterion"], candidates[i]["ner_f1"]))
            chosen = JointNerElModel.load(work / ("candidate_soup.pt" if candidates[best]["checkpoint"] == "soup"
                                                  else f"candidate_{best}.pt"))
    except (CacheMissingError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    args.output.parent.mkdir(parents=True, exist_ok=True)
    chosen.save(args.output, half=False)
    report = {"candidates": candidates, "chosen": candidates[best]["checkpoint"], "output": str(args.output)}
    if args.export:
        chosen.export(args.export)
        report["exported"] = str(args.export)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
