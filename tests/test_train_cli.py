"""scripts.train's flags and the recipe's rule for resuming a run directory (`model.recipe`)."""
from __future__ import annotations

from dataclasses import asdict

import pytest

from model.trainer import TrainConfig
from model.recipe import pin_run_config, starting_model
from scripts.options import model_config_from as model_config
from scripts.train import parse_args


def test_flags_switch_the_config():
    config = model_config(parse_args(["--run-dir", "runs/x", "--no-mention-rep", "--objective", "el"]))
    assert config.use_mention_rep is False and config.objective == "el"
    default = model_config(parse_args(["--run-dir", "runs/x"]))
    assert default.use_mention_rep is True and default.objective == "joint"


@pytest.mark.parametrize("removed", ["--no-coherence", "--document-rep", "--el-bilinear", "--tune-entities",
                                     "--contextual-scope"])
def test_switches_measured_as_not_helping_are_gone(removed, capsys):
    with pytest.raises(SystemExit):
        parse_args(["--run-dir", "r", removed])
    assert "unrecognized arguments" in capsys.readouterr().err


def test_a_run_resumes_with_more_epochs_but_not_with_other_changes(tmp_path):
    def config(*flags: str) -> dict:
        args = parse_args(["--run-dir", "r", *flags])
        return {"model": model_config(args).to_dict(), "limit_train": None,
                "train": asdict(TrainConfig(epochs=args.epochs, prior_folds=args.prior_folds))}

    pin_run_config(tmp_path, config())
    pin_run_config(tmp_path, config("--epochs", "14"))  # more epochs: the same run
    for other in (("--no-mention-rep",), ("--prior-folds", "10")):
        with pytest.raises(ValueError, match="made with another config"):
            pin_run_config(tmp_path, config(*other))
    assert config("--prior-folds", "10")["train"]["prior_folds"] == 10


def test_negative_prior_folds_are_refused(capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--run-dir", "r", "--prior-folds", "-1"])
    assert exit_info.value.code == 2
    assert "--prior-folds must be 0 (off) or a positive number" in capsys.readouterr().err


def test_open_kb_share_is_a_share(capsys):
    assert parse_args(["--run-dir", "r", "--open-kb-share", "0.3"]).open_kb_share == 0.3
    with pytest.raises(SystemExit):
        parse_args(["--run-dir", "r", "--open-kb-share", "2"])
    assert "--open-kb-share is a share between 0 and 1" in capsys.readouterr().err


def test_fine_tuning_starts_from_the_checkpoint_weights(tmp_path):
    """--init-from continues from the saved weights of the same architecture; another one is refused."""
    import torch

    from tests.conftest import tiny_config, tiny_system

    path = tmp_path / "start.pt"
    saved = tiny_system(tiny_config(use_contextual=True), seed=3)
    saved.meta = {"command": "python -m scripts.train --seed 3", "validation": {"ner_f1": 1.0}}
    saved.save(path, half=False)
    start, lineage = starting_model(path, tiny_config(use_contextual=True))
    assert lineage == {"checkpoint": str(path), "command": "python -m scripts.train --seed 3"}  # how, not how well
    assert start.training
    assert all(torch.equal(a, b) for a, b in zip(start.state_dict().values(), saved.model.state_dict().values()))
    with pytest.raises(ValueError, match="hidden"):
        starting_model(path, tiny_config(use_contextual=True, hidden=32))
