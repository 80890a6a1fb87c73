"""scripts.train's flags and its rule for resuming a run directory."""
from __future__ import annotations

from dataclasses import asdict

import pytest

from model.trainer import TrainConfig
from scripts.train import _without_epochs, model_config, parse_args, saved_run_config


def test_flags_switch_the_config():
    config = model_config(parse_args(["--run-dir", "runs/x", "--no-coherence", "--objective", "el"]))
    assert config.use_coherence is False and config.objective == "el"
    assert model_config(parse_args(["--run-dir", "runs/x"])).use_coherence is True


def test_a_run_resumes_across_epochs_and_calibrated_decoding_settings_but_not_other_changes():
    run = {"model": model_config(parse_args(["--run-dir", "r"])).to_dict(), "train": {"epochs": 10, "lr": 0.001},
           "limit_train": None}
    longer = {**run, "train": {**run["train"], "epochs": 14}}
    calibrated = {**run, "model": {**run["model"], "nil_threshold": 0.85, "coherence_weight": 24.0, "use_coherence": False}}
    other = {**run, "model": {**run["model"], "use_mention_rep": False}}
    assert _without_epochs(longer) == _without_epochs(run)
    assert _without_epochs(calibrated) == _without_epochs(run)
    assert _without_epochs(other) != _without_epochs(run)


def test_runs_from_before_prior_folds_resume_only_without_them():
    def config(*flags: str) -> dict:
        args = parse_args(["--run-dir", "r", *flags])
        return {"model": model_config(args).to_dict(), "limit_train": None,
                "train": asdict(TrainConfig(epochs=args.epochs, prior_folds=args.prior_folds))}

    old = config()
    del old["train"]["prior_folds"]  # config.json of a run made before the option
    assert _without_epochs(saved_run_config(old)) == _without_epochs(config())
    assert _without_epochs(saved_run_config(old)) != _without_epochs(config("--prior-folds", "10"))
    folded = config("--prior-folds", "10")
    assert folded["train"]["prior_folds"] == 10
    assert _without_epochs(saved_run_config(folded)) == _without_epochs(config("--prior-folds", "10", "--epochs", "20"))


def test_negative_prior_folds_are_refused(capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--run-dir", "r", "--prior-folds", "-1"])
    assert exit_info.value.code == 2
    assert "--prior-folds must be 0 (off) or a positive number" in capsys.readouterr().err
