"""Time the MiniLM encoder four ways on AIDA documents (issue 18's encoder lever).

    python -m scripts.research.encoder_speed --limit 30 --rounds 3

- ``onnx``: `model.embeddings.contextual.ContextualEncoder` on ONNX Runtime (as served);
- ``torch``: the same encoder with transformers in torch eager;
- ``flair``: flair's `TransformerWordEmbeddings` with the same layers and pooling, batched as torch is;
- ``int8``: the torch encoder with MiniLM's linear layers dynamically quantized to int8
  (`torch.ao.quantization.quantize_dynamic`).

Each document is embedded by the four in turn, ``--rounds`` times; one thread. Prints one
JSON object (seconds per variant, time ratios to torch, and how far onnx's and int8's
vectors move from torch's); asserts nothing. Reads the documents from the prepare_data cache.
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
import time

import numpy as np
import torch

from model.data.cache import DataCache
from model.embeddings.contextual import BATCH_SIZE, ContextualEncoder, flair_equivalent
from model.settings import cache_dir
from scripts.options import add_cache_dir


def flair_embedder(batch_size: int = BATCH_SIZE):
    """flair's embedding of a list of sentences, sorted and batched as `ContextualEncoder.embed`."""
    from flair.data import Sentence

    flair = flair_equivalent()

    def embed(sentences: list[list[str]]) -> list[np.ndarray]:
        order = sorted((i for i, s in enumerate(sentences) if s), key=lambda i: len(sentences[i]))
        out = []
        with torch.no_grad():
            for begin in range(0, len(order), batch_size):
                batch = [Sentence(sentences[i]) for i in order[begin:begin + batch_size]]
                flair.embed(batch)
                out.extend(torch.stack([t.embedding for t in s]).numpy() for s in batch)
        return out

    return embed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=["validation", "test"], default="test")
    parser.add_argument("--limit", type=int, default=30, help="the first N documents")
    parser.add_argument("--rounds", type=int, default=3)
    add_cache_dir(parser)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    documents = DataCache(cache_dir(args.cache_dir)).documents()[args.split][: args.limit]
    served, eager = ContextualEncoder(backend="onnx"), ContextualEncoder(backend="torch")
    int8 = ContextualEncoder(backend="torch")
    int8.top_layer_mean = torch.ao.quantization.quantize_dynamic(copy.deepcopy(eager.top_layer_mean), {torch.nn.Linear},
                                                                 dtype=torch.qint8)
    # torch first: its vectors are the reference the others are compared with
    variants = {"torch": eager.embed, "onnx": served.embed, "flair": flair_embedder(), "int8": int8.embed}
    seconds = dict.fromkeys(variants, 0.0)
    deviation: dict[str, list[float]] = {"onnx": [], "int8": []}
    magnitude = []
    for round_ in range(args.rounds):
        for doc in documents:
            for name, embed in variants.items():
                started = time.perf_counter()
                vectors = embed(doc.sentences)
                seconds[name] += time.perf_counter() - started
                if name == "torch":
                    reference = vectors
                elif round_ == 0 and name in deviation:
                    for a, b in zip(reference, vectors):
                        if len(a):
                            deviation[name].append(float(np.abs(a.astype(np.float32) - b.astype(np.float32)).max()))
                            if name == "int8":
                                magnitude.append(float(np.abs(a.astype(np.float32)).mean()))
    print(json.dumps({
        "documents": len(documents), "rounds": args.rounds,
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
        "time_vs_torch": {k: round(v / seconds["torch"], 3) for k, v in seconds.items()},
        "max_abs_deviation_from_torch": {k: round(max(v), 4) for k, v in deviation.items()},
        "mean_abs_value": round(float(np.mean(magnitude)), 4),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
