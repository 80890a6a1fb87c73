"""Trainer.resume: a best epoch scored before calibrated linking is re-scored, not trusted."""
from __future__ import annotations

import json

import pytest
import torch

from model.checkpoint import TrainedSystem
from model.data.records import Document, LinkedMention, NerSpan
from model.trainer import TrainConfig, Trainer, selection_score
from tests.test_model import CHARS, SENTENCES, TITLES, WORDS, entity_vectors, make_examples, make_kb, tiny_config


def _validation() -> list[Document]:
    documents = []
    for index, (tokens, gold) in enumerate(SENTENCES):
        documents.append(Document(index + 1, "validation", [tokens],
                                  ner_spans=[NerSpan(s, e, t) for s, e, t, _ in gold],
                                  mentions=[LinkedMention(s, e, " ".join(tokens[s:e]), entity) for s, e, _, entity in gold]))
    return documents


def _trainer(run_dir, seed: int) -> Trainer:
    torch.manual_seed(seed)
    config = tiny_config(use_coherence=True)
    system = TrainedSystem.create(config, make_kb(), list(TITLES), entity_vectors(), CHARS, {}, WORDS)
    return Trainer(system, make_examples(config), _validation(), None, run_dir, TrainConfig(epochs=1))


@pytest.mark.parametrize("calibrated_log", [False, True])
def test_resume_rescores_a_best_epoch_chosen_before_calibration(tmp_path, calibrated_log):
    torch.set_num_threads(1)
    first = _trainer(tmp_path, seed=1)
    first.system.save(tmp_path / "best.pt", half=False)
    best_weights = {k: v.clone() for k, v in first.system.model.state_dict().items()}
    expected = selection_score("joint", first.evaluate())
    validation = {"ner_f1": 1.0, "el_micro_f1": 2.0, **({"coherence_weight": 8.0} if calibrated_log else {})}
    (tmp_path / "log.jsonl").write_text(json.dumps({"epoch": 1, "validation": validation, "best": True}) + "\n")
    torch.manual_seed(2)
    for parameter in first.system.model.parameters():  # last.pt: other weights than best.pt
        parameter.data.normal_()
    last_weights = {k: v.clone() for k, v in first.system.model.state_dict().items()}
    first.epoch, first.best = 1, -5.0
    first._save_last()

    resumed = _trainer(tmp_path, seed=3)
    assert resumed.resume()
    assert resumed.epoch == 1
    assert resumed.best == (-5.0 if calibrated_log else pytest.approx(expected))
    state = resumed.system.model.state_dict()
    assert all(torch.equal(state[k], last_weights[k]) for k in state)  # training goes on from last.pt
    assert any(not torch.equal(state[k], best_weights[k]) for k in state)
