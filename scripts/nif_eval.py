"""Score any NIF gold standard as GERBIL does, in process or through a running server.

Documents and gold mentions come from `nif.gold.read_gold`. Scoring is InKB strong matching
(`model.metrics.strong_match_scores`): per document, gold = the (begin, end, title) of the
linked gold mentions, predictions = the (begin, end, title) of the linked predictions; NIL
gold and NIL predictions are not counted; titles compared exactly (URIs decoded).

* A2KB: the model gets the text alone; D2KB: every gold span (NIL ones too, as GERBIL sends
  every gold marking) to link, and answers on other spans are dropped as GERBIL does.
* In process (default): `model.annotator.Annotator` with ``--kb``, keeping every candidate, so
  each linked gold mention is also put in one error class (`classify`): ``span_missed`` (no
  predicted mention with exactly its span), ``not_in_candidates`` (span found, gold title not
  among the candidates), ``nil`` (gold among them, answered NIL), ``wrong_entity``,
  ``correct``; and ``spurious``: linked predictions on a span that is no linked gold span
  (in D2KB: links on NIL gold spans). ``--errors N`` prints N examples of each error class.
* ``--url``: each document is sent as a NIF request by `scripts.gerbil_drive` (its request
  building, reply reading and scoring); scores, HTTP errors and offset mismatches only.

Usage: ``python -m scripts.nif_eval FILE [FILE...] --task a2kb|d2kb|both [--url URL]
[--kb aida|open|open-only] [--limit N] [--json] [--errors N]``, or ``python -m
scripts.nif_eval --suite [--data-dir DIR]``: the out-of-domain dev suite (``ood-dev/`` of the
shared data: OKE2015-Task1-train A2KB, DBpedia-Spotlight A2KB and D2KB, WNED-WIKI D2KB) as
one markdown table with the mean A2KB micro F1 and the mean micro F1 of all rows. With
``--json`` exactly one JSON object goes to stdout, logs to stderr.
"""
from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
from pathlib import Path
from typing import Sequence
from urllib.parse import unquote

from model.settings import KB_MODES, kb_mode
from nif.gold import GoldDocument, read_gold
from scripts.bench.gerbil_client import http_sender
from scripts.bench.nif_scoring import (CATEGORIES, LOGGER, SUITE, evaluate_in_process, evaluate_server, row_documents,
                                       threshold_curve)
from scripts.options import add_data_dir


def means(rows: list[dict]) -> dict:
    """Mean A2KB micro F1 and mean micro F1 of all rows (None where there is no row)."""
    a2kb = [r["micro_f1"] for r in rows if r["task"] == "a2kb"]
    return {"mean_a2kb_micro_f1": statistics.fmean(a2kb) if a2kb else None,
            "mean_micro_f1": statistics.fmean(r["micro_f1"] for r in rows) if rows else None}


