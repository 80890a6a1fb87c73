"""The checkpoint file: one versioned payload, written atomically.

`JointNerElModel.save` / `load` decide what goes in it; this module only knows the
format. A shipped checkpoint is self-contained (fp16 weights, no optimizer; vocabularies,
entity table, knowledge base, linking settings and meta), so serving needs only the
repository and the pip packages. A checkpoint of another format is refused with a clear
message rather than read with guessed defaults.
"""
from __future__ import annotations

from pathlib import Path

import torch

FORMAT = 2  # 2: architecture-only ModelConfig plus a separate LinkingConfig
KEYS = ("config", "linking", "state_dict", "chars", "words", "titles", "kb", "meta")


class CheckpointFormatError(ValueError):
    """The file is not a checkpoint this code reads."""


def write_checkpoint(path: Path, payload: dict) -> None:
    """Save `payload` (all of `KEYS`) with the format version; an interrupted save never
    leaves a broken file behind."""
    missing = [k for k in KEYS if k not in payload]
    if missing:
        raise ValueError(f"checkpoint payload lacks {missing}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save({"format": FORMAT, **payload}, tmp)
    tmp.replace(path)


def read_checkpoint(path: Path) -> dict:
    """The payload of a checkpoint of this format."""
    payload = torch.load(Path(path), map_location="cpu", weights_only=False)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        found = payload.get("format") if isinstance(payload, dict) else type(payload).__name__
        raise CheckpointFormatError(f"{path} is checkpoint format {found!r}; this code reads format {FORMAT} "
                                    f"(retrain, or load it with the commit that wrote it)")
    return payload
