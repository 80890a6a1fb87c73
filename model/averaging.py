"""Averaging the weights of a run's last epochs (after training, as in Polyak averaging or
SWA with the run's own learning-rate schedule): the mean of several nearby points of the
trajectory often generalises better than any one of them. Which window to average is
chosen on validation, like the epoch (`scripts/average_epochs.py`)."""
from __future__ import annotations

from pathlib import Path

import torch


def epoch_weights_path(run_dir: Path, epoch: int) -> Path:
    """Where the trainer keeps the weights after ``epoch`` (with ``keep_epochs``)."""
    return run_dir / f"epoch_{epoch}.pt"


def save_epoch_weights(run_dir: Path, epoch: int, state_dict: dict[str, torch.Tensor]) -> None:
    path = epoch_weights_path(run_dir, epoch)
    tmp = path.with_suffix(".pt.tmp")
    torch.save({"epoch": epoch, "state_dict": state_dict}, tmp)
    tmp.replace(path)  # atomic, like last.pt


def load_epoch_states(run_dir: Path, epochs: list[int]) -> list[dict[str, torch.Tensor]]:
    """The kept weights of these epochs; a clear error names the ones that are missing."""
    missing = [e for e in epochs if not epoch_weights_path(run_dir, e).exists()]
    if missing:
        raise FileNotFoundError(f"{run_dir} has no weights kept for epoch(s) {missing}; "
                                f"train with `python -m scripts.train ... --keep-epochs`")
    states = []
    for epoch in epochs:
        payload = torch.load(epoch_weights_path(run_dir, epoch), map_location="cpu", weights_only=False)
        if payload.get("epoch") != epoch:
            raise ValueError(f"{epoch_weights_path(run_dir, epoch)} holds epoch {payload.get('epoch')}, not {epoch}")
        states.append(payload["state_dict"])
    return states


def average_state_dicts(states: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """The element-wise mean of floating tensors (computed in fp64, returned in each
    tensor's own dtype); any other tensor (counters, indices) must agree across states."""
    if not states:
        raise ValueError("nothing to average")
    keys = set(states[0])
    if any(set(s) != keys for s in states[1:]):
        raise ValueError("the states have different parameters: not epochs of one run")
    averaged = {}
    for key, first in states[0].items():
        if first.is_floating_point():
            total = sum(s[key].double() for s in states)
            averaged[key] = (total / len(states)).to(first.dtype)
        elif all(torch.equal(s[key], first) for s in states[1:]):
            averaged[key] = first.clone()
        else:
            raise ValueError(f"non-floating tensor {key} differs between the states")
    return averaged