def table(rows: list[dict]) -> str:
    """The rows as one markdown table (breakdown columns "–" for server runs)."""
    heads = ["corpus", "task", "docs", "gold linked", "micro P", "micro R", "micro F1", "macro F1",
             *CATEGORIES]
    lines = ["| " + " | ".join(heads) + " |", "| --- | --- |" + " ---: |" * (len(heads) - 2)]
    for r in rows:
        breakdown = r.get("breakdown") or {}
        cells = [r["corpus"], r["task"].upper(), str(r["documents"]), str(r["gold"]),
                 *(f"{r[k]:.2f}" for k in ("micro_p", "micro_r", "micro_f1", "macro_f1")),
                 *(str(breakdown[c]) if c in breakdown else "–" for c in CATEGORIES)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def print_report(report: dict) -> None:
    rows = report["rows"]
    print(table(rows))
    if len(rows) > 1:
        a2kb, mean = report["mean_a2kb_micro_f1"], report["mean_micro_f1"]
        print(f"\nmean A2KB micro F1: {'–' if a2kb is None else f'{a2kb:.2f}'}; "
              f"mean micro F1 of all rows: {mean:.2f}")
    for r in rows:
        if "http_errors" in r:
            print(f"{r['corpus']} {r['task'].upper()}: HTTP errors {r['http_errors']}, offset "
                  f"mismatches {r['offset_mismatches']}, {r['docs_per_s']:.2f} docs/s")
            for example in r["error_examples"]:
                print(f"  error: {example}")
        for category, examples in r.get("examples", {}).items():
            print(f"\n{r['corpus']} {r['task'].upper()} {category}:")
            for e in examples:
                where = unquote(e["document"]).rsplit("/", 1)[-1]  # the URI's last segment
                print(f"  {where} {e['span']} {e['surface']!r}: gold {e['gold']}, predicted "
                      f"{e['predicted']}, candidates {e['candidates']}\n    … {e['context']} …")


def print_curves(rows: list[dict], as_json: bool) -> None:
    """Each row's micro F1 per threshold, and the mean over the rows."""
    thresholds = list(rows[0]["curve"])
    mean = {t: statistics.fmean(r["curve"][t] for r in rows) for t in thresholds}
    if as_json:
        print(json.dumps({"rows": rows, "mean": mean}))
        return
    print("| corpus | task | " + " | ".join(str(t) for t in thresholds) + " |")
    print("| --- | --- |" + " ---: |" * len(thresholds))
    for r in rows + [{"corpus": "mean", "task": "", "curve": mean}]:
        print(f"| {r['corpus']} | {r['task'].upper()} | " + " | ".join(f"{r['curve'][t]:.2f}" for t in thresholds) + " |")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Score NIF gold standards as GERBIL does.")
    parser.add_argument("files", nargs="*", type=Path, help="NIF gold files (Turtle, N-Triples, JSON-LD)")
    parser.add_argument("--suite", action="store_true", help="the ood-dev suite instead of FILEs")
    parser.add_argument("--task", default="both", choices=("a2kb", "d2kb", "both"))
    parser.add_argument("--url", default=None, help="NIF endpoint, e.g. http://127.0.0.1:5000/gerbil")
    parser.add_argument("--kb", default=None, choices=KB_MODES, help="in process (else $NEREL_KB or open)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N documents of each file")
    parser.add_argument("--errors", type=int, default=0, help="N examples per error class (in process)")
    parser.add_argument("--concurrency", type=int, default=1, help="parallel requests with --url")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per request with --url")
    add_data_dir(parser)
    parser.add_argument("--aida", choices=("validation",), default=None,
                        help="also AIDA validation as GERBIL sends it (--task); test is never used to choose")
    parser.add_argument("--thresholds", default=None,
                        help="comma-separated open-KB NIL thresholds (A2KB rows: open_nil_threshold; D2KB rows: "
                             "given_span_open_nil_threshold): micro F1 of each row at each (in process)")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s")
    if args.suite == bool(args.files) and not args.aida:
        parser.error("give gold FILEs or --suite (not both)")
    if args.thresholds and args.url:
        parser.error("--thresholds decides links in process: not with --url")
    tasks = ("a2kb", "d2kb") if args.task == "both" else (args.task,)
    # (a dev row's name, or a file's path; task)
    runs: list[tuple[str | Path, str]] = (list(SUITE) if args.suite
                                           else [(path, task) for path in args.files for task in tasks])
    if args.aida:
        runs.extend((f"AIDA-{args.aida}", task) for task in tasks)

    annotator = send = None
    if args.url:
        if args.kb:
            LOGGER.warning("--kb is ignored with --url: the server links against its own knowledge base")
        send = http_sender(args.url, args.timeout)
    else:
        from model.annotator import Annotator  # lazy: loads torch

        annotator = Annotator.load(kb=args.kb)
        annotator.candidates_shown = 1_000_000  # every candidate, for not_in_candidates
    rows: list[dict] = []
    cache: dict[str | Path, list[GoldDocument]] = {}
    for source, task in runs:
        if source not in cache:
            read = read_gold(source) if isinstance(source, Path) else row_documents(source, args.data_dir)
            cache[source] = read[: args.limit or None]
        documents, path = cache[source], Path(source)
        LOGGER.info("%s %s: %d documents", path.name, task, len(documents))
        if args.thresholds:
            curve = threshold_curve(annotator, documents, task, [float(t) for t in args.thresholds.split(",")])
            rows.append({"corpus": path.stem, "task": task, "file": str(path), "curve": curve})
            continue
        scores = (evaluate_server(send, documents, task, args.concurrency) if send
                  else evaluate_in_process(annotator, documents, task, args.errors))
        rows.append({"corpus": path.stem, "task": task, "file": str(path), **scores})
    if args.thresholds:
        print_curves(rows, args.json)
        return
    report = {"url": args.url, "kb": None if args.url else kb_mode(args.kb), "limit": args.limit,
              "rows": rows, **means(rows)}
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print_report(report)


if __name__ == "__main__":
    main()
