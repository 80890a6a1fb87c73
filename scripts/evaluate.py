"""Evaluate a checkpoint on AIDA validation or test: NER F1 and end-to-end EL.

    python -m scripts.evaluate --split test --json
    python -m scripts.evaluate --split validation --checkpoint runs/joint_s1/best.pt
    python -m scripts.evaluate --split test --d2kb          # gold mentions given
    python -m scripts.evaluate --split test --no-coherence  # sentence-level linking only
    python -m scripts.evaluate --split test --checkpoint runs/el_s1/best.pt \\
        --mentions-from model/checkpoint/joint.pt           # Only-EL on the joint model's mentions

EL is InKB strong matching (exact span and entity; gold NIL mentions and NIL
predictions are not counted); macro F1 is the mean per-document F1 (GERBIL). Figures
are percentages. Reads the documents and contextual vectors from the prepare_data cache.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model.evaluation import evaluate_checkpoint
from model.settings import KB_MODES, kb_mode
from scripts.options import add_checkpoint_arguments, run_on_checkpoint


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=["validation", "test"], default="validation")
    add_checkpoint_arguments(parser)
    parser.add_argument("--d2kb", action="store_true", help="link the gold linked mentions (no NER)")
    parser.add_argument("--mentions-from", type=Path, help="link the mentions this other checkpoint detects")
    parser.add_argument("--kb", choices=KB_MODES,
                        help="candidates: aida (the paper's dictionary), open (it, then the open knowledge base) "
                             "or open-only (the open knowledge base alone: the unseen-KB proxy); "
                             "default $NEREL_KB or open")
    parser.add_argument("--no-coherence", action="store_true",
                        help="link each mention from its sentence alone (skip the document-coherence re-ranking)")
    args = parser.parse_args(argv)
    return run_on_checkpoint(args, lambda cache: evaluate_checkpoint(
        args.checkpoint, args.split, cache, args.d2kb, args.mentions_from, coherence=not args.no_coherence,
        kb=kb_mode(args.kb)))


if __name__ == "__main__":
    sys.exit(main())
