"""Calibrate a checkpoint's linking decisions on validation and write them into it.

    python -m scripts.calibrate --checkpoint runs/joint_s1/best.pt
    python -m scripts.calibrate --checkpoint model/checkpoint/joint.pt --output /tmp/joint.pt --json
    python -m scripts.calibrate --checkpoint model/checkpoint/joint.pt --open-kb both   # the open KB's NIL threshold
    python -m scripts.calibrate --checkpoint model/checkpoint/joint.pt --open-kb dev    # ... on the open world

Decodes AIDA validation once, then picks the document-coherence weight and the NIL
threshold with the best EL micro F1 there (`model.evaluation.calibrate_linking`, the
same search the trainer runs after every epoch). With ``--open-kb`` it picks the open
knowledge base's own NIL threshold instead, on validation linked ``open`` (as served),
``open-only`` (the unseen-KB proxy) or ``both`` (the best mean of the two, how the shipped
threshold is chosen: on AIDA a surface the dictionary does not know is NIL by the
dictionary's construction, which would push the threshold to never linking new text). With
``--open-kb dev`` it picks the open NIL threshold on the out-of-domain dev suite's A2KB corpora
with AIDA validation as GERBIL sends it, and the one for spans the caller gives on its D2KB
corpora (`DEV_ROWS`; `scripts.nif_eval`).
Only validation is read: test is never used to choose anything. Weights are untouched; an
fp16 checkpoint stays fp16.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import torch

from model.checkpoint import read_checkpoint
from model.data.cache import CacheMissingError, DataCache
from model.evaluation import OPEN_CALIBRATION_MODES, OPEN_NIL_THRESHOLDS, calibrate_system
from model.joint_model import TrainedSystem
from scripts.options import add_checkpoint_arguments, run_on_checkpoint

# The open world: the out-of-domain dev suite (scripts.nif_eval) beside AIDA validation as GERBIL
# sends it. Each threshold is chosen on the rows of its task: the open NIL threshold on A2KB
# (mentions the model found), the given-span one on D2KB (spans the caller gave).
# OKE's gold has NIL mentions; Spotlight's and WNED-WIKI's have none (alone they would never say
# NIL). AIDA validation's D2KB spans all have dictionary candidates, so it cannot tell here.
DEV_ROWS = {"a2kb": ("OKE2015-Task1-train.ttl", "DBpedia-Spotlight.ttl", "AIDA-validation"),
            "d2kb": ("OKE2015-Task1-train.ttl", "DBpedia-Spotlight.ttl", "WNED-WIKI.ttl")}


def best_mean_threshold(curves: dict[str, dict[float, float]]) -> tuple[float, dict[float, float]]:
    """The threshold with the best mean score over the curves (each threshold → score; the
    lower threshold on a tie), and the mean curve."""
    thresholds = list(next(iter(curves.values())))
    mean = {t: sum(c[t] for c in curves.values()) / len(curves) for t in thresholds}
    return max(thresholds, key=lambda t: (mean[t], -t)), mean


def calibrate_open_world(system: TrainedSystem, command: str, data_dir_arg: str | None = None) -> dict:
    """Choose `system`'s open-knowledge-base NIL thresholds (`scripts.nif_eval.THRESHOLD_FIELDS`) in place, each the best
    mean micro F1 over its task's `DEV_ROWS` (one decoding per row, links decided at every
    threshold of `OPEN_NIL_THRESHOLDS`); the curves go into its meta. Reads ood-dev and AIDA
    validation only."""
    from model.annotator import Annotator
    from scripts.bench.nif_scoring import THRESHOLD_FIELDS, row_documents, threshold_curve

    annotator = Annotator(TrainedSystem(system.model.linking_against("open"), system.linking, system.meta))
    before, chosen, report = system.linking, {}, {}
    for task, rows in DEV_ROWS.items():
        curves = {f"{Path(name).stem} {task}": threshold_curve(annotator, row_documents(name, data_dir_arg), task,
                                                               OPEN_NIL_THRESHOLDS) for name in rows}
        chosen[THRESHOLD_FIELDS[task]], mean = best_mean_threshold(curves)
        report[task] = {"rows": {k: {str(t): round(v, 2) for t, v in c.items()} for k, c in curves.items()},
                        "mean": {str(t): round(v, 2) for t, v in mean.items()}}
    system.linking = replace(before, **chosen)
    system.meta = {**system.meta, "open_world_calibration": {"command": command, "before": before.to_dict(),
                                                             "chosen": chosen, **report}}
    return {"chosen": chosen, **report}


def calibrate(checkpoint: Path, output: Path, cache: DataCache, open_kb: str | None = None) -> dict:
    """`calibrate_system` on the checkpoint at `checkpoint`, written to `output` (an fp16
    checkpoint stays fp16)."""
    system = TrainedSystem.load(checkpoint)
    before = system.linking
    command = f"python -m scripts.calibrate --checkpoint {checkpoint}" + (f" --open-kb {open_kb}" if open_kb else "")
    try:
        result = (calibrate_open_world(system, command) if open_kb == "dev"
                  else calibrate_system(system, cache, command, open_kb))
    except ValueError as error:
        raise ValueError(f"{checkpoint}: {error}") from None
    half = any(v.dtype == torch.float16 for v in read_checkpoint(checkpoint)["state_dict"].values())
    system.save(output, half=half)
    return {"checkpoint": str(checkpoint), "output": str(output), "before": before.to_dict(),
            **system.linking.to_dict(), "kb": open_kb or "aida", **result}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_checkpoint_arguments(parser)
    parser.add_argument("--output", type=Path, help="where to write (default: overwrite --checkpoint)")
    parser.add_argument("--open-kb", choices=sorted(OPEN_CALIBRATION_MODES) + ["dev"],
                        help="calibrate the open knowledge base's NIL threshold instead, on validation linked in this "
                             "mode (open: as served; open-only: the open knowledge base alone; both: their best mean; "
                             "dev: the out-of-domain dev suite with AIDA validation as GERBIL sends it, A2KB and D2KB "
                             "thresholds apart)")
    args = parser.parse_args(argv)
    return run_on_checkpoint(args, lambda cache: calibrate(args.checkpoint, args.output or args.checkpoint, cache,
                                                           open_kb=args.open_kb),
                             errors=(CacheMissingError, ValueError))


if __name__ == "__main__":
    sys.exit(main())
