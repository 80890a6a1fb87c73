"""The MiniLM encoder: a sentence's vectors do not depend on which sentences share its call.

The model was trained on vectors cached by `scripts.prepare_data` (256 sentences per call)
while the server embeds one document per call; batching sorts by length, so the padding a
sentence sees differs between the two. Padding is masked, so the vectors must agree to
float16 rounding (values are O(1): one fp16 step is ~1e-3).
"""
from __future__ import annotations

import numpy as np
import pytest

import torch

from model.embeddings.contextual import ContextualEncoder

SENTENCES = [
    "EU rejects German call to boycott British lamb .".split(),
    ["Peter", "Blackburn"],
    [],
    "Germany 's representative to the European Union 's veterinary committee Werner Zwingmann said on "
    "Wednesday consumers should buy sheepmeat from countries other than Britain until the scientific "
    "advice was clearer .".split(),
    ["BRUSSELS", "1996-08-22"],
]


@pytest.fixture(scope="module")
def encoder() -> ContextualEncoder:
    return ContextualEncoder(batch_size=2)


def test_vectors_do_not_depend_on_the_batch(encoder):
    together = encoder.embed(SENTENCES)
    assert [v.shape for v in together] == [(len(s), ContextualEncoder.dim) for s in SENTENCES]
    assert all(v.dtype == np.float16 for v in together)
    for sentence, vectors in zip(SENTENCES, together):
        if not sentence:
            continue
        alone = encoder.embed([sentence])[0]  # no padding at all
        assert np.abs(alone.astype(np.float32) - vectors.astype(np.float32)).max() <= 4e-3


def test_the_same_tokens_in_other_sentences_get_other_vectors(encoder):
    first, second = encoder.embed([["Paris", "Hilton"], ["Paris", "France"]])
    assert np.abs(first[0].astype(np.float32) - second[0].astype(np.float32)).max() > 1e-2


LONG = ["Merkel", "met", "Chirac", "in", "Paris", "."] * 120  # > 512 sub-words: several windows


def test_a_sentence_longer_than_minilm_reads_window_by_window(encoder):
    """Over 512 sub-words a sentence is cut into windows of whole words: every word still
    gets a vector, and those of the first window are the ones it gets alone."""
    (long,) = encoder.embed([LONG])
    assert long.shape == (len(LONG), ContextualEncoder.dim) and np.abs(long.astype(np.float32)).sum(1).min() > 0
    first = encoder._windows(LONG)[0][1][-2] + 1  # words in the first window ([SEP] is the last row)
    assert 0 < first < len(LONG)
    (alone,) = encoder.embed([LONG[:first]])
    assert np.abs(alone.astype(np.float32) - long[:first].astype(np.float32)).max() <= 4e-3


def test_own_minilm_matches_flair(encoder):
    """The vectors are flair's TransformerWordEmbeddings' (top-four mean, sub-word mean) to
    float16 rounding: models trained on flair's cache run on this code."""
    from flair.data import Sentence

    from model.embeddings.contextual import flair_equivalent

    flair = flair_equivalent()
    for tokens, ours in zip(SENTENCES, encoder.embed(SENTENCES)):
        if not tokens:
            continue
        sentence = Sentence(tokens)
        flair.embed(sentence)
        theirs = torch.stack([t.embedding for t in sentence]).numpy()
        assert np.abs(theirs - ours.astype(np.float32)).max() <= 4e-3
