"""The trainer: the paper's learning-rate schedule, and resuming a run where it stopped."""
from __future__ import annotations

import pytest
import torch

from model.config import LinkingConfig
from model.joint_model import TrainedSystem
from model.trainer import TrainConfig, Trainer
from tests.conftest import make_examples, tiny_system, validation_documents


def _trainer(run_dir, seed: int, epochs: int) -> Trainer:
    torch.set_num_threads(1)
    system = tiny_system(seed=seed)
    return Trainer(system, make_examples(system.model.config), validation_documents(), None, run_dir,
                   TrainConfig(epochs=epochs, batch_size=2))


@pytest.mark.filterwarnings(r"ignore:Detected call of `lr_scheduler.step\(\)`")
def test_learning_rate_decays_as_lr_over_one_plus_decay_times_epoch(tmp_path):
    trainer = _trainer(tmp_path, seed=1, epochs=3)
    rates = []
    for _ in range(3):
        rates.append(trainer.optimizer.param_groups[0]["lr"])
        trainer.scheduler.step()
    assert rates == pytest.approx([1e-3, 1e-3 / 1.1, 1e-3 / 1.2])


def test_resume_goes_on_from_last_pt_with_its_schedule_and_linking(tmp_path):
    first = _trainer(tmp_path, seed=1, epochs=2)
    first.train()
    best = TrainedSystem.load(tmp_path / "best.pt")
    assert best.linking == first.system.linking  # best.pt decodes with the settings calibrated for it
    assert isinstance(best.linking, LinkingConfig) and 0.5 <= best.linking.nil_threshold <= 0.95
    last_weights = {k: v.clone() for k, v in first.system.model.state_dict().items()}

    resumed = _trainer(tmp_path, seed=3, epochs=3)  # other initial weights: all must come from last.pt
    assert resumed.resume()
    assert (resumed.epoch, resumed.best) == (2, first.best)
    assert resumed.system.linking == first.system.linking
    assert resumed.optimizer.param_groups[0]["lr"] == pytest.approx(1e-3 / 1.2)
    state = resumed.system.model.state_dict()
    assert all(torch.equal(state[k], last_weights[k]) for k in state)
    resumed.train()
    assert resumed.epoch == 3
    assert len((tmp_path / "log.jsonl").read_text().splitlines()) == 3


def test_a_new_run_has_nothing_to_resume(tmp_path):
    assert not _trainer(tmp_path, seed=1, epochs=1).resume()
