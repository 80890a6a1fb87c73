"""The training recipe as a library: what ``python -m scripts train`` does, callable from Python.

    from model.recipe import train_run
    train_run(Path("runs/joint_s1"), DataCache(cache_dir()), ModelConfig(), TrainConfig(seed=1, epochs=20),
              command="my experiment")

A run directory is resumable (`model.trainer.Trainer`); its ``config.json`` pins what the
run is, so continuing it with other settings is refused. The training documents' candidates
are built here, before validation: they come from the dictionary the model was trained with
(cross-fitted priors with `TrainConfig.prior_folds`, a share of open-knowledge-base
candidates with `TrainConfig.open_kb_share`), while validation links as served
(`model.trainer.validation_kb`).
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from model.averaging import average_state_dicts, load_epoch_states
from model.candidates import training_candidates
from model.checkpoint import read_checkpoint
from model.config import LinkingConfig, ModelConfig
from model.data.cache import DataCache
from model.evaluation import rounded_scores, validate
from model.features import CharVocabulary, CrossFittedLookup, SentenceExample, WordVocabulary, document_examples
from model.joint_model import JointNerElModel, TrainedSystem
from model.run_log import read_run_log
from model.settings import git_commit
from model.trainer import TrainConfig, Trainer, seed_everything, selection_score, validation_kb

log = logging.getLogger(__name__)
LINEAGE = ("command", "average_command", "averaged_epochs", "fine_tuned_from", "soup")  # how a checkpoint was made


def starting_model(path: Path, config: ModelConfig) -> tuple[JointNerElModel, dict]:
    """The model of checkpoint `path`, in training mode, if its architecture is `config`, and
    how that checkpoint was made (its meta's `LINEAGE`), for the new model's ``fine_tuned_from``."""
    system = TrainedSystem.load(path)
    model = system.model
    if model.config != config:
        differ = sorted(k for k, v in config.to_dict().items() if model.config.to_dict().get(k) != v)
        raise ValueError(f"{path} has another architecture than the options ask for ({', '.join(differ)})")
    model.train()
    return model, {"checkpoint": str(path), **{k: system.meta[k] for k in LINEAGE if k in system.meta}}


def pin_run_config(run_dir: Path, run_config: dict) -> None:
    """Write the run's ``config.json``, refusing a run directory made with other settings (a
    run may be extended with more epochs; anything else must match to resume it)."""
    def without_epochs(values: dict) -> dict:
        return {**values, "train": {k: v for k, v in values["train"].items() if k != "epochs"}}

    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / "config.json"
    if path.exists() and without_epochs(json.loads(path.read_text())) != without_epochs(run_config):
        raise ValueError(f"{run_dir} was made with another config; use a new run directory")
    path.write_text(json.dumps(run_config, indent=2))


def training_examples(model: JointNerElModel, cache: DataCache, train_config: TrainConfig,
                      limit_train: int | None = None) -> list[SentenceExample]:
    """The training sentences with their gold transitions and candidates, looked up as
    `train_config` asks, with the dictionary the model holds."""
    documents = cache.documents()["train"]
    train_docs = documents[:limit_train] if limit_train else documents
    lookup = model.candidates
    if train_config.prior_folds > 0:
        lookup = CrossFittedLookup(model.kb, lookup.entity_rows, lookup.limit, documents, train_config.prior_folds)
    if train_config.open_kb_share > 0:
        lookup = training_candidates(lookup, model.kb, model.entity_rows, model.config.max_candidates,
                                     train_config.open_kb_share, table_dim=model.entity_vectors.shape[1])
    contextual = cache.features_for(model.config, "train", documents)
    return document_examples(train_docs, lookup, contextual[: len(train_docs)] if contextual else None)


def train_run(run_dir: Path, cache: DataCache, config: ModelConfig, train_config: TrainConfig, command: str,
              init_from: Path | None = None, limit_train: int | None = None, keep_epochs: bool = False) -> dict:
    """Train (or resume) the run in `run_dir`: a new model of `config`, or the weights of
    `init_from` (fine-tuning); every epoch validated, the best kept as ``best.pt``.
    `command` is recorded in the checkpoints' meta (how they were made)."""
    seed_everything(train_config.seed)
    run_config = {"model": config.to_dict(), "train": asdict(train_config), "limit_train": limit_train}
    if init_from:
        run_config["init_from"] = str(init_from)
    pin_run_config(run_dir, run_config)
    documents = cache.documents()
    meta = {"command": command, "seed": train_config.seed, "commit": git_commit(), "train_config": asdict(train_config)}
    if init_from:
        model, meta["fine_tuned_from"] = starting_model(init_from, config)
    else:
        titles, vectors = cache.entity_vectors()
        model = JointNerElModel.create(config, CharVocabulary.build(documents["train"]), titles, vectors,
                                       cache.knowledge_base(),
                                       words=WordVocabulary.build(documents["train"]) if config.tune_words else None)
    examples = training_examples(model, cache, train_config, limit_train)
    validation_ctx = cache.features_for(config, "validation", documents["validation"])
    trainer = Trainer(TrainedSystem(model, LinkingConfig(), meta=meta), examples, documents["validation"],
                      validation_ctx, run_dir, train_config, keep_epochs=keep_epochs)
    trainer.resume()
    started = time.time()
    result = trainer.train()
    result["seconds_this_call"] = round(time.time() - started, 1)
    return result


# ---- after training: the average of a run's last epochs, and soups of fine-tunings ----
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
    system = TrainedSystem.load(run_dir / "best.pt")
    best_meta = dict(system.meta)
    # validated against the candidates the run was validated with (a view: the same weights)
    model = system.model.linking_against(validation_kb(best_meta.get("train_config", {}).get("open_kb_share", 0.0)))
    candidates = [_candidate(model, best_meta["epoch"], best_meta["epoch"], best_meta["validation"], system.linking)]
    documents = cache.documents()["validation"]
    contextual = cache.features_for(model.config, "validation", documents)
    for window in windows:
        first = last - window + 1
        model.load_state_dict(average_state_dicts(load_epoch_states(run_dir, list(range(first, last + 1)))))
        candidates.append(_candidate(model, first, last, *validate(model, documents, contextual)))
        log.info("epochs %d-%d: %.2f", first, last, candidates[-1].score)
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


def make_soup(base: TrainedSystem, ingredients: list[TrainedSystem], command: str) -> TrainedSystem:
    """`base` (a model of the same architecture, e.g. a fresh load of the first ingredient) with
    the mean of the ingredients' weights; its meta is the recipe: this command and each
    ingredient's own meta (how it was made)."""
    base.model.load_state_dict(average_state_dicts([s.model.state_dict() for s in ingredients]))
    return TrainedSystem(base.model, base.linking, {"soup": {"command": command, "ingredients": [s.meta for s in ingredients]}})
