"""The MiniLM encoder: a sentence's vectors do not depend on which sentences share its call.

The model was trained on vectors cached by `scripts.prepare_data` (256 sentences per call)
while the server embeds one document per call; batching sorts by length, so the padding a
sentence sees differs between the two. Padding is masked, so the vectors must agree to
float16 rounding (values are O(1): one fp16 step is ~1e-3).
"""
from __future__ import annotations

import numpy as np
import pytest

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
