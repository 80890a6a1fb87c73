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
from pathlib import Path

from model.data.cache import CacheMissingError, DataCache
from model.recipe import average_run, save_chosen
from model.settings import cache_dir, set_threads
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
