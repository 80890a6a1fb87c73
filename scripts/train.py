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
import time
from dataclasses import asdict
from pathlib import Path

from model.candidates import training_candidates
from model.config import LinkingConfig, ModelConfig
from model.data.cache import CacheMissingError, DataCache
from model.features import CharVocabulary, CrossFittedLookup, WordVocabulary, document_examples
from model.joint_model import JointNerElModel, TrainedSystem
from model.settings import cache_dir, git_commit, set_threads
from model.trainer import TrainConfig, Trainer, seed_everything
from scripts.options import add_cache_dir, add_threads

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
    parser.add_argument("--objective", choices=["joint", "ner", "el"], default="joint")
    parser.add_argument("--no-contextual", action="store_true", help="ablation: no MiniLM features")
    parser.add_argument("--no-sentence-rep", action="store_true", help="ablation: no v_t")
    parser.add_argument("--no-mention-rep", action="store_true", help="ablation: no m")
    parser.add_argument("--no-nil", action="store_true", help="ablation: no NIL classifier")
    parser.add_argument("--no-tune-words", action="store_true", help="keep GloVe completely frozen (as the paper)")
    parser.add_argument("--no-nil-candidates", action="store_true",
                        help="NIL classifier on s_t only, as in the paper (no candidate evidence)")
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
    parser.add_argument("--el-hidden", type=int, default=ModelConfig.el_hidden)
    parser.add_argument("--max-candidates", type=int, default=ModelConfig.max_candidates)
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


def model_config(args: argparse.Namespace) -> ModelConfig:
    return ModelConfig(
        use_contextual=not args.no_contextual, use_sentence_rep=not args.no_sentence_rep,
        use_mention_rep=not args.no_mention_rep, use_nil_classifier=not args.no_nil,
        objective=args.objective, el_hidden=args.el_hidden, max_candidates=args.max_candidates,
        tune_words=not args.no_tune_words, nil_uses_candidates=not args.no_nil_candidates,
    )


LINEAGE = ("command", "average_command", "averaged_epochs", "fine_tuned_from", "soup")  # how a checkpoint was made


def starting_model(path: Path, config: ModelConfig) -> tuple[JointNerElModel, dict]:
    """The model of checkpoint `path`, in training mode, if its architecture is `config`, and
    how that checkpoint was made (its meta's `LINEAGE`), for the new model's ``fine_tuned_from``."""
    system = TrainedSystem.load(path)
    model = system.model
    if model.config != config:
        differ = sorted(k for k, v in config.to_dict().items() if model.config.to_dict().get(k) != v)
        raise SystemExit(f"{path} has another architecture than the options ask for ({', '.join(differ)})")
    model.train()
    return model, {"checkpoint": str(path), **{k: system.meta[k] for k in LINEAGE if k in system.meta}}


def _without_epochs(run_config: dict) -> dict:
    """A run may be extended with more epochs; anything else must match to resume it."""
    return {**run_config, "train": {k: v for k, v in run_config["train"].items() if k != "epochs"}}


def run(args: argparse.Namespace) -> dict:
    set_threads(args.threads, default=2)
    seed_everything(args.seed)
    config = model_config(args)
    train_config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                               lr_decay=args.lr_decay, seed=args.seed, prior_folds=args.prior_folds,
                               open_kb_share=args.open_kb_share)
    run_config = {"model": config.to_dict(), "train": asdict(train_config), "limit_train": args.limit_train}
    if args.init_from:
        run_config["init_from"] = str(args.init_from)
    args.run_dir.mkdir(parents=True, exist_ok=True)
    config_path = args.run_dir / "config.json"
    if config_path.exists():
        previous = json.loads(config_path.read_text())
        if _without_epochs(previous) != _without_epochs(run_config):
            raise SystemExit(f"{args.run_dir} was made with another config; use a new --run-dir")
    config_path.write_text(json.dumps(run_config, indent=2))

    cache = DataCache(cache_dir(args.cache_dir))
    documents = cache.documents()
    kb = cache.knowledge_base()
    titles, vectors = cache.entity_vectors()
    train_docs = documents["train"][: args.limit_train] if args.limit_train else documents["train"]
    command = "python -m scripts.train " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    meta = {"command": command, "seed": args.seed, "commit": git_commit(), "train_config": asdict(train_config)}
    if args.init_from:
        model, meta["fine_tuned_from"] = starting_model(args.init_from, config)
    else:
        model = JointNerElModel.create(config, CharVocabulary.build(documents["train"]), titles, vectors, kb,
                                       words=WordVocabulary.build(documents["train"]) if config.tune_words else None)
    system = TrainedSystem(model, LinkingConfig(), meta=meta)
    lookup = model.candidates
    if train_config.prior_folds > 0:
        lookup = CrossFittedLookup(kb, lookup.entity_rows, lookup.limit, documents["train"], train_config.prior_folds)
    if train_config.open_kb_share > 0:
        lookup = training_candidates(lookup, kb, model.entity_rows, config.max_candidates, train_config.open_kb_share,
                                     table_dim=vectors.shape[1])
    train_ctx = cache.features_for(config, "train", documents["train"])
    train_examples = document_examples(train_docs, lookup, train_ctx[: len(train_docs)] if train_ctx else None)
    validation_ctx = cache.features_for(config, "validation", documents["validation"])
    trainer = Trainer(system, train_examples, documents["validation"], validation_ctx, args.run_dir, train_config,
                      keep_epochs=args.keep_epochs)
    trainer.resume()
    started = time.time()
    result = trainer.train()
    result["seconds_this_call"] = round(time.time() - started, 1)
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
