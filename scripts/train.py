"""Train the joint NER + EL model on AIDA/CoNLL train, selecting the epoch on validation.

    python -m scripts.train --run-dir runs/joint --seed 1
    python -m scripts.train --run-dir runs/ner_only --objective ner
    python -m scripts.train --run-dir runs/joint --export model/checkpoint/joint.pt

Needs the caches of ``python -m scripts.prepare_data``. A run directory holds
config.json, log.jsonl, last.pt (resumable) and best.pt; rerunning the same command
resumes after the last finished epoch. ``--export`` writes best.pt as a small fp16
checkpoint with the training command recorded in it (and beside it, as .json).
"""
from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
from pathlib import Path

from model.data.cache import CacheMissingError, DataCache
from model.joint_model import TrainedSystem
from model.recipe import train_run
from model.settings import set_threads
from model.trainer import TrainConfig
from scripts.options import BATCH_THREADS, add_cache_dir, add_model_config, add_threads, model_config_from

log = logging.getLogger("train")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run-dir", required=True, type=Path)
    add_cache_dir(parser)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    parser.add_argument("--batch-size", type=int, default=TrainConfig.batch_size)
    parser.add_argument("--lr", type=float, default=TrainConfig.lr)
    parser.add_argument("--lr-decay", type=float, default=TrainConfig.lr_decay)
    add_model_config(parser)
    parser.add_argument("--prior-folds", type=int, default=TrainConfig.prior_folds,
                        help="N > 0: the training documents' priors p(e|m) leave out the gold links of the "
                             "document's own fold (N contiguous folds), as new text's priors do (default 0: off)")
    parser.add_argument("--open-kb-share", type=float, default=TrainConfig.open_kb_share,
                        help="S > 0: a share S of the training mentions gets the open knowledge base's candidates "
                             "alone, and mentions the dictionary does not know get its candidates as served "
                             "(model.candidates.TrainingCandidates; default 0: the dictionary only)")
    parser.add_argument("--init-from", type=Path,
                        help="start from this checkpoint's weights, vocabularies and entity table instead of a new "
                             "model (fine-tuning; the architecture options must match it)")
    parser.add_argument("--limit-train", type=int, help="use only the first N training documents (smoke runs)")
    add_threads(parser)
    parser.add_argument("--keep-epochs", action="store_true",
                        help="keep every epoch's weights as epoch_N.pt (for python -m scripts.average_epochs)")
    parser.add_argument("--export", type=Path, help="after training, write best.pt here as fp16 for shipping")
    args = parser.parse_args(argv)
    if not 0.0 <= args.open_kb_share <= 1.0:
        parser.error(f"--open-kb-share is a share between 0 and 1, got {args.open_kb_share}")
    if args.prior_folds < 0:
        parser.error(f"--prior-folds must be 0 (off) or a positive number of folds, got {args.prior_folds}")
    return args


def run(args: argparse.Namespace) -> dict:
    set_threads(args.threads, default=BATCH_THREADS)
    train_config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                               lr_decay=args.lr_decay, seed=args.seed, prior_folds=args.prior_folds,
                               open_kb_share=args.open_kb_share)
    command = "python -m scripts.train " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    try:
        result = train_run(args.run_dir, DataCache(args.cache_dir), model_config_from(args), train_config, command,
                           init_from=args.init_from, limit_train=args.limit_train, keep_epochs=args.keep_epochs)
    except ValueError as error:  # a run directory or starting checkpoint that does not fit the options
        raise SystemExit(str(error)) from None
    if args.export:
        TrainedSystem.load(args.run_dir / "best.pt").export(args.export)
        result["exported"] = str(args.export)
    return result


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s: %(message)s")
    args = parse_args(argv)
    try:
        result = run(args)
    except CacheMissingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
