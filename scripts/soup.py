"""Average several fine-tunings of one model (a "model soup"); keep it if validation prefers it.

A uniform soup (Wortsman et al. 2022): the soup is kept only if validation prefers it to
every ingredient.

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
from pathlib import Path

from model.data.cache import CacheMissingError, DataCache
from model.evaluation import calibrate_system
from model.joint_model import TrainedSystem
from model.recipe import check_compatible, make_soup, save_chosen
from model.settings import cache_dir, set_threads
from scripts.options import add_cache_dir, add_threads

def score(system: TrainedSystem, cache: DataCache, command: str) -> dict:
    """Calibrate `system` in place (dictionary settings, then the open threshold) and return
    its validation scores and the selection criterion (the chosen threshold's mean EL micro F1)."""
    calibrate_system(system, cache, command)
    report = calibrate_system(system, cache, command, open_kb="both")
    by_mode = report["validation"]
    return {"ner_f1": by_mode["open"]["ner_f1"],
            "el_micro_f1": {mode: scores["el_micro_f1"] for mode, scores in by_mode.items()},
            "criterion": report["thresholds"][str(system.linking.open_nil_threshold)]["mean_el_micro_f1"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoints", nargs="+", type=Path, required=True, help="two or more fine-tunings of one model")
    parser.add_argument("--output", type=Path, default=Path("runs/soup.pt"), help="where the chosen weights go (full precision)")
    parser.add_argument("--export", type=Path, help="also write the chosen weights here as fp16 for shipping")
    add_cache_dir(parser)
    add_threads(parser)
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
        names = [str(p) for p in args.checkpoints] + ["soup"]
        systems = [TrainedSystem.load(p) for p in args.checkpoints]
        systems.append(make_soup(TrainedSystem.load(args.checkpoints[0]), systems, command))
        candidates = [{"checkpoint": name, **score(system, cache, command)} for name, system in zip(names, systems)]
    except (CacheMissingError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    best = max(range(len(candidates)), key=lambda i: (candidates[i]["criterion"], candidates[i]["ner_f1"]))
    print(json.dumps(save_chosen(systems[best], args.output, args.export, {"candidates": candidates, "chosen": names[best]})))
    return 0


if __name__ == "__main__":
    sys.exit(main())
