"""Calibrate a checkpoint's linking decisions on validation and write them into it.

    python -m scripts.calibrate --checkpoint runs/joint_s1/best.pt
    python -m scripts.calibrate --checkpoint model/checkpoint/joint.pt --output /tmp/joint.pt --json

Decodes AIDA validation once, then picks the document-coherence weight and the NIL
threshold with the best EL micro F1 there (`model.evaluation.calibrate_linking`, the
same search the trainer runs after every epoch). Only validation is read: test is
never used to choose anything. Checkpoints trained before coherence existed get it
switched on (`--no-coherence` keeps it off and calibrates the NIL threshold alone).
Weights are untouched; an fp16 checkpoint stays fp16.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from model.checkpoint import TrainedSystem
from model.data.cache import CacheMissingError, DataCache
from model.evaluation import calibrate_linking, predict_documents, rounded_scores
from scripts.evaluate import add_checkpoint_arguments, run_on_checkpoint


def calibrate(checkpoint: Path, output: Path, cache: DataCache, coherence: bool = True) -> dict:
    system, payload = TrainedSystem.load(checkpoint)
    config = system.model.config
    if config.objective == "ner":
        raise ValueError(f"{checkpoint} is an Only-NER model: it links nothing, there is nothing to calibrate")
    before = {"coherence_weight": config.coherence_weight, "nil_threshold": config.nil_threshold,
              "use_coherence": config.use_coherence}
    config.use_coherence, config.coherence_weight = coherence, 0.0
    documents = cache.documents()["validation"]
    predictions = predict_documents(system, documents, cache.features_for(config, "validation", documents),
                                    given_spans=config.objective == "el")
    config.coherence_weight, config.nil_threshold, scores = calibrate_linking(system, documents, predictions)
    half = any(v.dtype == torch.float16 for v in payload["state_dict"].values())
    # "validation" describes the checkpoint as it now decodes; what training saw stays beside it.
    trained = system.meta.get("validation_before_calibration", system.meta.get("validation"))
    system.meta = {**system.meta, "validation_before_calibration": trained,
                   "validation": {**scores, "nil_threshold": config.nil_threshold, "coherence_weight": config.coherence_weight},
                   "calibration": {"command": f"python -m scripts.calibrate --checkpoint {checkpoint}", "before": before}}
    system.save(output, half=half)
    return {"checkpoint": str(checkpoint), "output": str(output), "before": before,
            "use_coherence": config.use_coherence, "coherence_weight": config.coherence_weight,
            "nil_threshold": config.nil_threshold,
            "validation": rounded_scores(scores)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_checkpoint_arguments(parser)
    parser.add_argument("--output", type=Path, help="where to write (default: overwrite --checkpoint)")
    parser.add_argument("--no-coherence", action="store_true", help="calibrate the NIL threshold only")
    args = parser.parse_args(argv)
    return run_on_checkpoint(args, lambda cache: calibrate(args.checkpoint, args.output or args.checkpoint, cache,
                                                           coherence=not args.no_coherence),
                             errors=(CacheMissingError, ValueError))


if __name__ == "__main__":
    sys.exit(main())
