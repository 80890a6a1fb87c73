"""Weight averaging over a run's last epochs: the arithmetic, the kept epoch files, and
the validation-only choice between best.pt and the averages."""
from __future__ import annotations

import json

import pytest
import torch

from model.averaging import average_state_dicts, epoch_weights_path, load_epoch_states
from model.checkpoint import read_checkpoint
from model.joint_model import TrainedSystem
from model.trainer import TrainConfig, Trainer
from model import recipe
from scripts import average_epochs
from tests.conftest import make_examples, tiny_system, validation_documents


def test_average_is_the_elementwise_mean_and_keeps_integer_tensors():
    states = [{"w": torch.tensor([1.0, 2.0]), "h": torch.tensor([0.5], dtype=torch.float16), "n": torch.tensor([3])},
              {"w": torch.tensor([3.0, 6.0]), "h": torch.tensor([1.5], dtype=torch.float16), "n": torch.tensor([3])}]
    averaged = average_state_dicts(states)
    assert torch.equal(averaged["w"], torch.tensor([2.0, 4.0]))
    assert averaged["h"].dtype == torch.float16 and float(averaged["h"]) == 1.0
    assert torch.equal(averaged["n"], torch.tensor([3]))


@pytest.mark.parametrize("second, message", [
    ({"w": torch.zeros(2), "n": torch.tensor([4])}, "n differs"),
    ({"w": torch.zeros(2)}, "different parameters"),
])
def test_states_of_different_runs_are_refused(second, message):
    with pytest.raises(ValueError, match=message):
        average_state_dicts([{"w": torch.ones(2), "n": torch.tensor([3])}, second])
    with pytest.raises(ValueError, match="nothing"):
        average_state_dicts([])


def _trained_run(run_dir, epochs: int, keep_epochs: bool = True) -> Trainer:
    torch.set_num_threads(1)
    system = tiny_system(seed=1)
    trainer = Trainer(system, make_examples(system.model.config), validation_documents(), None, run_dir,
                      TrainConfig(epochs=epochs, batch_size=2), keep_epochs=keep_epochs)
    trainer.train()
    return trainer


def test_trainer_keeps_each_epoch_and_the_last_equals_last_pt(tmp_path):
    trainer = _trained_run(tmp_path, epochs=2)
    states = load_epoch_states(tmp_path, [1, 2])
    last = torch.load(tmp_path / "last.pt", weights_only=False)["state_dict"]
    assert all(torch.equal(states[1][k], last[k]) for k in last)
    assert any(not torch.equal(states[0][k], states[1][k]) for k in last)  # epoch 1 is its own point
    assert trainer.epoch == 2


def test_missing_epoch_weights_name_the_epochs_and_the_flag(tmp_path):
    _trained_run(tmp_path, epochs=1, keep_epochs=False)
    assert not epoch_weights_path(tmp_path, 1).exists()
    with pytest.raises(FileNotFoundError, match=r"epoch\(s\) \[1\].*--keep-epochs"):
        load_epoch_states(tmp_path, [1])


class _TinyCache:
    """What average_run reads from the data cache: validation documents, no MiniLM."""

    def documents(self):
        return {"validation": validation_documents()}

    def features_for(self, config, split, documents):
        return None


def test_average_run_chooses_on_validation_and_ships_what_it_chose(tmp_path):
    _trained_run(tmp_path, epochs=3)
    system, report = recipe.average_run(tmp_path, [2, 3], _TinyCache(), "cmd")
    scores = [c["score"] for c in report["candidates"]]
    assert [c["epochs"] for c in report["candidates"]][1:] == [[2, 3], [1, 3]]
    assert report["chosen"]["score"] == max(scores)
    first, last = report["chosen"]["epochs"]
    state = system.model.state_dict()
    if first == last:  # best.pt kept: an average must have scored strictly better to replace it
        expected = TrainedSystem.load(tmp_path / "best.pt").model.state_dict()
        assert system.meta["averaged_epochs"] is None and system.meta["epoch"] == first
    else:
        expected = average_state_dicts(load_epoch_states(tmp_path, list(range(first, last + 1))))
        assert system.meta["averaged_epochs"] == [first, last] and system.meta["epoch"] is None
        assert scores[0] < report["chosen"]["score"]
    assert all(torch.allclose(state[k].float(), expected[k].float()) for k in state)


def test_windows_longer_than_the_run_are_refused(tmp_path, capsys):
    _trained_run(tmp_path, epochs=1)
    with pytest.raises(ValueError, match="1 epochs, fewer than the window of 2"):
        recipe.average_run(tmp_path, [2], _TinyCache(), "cmd")
    with pytest.raises(SystemExit):
        average_epochs.parse_args(["--run-dir", str(tmp_path), "--windows", "1"])
    assert "at least 2 epochs" in capsys.readouterr().err


def test_export_writes_fp16_weights_and_the_meta_beside_them(tmp_path):
    system = tiny_system(seed=1, meta={"command": "cmd", "averaged_epochs": [4, 6]})
    system.export(tmp_path / "joint.pt")
    loaded, payload = TrainedSystem.load(tmp_path / "joint.pt"), read_checkpoint(tmp_path / "joint.pt")
    assert {v.dtype for v in payload["state_dict"].values() if v.is_floating_point()} == {torch.float16}
    assert json.loads((tmp_path / "joint.json").read_text()) == loaded.meta == {"command": "cmd", "averaged_epochs": [4, 6]}
