"""Drive a running server exactly as GERBIL would over AIDA validation/test documents.

For each document the text is rebuilt from its tokens like GERBIL's AIDA/CoNLL loader
(`nif.aida_text.rebuild_text`), sent as one NIF request per document and task:

* A2KB: the context alone; the server finds, types and links mentions.
* D2KB: the gold mentions (all PPRforNED mentions, NIL ones too, as GERBIL sends every
  gold marking) as nif:Phrase resources with anchorOf; the server links exactly those.
  Answers on other spans are dropped, as GERBIL's D2KB evaluation does (a document without
  gold mentions is sent as a bare context, which the server annotates A2KB).

Replies are parsed, offsets converted back to code points (UTF-16 units in ``gerbil``
mode) and scored with InKB strong match (`model.metrics.strong_match_scores`: exact span
and exact entity; NIL gold and NIL/emerging predictions are not counted). Also reported:
documents/s, p50/p95 latency, HTTP errors and offset mismatches (reply phrases whose
anchorOf disagrees with the text at their offsets, or offsets that cannot be converted).

Usage: ``python -m scripts.gerbil_drive --url http://127.0.0.1:5000/gerbil --split
validation [--task a2kb|d2kb|both] [--concurrency N] [--limit N] [--offsets gerbil|nif]
[--json]``. With ``--json`` exactly one JSON object goes to stdout, logs to stderr.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys

from scripts.bench.gerbil_client import TASKS, drive, http_sender
from scripts.options import add_data_dir


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Drive a running NIF server like GERBIL on AIDA.")
    parser.add_argument("--url", default="http://127.0.0.1:5000/gerbil", help="NIF endpoint URL")
    parser.add_argument("--split", default="validation", choices=("validation", "test"))
    parser.add_argument("--task", default="both", choices=("a2kb", "d2kb", "both"))
    parser.add_argument("--offsets", default="gerbil", choices=("gerbil", "nif"),
                        help="reply offset unit (nif: also asks the server for code points)")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--limit", type=int, default=0, help="only the first N documents")
    parser.add_argument("--timeout", type=float, default=120.0)
    add_data_dir(parser)
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s")

    from model.data.aida import load_aida  # lazy: reads the whole dataset

    documents = load_aida(args.data_dir)[args.split]
    if args.limit:
        documents = documents[: args.limit]
    url = args.url
    if args.offsets == "nif":
        url += ("&" if "?" in url else "?") + "offsets=nif"
    tasks = TASKS if args.task == "both" else (args.task,)
    report = {
        "url": url,
        "split": args.split,
        "offsets": args.offsets,
        "concurrency": args.concurrency,
        **drive(documents, http_sender(url, args.timeout), tasks, args.offsets, args.concurrency),
    }
    if args.json:
        print(json.dumps(report))
        return
    for task in tasks:
        scores = report[task]
        print(
            f"{task.upper()} {args.split} ({scores['documents']} docs): "
            f"micro P/R/F1 {scores['micro_p']:.2f}/{scores['micro_r']:.2f}/{scores['micro_f1']:.2f} "
            f"macro F1 {scores['macro_f1']:.2f} | {scores['docs_per_s']:.2f} docs/s, "
            f"p50 {scores['latency_p50_ms']:.0f} ms, p95 {scores['latency_p95_ms']:.0f} ms, "
            f"HTTP errors {scores['http_errors']}, offset mismatches {scores['offset_mismatches']}"
        )
        for example in scores["error_examples"]:
            print(f"  error: {example}")


if __name__ == "__main__":
    main()
