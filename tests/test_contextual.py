"""The MiniLM encoder: a sentence's vectors do not depend on which sentences share its call.

The model was trained on vectors cached by `scripts.prepare_data` (256 sentences per call)
while the server embeds one document per call; batching sorts by length, so the padding a
sentence sees differs between the two. Padding is masked, so the vectors must agree to
float16 rounding (values are O(1): one fp16 step is ~1e-3).
"""
from __future__ import annotations

import os
from pathlib import Path

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
def encoder_cache(encoder_cache_dir):
    """The derived-data cache the ONNX export goes to (not the repository's)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEREL_CACHE_DIR", str(encoder_cache_dir))
        yield encoder_cache_dir


@pytest.fixture(scope="module")
def encoder(encoder_cache) -> ContextualEncoder:
    """As served (ONNX Runtime), with batches of two so padding is exercised."""
    return ContextualEncoder(batch_size=2)


@pytest.fixture(scope="module")
def torch_encoder() -> ContextualEncoder:
    return ContextualEncoder(backend="torch")


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


def test_the_tokenizer_gives_transformers_sub_words_without_importing_it():
    """`tokenizers` on MiniLM's tokenizer.json splits words as `transformers`' AutoTokenizer
    (what flair and the training caches used) does, accents, scripts and symbols included."""
    import subprocess
    import sys

    from transformers import AutoTokenizer

    from model.embeddings.minilm import minilm_path, tokenizer

    words = ["Björk", "Đoković", "naïve", "ﬁnance", "İstanbul", "東京", "🎶", "🇫🇷", "\u200b", "", " ", "U.S.",
             "Marks&Spencer", "x" * 600, "Zelenskyy", "don't", "C-USA", "3:42.552"]
    reference = AutoTokenizer.from_pretrained(str(minilm_path()))
    assert tokenizer().word_ids(words) == reference(words, add_special_tokens=False)["input_ids"]
    ids = (tokenizer().cls_token_id, tokenizer().sep_token_id, tokenizer().pad_token_id)
    assert ids == (reference.cls_token_id, reference.sep_token_id, reference.pad_token_id)
    probe = "import sys; from model.embeddings.minilm import tokenizer; tokenizer(); print('transformers' in sys.modules)"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parents[1]).stdout.strip()
    assert loaded == "False"


def test_onnx_runtime_computes_torchs_vectors(encoder, torch_encoder, encoder_cache):
    """The served backend is an export of the torch one: the same vectors to float16 rounding,
    long sentences (several windows) included; the export sits in the derived-data cache."""
    from model.embeddings.minilm_onnx import onnx_path

    assert encoder.backend == "onnx" and onnx_path().is_file() and encoder_cache in onnx_path().parents
    for served, eager in zip(encoder.embed(SENTENCES + [LONG]), torch_encoder.embed(SENTENCES + [LONG])):
        assert served.shape == eager.shape
        assert not len(served) or np.abs(served.astype(np.float32) - eager.astype(np.float32)).max() <= 4e-3


def _embed_in_child(encoder: ContextualEncoder, queue) -> None:
    opened_at_fork = encoder.top_layer_mean._pid == os.getpid()
    queue.put((opened_at_fork, encoder.embed(SENTENCES[:2])))


def test_a_forked_worker_opens_its_own_session(encoder):
    """gunicorn --preload loads the model in the master and forks: the worker must not run
    the master's ONNX Runtime session; it opens its own at the fork and gets the same vectors. One torch
    thread, as served (`Annotator.load`): torch's own thread pool does not survive a fork."""
    import multiprocessing

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        before = encoder.embed(SENTENCES[:2])  # the parent's session exists now
        context = multiprocessing.get_context("fork")
        queue = context.Queue()
        child = context.Process(target=_embed_in_child, args=(encoder, queue))
        child.start()
        opened_at_fork, in_child = queue.get(timeout=60)
        child.join(timeout=60)
    finally:
        torch.set_num_threads(threads)
    assert child.exitcode == 0 and opened_at_fork  # before its first call: no request pays for it
    for a, b in zip(before, in_child):
        assert np.array_equal(a, b)


def test_an_unknown_backend_is_refused_with_the_choices(monkeypatch):
    monkeypatch.setenv("NEREL_ENCODER", "tensorrt")
    with pytest.raises(ValueError, match="onnx, torch"):
        ContextualEncoder()
