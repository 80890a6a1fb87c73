"""scripts.soup: the mean of fine-tunings of one model, and only of those."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from model.recipe import check_compatible, make_soup
from tests.conftest import tiny_config, tiny_system


def test_a_soup_is_the_mean_of_its_ingredients_weights_and_records_them(tmp_path: Path) -> None:
    from model.joint_model import TrainedSystem

    paths = []
    for seed in (1, 2):
        path = tmp_path / f"ingredient_{seed}.pt"
        tiny_system(seed=seed, meta={"command": f"train --seed {seed}"}).save(path, half=False)
        paths.append(path)
    check_compatible(paths)
    make_soup(TrainedSystem.load(paths[0]), [TrainedSystem.load(p) for p in paths], "soup it").save(
        tmp_path / "soup.pt", half=False)
    soup = TrainedSystem.load(tmp_path / "soup.pt")
    one, two = (TrainedSystem.load(p).model.state_dict() for p in paths)
    for key, value in soup.model.state_dict().items():
        if value.is_floating_point():
            assert torch.allclose(value, (one[key] + two[key]) / 2, atol=1e-6), key
    assert soup.meta == {"soup": {"command": "soup it", "ingredients": [{"command": "train --seed 1"},
                                                                         {"command": "train --seed 2"}]}}


def test_models_of_another_architecture_make_no_soup(tmp_path: Path) -> None:
    tiny_system(seed=1).save(tmp_path / "a.pt", half=False)
    tiny_system(tiny_config(hidden=32), seed=1).save(tmp_path / "b.pt", half=False)
    with pytest.raises(ValueError, match="config"):
        check_compatible([tmp_path / "a.pt", tmp_path / "b.pt"])
