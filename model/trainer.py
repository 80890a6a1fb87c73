"""Training loop: teacher-forced joint loss, per-epoch validation, resumable runs.

A run directory holds ``config.json``, ``log.jsonl`` (one line per epoch),
``last.pt`` (full state for resuming: weights, optimizer, schedule, epoch, RNG), ``best.pt``
(the epoch with the best validation score, selected on validation only) and, when asked,
``epoch_N.pt`` (each epoch's weights, for `model.averaging`).
"""
from __future__ import annotations

import json
import logging
import random
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from model.averaging import save_epoch_weights
from model.config import LinkingConfig
from model.data.records import Document
from model.evaluation import rounded_scores, validate
from model.features import SentenceExample
from model.joint_model import TrainedSystem

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    epochs: int = 10
    batch_size: int = 32
    lr: float = 1e-3
    beta1: float = 0.8
    beta2: float = 0.999
    lr_decay: float = 0.1  # lr_epoch = lr / (1 + lr_decay * epoch)
    clip: float = 5.0
    seed: int = 1
    prior_folds: int = 0  # > 0: training priors leave out the document's fold (`CrossFittedLookup`)
    open_kb_share: float = 0.0  # > 0: that share of mentions trains on open-KB candidates (`TrainingCandidates`)


def validation_kb(open_kb_share: float) -> str:
    """The candidates a run is validated (and its epochs chosen) with: as served (``open``)
    once training has seen the open knowledge base (`TrainConfig.open_kb_share`), else the
    paper's dictionary."""
    return "open" if open_kb_share > 0 else "aida"


def selection_score(config_objective: str, scores: dict[str, float]) -> float:
    """Validation score that picks the epoch: NER F1 + EL micro F1 (only the trained task's for single-task runs)."""
    if config_objective == "ner":
        return scores["ner_f1"]
    if config_objective == "el":
        return scores["el_micro_f1"]
    return scores["ner_f1"] + scores["el_micro_f1"]


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class Trainer:
    """Trains a `TrainedSystem` on sentence examples, validating on whole documents."""

    def __init__(self, system: TrainedSystem, train: list[SentenceExample], validation: list[Document],
                 validation_contextual, run_dir: Path, config: TrainConfig, keep_epochs: bool = False) -> None:
        self.system, self.train_examples, self.validation = system, train, validation
        self.keep_epochs = keep_epochs  # also keep every epoch's weights, for averaging after training
        self.validation_contextual, self.run_dir, self.config = validation_contextual, run_dir, config
        self.optimizer = torch.optim.Adam(system.model.parameters(), lr=config.lr, betas=(config.beta1, config.beta2))
        # lr_epoch = lr / (1 + lr_decay * epoch), as §4.2
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, lambda epoch: 1 / (1 + config.lr_decay * epoch))
        self.epoch, self.best = 0, float("-inf")

    def resume(self) -> bool:
        """Continue from ``last.pt`` if the run directory has one."""
        path = self.run_dir / "last.pt"
        if not path.exists():
            return False
        payload = torch.load(path, map_location="cpu", weights_only=False)
        self.system.model.load_state_dict(payload["state_dict"])
        self.optimizer.load_state_dict(payload["optimizer"])
        self.scheduler.load_state_dict(payload["scheduler"])
        self.epoch, self.best = payload["epoch"], payload["best"]
        self.system.linking = LinkingConfig.from_dict(payload["linking"])
        random.setstate(payload["rng"]["python"])
        torch.set_rng_state(payload["rng"]["torch"])
        log.info("resumed %s after epoch %d (best %.2f)", self.run_dir, self.epoch, self.best)
        return True

    def evaluate(self) -> tuple[dict[str, float], LinkingConfig]:
        """Validation scores at the linking settings calibrated there (`model.evaluation.validate`)."""
        model = self.system.model.linking_against(validation_kb(self.config.open_kb_share))  # as served
        return validate(model, self.validation, self.validation_contextual)

    def train(self) -> dict:
        cfg, model = self.config, self.system.model
        rng = random.Random(cfg.seed)
        while self.epoch < cfg.epochs:
            order = list(range(len(self.train_examples)))
            rng.seed(cfg.seed * 1000 + self.epoch)
            rng.shuffle(order)
            model.train()
            started, running, seen = time.time(), 0.0, 0
            bar = tqdm(range(0, len(order), cfg.batch_size), desc=f"epoch {self.epoch + 1}/{cfg.epochs}", file=sys.stderr, mininterval=5)
            parts_total: dict[str, float] = {}
            for begin in bar:
                batch = [self.train_examples[i] for i in order[begin:begin + cfg.batch_size]]
                losses = model.loss(batch)
                if not losses:  # e.g. Only-EL on a batch without any linkable mention
                    continue
                total = sum(losses.values())
                self.optimizer.zero_grad()
                total.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
                self.optimizer.step()
                value = float(total.detach())
                running = 0.98 * running + 0.02 * value if seen else value
                seen += 1
                for k, v in losses.items():
                    parts_total[k] = parts_total.get(k, 0.0) + float(v.detach())
                bar.set_postfix(loss=f"{running:.3f}")
            train_seconds = time.time() - started
            self.scheduler.step()
            scores, linking = self.evaluate()
            self.epoch += 1
            score = selection_score(model.config.objective, scores)
            improved = score > self.best
            if improved:
                self.best = score
                self.system.linking = linking
                self.system.meta.update({"epoch": self.epoch, "validation": scores})
                self.system.save(self.run_dir / "best.pt", half=False)
            record = {"epoch": self.epoch, "train_seconds": round(train_seconds, 1),
                      "sentences_per_second": round(len(order) / train_seconds, 1),
                      "loss": {k: round(v / seen, 4) for k, v in parts_total.items()},
                      "validation": rounded_scores(scores), "best": improved}
            with open(self.run_dir / "log.jsonl", "a") as handle:
                handle.write(json.dumps(record) + "\n")
            log.info("epoch %d: %s", self.epoch, json.dumps(record))
            self._save_last()
            if self.keep_epochs:
                save_epoch_weights(self.run_dir, self.epoch, self.system.model.state_dict())
        return {"best_score": self.best, "epochs": self.epoch, "train_config": asdict(cfg)}

    def _save_last(self) -> None:
        payload = {"state_dict": self.system.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                   "scheduler": self.scheduler.state_dict(), "epoch": self.epoch, "best": self.best,
                   "linking": self.system.linking.to_dict(),
                   "rng": {"python": random.getstate(), "torch": torch.get_rng_state()}}
        tmp = self.run_dir / "last.pt.tmp"
        torch.save(payload, tmp)
        tmp.replace(self.run_dir / "last.pt")
