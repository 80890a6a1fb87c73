"""scripts.train's flags and its rule for resuming a run directory."""
from __future__ import annotations

from scripts.train import _without_epochs, model_config, parse_args


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
