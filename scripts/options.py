"""Options several commands share, declared once: one name, one default, one help text.

Paths resolve as `model.settings` resolves them (the option, else the ``NEREL_*`` variable,
else the default), already when the arguments are parsed: ``args.checkpoint``,
``args.cache_dir`` and ``args.data_dir`` are absolute paths.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import fields

from model.config import ModelConfig
from model.data.cache import CacheMissingError, DataCache
from model.settings import cache_dir, data_dir, model_path, set_threads

# Torch threads of batch work (training, evaluation) on this 2-core machine; a command that
# stands for one server worker passes 1 (`add_threads(parser, default=1)`).
BATCH_THREADS = 2


def add_checkpoint(parser: argparse.ArgumentParser, help: str = "the model") -> None:
    parser.add_argument("--checkpoint", "--model", dest="checkpoint", type=model_path, default="",
                        help=f"{help} (default $NEREL_MODEL, else the shipped model/checkpoint/joint.pt)")


def add_cache_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cache-dir", type=cache_dir, default="",
                        help="derived data (default $NEREL_CACHE_DIR, else ~/.cache/nerel)")


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=data_dir, default="",
                        help="raw shared data (default $NEREL_DATA_DIR, else ../shared/data)")


def add_threads(parser: argparse.ArgumentParser, default: int = BATCH_THREADS) -> None:
    parser.add_argument("--threads", type=int, default=None,
                        help=f"torch threads (default $NEREL_TORCH_THREADS, else {default})")


def add_model_config(parser: argparse.ArgumentParser) -> None:
    """The `ModelConfig` fields that have a command-line flag (their metadata), with the
    dataclass's defaults: one definition for the trainer's flags and the benchmark's systems."""
    group = parser.add_argument_group("model (ModelConfig)")
    for spec in fields(ModelConfig):
        meta = spec.metadata
        if "flag" not in meta:
            continue
        if isinstance(spec.default, bool):  # a switch on by default: its flag turns it off
            group.add_argument(meta["flag"], dest=spec.name, action="store_false", help=meta["help"])
        else:
            group.add_argument(meta["flag"], dest=spec.name, type=type(spec.default), default=spec.default,
                               choices=meta["choices"] or None, help=meta["help"])


def model_config_from(args: argparse.Namespace) -> ModelConfig:
    """The `ModelConfig` that `add_model_config`'s flags describe (other fields at their defaults)."""
    return ModelConfig(**{spec.name: getattr(args, spec.name) for spec in fields(ModelConfig) if "flag" in spec.metadata})


def add_checkpoint_arguments(parser: argparse.ArgumentParser) -> None:
    """Options every command that reads a checkpoint and the data cache shares."""
    add_checkpoint(parser)
    add_cache_dir(parser)
    add_threads(parser)
    parser.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")


def run_on_checkpoint(args: argparse.Namespace, work: Callable[[DataCache], dict],
                      errors: tuple[type[Exception], ...] = (CacheMissingError,)) -> int:
    """Threads, a missing checkpoint or cache as exit 2 with a message, the result on stdout."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    set_threads(args.threads, default=BATCH_THREADS)
    if not args.checkpoint.exists():
        print(f"error: checkpoint {args.checkpoint} not found; train one with `python -m scripts.train`", file=sys.stderr)
        return 2
    try:
        result = work(DataCache(cache_dir(args.cache_dir)))
    except errors as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0
