"""What one request costs the real model: seconds per character and per token (printed, never asserted).

    python -m scripts.request_cost                       # shipped checkpoint, 1 thread (as a server worker)
    python -m scripts.request_cost --docs 40 --json

Sizes the server's work limits (`server.config` MAX_DOCUMENT_CHARS, MAX_REQUEST_TOKENS, ...):

* AIDA test documents as GERBIL sends them (`nif.aida_text.rebuild_text`), A2KB: seconds per
  character and per token, and the longest document of every split (a limit below it would
  refuse a benchmark document);
* long texts made by joining test documents: is the cost linear in length?
* D2KB with nested phrases: every overlap layer decodes the whole text again;
* the tokenizer alone (what checking a token limit costs the server).
"""
from __future__ import annotations

import argparse
import json
import sys

from model.annotator import Annotator
from model.data.cache import DataCache
from model.settings import cache_dir, model_path
from model.tokenizer import tokenize
from scripts.bench.measure import gerbil_texts, timed
from scripts.options import add_cache_dir, add_checkpoint, add_threads


def token_count(text: str) -> int:
    return sum(len(sentence) for sentence in tokenize(text))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_checkpoint(parser)
    add_cache_dir(parser)
    parser.add_argument("--docs", type=int, default=30, help="AIDA test documents to time")
    add_threads(parser, default=1)
    parser.add_argument("--target-seconds", type=float, default=3.0, help="longest model call the limits allow")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    texts = gerbil_texts(DataCache(cache_dir(args.cache_dir)))
    annotator = Annotator.load(model_path(args.checkpoint), threads=args.threads)
    annotator.annotate(texts["test"][0])  # warm-up (lazy allocations, first-call costs)

    sample = texts["test"][: args.docs]
    costs = [timed(annotator.annotate, text) for text in sample]
    seconds, cpu_seconds = sum(wall for wall, _ in costs), sum(cpu for _, cpu in costs)
    chars = sum(len(t) for t in sample)
    tokens = sum(token_count(t) for t in sample)
    per_char, per_token = cpu_seconds / chars, cpu_seconds / tokens

    joined = " ".join(texts["test"])
    long_texts = []
    for length in (5_000, 10_000, 20_000, 40_000):
        text = joined[:length]
        wall, cpu = timed(annotator.annotate, text)
        long_texts.append({"chars": length, "tokens": token_count(text), "seconds": round(wall, 2),
                           "cpu_seconds": round(cpu, 2), "cpu_ms_per_char": round(1000 * cpu / length, 3)})

    document = texts["test"][1]
    nested = []
    for depth in (1, 4, 8):
        spans = [(0, len(document) - i) for i in range(depth)]  # every span overlaps every other
        wall, cpu = timed(annotator.link, document, spans)
        nested.append({"phrases_overlapping": depth, "chars": len(document), "seconds": round(wall, 2),
                       "cpu_seconds": round(cpu, 2)})

    _, tokenizer_seconds = timed(lambda: [token_count(t) for t in sample])
    longest = {split: {"chars": max(len(t) for t in split_texts), "tokens": max(token_count(t) for t in split_texts)}
               for split, split_texts in texts.items()}
    result = {
        "checkpoint": str(model_path(args.checkpoint)),
        "threads": args.threads,
        "aida_test_a2kb": {"documents": len(sample), "chars": chars, "tokens": tokens, "seconds": round(seconds, 2),
                           "cpu_seconds": round(cpu_seconds, 2), "docs_per_cpu_second": round(len(sample) / cpu_seconds, 2),
                           "cpu_ms_per_char": round(1000 * per_char, 4), "cpu_ms_per_token": round(1000 * per_token, 3)},
        "long_texts_a2kb": long_texts,
        "d2kb_nested_phrases": nested,
        "tokenizer_cpu_ms_per_char": round(1000 * tokenizer_seconds / chars, 5),
        "longest_document": longest,
        "chars_within_target_cpu": int(args.target_seconds / per_char),
        "tokens_within_target_cpu": int(args.target_seconds / per_token),
        "target_seconds": args.target_seconds,
    }
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
